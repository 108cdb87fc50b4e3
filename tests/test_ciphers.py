"""The body ciphers and the RSA wrap: published known answers, Wycheproof, and pycryptodome."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import given, settings
from hypothesis import strategies as st

from ocrcrypto.errors import DECRYPTION_FAILED, DecryptionError, EnvelopeFormatError
from ocrcrypto.hazmat import ciphers

from .conftest import load_wycheproof

SM4_KEY = bytes.fromhex("0123456789abcdeffedcba9876543210")


def test_sm3_abc():
    h = hashes.Hash(hashes.SM3())
    h.update(b"abc")
    assert h.finalize().hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


def test_sm4_block_gbt_32907():
    enc = Cipher(algorithms.SM4(SM4_KEY), modes.ECB()).encryptor()
    assert (enc.update(SM4_KEY) + enc.finalize()).hex() == "681edf34d206965e86b3e94f536e4246"


RFC8998 = dict(
    iv=bytes.fromhex("00001234567800000000abcd"),
    aad=bytes.fromhex("feedfacedeadbeeffeedfacedeadbeefabaddad2"),
    pt=bytes.fromhex(
        "aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbccccccccccccccccddddddddddddddddeeeeeeeeeeeeeeeeffffffffffffffff"
        "eeeeeeeeeeeeeeeeaaaaaaaaaaaaaaaa"
    ),
    ct=bytes.fromhex(
        "17f399f08c67d5ee19d0dc9969c4bb7d5fd46fd3756489069157b282bb200735d82710ca5c22f0ccfa7cbf93d496ac15"
        "a56834cbcf98c397b4024a2691233b8d"
    ),
    tag=bytes.fromhex("83de3541e4c2b58177e065a9bf7b62ec"),
)


def test_sm4_gcm_rfc8998():
    v = RFC8998
    assert ciphers.sm4_gcm_encrypt(SM4_KEY, v["iv"], v["pt"], v["aad"]) == (v["ct"], v["tag"])
    assert ciphers.sm4_gcm_decrypt(SM4_KEY, v["iv"], v["ct"], v["tag"], v["aad"]) == v["pt"]


# -- Wycheproof ----------------------------------------------------------------------------------


def _cases(name):
    data = load_wycheproof(name)
    for group in data["testGroups"]:
        for test in group["tests"]:
            yield group, test


def test_wycheproof_sm4_gcm():
    checked = 0
    for group, t in _cases("sm4_gcm_test.json"):
        key, iv, aad = (bytes.fromhex(t[k]) for k in ("key", "iv", "aad"))
        msg, ct, tag = (bytes.fromhex(t[k]) for k in ("msg", "ct", "tag"))
        if not 8 <= len(iv) <= 128:
            # pyca/cryptography's OpenSSL backend takes 8..128-byte GCM IVs: a clear error, not a wrong answer.
            with pytest.raises(EnvelopeFormatError, match="SM4-GCM IV"):
                ciphers.sm4_gcm_decrypt(key, iv, ct, tag, aad)
            continue
        if t["result"] == "valid":
            assert ciphers.sm4_gcm_encrypt(key, iv, msg, aad) == (ct, tag), t["tcId"]
            assert ciphers.sm4_gcm_decrypt(key, iv, ct, tag, aad) == msg, t["tcId"]
        else:
            with pytest.raises(DecryptionError, match=f"^{DECRYPTION_FAILED}$"):
                ciphers.sm4_gcm_decrypt(key, iv, ct, tag, aad)
        checked += 1
    assert checked >= 80


def test_wycheproof_aes_cbc_pkcs5():
    checked = 0
    for group, t in _cases("aes_cbc_pkcs5_test.json"):
        key, iv, msg, ct = (bytes.fromhex(t[k]) for k in ("key", "iv", "msg", "ct"))
        if t["result"] == "valid":
            assert ciphers.aes_cbc_encrypt(key, iv, msg) == ct, t["tcId"]
            assert ciphers.aes_cbc_decrypt(key, iv, ct) == msg, t["tcId"]
        else:
            with pytest.raises(DecryptionError, match=f"^{DECRYPTION_FAILED}$"):
                ciphers.aes_cbc_decrypt(key, iv, ct)
        checked += 1
    assert checked == 216


def test_wycheproof_rsa_pkcs1_2048_decrypt():
    """Valid cases decrypt exactly. Invalid ones raise, or (implicit rejection, the Marvin
    mitigation in OpenSSL 3.2+) give a pseudo-random message that is never the expected one."""
    checked = 0
    for group, t in _cases("rsa_pkcs1_2048_test.json"):
        key = serialization.load_pem_private_key(group["privateKeyPem"].encode(), None)
        ct, msg = bytes.fromhex(t["ct"]), bytes.fromhex(t["msg"])
        if t["result"] == "valid":
            assert ciphers.rsa_pkcs1v15_decrypt(key, ct) == msg, t["tcId"]
        else:
            try:
                out = ciphers.rsa_pkcs1v15_decrypt(key, ct)
            except DecryptionError as exc:
                assert str(exc) == DECRYPTION_FAILED
            else:
                assert out != msg, t["tcId"]
        checked += 1
    assert checked == 67


def test_wycheproof_rsa_padding_check_of_the_doctor():
    """The doctor's explicit padding check agrees with Wycheproof on every case."""
    for group, t in _cases("rsa_pkcs1_2048_test.json"):
        key = serialization.load_pem_private_key(group["privateKeyPem"].encode(), None)
        assert ciphers.rsa_pkcs1v15_padding_ok(key, bytes.fromhex(t["ct"])) is (t["result"] == "valid"), t["tcId"]


# -- pycryptodome as an independent AES and GCM oracle -------------------------------------------


@settings(max_examples=50, deadline=None)
@given(st.binary(min_size=32, max_size=32), st.binary(min_size=16, max_size=16), st.binary(max_size=200))
def test_aes_cbc_matches_pycryptodome(key, iv, message):
    from Crypto.Cipher import AES
    from Crypto.Util.Padding import pad

    expected = AES.new(key, AES.MODE_CBC, iv).encrypt(pad(message, 16))
    assert ciphers.aes_cbc_encrypt(key, iv, message) == expected
    assert ciphers.aes_cbc_decrypt(key, iv, expected) == message


@settings(max_examples=50, deadline=None)
@given(st.binary(min_size=16, max_size=16), st.binary(min_size=12, max_size=12), st.binary(max_size=200))
def test_sm4_gcm_round_trip_and_gmssl_keystream(key, iv, message):
    """gmssl has no GCM, but its SM4-ECB of the GCM counter blocks gives the same keystream."""
    from gmssl.sm4 import SM4_ENCRYPT, CryptSM4

    ct, tag = ciphers.sm4_gcm_encrypt(key, iv, message)
    assert ciphers.sm4_gcm_decrypt(key, iv, ct, tag) == message
    gm = CryptSM4()
    gm.set_key(key, SM4_ENCRYPT)
    counters = b"".join(iv + (i + 2).to_bytes(4, "big") for i in range(-(-len(message) // 16)))
    keystream = gm.crypt_ecb(counters)[: len(counters)] if counters else b""
    assert bytes(a ^ b for a, b in zip(message, keystream)) == ct


# -- error paths ---------------------------------------------------------------------------------

KEY32, IV16 = bytes(32), bytes(16)


@pytest.mark.parametrize(
    "ciphertext",
    [b"", b"\x00" * 15, b"\x00" * 17, ciphers.aes_cbc_encrypt(KEY32, IV16, b"x" * 16)[:-16] + b"\x00" * 16],
    ids=["empty", "short", "not-a-block-multiple", "bad-padding"],
)
def test_aes_cbc_decrypt_failures_are_uniform(ciphertext):
    with pytest.raises(DecryptionError, match=f"^{DECRYPTION_FAILED}$"):
        ciphers.aes_cbc_decrypt(KEY32, IV16, ciphertext)


@pytest.mark.parametrize("pad", [0, 17, 255])
def test_aes_cbc_padding_value_out_of_range(pad):
    enc = Cipher(algorithms.AES(KEY32), modes.CBC(IV16)).encryptor()
    ct = enc.update(b"a" * 15 + bytes([pad])) + enc.finalize()
    with pytest.raises(DecryptionError, match=f"^{DECRYPTION_FAILED}$"):
        ciphers.aes_cbc_decrypt(KEY32, IV16, ct)


def test_aes_cbc_padding_bytes_inconsistent():
    enc = Cipher(algorithms.AES(KEY32), modes.CBC(IV16)).encryptor()
    ct = enc.update(b"a" * 12 + b"\x04\x04\x03\x04") + enc.finalize()
    with pytest.raises(DecryptionError, match=f"^{DECRYPTION_FAILED}$"):
        ciphers.aes_cbc_decrypt(KEY32, IV16, ct)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: ciphers.aes_cbc_encrypt(b"k" * 31, IV16, b""), "AES key: expected 16 or 24 or 32 bytes, got 31"),
        (lambda: ciphers.aes_cbc_encrypt(KEY32, b"i" * 12, b""), "AES-CBC IV: expected 16 bytes, got 12"),
        (lambda: ciphers.aes_cbc_decrypt(KEY32, b"i" * 15, b"\x00" * 16), "AES-CBC IV: expected 16 bytes, got 15"),
        (lambda: ciphers.sm4_gcm_encrypt(KEY32, bytes(12), b""), "SM4 key: expected 16 bytes, got 32"),
        (lambda: ciphers.sm4_gcm_encrypt(SM4_KEY, bytes(4), b""), "SM4-GCM IV: expected 8 to 128 bytes"),
    ],
)
def test_size_errors_name_the_parameter(call, message):
    with pytest.raises(EnvelopeFormatError) as info:
        call()
    assert str(info.value).startswith(message)


@pytest.mark.parametrize("tag", [b"", b"\x00" * 12, b"\x00" * 16, RFC8998["tag"][:15] + b"\x00"])
def test_sm4_gcm_bad_tags_are_uniform(tag):
    v = RFC8998
    with pytest.raises(DecryptionError, match=f"^{DECRYPTION_FAILED}$"):
        ciphers.sm4_gcm_decrypt(SM4_KEY, v["iv"], v["ct"], tag, v["aad"])


def test_rsa_plaintext_too_long(rsa_private):
    with pytest.raises(EnvelopeFormatError, match="too long for a 1024-bit key"):
        ciphers.rsa_pkcs1v15_encrypt(rsa_private.public_key(), b"x" * 118)


def test_rsa_ciphertext_of_wrong_length(rsa_private):
    with pytest.raises(DecryptionError, match=f"^{DECRYPTION_FAILED}$"):
        ciphers.rsa_pkcs1v15_decrypt(rsa_private, b"\x01" * 127)


def test_rsa_wrap_matches_pycryptodome_both_ways(rsa_private):
    from cryptography.hazmat.primitives import serialization as ser
    from Crypto.Cipher import PKCS1_v1_5
    from Crypto.PublicKey import RSA

    theirs = RSA.import_key(rsa_private.private_bytes(ser.Encoding.PEM, ser.PrivateFormat.PKCS8, ser.NoEncryption()))
    key = bytes(range(32))
    ours_blob = ciphers.rsa_pkcs1v15_encrypt(rsa_private.public_key(), key)
    assert PKCS1_v1_5.new(theirs).decrypt(ours_blob, None) == key
    their_blob = PKCS1_v1_5.new(theirs.public_key()).encrypt(key)
    assert ciphers.rsa_pkcs1v15_decrypt(rsa_private, their_blob) == key
