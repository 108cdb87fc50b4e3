"""Key loading in every form users paste, against files OpenSSL wrote, and every rejection."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import example, given, settings
from hypothesis import strategies as st

import ocrcrypto
from ocrcrypto import keys
from ocrcrypto.errors import KeyFormatError
from ocrcrypto.hazmat import sm2

from .conftest import data_file

SM2_D = int(data_file("sm2_private_raw.txt").decode(), 16)
SM2_POINT = bytes.fromhex(data_file("sm2_public_raw.txt").decode())


def _rsa_numbers(key) -> tuple:
    numbers = key.public_numbers() if isinstance(key, rsa.RSAPublicKey) else key.private_numbers().public_numbers
    return numbers.n, numbers.e


RSA_N = _rsa_numbers(ocrcrypto.load_private_key(data_file("rsa1024_private_pkcs1.pem")))


def _pem_body(name: str) -> str:
    return "".join(data_file(name).decode().strip().splitlines()[1:-1])


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(data_file("rsa1024_public_pkcs1.pem"), id="pkcs1-pem-bytes"),
        pytest.param(data_file("rsa1024_public_pkcs1.pem").decode(), id="pkcs1-pem-str"),
        pytest.param(data_file("rsa1024_public_spki.pem").decode(), id="spki-pem"),
        pytest.param(data_file("rsa1024_public_pkcs1.der"), id="pkcs1-der"),
        pytest.param(data_file("rsa1024_public_spki.der"), id="spki-der"),
        pytest.param(data_file("rsa1024_public_vendor.txt").decode(), id="vendor-base64-of-pem"),
        pytest.param(data_file("rsa1024_public_vendor.txt").decode() + "\n", id="vendor-trailing-newline"),
        pytest.param(
            "\n".join(data_file("rsa1024_public_vendor.txt").decode()[i:i + 60] for i in range(0, 400, 60)),
            id="vendor-wrapped",
        ),
        pytest.param(_pem_body("rsa1024_public_spki.pem"), id="base64-der-without-armor"),
        pytest.param(data_file("rsa1024_public_pkcs1.pem").decode().replace("\n", "\\n"), id="pem-with-escaped-newlines"),
        pytest.param(data_file("rsa1024_public_pkcs1.pem").decode().replace("\n", " "), id="pem-on-one-line"),
        pytest.param("\ufeff  " + data_file("rsa1024_public_pkcs1.pem").decode() + "\r\n", id="bom-and-crlf"),
        pytest.param(bytearray(data_file("rsa1024_public_spki.der")), id="bytearray"),
    ],
)
def test_rsa_public_formats(data):
    key = ocrcrypto.load_public_key(data)
    assert isinstance(key, rsa.RSAPublicKey)
    assert _rsa_numbers(key) == RSA_N


@pytest.mark.parametrize(
    "name", ["rsa1024_private_pkcs1.pem", "rsa1024_private_pkcs8.pem", "rsa1024_private_pkcs1.der", "rsa1024_private_pkcs8.der"]
)
def test_rsa_private_formats(name):
    key = ocrcrypto.load_private_key(data_file(name))
    assert isinstance(key, rsa.RSAPrivateKey)
    assert _rsa_numbers(key) == RSA_N


def _sm2_oid_in_algorithm_slot() -> bytes:
    """SubjectPublicKeyInfo with the SM2 OID as the algorithm, as some tools write it."""
    spki = keys._SubjectPublicKeyInfo(
        {"algorithm": keys._AlgorithmIdentifier({"algorithm": "1.2.156.10197.1.301"}), "public_key": SM2_POINT}
    )
    return spki.dump()


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(data_file("sm2_public_spki.pem"), id="spki-pem"),
        pytest.param(data_file("sm2_public_spki.der"), id="spki-der"),
        pytest.param(data_file("sm2_public_vendor.txt").decode(), id="vendor-base64-of-pem"),
        pytest.param(data_file("sm2_public_raw.txt").decode(), id="raw-hex-04xy"),
        pytest.param(data_file("sm2_public_raw.txt").decode()[2:], id="raw-hex-xy"),
        pytest.param(data_file("sm2_public_raw.txt").decode().upper(), id="raw-hex-upper"),
        pytest.param(" ".join(data_file("sm2_public_raw.txt").decode()[i:i + 8] for i in range(0, 130, 8)), id="raw-hex-spaced"),
        pytest.param(_sm2_oid_in_algorithm_slot(), id="sm2-oid-in-algorithm-slot"),
        pytest.param(_pem_body("sm2_public_spki.pem"), id="base64-der-without-armor"),
    ],
)
def test_sm2_public_formats(data):
    key = ocrcrypto.load_public_key(data)
    assert isinstance(key, sm2.Sm2PublicKey)
    assert key.to_bytes() == SM2_POINT


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(data_file("sm2_private_pkcs8.pem"), id="pkcs8-pem"),
        pytest.param(data_file("sm2_private_pkcs8.der"), id="pkcs8-der"),
        pytest.param(data_file("sm2_private_sec1.pem"), id="sec1-pem-openssl-label"),
        pytest.param(data_file("sm2_private_sec1.pem").replace(b"SM2 PRIVATE KEY", b"EC PRIVATE KEY"), id="sec1-pem"),
        pytest.param(data_file("sm2_private_sec1.der"), id="sec1-der"),
        pytest.param(data_file("sm2_private_raw.txt").decode(), id="raw-hex-d"),
        pytest.param(base64.b64encode(data_file("sm2_private_pkcs8.pem")).decode(), id="base64-of-pem"),
    ],
)
def test_sm2_private_formats(data):
    key = ocrcrypto.load_private_key(data)
    assert isinstance(key, sm2.Sm2PrivateKey)
    assert key.private_bytes() == SM2_D.to_bytes(32, "big")
    assert key.public_key.to_bytes() == SM2_POINT


@pytest.mark.parametrize("kind", ["RSA", "SM2"])
def test_written_keys_load_back(kind):
    private = ocrcrypto.generate_private_key(kind)
    public = private.public_key() if kind == "RSA" else private.public_key
    for text in (ocrcrypto.public_key_pem(public), ocrcrypto.vendor_public_key(public)):
        assert keys.public_key_der(ocrcrypto.load_public_key(text)) == keys.public_key_der(public)
    again = ocrcrypto.load_private_key(ocrcrypto.private_key_pem(private))
    assert ocrcrypto.private_key_pem(again) == ocrcrypto.private_key_pem(private)


def test_traditional_and_spki_forms_match_openssl():
    rsa_private = ocrcrypto.load_private_key(data_file("rsa1024_private_pkcs1.pem"))
    assert ocrcrypto.private_key_pem(rsa_private, traditional=True) == data_file("rsa1024_private_pkcs1.pem").decode()
    assert ocrcrypto.public_key_pem(rsa_private.public_key(), spki=True) == data_file("rsa1024_public_spki.pem").decode()
    sm2_private = ocrcrypto.load_private_key(data_file("sm2_private_pkcs8.pem"))
    sec1 = ocrcrypto.private_key_pem(sm2_private, traditional=True)
    assert sec1 == data_file("sm2_private_sec1.pem").decode().replace("SM2 PRIVATE KEY", "EC PRIVATE KEY")


def test_sm2_written_pem_matches_openssl_layout():
    """Our SM2 PKCS#8 and SPKI are byte-identical to what OpenSSL wrote for the same key."""
    private = ocrcrypto.load_private_key(data_file("sm2_private_pkcs8.pem"))
    assert keys.public_key_der(private.public_key) == data_file("sm2_public_spki.der")
    assert ocrcrypto.private_key_pem(private) == data_file("sm2_private_pkcs8.pem").decode()


def test_vendor_form_is_base64_of_pem():
    public = ocrcrypto.load_public_key(data_file("rsa1024_public_pkcs1.pem"))
    assert base64.b64decode(ocrcrypto.vendor_public_key(public)) == data_file("rsa1024_public_pkcs1.pem")


def test_key_type():
    assert keys.key_type(ocrcrypto.load_public_key(data_file("sm2_public_spki.pem"))) == "SM2"
    assert keys.key_type(ocrcrypto.load_private_key(data_file("rsa1024_private_pkcs1.pem"))) == "RSA"
    with pytest.raises(KeyFormatError, match="not an ocrcrypto key: str"):
        keys.key_type("x")  # type: ignore[arg-type]


# -- rejections ----------------------------------------------------------------------------------


def _spki_with_point(point: bytes) -> bytes:
    return keys._SubjectPublicKeyInfo({"algorithm": keys._sm2_algorithm(), "public_key": point}).dump()


def _sec1(d: bytes, public: bytes = None, curve: str = "1.2.156.10197.1.301") -> bytes:
    value = {"version": 1, "private_key": d, "parameters": keys._EcParameters(name="named", value=curve)}
    if public is not None:
        value["public_key"] = public
    return keys._EcPrivateKey(value).dump()


@pytest.mark.parametrize(
    "data, message",
    [
        ("", "public key: empty"),
        ("   \n", "public key: empty"),
        ("hello world", "public key: not a recognised format (tried PEM, the vendor's base64-of-PEM, base64 DER, DER, raw SM2 hex)"),
        ("abcd" * 10, "public key: not a recognised format"),
        (b"\xff\xfe\x00", "public key: neither DER (starts with 0x30) nor ASCII text"),
        (b"\x30\x03\x02\x01", "public key (PKCS#1 RSA): malformed DER"),
        (12345, "public key: expected str or bytes, got int"),
        ("-----BEGIN PUBLIC KEY-----\nMFkw", "public key: PEM text without a matching -----END line"),
        ("-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----", "public key: PEM body is not valid base64"),
        ("-----BEGIN CERTIFICATE-----\nMA==\n-----END CERTIFICATE-----", "public key: PEM label 'CERTIFICATE' is not one of"),
        (data_file("p256_public.pem"), "public key: EC curve 1.2.840.10045.3.1.7 is not SM2"),
        (data_file("rsa512_public.pem"), "public key: RSA-512 is too small (minimum 1024 bits)"),
        (data_file("sm2_public_raw.txt").decode()[:-2] + "00", "SM2 public key: point is not on the curve"),
        ("05" + data_file("sm2_public_raw.txt").decode()[2:], "public key: not a recognised format"),
        (_spki_with_point(SM2_POINT[:33]), "public key: SM2 point must be uncompressed 04||X||Y (65 bytes), got 33 bytes"),
        (
            keys._SubjectPublicKeyInfo(
                {"algorithm": keys._AlgorithmIdentifier({"algorithm": "1.3.101.112"}), "public_key": b"\x00" * 32}
            ).dump(),
            "public key: algorithm OID 1.3.101.112 is neither RSA nor SM2",
        ),
        (data_file("sm2_private_pkcs8.pem"), "public key: PEM label 'PRIVATE KEY' is not one of"),
        (base64.b64encode(b"-----BEGIN PUBLIC KEY-----\n\xff\n-----END PUBLIC KEY-----").decode(), "public key: base64-of-PEM decodes to non-ASCII text"),
    ],
)
def test_public_key_rejections(data, message):
    with pytest.raises(KeyFormatError) as info:
        ocrcrypto.load_public_key(data)
    assert str(info.value).startswith(message), str(info.value)


@pytest.mark.parametrize(
    "data, message",
    [
        ("", "private key: empty"),
        ("zz", "private key: not a recognised format (tried PEM, the vendor's base64-of-PEM, base64 DER, DER, raw SM2 hex d)"),
        ("-----BEGIN ENCRYPTED PRIVATE KEY-----\nMA==\n-----END ENCRYPTED PRIVATE KEY-----", "private key: encrypted PEM is not supported"),
        (
            "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nMA==\n-----END RSA PRIVATE KEY-----",
            "private key: encrypted PEM is not supported",
        ),
        (data_file("p256_private.pem"), "private key: EC curve 1.2.840.10045.3.1.7 is not SM2"),
        (data_file("rsa512_private.pem"), "private key: RSA-512 is too small"),
        ("00" * 32, "SM2 private key: scalar out of range"),
        (sm2.N.to_bytes(32, "big").hex(), "SM2 private key: scalar out of range"),
        (_sec1(b"\x01" * 33), "private key (SEC1): SM2 private scalar longer than 32 bytes"),
        (_sec1(SM2_D.to_bytes(32, "big"), b"\x04" + bytes(64)), "private key (SEC1): the embedded public key does not match"),
        (_sec1(SM2_D.to_bytes(32, "big"), curve="1.2.840.10045.3.1.7"), "private key (SEC1): EC curve 1.2.840.10045.3.1.7 is not SM2"),
        (bytes.fromhex("300a020101040101a0023000"), "private key (SEC1): EC parameters are not a named curve"),
        (b"\x30\x03\x02\x01\x05", "private key (PKCS#1 RSA): malformed DER"),
        (data_file("rsa1024_public_pkcs1.pem"), "private key: PEM label 'RSA PUBLIC KEY' is not one of"),
        (
            keys._PrivateKeyInfo(
                {"version": 0, "private_key_algorithm": keys._AlgorithmIdentifier({"algorithm": "1.3.101.112"}), "private_key": b"\x04\x20" + bytes(32)}
            ).dump(),
            "private key: algorithm OID 1.3.101.112 is neither RSA nor SM2",
        ),
    ],
)
def test_private_key_rejections(data, message):
    with pytest.raises(KeyFormatError) as info:
        ocrcrypto.load_private_key(data)
    assert str(info.value).startswith(message), str(info.value)


def test_error_messages_never_contain_the_key():
    secret = data_file("sm2_private_raw.txt").decode()
    mangled = secret[:-1] + "g"
    with pytest.raises(KeyFormatError) as info:
        ocrcrypto.load_private_key(mangled)
    assert secret[:16] not in str(info.value)


@pytest.mark.parametrize("kind, bits, message", [("DSA", 2048, "key type: expected 'RSA' or 'SM2'"), ("RSA", 512, "RSA key size: 512")])
def test_generate_rejections(kind, bits, message):
    with pytest.raises(KeyFormatError, match=message):
        ocrcrypto.generate_private_key(kind, rsa_bits=bits)


@pytest.mark.parametrize("writer", [keys.public_key_der, keys.public_key_pem, keys.private_key_pem])
def test_writers_reject_foreign_objects(writer):
    with pytest.raises(KeyFormatError, match="not an RSA or SM2"):
        writer("not a key")  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=300), st.text(max_size=300), st.binary(max_size=200).map(lambda b: b"\x30" + b)))
def test_arbitrary_input_only_raises_key_format_errors(data):
    for loader in (ocrcrypto.load_public_key, ocrcrypto.load_private_key):
        try:
            loader(data)
        except KeyFormatError:
            pass


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=300), st.integers(min_value=0, max_value=255))
@example(125, 0)  # cryptography 42 answers this one with UnsupportedAlgorithm
def test_mangled_der_only_raises_key_format_errors(index, value):
    for name in ("sm2_private_pkcs8.der", "sm2_public_spki.der", "rsa1024_private_pkcs1.der", "sm2_private_sec1.der"):
        der = bytearray(data_file(name))
        der[index % len(der)] = value
        loader = ocrcrypto.load_public_key if "public" in name else ocrcrypto.load_private_key
        try:
            loader(bytes(der))
        except KeyFormatError:
            pass


def test_pem_whose_body_is_not_der():
    for loader, label in ((ocrcrypto.load_public_key, "PUBLIC KEY"), (ocrcrypto.load_private_key, "PRIVATE KEY")):
        with pytest.raises(KeyFormatError, match=r"DER must start with a SEQUENCE \(0x30\)"):
            loader(f"-----BEGIN {label}-----\nAAAA\n-----END {label}-----")


def test_pkcs8_with_a_bad_inner_ec_version():
    inner = keys._EcPrivateKey({"version": 2, "private_key": SM2_D.to_bytes(32, "big")}).dump()
    info = keys._PrivateKeyInfo({"version": 0, "private_key_algorithm": keys._sm2_algorithm(), "private_key": inner})
    with pytest.raises(KeyFormatError, match=r"private key \(SM2 PKCS#8\): ECPrivateKey version must be 1"):
        ocrcrypto.load_private_key(info.dump())


def test_traditional_dsa_private_key_is_refused(tmp_path):
    import shutil
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed")
    subprocess.run(["openssl", "dsaparam", "-out", str(tmp_path / "p.pem"), "1024"], check=True, capture_output=True)
    subprocess.run(["openssl", "gendsa", "-out", str(tmp_path / "k.pem"), str(tmp_path / "p.pem")], check=True, capture_output=True)
    der = subprocess.run(["openssl", "dsa", "-in", str(tmp_path / "k.pem"), "-outform", "DER"], check=True, capture_output=True).stdout
    with pytest.raises(KeyFormatError, match="private key: not an RSA or SM2 key"):
        ocrcrypto.load_private_key(der)


def test_public_key_of():
    private = ocrcrypto.load_private_key(data_file("sm2_private_pkcs8.pem"))
    assert ocrcrypto.public_key_of(private) is private.public_key
    with pytest.raises(KeyFormatError, match=r"private key: not an RSA or SM2 private key \(str\)"):
        ocrcrypto.public_key_of("key")  # type: ignore[arg-type]
