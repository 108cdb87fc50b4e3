"""Envelope suites: how a body is sealed and how its symmetric key is wrapped, per ``Algorithm``.

An envelope is any object with the attributes and four methods of :class:`Envelope`; the two
protocol suites are registered at import, and :func:`register_envelope` plugs in a third without
touching the request or session code. Service-side failures (:meth:`Envelope.open`,
:meth:`Envelope.unwrap_key`) are all the same :class:`DecryptionError`.
"""

from __future__ import annotations

import difflib
import secrets
from typing import Dict, List, Optional, Protocol, Tuple, runtime_checkable

from cryptography.hazmat.primitives.asymmetric import rsa

from .errors import DECRYPTION_FAILED, DecryptionError, EnvelopeFormatError, KeyFormatError, UnsupportedAlgorithmError
from .hazmat import ciphers, sm2
from .keys import MIN_RSA_BITS, PrivateKey, PublicKey, key_type

__all__ = [
    "Envelope",
    "AesCbcRsaEnvelope",
    "Sm4GcmSm2Envelope",
    "register_envelope",
    "get_envelope",
    "algorithms",
    "algorithm_for_key",
    "open_unchecked",
    "unwrap_key_unchecked",
]


@runtime_checkable
class Envelope(Protocol):
    """What a suite provides. ``tag_size`` is None for suites without an authentication tag."""

    algorithm: str
    key_type: str
    key_size: int
    iv_size: int
    tag_size: Optional[int]

    def seal(self, plaintext: bytes, key: bytes, iv: bytes) -> Tuple[bytes, Optional[bytes]]:
        """Encrypt a body; returns (ciphertext, tag or None)."""

    def open(self, ciphertext: bytes, key: bytes, iv: bytes, tag: Optional[bytes] = None) -> bytes:
        """Decrypt a body; every failure is DecryptionError("decryption failed")."""

    def wrap_key(self, key: bytes, public_key: PublicKey) -> bytes:
        """Encrypt the symmetric key to the service's public key."""

    def unwrap_key(self, blob: bytes, private_key: PrivateKey) -> bytes:
        """Recover the symmetric key; a failure or a key of the wrong length is DecryptionError."""


def open_unchecked(envelope: Envelope, ciphertext: bytes, key: bytes, iv: bytes, tag: Optional[bytes]) -> Tuple[bytes, bool]:
    """(plaintext, ok) without raising, for the service side's same-work-on-failure path.

    The two protocol suites do the same work whether or not the ciphertext is good (their
    ``open_unchecked``); a suite registered without that method is opened with ``open``, and a
    failure then yields zero bytes of the ciphertext's length.
    """
    method = getattr(envelope, "open_unchecked", None)
    if method is not None:
        return method(ciphertext, key, iv, tag)  # type: ignore[no-any-return]
    try:
        return envelope.open(ciphertext, key, iv, tag), True
    except DecryptionError:
        return bytes(len(ciphertext)), False


def unwrap_key_unchecked(envelope: Envelope, blob: bytes, private_key: PrivateKey) -> Tuple[bytes, bool]:
    """(key, ok) without raising: on failure a random key of the suite's size, so that the body
    is then decrypted exactly as it would be under a good key."""
    fallback = secrets.token_bytes(envelope.key_size)
    method = getattr(envelope, "unwrap_key_unchecked", None)
    if method is not None:
        key, ok = method(blob, private_key)
    else:
        try:
            key, ok = envelope.unwrap_key(blob, private_key), True
        except DecryptionError:
            key, ok = fallback, False
    ok = ok and len(key) == envelope.key_size
    return (fallback, key)[ok], ok


def _check_sizes(envelope: Envelope, key: bytes, iv: bytes) -> None:
    if len(key) != envelope.key_size:
        raise EnvelopeFormatError(f"{envelope.algorithm} key: expected {envelope.key_size} bytes, got {len(key)}")
    if len(iv) != envelope.iv_size:
        raise EnvelopeFormatError(f"{envelope.algorithm} Iv: expected {envelope.iv_size} bytes, got {len(iv)}")


def _check_key_type(envelope: Envelope, key: object, role: str) -> None:
    try:
        actual = key_type(key)  # type: ignore[arg-type]
    except KeyFormatError:
        raise KeyFormatError(f"{envelope.algorithm} needs an {envelope.key_type} {role}, got {type(key).__name__}") from None
    if actual != envelope.key_type:
        raise KeyFormatError(
            f"{envelope.algorithm} wraps its key with {envelope.key_type}: got an {actual} {role}"
        )
    size = getattr(key, "key_size", None)
    if actual == "RSA" and isinstance(size, int) and size < MIN_RSA_BITS:
        raise KeyFormatError(f"{role}: RSA-{size} is too small (minimum {MIN_RSA_BITS} bits)")


class AesCbcRsaEnvelope:
    """``AES-256-CBC``: RSA PKCS#1 v1.5 wrap of a 32-byte key, 16-byte IV, PKCS#7, no tag."""

    algorithm = "AES-256-CBC"
    key_type = "RSA"
    key_size = 32
    iv_size = 16
    tag_size: Optional[int] = None

    def seal(self, plaintext: bytes, key: bytes, iv: bytes) -> Tuple[bytes, Optional[bytes]]:
        _check_sizes(self, key, iv)
        return ciphers.aes_cbc_encrypt(key, iv, plaintext), None

    def open(self, ciphertext: bytes, key: bytes, iv: bytes, tag: Optional[bytes] = None) -> bytes:
        _check_sizes(self, key, iv)
        if tag is not None:
            raise EnvelopeFormatError(f"{self.algorithm}: carries no tag")
        return ciphers.aes_cbc_decrypt(key, iv, ciphertext)

    def open_unchecked(self, ciphertext: bytes, key: bytes, iv: bytes, tag: Optional[bytes] = None) -> Tuple[bytes, bool]:
        """(plaintext, padding ok), the same work either way (see :func:`open_unchecked`)."""
        _check_sizes(self, key, iv)
        plaintext, ok = ciphers.aes_cbc_decrypt_unchecked(key, iv, ciphertext)
        return plaintext, ok and tag is None

    def wrap_key(self, key: bytes, public_key: PublicKey) -> bytes:
        _check_key_type(self, public_key, "public key")
        assert isinstance(public_key, rsa.RSAPublicKey)
        return ciphers.rsa_pkcs1v15_encrypt(public_key, key)

    def unwrap_key(self, blob: bytes, private_key: PrivateKey) -> bytes:
        key, ok = self.unwrap_key_unchecked(blob, private_key)
        if not (ok and len(key) == self.key_size):
            raise DecryptionError(DECRYPTION_FAILED)
        return key

    def unwrap_key_unchecked(self, blob: bytes, private_key: PrivateKey) -> Tuple[bytes, bool]:
        """(key, ok) without raising; with implicit rejection a bad blob gives a random message."""
        _check_key_type(self, private_key, "private key")
        assert isinstance(private_key, rsa.RSAPrivateKey)
        return ciphers.rsa_pkcs1v15_decrypt_unchecked(private_key, blob)

    def __repr__(self) -> str:
        return f"<envelope {self.algorithm}>"


class Sm4GcmSm2Envelope:
    """``SM4-GCM``: SM2 C1C3C2 wrap of a 16-byte key, 12-byte IV, detached 16-byte tag, no AAD."""

    algorithm = "SM4-GCM"
    key_type = "SM2"
    key_size = 16
    iv_size = 12
    tag_size: Optional[int] = ciphers.GCM_TAG_SIZE

    def seal(self, plaintext: bytes, key: bytes, iv: bytes) -> Tuple[bytes, Optional[bytes]]:
        _check_sizes(self, key, iv)
        return ciphers.sm4_gcm_encrypt(key, iv, plaintext)

    def open(self, ciphertext: bytes, key: bytes, iv: bytes, tag: Optional[bytes] = None) -> bytes:
        _check_sizes(self, key, iv)
        if tag is None:
            raise EnvelopeFormatError(f"{self.algorithm}: the tag is missing")
        return ciphers.sm4_gcm_decrypt(key, iv, ciphertext, tag)

    def open_unchecked(self, ciphertext: bytes, key: bytes, iv: bytes, tag: Optional[bytes] = None) -> Tuple[bytes, bool]:
        """(plaintext, tag ok), the same work either way (see :func:`open_unchecked`)."""
        _check_sizes(self, key, iv)
        return ciphers.sm4_gcm_decrypt_unchecked(key, iv, ciphertext, b"" if tag is None else tag)

    def wrap_key(self, key: bytes, public_key: PublicKey) -> bytes:
        _check_key_type(self, public_key, "public key")
        assert isinstance(public_key, sm2.Sm2PublicKey)
        return sm2.encrypt(public_key, key)

    def unwrap_key(self, blob: bytes, private_key: PrivateKey) -> bytes:
        key, ok = self.unwrap_key_unchecked(blob, private_key)
        if not (ok and len(key) == self.key_size):
            raise DecryptionError(DECRYPTION_FAILED)
        return key

    def unwrap_key_unchecked(self, blob: bytes, private_key: PrivateKey) -> Tuple[bytes, bool]:
        """(key, ok) without raising."""
        _check_key_type(self, private_key, "private key")
        assert isinstance(private_key, sm2.Sm2PrivateKey)
        return sm2.decrypt_unchecked(private_key, blob)

    def __repr__(self) -> str:
        return f"<envelope {self.algorithm}>"


_REGISTRY: Dict[str, Envelope] = {}


def register_envelope(envelope: Envelope, *, replace: bool = False) -> None:
    """Make ``envelope`` available under ``envelope.algorithm``; refuses to shadow one unless asked."""
    if not isinstance(envelope, Envelope):
        raise TypeError("an envelope needs algorithm, key_type, key_size, iv_size, tag_size, seal, open, wrap_key, unwrap_key")
    name = envelope.algorithm
    if name in _REGISTRY and not replace:
        raise ValueError(f"an envelope for {name!r} is already registered (pass replace=True)")
    _REGISTRY[name] = envelope


def get_envelope(algorithm: str) -> Envelope:
    """The envelope registered for an ``Algorithm`` name; suggests the closest name on a miss."""
    try:
        return _REGISTRY[algorithm]
    except (KeyError, TypeError):
        pass
    known = sorted(_REGISTRY)
    close = difflib.get_close_matches(str(algorithm).upper(), known, n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise UnsupportedAlgorithmError(f"Algorithm: {algorithm!r} is not supported (known: {', '.join(known)}){hint}")


def algorithm_for_key(key: object) -> str:
    """The first registered ``Algorithm`` whose key wrap takes this kind of key (RSA: AES-256-CBC,
    SM2: SM4-GCM): what a key implies when no algorithm is named."""
    kind = key_type(key)  # type: ignore[arg-type]
    for name, envelope in _REGISTRY.items():
        if envelope.key_type == kind:
            return name
    raise UnsupportedAlgorithmError(f"Algorithm: no registered suite wraps its key with {kind}")


def algorithms() -> List[str]:
    """Every registered ``Algorithm`` name."""
    return sorted(_REGISTRY)


register_envelope(AesCbcRsaEnvelope())
register_envelope(Sm4GcmSm2Envelope())
