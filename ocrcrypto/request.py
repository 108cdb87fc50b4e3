"""Requests: wrap the sensitive params of an API call, and (on the service side) unwrap them.

Three modes, one code path: body mode (``fields=None``, the OCR API and DetectAIFakeFaces) puts
the compact JSON of every param except the protocol-level ones into ``EncryptedBody``; field mode
(a list of names, most FaceID actions) encrypts those string fields in place with one key and
IV; response-only (``fields=[]``) encrypts nothing and sends the wrapped key, so that the service
can encrypt its answer. The service side opens all three with a keyring and fails uniformly.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from . import wire
from .envelopes import Envelope, get_envelope, unwrap_key_unchecked
from .errors import DECRYPTION_FAILED, DecryptionError, EnvelopeFormatError, KeyFormatError
from .hazmat import ciphers, sm2
from .keys import PrivateKey, PublicKey, key_type
from .session import Session
from .wire import PROTOCOL_PARAMS

__all__ = ["encrypt_request", "encrypt_request_with", "decrypt_request", "PROTOCOL_PARAMS"]

PrivateKeys = Union[PrivateKey, Iterable[PrivateKey]]


def encrypt_request(
    params: Mapping[str, Any],
    public_key: PublicKey,
    algorithm: str = "AES-256-CBC",
    fields: Optional[Sequence[str]] = None,
    *,
    clear: Iterable[str] = (),
) -> Tuple[Dict[str, Any], Session]:
    """Wrap ``params`` for the API; returns (wire JSON object, the Session to decrypt the response).

    ``fields=None``: body mode; every param except ``Action``, ``Version``, ``Region`` and those
    in ``clear`` is encrypted. A list of names or dotted paths: field mode. ``[]``: response-only,
    nothing encrypted. A fresh key and IV come from ``secrets`` on every call.
    """
    session = Session.new(algorithm)
    session.ciphertext_blob = session.envelope.wrap_key(session.key, public_key)
    return _seal_request(params, session, fields, clear), session


def encrypt_request_with(
    params: Mapping[str, Any],
    public_key: PublicKey,
    algorithm: str,
    fields: Optional[Sequence[str]] = None,
    *,
    clear: Iterable[str] = (),
    key: bytes,
    iv: bytes,
    wrap_randomness: bytes,
) -> Tuple[Dict[str, Any], Session]:
    """:func:`encrypt_request` with every random input given, for test vectors only.

    ``wrap_randomness`` is the SM2 ephemeral scalar k (32 bytes, big-endian) or the RSA PKCS#1
    v1.5 padding string PS (non-zero bytes), so that the output is reproducible byte for byte.
    """
    session = Session(algorithm, key, iv)
    session.ciphertext_blob = _wrap_deterministically(session.envelope, key, public_key, wrap_randomness)
    return _seal_request(params, session, fields, clear), session


def _wrap_deterministically(envelope: Envelope, key: bytes, public_key: PublicKey, randomness: bytes) -> bytes:
    if key_type(public_key) != envelope.key_type:
        raise KeyFormatError(f"{envelope.algorithm} wraps its key with {envelope.key_type}: got an {key_type(public_key)} public key")
    if isinstance(public_key, sm2.Sm2PublicKey):
        return sm2.encrypt(public_key, key, k=int.from_bytes(randomness, "big"))
    return ciphers.rsa_pkcs1v15_encrypt_with_padding(public_key, key, randomness)


def _seal_request(params: Mapping[str, Any], session: Session, fields: Optional[Sequence[str]], clear: Iterable[str]) -> Dict[str, Any]:
    return session.seal(params, clear=(*PROTOCOL_PARAMS, *clear), fields=fields, where="params")


def _keyring(envelope: Envelope, private_keys: PrivateKeys) -> List[PrivateKey]:
    """The keys of the suite's type, in order; refuses an empty ring or one without such a key."""
    if isinstance(private_keys, (str, bytes, bytearray, Mapping)):
        raise KeyFormatError("private_keys: expected a loaded private key or an iterable of them (see load_private_key)")
    try:
        key_type(private_keys)  # type: ignore[arg-type]
        keys: List[Any] = [private_keys]
    except KeyFormatError:
        try:
            keys = list(private_keys)  # type: ignore[arg-type]
        except TypeError:
            raise KeyFormatError(f"private_keys: expected a private key or an iterable of them, got {type(private_keys).__name__}") from None
    fitting = []
    for key in keys:
        if key_type(key) == envelope.key_type:
            fitting.append(key)
    if not fitting:
        raise KeyFormatError(f"{envelope.algorithm} wraps its key with {envelope.key_type}: no {envelope.key_type} private key given")
    return fitting


def decrypt_request(wire_request: Mapping[str, Any], private_keys: PrivateKeys) -> Tuple[Dict[str, Any], Session]:
    """The service side: recover the params and the request's Session (to encrypt the response).

    ``private_keys`` is one key or a keyring (an iterable of keys of either suite, e.g. during key
    rotation): every key of the request's suite is tried, and the first under which the key
    unwraps and the request opens is taken. A response-only request has nothing to open, so with
    several RSA keys a wrong one listed first can pass for the right one (about once in a
    hundred): list the current key first. Shape errors (missing fields, bad
    base64, wrong IV length) name what is wrong; everything that depends on the private key or
    the ciphertext fails with one ``DecryptionError("decryption failed")``, after the same work,
    with no cause or context attached.
    """
    message = wire.parse_message(wire_request, "request")
    block = message.block
    envelope = get_envelope(block.algorithm)
    keys = _keyring(envelope, private_keys)
    if block.ciphertext_blob is None:
        raise EnvelopeFormatError("Encryption.CiphertextBlob: missing")
    if block.iv is None and message.parts:
        raise EnvelopeFormatError("Encryption.Iv: missing")
    if block.iv is not None and len(block.iv) != envelope.iv_size:
        raise EnvelopeFormatError(f"Encryption.Iv: {block.algorithm} needs {envelope.iv_size} bytes, got {len(block.iv)}")
    tags = block.tags(required=envelope.tag_size is not None, count=len(message.parts))
    chosen: Optional[Tuple[Dict[str, Any], Session]] = None
    for private_key in keys:  # every key, always, in full: which one opens it must not show in the time
        key, unwrapped = unwrap_key_unchecked(envelope, block.ciphertext_blob, private_key)
        session = Session(block.algorithm, key, block.iv, ciphertext_blob=block.ciphertext_blob)
        session.encrypt_list = tuple(part.name for part in message.parts)
        params, opened = session.open_message_uniformly(message, block.iv, tags)
        # A wrong RSA key "unwraps" too (implicit rejection gives a random message, 32 bytes long
        # about once in a hundred): only a key under which the request also opens is taken.
        if unwrapped and opened and chosen is None:
            chosen = params, session
    if chosen is None:
        raise DecryptionError(DECRYPTION_FAILED)
    params, session = chosen
    return params, session
