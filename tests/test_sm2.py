"""SM2 encryption: the GB/T 32918.5 known answer, gmssl and OpenSSL as independent oracles, and
every decryption failure path."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ocrcrypto.errors import DECRYPTION_FAILED, DecryptionError, EnvelopeFormatError, KeyFormatError
from ocrcrypto.hazmat import sm2, sm2_encodings

from .conftest import DATA

KAT_D = 0x3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8
KAT_PUBLIC = bytes.fromhex(
    "04" "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
    "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13"
)
KAT_K = 0x59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21
KAT_MESSAGE = b"encryption standard"
KAT_C1C3C2 = bytes.fromhex(
    "0404ebfc718e8d1798620432268e77feb6415e2ede0e073c0f4f640ecd2e149a73e858f9d81e5430a57b36daab8f950a3c64e6ee"
    "6a63094d99283aff767e124df059983c18f809e262923c53aec295d30383b54e39d609d160afcb1908d0bd876621886ca989ca9c"
    "7d58087307ca93092d651efa"
)


@pytest.fixture(scope="module")
def kat_key() -> sm2.Sm2PrivateKey:
    return sm2.Sm2PrivateKey(KAT_D)


def test_kat_public_key(kat_key):
    assert kat_key.public_key.to_bytes() == KAT_PUBLIC


def test_kat_encrypt(kat_key):
    assert sm2.encrypt(kat_key.public_key, KAT_MESSAGE, k=KAT_K) == KAT_C1C3C2


def test_kat_decrypt(kat_key):
    assert sm2.decrypt(kat_key, KAT_C1C3C2) == KAT_MESSAGE


def test_ciphertext_layout_for_a_16_byte_key(kat_key):
    blob = sm2.encrypt(kat_key.public_key, bytes(range(16)))
    assert len(blob) == 113 and blob[0] == 4


def test_fresh_k_every_call(kat_key):
    assert sm2.encrypt(kat_key.public_key, b"k") != sm2.encrypt(kat_key.public_key, b"k")


@settings(max_examples=60, deadline=None)
@given(st.binary(min_size=1, max_size=300))
def test_round_trip(kat_key, message):
    assert sm2.decrypt(kat_key, sm2.encrypt(kat_key.public_key, message)) == message


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=1, max_value=sm2.N - 1))
def test_scalar_multiplication_agrees_between_methods(k):
    """Fixed-base table, variable-base window and plain double-and-add give the same point."""
    reference = (1, 1, 0)
    for bit in bin(k)[2:]:
        reference = sm2._double(reference)
        if bit == "1":
            reference = sm2._add_affine(reference, *sm2.G)
    expected = sm2._to_affine(reference)
    assert sm2._to_affine(sm2._g_multiply(k)) == expected
    assert sm2._to_affine(sm2._variable_base_multiply(sm2.G, k)) == expected


@pytest.mark.parametrize("k", [1, 2, 3, 31, 32, 33, sm2.N - 2, sm2.N - 1, (1 << 255) + 1, (1 << 256) % sm2.N])
def test_variable_base_edge_scalars(k):
    expected = sm2._to_affine(sm2._g_multiply(k))
    assert sm2._to_affine(sm2._variable_base_multiply(sm2.G, k)) == expected


def test_group_order():
    assert sm2._to_affine(sm2._g_multiply(sm2.N)) is None
    assert sm2._to_affine(sm2._g_multiply(sm2.N - 1)) == (sm2.G[0], sm2.P - sm2.G[1])


def test_leading_zero_coordinates_keep_32_bytes(kat_key):
    """C1.x below 2**248 still takes 32 bytes, and gmssl agrees on the ciphertext."""
    k = next(k for k in range(1, 5000) if sm2._to_affine(sm2._g_multiply(k))[0] < 1 << 248)
    blob = sm2.encrypt(kat_key.public_key, b"0123456789abcdef", k=k)
    assert len(blob) == 113 and blob[1] == 0
    assert sm2.decrypt(kat_key, blob) == b"0123456789abcdef"
    assert _gmssl(kat_key).decrypt(blob[1:]) == b"0123456789abcdef"


def test_private_key_repr_hides_scalar(kat_key):
    assert f"{KAT_D:x}" not in repr(kat_key).lower()
    assert "Sm2PrivateKey" in repr(kat_key)


def test_public_key_table_is_cached(kat_key):
    pub = sm2.Sm2PublicKey(kat_key.public_key.x, kat_key.public_key.y)
    assert pub._table is None
    sm2.encrypt(pub, b"x")
    table = pub._table
    sm2.encrypt(pub, b"y")
    assert pub._table is table is not None


def test_kdf_matches_definition():
    from cryptography.hazmat.primitives import hashes

    z = bytes(range(64))
    expected = b""
    for counter in (1, 2):
        h = hashes.Hash(hashes.SM3())
        h.update(z + counter.to_bytes(4, "big"))
        expected += h.finalize()
    assert sm2.kdf(z, 40) == expected[:40]


def test_generate_private_key_is_valid():
    key = sm2.generate_private_key()
    assert 1 <= key._d <= sm2.N - 2
    assert sm2.decrypt(key, sm2.encrypt(key.public_key, b"hello")) == b"hello"


# -- independent implementations ----------------------------------------------------------------


def _gmssl(key: sm2.Sm2PrivateKey):
    from gmssl import sm2 as gm

    xy = key.public_key.to_bytes()[1:].hex()
    assert not xy.startswith("04"), "gmssl's public_key.lstrip('04') would corrupt this key"
    return gm.CryptSM2(private_key=key.private_bytes().hex(), public_key=xy, mode=1)


@settings(max_examples=25, deadline=None)
@given(st.binary(min_size=1, max_size=100))
def test_gmssl_decrypts_ours(kat_key, message):
    assert _gmssl(kat_key).decrypt(sm2.encrypt(kat_key.public_key, message)[1:]) == message


@settings(max_examples=25, deadline=None)
@given(st.binary(min_size=1, max_size=100))
def test_we_decrypt_gmssl(kat_key, message):
    blob = _gmssl(kat_key).encrypt(message)  # gmssl omits the 04 prefix
    assert sm2.decrypt(kat_key, b"\x04" + blob) == message


def test_gmssl_c1c2c3_order_is_refused(kat_key):
    from gmssl import sm2 as gm

    xy = kat_key.public_key.to_bytes()[1:].hex()
    c1c2c3 = gm.CryptSM2(private_key=kat_key.private_bytes().hex(), public_key=xy, mode=0).encrypt(bytes(16))
    with pytest.raises(DecryptionError):
        sm2.decrypt(kat_key, b"\x04" + c1c2c3)


openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="the openssl command is not installed")


@pytest.fixture(scope="module")
def openssl_key():
    from ocrcrypto import load_private_key

    return load_private_key((DATA / "sm2_private_pkcs8.pem").read_bytes())


@openssl
@pytest.mark.parametrize("message", [b"\x00" * 16, b"0123456789abcdef", bytes(range(256)) * 3])
def test_openssl_decrypts_ours(tmp_path: Path, openssl_key, message):
    blob = sm2.encrypt(openssl_key.public_key, message)
    (tmp_path / "ct.der").write_bytes(sm2_encodings.to_der(blob))
    out = subprocess.run(
        ["openssl", "pkeyutl", "-decrypt", "-inkey", str(DATA / "sm2_private_pkcs8.pem"), "-in", str(tmp_path / "ct.der")],
        capture_output=True,
        check=True,
    ).stdout
    assert out == message


@openssl
@pytest.mark.parametrize("message", [b"\x01" * 16, b"fedcba9876543210", bytes(range(200))])
def test_we_decrypt_openssl(tmp_path: Path, openssl_key, message):
    (tmp_path / "pt").write_bytes(message)
    der = subprocess.run(
        [
            "openssl", "pkeyutl", "-encrypt", "-pubin", "-inkey", str(DATA / "sm2_public_spki.pem"),
            "-in", str(tmp_path / "pt"),
        ],
        capture_output=True,
        check=True,
    ).stdout
    assert sm2.decrypt(openssl_key, sm2_encodings.from_der(der)) == message


# -- error paths ---------------------------------------------------------------------------------


def _flip(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 1]) + data[index + 1:]


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda c: c[1:], id="missing-04-prefix"),
        pytest.param(lambda c: b"\x02" + c[1:], id="compressed-prefix"),
        pytest.param(lambda c: c[:97], id="no-c2"),
        pytest.param(lambda c: c[:50], id="truncated"),
        pytest.param(lambda c: b"", id="empty"),
        pytest.param(lambda c: _flip(c, 10), id="c1-off-curve"),
        pytest.param(lambda c: _flip(c, 70), id="c3-flipped"),
        pytest.param(lambda c: _flip(c, 100), id="c2-flipped"),
        pytest.param(lambda c: c[:1] + c[1:65] + c[97:] + c[65:97], id="c1c2c3-order"),
        pytest.param(lambda c: b"\x04" + (sm2.P).to_bytes(32, "big") + c[33:], id="x-not-reduced"),
    ],
)
def test_decrypt_failures_are_uniform(kat_key, mangle):
    with pytest.raises(DecryptionError) as info:
        sm2.decrypt(kat_key, mangle(KAT_C1C3C2))
    assert str(info.value) == DECRYPTION_FAILED


def test_decrypt_with_another_key_fails(kat_key):
    other = sm2.generate_private_key()
    with pytest.raises(DecryptionError, match=f"^{DECRYPTION_FAILED}$"):
        sm2.decrypt(other, KAT_C1C3C2)


def test_encrypt_refuses_empty_plaintext(kat_key):
    with pytest.raises(EnvelopeFormatError, match="at least 1 byte"):
        sm2.encrypt(kat_key.public_key, b"")


@pytest.mark.parametrize("k", [0, sm2.N, -1])
def test_encrypt_refuses_k_out_of_range(kat_key, k):
    with pytest.raises(EnvelopeFormatError, match="k: out of range"):
        sm2.encrypt(kat_key.public_key, b"m", k=k)


def test_encrypt_needs_an_sm2_key(kat_key):
    with pytest.raises(KeyFormatError, match="SM2 public key"):
        sm2.encrypt(kat_key, b"m")  # type: ignore[arg-type]
    with pytest.raises(KeyFormatError, match="SM2 private key"):
        sm2.decrypt(kat_key.public_key, KAT_C1C3C2)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "x, y",
    [(0, 0), (sm2.G[0], sm2.G[1] + 1), (sm2.P, sm2.G[1]), (sm2.G[0] + sm2.P, sm2.G[1])],
    ids=["origin", "off-curve", "x-equals-p", "x-not-reduced"],
)
def test_public_key_validation(x, y):
    with pytest.raises(KeyFormatError, match="not on the curve"):
        sm2.Sm2PublicKey(x, y)


@pytest.mark.parametrize("d", [0, sm2.N - 1, sm2.N, -5])
def test_private_key_range(d):
    with pytest.raises(KeyFormatError, match="out of range"):
        sm2.Sm2PrivateKey(d)


@pytest.mark.parametrize("length", [0, 33, 63, 66])
def test_public_key_bytes_length(length):
    with pytest.raises(KeyFormatError, match="expected 65 bytes"):
        sm2.Sm2PublicKey.from_bytes(b"\x04" * length)


def test_private_key_bytes_length():
    with pytest.raises(KeyFormatError, match="expected 32 bytes"):
        sm2.Sm2PrivateKey.from_bytes(b"\x01" * 31)


# -- other layouts -------------------------------------------------------------------------------


def test_layout_conversions_round_trip(kat_key):
    blob = KAT_C1C3C2
    assert sm2_encodings.from_c1c2c3(sm2_encodings.to_c1c2c3(blob)) == blob
    assert sm2_encodings.to_c1c2c3(blob)[-32:] == blob[65:97]
    assert sm2_encodings.from_der(sm2_encodings.to_der(blob)) == blob
    assert sm2_encodings.strip_prefix(blob) == blob[1:]


def test_der_with_short_coordinate_is_padded(kat_key):
    k = next(k for k in range(1, 5000) if sm2._to_affine(sm2._g_multiply(k))[0] < 1 << 248)
    blob = sm2.encrypt(kat_key.public_key, b"0123456789abcdef", k=k)
    der = sm2_encodings.to_der(blob)
    assert len(der) < len(blob) + 12  # the INTEGER x is minimal, shorter than 32 bytes
    assert sm2_encodings.from_der(der) == blob


@pytest.mark.parametrize("convert", [sm2_encodings.to_c1c2c3, sm2_encodings.from_c1c2c3, sm2_encodings.to_der, sm2_encodings.strip_prefix])
@pytest.mark.parametrize("blob", [b"", b"\x04" * 97, b"\x05" * 113])
def test_layout_conversions_reject_short_or_unprefixed(convert, blob):
    with pytest.raises(EnvelopeFormatError, match="SM2 ciphertext: expected 04"):
        convert(blob)


@pytest.mark.parametrize(
    "der, message",
    [
        (b"\x30\x00", "not the DER SEQUENCE"),
        (b"junk", "not the DER SEQUENCE"),
        (bytes.fromhex("300c020101020101040100040100"), "DER fields out of range"),
    ],
)
def test_from_der_rejections(der, message):
    with pytest.raises(EnvelopeFormatError, match=message):
        sm2_encodings.from_der(der)


def test_general_addition_special_cases():
    g = (sm2.G[0], sm2.G[1], 1)
    infinity = (1, 1, 0)
    assert sm2._add(infinity, g) == g and sm2._add(g, infinity) == g
    assert sm2._to_affine(sm2._add(g, g)) == sm2._to_affine(sm2._double(g))
    assert sm2._to_affine(sm2._add(g, (sm2.G[0], sm2.P - sm2.G[1], 1))) is None
    assert sm2._to_affine(sm2._add_affine(g, sm2.G[0], sm2.P - sm2.G[1])) is None


def test_public_key_equality_and_hash(kat_key):
    again = sm2.Sm2PublicKey.from_bytes(KAT_PUBLIC)
    assert again == kat_key.public_key and hash(again) == hash(kat_key.public_key)
    assert again != sm2.generate_private_key().public_key and again != KAT_PUBLIC


def test_ephemeral_points_match_the_ciphertext(kat_key):
    c1, x2y2 = sm2.ephemeral_points(kat_key.public_key, KAT_K)
    assert c1 == KAT_C1C3C2[:65] and len(x2y2) == 64
    with pytest.raises(EnvelopeFormatError, match="SM2 k: out of range"):
        sm2.ephemeral_points(kat_key.public_key, 0)


def _k_with_zero_kdf(public):
    """A k whose KDF output for a 1-byte message is 00 (about one k in 256)."""
    return next(k for k in range(1, 5000) if sm2.kdf(sm2.ephemeral_points(public, k)[1], 1) == b"\x00")


def test_all_zero_kdf_output_is_refused_both_ways(kat_key):
    k = _k_with_zero_kdf(kat_key.public_key)
    with pytest.raises(EnvelopeFormatError, match="all-zero KDF output"):
        sm2.encrypt(kat_key.public_key, b"m", k=k)
    c1, x2y2 = sm2.ephemeral_points(kat_key.public_key, k)
    c3 = sm2._sm3(x2y2[:32], b"m", x2y2[32:])
    with pytest.raises(DecryptionError, match=f"^{DECRYPTION_FAILED}$"):
        sm2.decrypt(kat_key, c1 + c3 + b"m")  # C2 = M xor 00
