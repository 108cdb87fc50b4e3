"""Requests: wrap the sensitive params of an API call, and (on the service side) unwrap them.

Body mode (the OCR API) puts the compact JSON of every param except the protocol-level ones
(``Action``, ``Version``, ``Region``) into ``EncryptedBody`` and leaves the originals as ``""``.
Field mode (the FaceID APIs) encrypts the named string fields in place with the same key and IV.
"""

from __future__ import annotations

import secrets
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple

from .block import EncryptionBlock
from .envelopes import get_envelope
from .errors import DECRYPTION_FAILED, DecryptionError, EnvelopeFormatError
from .keys import PrivateKey, PublicKey
from .session import Session, sealed_parts

__all__ = ["encrypt_request", "decrypt_request", "PROTOCOL_PARAMS"]

PROTOCOL_PARAMS = ("Action", "Version", "Region")
"""Params that steer the API call and are never encrypted; every other param is sensitive."""


def encrypt_request(
    params: Mapping[str, Any],
    public_key: PublicKey,
    algorithm: str = "AES-256-CBC",
    fields: Optional[Sequence[str]] = None,
) -> Tuple[Dict[str, Any], Session]:
    """Wrap ``params`` for the API; returns (wire JSON object, the Session to decrypt the response).

    A fresh key and IV come from ``secrets`` on every call. ``fields`` switches to field mode.
    """
    session = Session.new(algorithm)
    session.ciphertext_blob = session.envelope.wrap_key(session.key, public_key)
    wire, block = session.seal_payload(params, clear=PROTOCOL_PARAMS, fields=fields, where="params")
    wire["Encryption"] = block.to_dict()
    return wire, session


def decrypt_request(wire: Mapping[str, Any], private_key: PrivateKey) -> Tuple[Dict[str, Any], Session]:
    """The service side: recover the params and the request's Session (to encrypt the response).

    Shape errors (missing fields, bad base64, wrong IV length) name what is wrong; everything that
    depends on the private key or the ciphertext fails with one DecryptionError.
    """
    if not isinstance(wire, Mapping):
        raise EnvelopeFormatError(f"request: expected a JSON object, got {type(wire).__name__}")
    if "Encryption" not in wire:
        raise EnvelopeFormatError("request.Encryption: missing; this request is not encrypted")
    block = EncryptionBlock.parse(wire["Encryption"], "Encryption")
    envelope = get_envelope(block.algorithm)
    if block.ciphertext_blob is None:
        raise EnvelopeFormatError("Encryption.CiphertextBlob: missing")
    if block.iv is None:
        raise EnvelopeFormatError("Encryption.Iv: missing")
    if len(block.iv) != envelope.iv_size:
        raise EnvelopeFormatError(f"Encryption.Iv: {block.algorithm} needs {envelope.iv_size} bytes, got {len(block.iv)}")
    parts = sealed_parts(envelope, wire, block, "request")
    try:
        key = envelope.unwrap_key(block.ciphertext_blob, private_key)
        unwrapped = True
    except DecryptionError:
        # Go on with a random key so that a failed unwrap costs the same body decryption as a
        # good one: how long the answer takes must not tell (the Marvin/Bleichenbacher lesson).
        key, unwrapped = secrets.token_bytes(envelope.key_size), False
    session = Session(block.algorithm, key, block.iv, ciphertext_blob=block.ciphertext_blob)
    params = session.open_parts(wire, parts, block.iv, uniform=True, where="request")
    if not unwrapped:
        raise DecryptionError(DECRYPTION_FAILED)
    return params, session
