"""The suites, the registry, and a third suite plugged in from outside the package."""

from __future__ import annotations

import os
from typing import Optional, Tuple

import pytest
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

import ocrcrypto
from ocrcrypto.errors import DECRYPTION_FAILED, DecryptionError, EnvelopeFormatError, KeyFormatError, UnsupportedAlgorithmError
from ocrcrypto.hazmat import ciphers, sm2


def test_suite_parameters():
    cbc, gcm = ocrcrypto.get_envelope("AES-256-CBC"), ocrcrypto.get_envelope("SM4-GCM")
    assert (cbc.algorithm, cbc.key_size, cbc.iv_size, cbc.tag_size) == ("AES-256-CBC", 32, 16, None)
    assert (gcm.algorithm, gcm.key_size, gcm.iv_size, gcm.tag_size) == ("SM4-GCM", 16, 12, 16)
    assert ocrcrypto.algorithms() == ["AES-256-CBC", "SM4-GCM"]


def test_seal_open_and_wrap(algorithm, keypairs):
    public, private = keypairs[algorithm]
    env = ocrcrypto.get_envelope(algorithm)
    key, iv = os.urandom(env.key_size), os.urandom(env.iv_size)
    ct, tag = env.seal(b"payload", key, iv)
    assert (tag is None) == (env.tag_size is None)
    assert env.open(ct, key, iv, tag) == b"payload"
    blob = env.wrap_key(key, public)
    assert len(blob) == (128 if algorithm == "AES-256-CBC" else 113)
    assert env.unwrap_key(blob, private) == key


def test_wrong_key_type_is_a_clear_error(keypairs):
    rsa_public, rsa_private = keypairs["AES-256-CBC"]
    sm2_public, sm2_private = keypairs["SM4-GCM"]
    gcm, cbc = ocrcrypto.get_envelope("SM4-GCM"), ocrcrypto.get_envelope("AES-256-CBC")
    with pytest.raises(KeyFormatError, match="^SM4-GCM wraps its key with SM2: got an RSA public key$"):
        gcm.wrap_key(bytes(16), rsa_public)
    with pytest.raises(KeyFormatError, match="^AES-256-CBC wraps its key with RSA: got an SM2 public key$"):
        cbc.wrap_key(bytes(32), sm2_public)
    with pytest.raises(KeyFormatError, match="^SM4-GCM wraps its key with SM2: got an RSA private key$"):
        gcm.unwrap_key(b"\x04" * 113, rsa_private)
    with pytest.raises(KeyFormatError, match="^AES-256-CBC needs an RSA public key, got str$"):
        cbc.wrap_key(bytes(32), "key")  # type: ignore[arg-type]


def test_unwrapped_key_of_wrong_length_is_uniform(keypairs):
    sm2_public, sm2_private = keypairs["SM4-GCM"]
    rsa_public, rsa_private = keypairs["AES-256-CBC"]
    with pytest.raises(DecryptionError, match=f"^{DECRYPTION_FAILED}$"):
        ocrcrypto.get_envelope("SM4-GCM").unwrap_key(sm2.encrypt(sm2_public, bytes(32)), sm2_private)
    with pytest.raises(DecryptionError, match=f"^{DECRYPTION_FAILED}$"):
        ocrcrypto.get_envelope("AES-256-CBC").unwrap_key(ciphers.rsa_pkcs1v15_encrypt(rsa_public, bytes(16)), rsa_private)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda e: e.seal(b"", bytes(e.key_size + 1), bytes(e.iv_size)), "key: expected"),
        (lambda e: e.seal(b"", bytes(e.key_size), bytes(e.iv_size + 1)), "Iv: expected"),
        (lambda e: e.open(b"", bytes(e.key_size), bytes(e.iv_size - 1), None), "Iv: expected"),
    ],
)
def test_size_errors(algorithm, call, message):
    with pytest.raises(EnvelopeFormatError, match=message):
        call(ocrcrypto.get_envelope(algorithm))


def test_tag_presence_is_checked():
    with pytest.raises(EnvelopeFormatError, match="SM4-GCM: the tag is missing"):
        ocrcrypto.get_envelope("SM4-GCM").open(b"x", bytes(16), bytes(12), None)
    with pytest.raises(EnvelopeFormatError, match="AES-256-CBC: carries no tag"):
        ocrcrypto.get_envelope("AES-256-CBC").open(bytes(16), bytes(32), bytes(16), b"t" * 16)


@pytest.mark.parametrize(
    "name, hint",
    [("SM4_GCM", "did you mean 'SM4-GCM'?"), ("aes-256-cbc", "did you mean 'AES-256-CBC'?"), ("AES256CBC", "did you mean 'AES-256-CBC'?"), ("ROT13", "")],
)
def test_unknown_algorithm_suggests_the_closest(name, hint):
    with pytest.raises(UnsupportedAlgorithmError) as info:
        ocrcrypto.get_envelope(name)
    assert str(info.value).startswith(f"Algorithm: {name!r} is not supported (known: AES-256-CBC, SM4-GCM)")
    assert str(info.value).endswith(hint)


def test_unknown_algorithm_of_wrong_type():
    with pytest.raises(UnsupportedAlgorithmError):
        ocrcrypto.get_envelope(None)  # type: ignore[arg-type]


class ChaChaSm2Envelope:
    """A third suite, defined outside the package: ChaCha20-Poly1305 with the SM2 key wrap."""

    algorithm = "TEST-CHACHA20-POLY1305"
    key_type = "SM2"
    key_size = 32
    iv_size = 12
    tag_size: Optional[int] = 16

    def seal(self, plaintext: bytes, key: bytes, iv: bytes) -> Tuple[bytes, Optional[bytes]]:
        out = ChaCha20Poly1305(key).encrypt(iv, plaintext, None)
        return out[:-16], out[-16:]

    def open(self, ciphertext: bytes, key: bytes, iv: bytes, tag: Optional[bytes] = None) -> bytes:
        try:
            return ChaCha20Poly1305(key).decrypt(iv, ciphertext + (tag or b""), None)
        except Exception:
            raise DecryptionError(DECRYPTION_FAILED) from None

    def wrap_key(self, key, public_key):
        return sm2.encrypt(public_key, key)

    def unwrap_key(self, blob, private_key):
        return sm2.decrypt(private_key, blob)


@pytest.fixture
def third_suite():
    envelope = ChaChaSm2Envelope()
    ocrcrypto.register_envelope(envelope)
    yield envelope
    from ocrcrypto import envelopes

    del envelopes._REGISTRY[envelope.algorithm]


def test_third_suite_plugs_in_without_touching_the_core(third_suite, keypairs):
    public, private = keypairs["SM4-GCM"]
    wire, session = ocrcrypto.encrypt_request({"Name": "x"}, public, algorithm=third_suite.algorithm)
    assert wire["Encryption"]["Algorithm"] == third_suite.algorithm
    params, server = ocrcrypto.decrypt_request(wire, private)
    assert params == {"Name": "x"}
    assert session.decrypt_response(server.encrypt_response({"IdNum": "1"})) == {"IdNum": "1"}


def test_register_refuses_to_shadow_and_non_envelopes(third_suite):
    with pytest.raises(ValueError, match="already registered"):
        ocrcrypto.register_envelope(ChaChaSm2Envelope())
    ocrcrypto.register_envelope(third_suite, replace=True)
    with pytest.raises(TypeError, match="an envelope needs"):
        ocrcrypto.register_envelope(object())  # type: ignore[arg-type]


def test_envelope_reprs():
    assert repr(ocrcrypto.get_envelope("SM4-GCM")) == "<envelope SM4-GCM>"
    assert repr(ocrcrypto.get_envelope("AES-256-CBC")) == "<envelope AES-256-CBC>"
