"""Key loading in every form users paste, against files OpenSSL wrote, and every rejection."""

from __future__ import annotations

import base64
import json
import subprocess
import sys

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import example, given, settings
from hypothesis import strategies as st

import ocrcrypto
from ocrcrypto import _asn1, keys
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
    spki = _asn1.SubjectPublicKeyInfo(
        {"algorithm": _asn1.AlgorithmIdentifier({"algorithm": "1.2.156.10197.1.301"}), "public_key": SM2_POINT}
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
    return _asn1.SubjectPublicKeyInfo({"algorithm": keys._sm2_algorithm(), "public_key": point}).dump()


def _sec1(d: bytes, public: bytes = None, curve: str = "1.2.156.10197.1.301") -> bytes:
    value = {"version": 1, "private_key": d, "parameters": _asn1.EcParameters(name="named", value=curve)}
    if public is not None:
        value["public_key"] = public
    return _asn1.EcPrivateKey(value).dump()


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
        (
            _spki_with_point(SM2_POINT[:33]),
            "public key: SM2 point must be uncompressed 04||X||Y (65 bytes) or compressed 02/03||X (33 bytes), got 33 bytes",
        ),
        (_spki_with_point(b"\x06" + SM2_POINT[1:]), "public key: SM2 point must be uncompressed"),  # SEC 1 hybrid form
        (b"\x30\x83\x01\x00\x01" + bytes(65537), "public key: 65542 bytes of DER, more than any key has (at most 65536)"),
        (_spki_with_point(b"\x00"), "public key: SM2 point must be uncompressed 04||X||Y (65 bytes) or compressed 02/03||X (33 bytes), got 1 bytes"),
        ("-----BEGIN public key-----\nMFkw\n-----END public key-----", "public key: PEM -----BEGIN line without a label of capitals"),
        ("-----BEGIN PUBLIC KEY\nMFkw\n", "public key: PEM -----BEGIN line is not closed by -----"),
        (  # the first BEGIN line decides, even when a complete block follows
            "-----BEGIN RSA PUBLIC KEY-----\n" + data_file("sm2_public_spki.pem").decode(),
            "public key: PEM text without a matching -----END line",
        ),
        (
            _asn1.SubjectPublicKeyInfo(
                {"algorithm": _asn1.AlgorithmIdentifier({"algorithm": "1.3.101.112"}), "public_key": b"\x00" * 32}
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
        ("0" + SM2_D.to_bytes(32, "big").hex(), "private key: raw SM2 hex d has 65 digits, more than 64"),
        (b"\x30\x83\x01\x00\x01" + bytes(65537), "private key: 65542 bytes of DER, more than any key has (at most 65536)"),
        ("0", "SM2 private key: scalar out of range"),
        (f"{sm2.N - 1:x}", "SM2 private key: scalar out of range"),
        (data_file("rsa1024_public_pkcs1.pem"), "private key: PEM label 'RSA PUBLIC KEY' is not one of"),
        (
            _asn1.PrivateKeyInfo(
                {"version": 0, "private_key_algorithm": _asn1.AlgorithmIdentifier({"algorithm": "1.3.101.112"}), "private_key": b"\x04\x20" + bytes(32)}
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
    inner = _asn1.EcPrivateKey({"version": 2, "private_key": SM2_D.to_bytes(32, "big")}).dump()
    info = _asn1.PrivateKeyInfo({"version": 0, "private_key_algorithm": keys._sm2_algorithm(), "private_key": inner})
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


def _assert_one_line(message: str) -> None:
    assert message.isprintable() and len(message) < 300, message


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=300), st.text(max_size=300), st.binary(max_size=200).map(lambda b: b"\x30" + b)))
def test_arbitrary_input_gives_one_line_messages(data):
    for loader in (ocrcrypto.load_public_key, ocrcrypto.load_private_key):
        for text in (data, b"-----BEGIN " + data if isinstance(data, bytes) else "-----BEGIN " + data):
            try:
                loader(text)
            except KeyFormatError as error:
                _assert_one_line(str(error))


# -- compressed SM2 public keys (files written by `openssl ec -pubout -conv_form compressed`) ----


def _compressed_hex(name: str) -> str:
    """02/03||X as hex: the last 33 bytes of an OpenSSL-written compressed SubjectPublicKeyInfo."""
    return data_file(name)[-33:].hex()


SM2_EVEN_POINT = ocrcrypto.load_public_key(data_file("sm2_even_public_spki.der")).to_bytes()


@pytest.mark.parametrize(
    "data, expected",
    [
        pytest.param(data_file("sm2_public_compressed.pem"), SM2_POINT, id="spki-pem-odd-y"),
        pytest.param(data_file("sm2_public_compressed.der"), SM2_POINT, id="spki-der-odd-y"),
        pytest.param(base64.b64encode(data_file("sm2_public_compressed.pem")).decode(), SM2_POINT, id="vendor-odd-y"),
        pytest.param(_compressed_hex("sm2_public_compressed.der"), SM2_POINT, id="raw-hex-03x"),
        pytest.param(_compressed_hex("sm2_public_compressed.der").upper(), SM2_POINT, id="raw-hex-03x-upper"),
        pytest.param(data_file("sm2_even_public_compressed.pem"), SM2_EVEN_POINT, id="spki-pem-even-y"),
        pytest.param(base64.b64encode(data_file("sm2_even_public_compressed.pem")).decode(), SM2_EVEN_POINT, id="vendor-even-y"),
    ],
)
def test_sm2_compressed_public_keys_decompress_to_openssls_point(data, expected):
    key = ocrcrypto.load_public_key(data)
    assert isinstance(key, sm2.Sm2PublicKey)
    assert key.to_bytes() == expected


def test_sm2_compressed_files_hold_both_parities():
    """The two OpenSSL keys cover both prefixes, so both branches of decompression run."""
    assert data_file("sm2_public_compressed.der")[-33] == 3 and SM2_POINT[-1] & 1 == 1
    assert base64.b64decode(_pem_body("sm2_even_public_compressed.pem"))[-33] == 2 and SM2_EVEN_POINT[-1] & 1 == 0


@pytest.mark.parametrize("point", [SM2_POINT, SM2_EVEN_POINT], ids=["odd-y", "even-y"])
def test_sm2_compressed_prefix_picks_the_y_parity(point):
    x, y = point[1:33], int.from_bytes(point[33:], "big")
    for prefix, parity in ((b"\x02", 0), (b"\x03", 1)):
        key = ocrcrypto.load_public_key((prefix + x).hex())
        assert key.y & 1 == parity
        assert key.y == (y if y & 1 == parity else sm2.P - y)


def _x_without_a_point() -> int:
    """The smallest x whose x^3 + ax + b is not a square mod p (Euler's criterion says -1)."""
    x = 0
    while pow((x**3 + sm2.A * x + sm2.B) % sm2.P, (sm2.P - 1) // 2, sm2.P) != sm2.P - 1:
        x += 1
    return x


_NO_ROOT = r" \(compressed X has no square root\)$"


@pytest.mark.parametrize(
    "data, ending",
    [
        pytest.param("02" + _x_without_a_point().to_bytes(32, "big").hex(), _NO_ROOT, id="raw-hex-no-square-root"),
        pytest.param("03" + _x_without_a_point().to_bytes(32, "big").hex(), _NO_ROOT, id="raw-hex-no-square-root-odd"),
        pytest.param(_spki_with_point(b"\x02" + _x_without_a_point().to_bytes(32, "big")), _NO_ROOT, id="spki-no-square-root"),
        # x mod p has a point for x = p and p + 1: only the range check [0, p) refuses these
        pytest.param("02" + sm2.P.to_bytes(32, "big").hex(), "$", id="x-equal-to-p"),
        pytest.param("03" + (sm2.P + 1).to_bytes(32, "big").hex(), "$", id="x-above-p"),
    ],
)
def test_sm2_compressed_x_off_the_curve(data, ending):
    with pytest.raises(KeyFormatError, match=r"^SM2 public key: point is not on the curve sm2p256v1" + ending):
        ocrcrypto.load_public_key(data)


def test_sm2_compressed_x_of_g_gives_g():
    assert ocrcrypto.load_public_key("02" + f"{sm2.G[0]:064x}").y == sm2.G[1]  # G's y is even


# -- raw SM2 private hex without leading zeros --------------------------------------------------


@pytest.mark.parametrize("text", ["1", "01", "001", "0" * 63 + "1", " 0 1 "])
def test_sm2_short_private_hex_is_left_padded(text):
    key = ocrcrypto.load_private_key(text)
    assert isinstance(key, sm2.Sm2PrivateKey)
    assert key.private_bytes() == (1).to_bytes(32, "big")
    assert (key.public_key.x, key.public_key.y) == sm2.G


def test_sm2_private_hex_without_leading_zeros():
    """An OpenSSL key whose d starts with a zero byte: its hex with the zeros dropped (as Python's
    format(d, "x") and many tools print it) loads as the key OpenSSL printed, public point included."""
    text = data_file("sm2_private_leading_zero.txt").decode()
    priv, pub = ("".join(part.split()).replace(":", "") for part in text.split("priv:")[1].split("ASN1 OID")[0].split("pub:"))
    short = priv.lstrip("0")
    assert len(priv) == 64 and len(short) <= 62
    expected = ocrcrypto.load_private_key(data_file("sm2_private_leading_zero.pem"))
    for form in (short, "0" + short, short.upper(), priv):
        key = ocrcrypto.load_private_key(form)
        assert key.private_bytes() == expected.private_bytes()
        assert key.public_key.to_bytes().hex() == pub


# -- RSA strength of key objects handed in directly -------------------------------------------


def test_check_key_strength():
    small_private = serialization.load_pem_private_key(data_file("rsa512_private.pem"), None)
    small_public = serialization.load_pem_public_key(data_file("rsa512_public.pem"))
    for small in (small_private, small_public):
        with pytest.raises(KeyFormatError, match=r"^service key: RSA-512 is too small \(minimum 1024 bits\)$"):
            keys.check_key_strength(small, "service key")
    rsa_private = ocrcrypto.load_private_key(data_file("rsa1024_private_pkcs1.pem"))
    sm2_private = ocrcrypto.load_private_key(data_file("sm2_private_pkcs8.pem"))
    for key in (rsa_private, rsa_private.public_key(), sm2_private, sm2_private.public_key):
        assert keys.check_key_strength(key) is None
    with pytest.raises(KeyFormatError, match="not an ocrcrypto key: bytes"):
        keys.check_key_strength(b"key")  # type: ignore[arg-type]


# -- one-line messages ---------------------------------------------------------------------------


def test_messages_escape_and_cut_text_from_the_input():
    evil = type("Evil\nKey\x1b[31m", (), {})()
    with pytest.raises(KeyFormatError) as info:
        ocrcrypto.load_public_key(evil)  # type: ignore[arg-type]
    assert str(info.value) == "public key: expected str or bytes, got Evil\\nKey\\x1b[31m"
    with pytest.raises(KeyFormatError) as info:
        keys.key_type(evil)  # type: ignore[arg-type]
    _assert_one_line(str(info.value))
    with pytest.raises(KeyFormatError) as info:
        ocrcrypto.generate_private_key("RSA\n" * 1000)
    _assert_one_line(str(info.value))
    label = "A" * 100_000
    with pytest.raises(KeyFormatError) as info:
        ocrcrypto.load_private_key(f"-----BEGIN {label}-----\nMA==\n-----END {label}-----")
    assert str(info.value).startswith("private key: PEM label 'AAAA") and len(str(info.value)) < 200
    with pytest.raises(KeyFormatError) as info:  # a mangled one-line paste: the label is not shown
        ocrcrypto.load_private_key("-----BEGIN PRIVATE KEY MIGTAgEAMBMGByqGSM49-----END PRIVATE KEY-----")
    assert "MIGT" not in str(info.value)


# -- linear time on adversarial PEM-ish text -----------------------------------------------------

_ADVERSARIAL = r"""
import base64, json, sys, time
from ocrcrypto import load_private_key, load_public_key
from ocrcrypto.errors import KeyFormatError

MB = 3_000_000
shapes = {
    "many-begin-lines": "-----BEGIN X-----" * (MB // 17),
    "many-valid-begin-lines": "-----BEGIN PUBLIC KEY-----\n" * (MB // 27),
    "distinct-labels": "".join(f"-----BEGIN K{i}-----\n" for i in range(MB // 24)),
    "mismatched-ends": "-----BEGIN A-----\n-----END B-----\n" * (MB // 34),
    "escaped-newlines": "-----BEGIN X-----\\n" * (MB // 19),
    "begin-without-end-huge-body": "-----BEGIN PUBLIC KEY-----\n" + "QUFB\n" * (MB // 5),
    "long-closed-label": "-----BEGIN " + "A" * MB + "-----\n",
    "long-open-label": "-----BEGIN " + "A " * (MB // 2),
    "long-label-matching-end": "-----BEGIN " + "A" * MB + "-----\nMA==\n-----END " + "A" * MB + "-----",
    "huge-base64-body": "-----BEGIN PUBLIC KEY-----\n" + "QUFB" * (MB // 4) + "\n-----END PUBLIC KEY-----\n",
    "huge-der-body": "-----BEGIN PRIVATE KEY-----\n"
    + base64.b64encode(b"\x30\x83\x2d\xc6\xc0" + bytes(MB)).decode()
    + "\n-----END PRIVATE KEY-----\n",
    "vendor-form-of-many-begin-lines": base64.b64encode(("-----BEGIN X-----" * (MB // 24)).encode()).decode(),
    "bytes-many-begin-lines": b"-----BEGIN X-----" * (MB // 17),
}
results = {}
for name, data in shapes.items():
    for loader in (load_public_key, load_private_key):
        start = time.perf_counter()
        try:
            loader(data)
            outcome = "loaded"
        except KeyFormatError as error:
            outcome = "KeyFormatError: " + str(error)
        except Exception as error:
            outcome = f"{type(error).__name__}: {error}"[:200]
        results[f"{name} {loader.__name__}"] = [outcome, round(time.perf_counter() - start, 3)]
json.dump(results, sys.stdout)
"""


def test_adversarial_pem_text_is_refused_in_linear_time():
    """A few MB of PEM-ish text per shape; a quadratic scan would take hours, so it fails as a timeout."""
    done = subprocess.run([sys.executable, "-c", _ADVERSARIAL], capture_output=True, text=True, timeout=60, check=True)
    results = json.loads(done.stdout)
    assert len(results) == 26
    for case, (outcome, seconds) in results.items():
        assert outcome.startswith("KeyFormatError: "), (case, outcome)
        _assert_one_line(outcome)
