"""The body ciphers and the RSA key wrap, over pyca/cryptography.

AES-256-CBC with PKCS#7 padding, SM4-GCM with a detached tag, and RSA PKCS#1 v1.5 encryption.
Decryption failures raise one DecryptionError with one message, never a padding or tag detail.
Large bodies are processed into one preallocated buffer, so a multi-megabyte body is copied as
few times as possible.
"""

from __future__ import annotations

from typing import Tuple, Union

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from ..errors import DECRYPTION_FAILED, DecryptionError, EnvelopeFormatError

__all__ = [
    "aes_cbc_encrypt",
    "aes_cbc_decrypt",
    "sm4_gcm_encrypt",
    "sm4_gcm_decrypt",
    "rsa_pkcs1v15_encrypt",
    "rsa_pkcs1v15_decrypt",
    "aes_cbc_decrypt_unchecked",
    "sm4_gcm_decrypt_unchecked",
    "rsa_pkcs1v15_decrypt_unchecked",
    "rsa_pkcs1v15_encrypt_with_padding",
    "rsa_pkcs1v15_padding_ok",
    "GCM_TAG_SIZE",
]

Buffer = Union[bytes, bytearray, memoryview]

_BLOCK = 16
GCM_TAG_SIZE = 16
_GCM_IV_MIN, _GCM_IV_MAX = 8, 128  # what the OpenSSL backend of pyca/cryptography accepts


def _check_length(name: str, value: Buffer, *sizes: int) -> None:
    if len(value) not in sizes:
        expected = " or ".join(str(s) for s in sizes)
        raise EnvelopeFormatError(f"{name}: expected {expected} bytes, got {len(value)}")


def aes_cbc_encrypt(key: Buffer, iv: Buffer, plaintext: Buffer) -> bytes:
    """AES-CBC with PKCS#7 padding; key 16, 24 or 32 bytes (the AES-256-CBC suite uses 32)."""
    _check_length("AES key", key, 16, 24, 32)
    _check_length("AES-CBC IV", iv, _BLOCK)
    data = memoryview(plaintext).cast("B")
    whole = len(data) - len(data) % _BLOCK
    pad = _BLOCK - len(data) % _BLOCK
    out = bytearray(whole + _BLOCK + _BLOCK - 1)
    encryptor = Cipher(algorithms.AES(bytes(key)), modes.CBC(bytes(iv))).encryptor()
    n = encryptor.update_into(data[:whole], out)
    n += encryptor.update_into(bytes(data[whole:]) + bytes([pad]) * pad, memoryview(out)[n:])
    encryptor.finalize()
    del out[n:]
    return bytes(out)


def aes_cbc_decrypt(key: Buffer, iv: Buffer, ciphertext: Buffer) -> bytes:
    """Undo :func:`aes_cbc_encrypt`; a bad length or bad padding is the same DecryptionError."""
    plaintext, ok = aes_cbc_decrypt_unchecked(key, iv, ciphertext)
    if not ok:
        raise DecryptionError(DECRYPTION_FAILED)
    return plaintext


def aes_cbc_decrypt_unchecked(key: Buffer, iv: Buffer, ciphertext: Buffer) -> Tuple[bytes, bool]:
    """(plaintext, padding ok): the same work whether or not the PKCS#7 padding is valid.

    For the service side, which must not raise earlier for a bad padding than for a bad body:
    every padding byte is checked without an early exit, and the bytes returned for a bad
    padding are the decryption less a full block, to be processed like good ones and dropped.
    """
    _check_length("AES key", key, 16, 24, 32)
    _check_length("AES-CBC IV", iv, _BLOCK)
    if len(ciphertext) == 0 or len(ciphertext) % _BLOCK:
        return b"", False
    decryptor = Cipher(algorithms.AES(bytes(key)), modes.CBC(bytes(iv))).decryptor()
    out = bytearray(len(ciphertext) + _BLOCK - 1)
    n = decryptor.update_into(ciphertext, out)
    decryptor.finalize()
    del out[n:]
    pad = out[-1]
    bad = int(not 1 <= pad <= _BLOCK)
    for i in range(1, _BLOCK + 1):
        bad |= int(i <= pad) & int(out[-i] != pad)
    strip = (pad, _BLOCK)[bad]
    del out[-strip:]
    return bytes(out), not bad


def _check_gcm(key: Buffer, iv: Buffer) -> None:
    _check_length("SM4 key", key, 16)
    if not _GCM_IV_MIN <= len(iv) <= _GCM_IV_MAX:
        raise EnvelopeFormatError(
            f"SM4-GCM IV: expected {_GCM_IV_MIN} to {_GCM_IV_MAX} bytes (12 recommended), got {len(iv)}"
        )


def sm4_gcm_encrypt(key: Buffer, iv: Buffer, plaintext: Buffer, aad: Buffer = b"") -> Tuple[bytes, bytes]:
    """SM4-GCM; returns (ciphertext, 16-byte tag) with the tag kept separate."""
    _check_gcm(key, iv)
    encryptor = Cipher(algorithms.SM4(bytes(key)), modes.GCM(bytes(iv))).encryptor()
    if aad:
        encryptor.authenticate_additional_data(bytes(aad))
    out = bytearray(len(plaintext) + _BLOCK - 1)
    n = encryptor.update_into(plaintext, out)
    encryptor.finalize()
    del out[n:]
    return bytes(out), encryptor.tag


def sm4_gcm_decrypt(key: Buffer, iv: Buffer, ciphertext: Buffer, tag: Buffer, aad: Buffer = b"") -> bytes:
    """Undo :func:`sm4_gcm_encrypt`; only a full 16-byte tag is accepted."""
    plaintext, ok = sm4_gcm_decrypt_unchecked(key, iv, ciphertext, tag, aad)
    if not ok:
        raise DecryptionError(DECRYPTION_FAILED)
    return plaintext


def sm4_gcm_decrypt_unchecked(key: Buffer, iv: Buffer, ciphertext: Buffer, tag: Buffer, aad: Buffer = b"") -> Tuple[bytes, bool]:
    """(plaintext, tag ok): the same work whether or not the tag verifies.

    The plaintext of a bad tag is unauthenticated: the service side processes it like a good
    one, so that a forged message takes as long as a real one, and then drops it.
    """
    _check_gcm(key, iv)
    ok = len(tag) == GCM_TAG_SIZE
    decryptor = Cipher(algorithms.SM4(bytes(key)), modes.GCM(bytes(iv), bytes(tag) if ok else bytes(GCM_TAG_SIZE))).decryptor()
    if aad:
        decryptor.authenticate_additional_data(bytes(aad))
    out = bytearray(len(ciphertext) + _BLOCK - 1)
    n = decryptor.update_into(ciphertext, out)
    try:
        decryptor.finalize()
    except InvalidTag:
        ok = False
    del out[n:]
    return bytes(out), ok


def rsa_pkcs1v15_encrypt(public_key: rsa.RSAPublicKey, plaintext: bytes) -> bytes:
    """RSAES-PKCS1-v1_5 encryption."""
    try:
        return public_key.encrypt(plaintext, padding.PKCS1v15())
    except ValueError:
        raise EnvelopeFormatError(
            f"RSA plaintext: {len(plaintext)} bytes is too long for a {public_key.key_size}-bit key"
        ) from None


def rsa_pkcs1v15_encrypt_with_padding(public_key: rsa.RSAPublicKey, message: bytes, padding_string: bytes) -> bytes:
    """RSAES-PKCS1-v1_5 with the padding string PS given (EM = 00 02 PS 00 M), so that a test
    vector's key wrap can be reproduced byte for byte. Only for vectors: real wraps use random PS."""
    size = (public_key.key_size + 7) // 8
    if len(padding_string) != size - 3 - len(message) or 0 in padding_string:
        raise EnvelopeFormatError(f"RSA padding string: expected {size - 3 - len(message)} non-zero bytes")
    em = b"\x00\x02" + padding_string + b"\x00" + message
    numbers = public_key.public_numbers()
    return pow(int.from_bytes(em, "big"), numbers.e, numbers.n).to_bytes(size, "big")


def rsa_pkcs1v15_decrypt(private_key: rsa.RSAPrivateKey, ciphertext: bytes) -> bytes:
    """RSAES-PKCS1-v1_5 decryption.

    Where the OpenSSL backend does implicit rejection (the Marvin mitigation), bad padding gives a
    pseudo-random message instead of an error; callers must check what they expect of the result.
    """
    plaintext, ok = rsa_pkcs1v15_decrypt_unchecked(private_key, ciphertext)
    if not ok:
        raise DecryptionError(DECRYPTION_FAILED)
    return plaintext


def rsa_pkcs1v15_padding_ok(private_key: rsa.RSAPrivateKey, ciphertext: bytes) -> bool:
    """Whether the ciphertext carries a well-formed PKCS#1 v1.5 type-2 block under this key.

    For diagnosis only: it answers the very question a padding oracle asks, so it never runs on
    a service path. It tells a wrong key apart from a right one, which implicit rejection hides
    (a wrong key there gives a random message, 32 bytes long about once in a hundred).
    """
    numbers = private_key.private_numbers()
    size = (private_key.key_size + 7) // 8
    c = int.from_bytes(ciphertext, "big")
    if len(ciphertext) != size or c >= numbers.public_numbers.n:
        return False
    block = pow(c, numbers.d, numbers.public_numbers.n).to_bytes(size, "big")
    separator = block.find(b"\x00", 2)
    return block[:2] == b"\x00\x02" and separator >= 10


def rsa_pkcs1v15_decrypt_unchecked(private_key: rsa.RSAPrivateKey, ciphertext: bytes) -> Tuple[bytes, bool]:
    """(message, ok) without raising: with implicit rejection a bad padding is a random message
    and ok is True anyway; only a backend without it reports the failure here."""
    try:
        return private_key.decrypt(ciphertext, padding.PKCS1v15()), True
    except ValueError:
        return b"", False
