"""Session: the symmetric key and IV of one request, and the sealing and opening of payloads.

A payload (request params or a response) carries its sensitive part in one of three ways, all
described by its ``Encryption`` block: one ``EncryptedBody`` (body mode), named string fields
encrypted in place (field mode), or nothing at all (a response-only request, which only hands the
service the wrapped key). Where things sit on the wire is :mod:`ocrcrypto.wire`'s business; this
module only turns plaintext into ciphertext and back. The client keeps its Session to decrypt the
response; the service gets one from :func:`ocrcrypto.decrypt_request` to encrypt it.
"""

from __future__ import annotations

import secrets
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from . import wire
from .envelopes import Envelope, get_envelope, open_unchecked
from .errors import DecryptionError, EnvelopeFormatError
from .wire import BODY_NAME, RESPONSE_CLEAR_FIELDS, EncryptionBlock

__all__ = ["Session", "RESPONSE_CLEAR_FIELDS"]


class Session:
    """The key and IV of one request (and its response), for one ``Algorithm``; repr hides the key.

    ``iv`` is None for a service session opened from a response-only request that sent no IV;
    its responses then get a fresh IV, which travels in their block. ``encrypt_list`` is, for a
    service session, what its request had encrypted: the body's field name or the field paths,
    empty for a response-only request.
    """

    __slots__ = ("algorithm", "_key", "iv", "ciphertext_blob", "encrypt_list", "_envelope")

    def __init__(self, algorithm: str, key: bytes, iv: Optional[bytes], *, ciphertext_blob: Optional[bytes] = None) -> None:
        self._envelope: Envelope = get_envelope(algorithm)
        self.algorithm = algorithm
        if not isinstance(key, (bytes, bytearray)) or len(key) != self._envelope.key_size:
            raise EnvelopeFormatError(f"Session Key: {algorithm} needs {self._envelope.key_size} bytes")
        if iv is not None and (not isinstance(iv, (bytes, bytearray)) or len(iv) != self._envelope.iv_size):
            raise EnvelopeFormatError(f"Session Iv: {algorithm} needs {self._envelope.iv_size} bytes")
        self._key = bytes(key)
        self.iv = None if iv is None else bytes(iv)
        self.ciphertext_blob = ciphertext_blob
        self.encrypt_list: Tuple[str, ...] = ()

    @classmethod
    def new(cls, algorithm: str) -> "Session":
        """A fresh full-entropy key and IV from the operating system's CSPRNG."""
        envelope = get_envelope(algorithm)
        return cls(algorithm, secrets.token_bytes(envelope.key_size), secrets.token_bytes(envelope.iv_size))

    @property
    def key(self) -> bytes:
        """The symmetric key. Key material: never log it."""
        return self._key

    @property
    def envelope(self) -> Envelope:
        """The suite of this session's ``Algorithm``."""
        return self._envelope

    def to_dict(self) -> Dict[str, Optional[str]]:
        """``{"Algorithm", "Key", "Iv"}`` with base64 values (``Iv`` may be null); contains the
        key, so store it 0600."""
        return {
            "Algorithm": self.algorithm,
            "Key": wire.b64encode(self._key),
            "Iv": None if self.iv is None else wire.b64encode(self.iv),
        }

    @classmethod
    def from_dict(cls, data: Any) -> "Session":
        """Undo :meth:`to_dict`."""
        if not isinstance(data, Mapping):
            raise EnvelopeFormatError("session: expected an object with Algorithm, Key and Iv")
        for name in ("Algorithm", "Key", "Iv"):
            if name not in data:
                raise EnvelopeFormatError(f"session.{name}: missing")
        if not isinstance(data["Algorithm"], str):
            raise EnvelopeFormatError("session.Algorithm: expected a string")
        iv = None if data["Iv"] is None else wire.b64decode(data["Iv"], "session.Iv")
        return cls(data["Algorithm"], wire.b64decode(data["Key"], "session.Key"), iv)

    def __repr__(self) -> str:
        iv = None if self.iv is None else self.iv.hex()
        return f"Session(algorithm={self.algorithm!r}, key=<{len(self._key)} bytes hidden>, iv={iv!r})"

    # -- sealing --------------------------------------------------------------------------------

    def seal(
        self,
        payload: Mapping[str, Any],
        *,
        clear: Iterable[str],
        fields: Optional[Sequence[str]] = None,
        iv: Optional[bytes] = None,
        where: str = "params",
        tags_null: bool = False,
        move_last: Sequence[str] = (),
    ) -> Dict[str, Any]:
        """Encrypt ``payload`` and add its ``Encryption`` block.

        ``fields=None``: body mode (everything but ``clear`` into ``EncryptedBody``); a list of
        names or dotted paths: field mode; ``[]``: nothing encrypted, only the block (a
        response-only request). ``tags_null`` writes ``TagList: null`` for a suite without tags,
        as the service does in responses.
        """
        wire.check_unencrypted(payload, where)
        iv = self.iv if iv is None else iv
        if iv is None:
            raise EnvelopeFormatError("Session Iv: this session has none; pass an iv or fresh_iv=True")
        envelope = self._envelope
        if fields is None:
            outside, inside = wire.body_params(payload, clear, where)
            ciphertext, tag = envelope.seal(wire.dumps_compact(inside, where), self._key, iv)
            block = self._block((BODY_NAME,), [tag], iv, tags_null)
            return wire.write_body(outside, ciphertext, block, move_last=move_last)
        values = wire.check_fields(payload, fields, where)
        sealed = [(path, envelope.seal(value.encode("utf-8"), self._key, iv)) for path, value in values]
        block = self._block(tuple(path for path, _ in sealed), [tag for _, (_, tag) in sealed], iv, tags_null)
        return wire.write_fields(payload, [(path, ct) for path, (ct, _) in sealed], block, move_last=move_last)

    def _block(self, names: Tuple[str, ...], tags: List[Optional[bytes]], iv: bytes, tags_null: bool) -> EncryptionBlock:
        tag_list = tuple(t for t in tags if t is not None)
        null = tags_null and self._envelope.tag_size is None
        return EncryptionBlock(names, self.ciphertext_blob, iv, self.algorithm, None if null else tag_list)

    # -- opening --------------------------------------------------------------------------------

    def open_message(self, message: wire.Message, iv: Optional[bytes], where: str) -> Dict[str, Any]:
        """Decrypt every part of a parsed message and put the plaintext back (the client side:
        errors name the field and the reason)."""
        envelope = self._envelope
        if message.parts and iv is None:
            raise EnvelopeFormatError(f"{where}.Encryption.Iv: missing, and the session has no IV")
        if iv is not None and len(iv) != envelope.iv_size:
            raise EnvelopeFormatError(f"{where}.Encryption.Iv: {self.algorithm} needs {envelope.iv_size} bytes, got {len(iv)}")
        tags = message.block.tags(required=envelope.tag_size is not None, count=len(message.parts))
        plaintexts: List[Any] = []
        for part, tag in zip(message.parts, tags):
            plaintext, ok = open_unchecked(envelope, part.ciphertext, self._key, iv, tag)  # type: ignore[arg-type]
            if not ok:
                raise DecryptionError(f"{where}.{part.name}: decryption failed (wrong key or IV, or the ciphertext was altered)")
            value, parsed = _parse_uniformly(plaintext, part.is_body)
            if not parsed:  # parse again for the reason, outside any except: no plaintext in a chain
                if part.is_body:
                    wire.loads_object(plaintext, f"{where}.{part.name} (decrypted)")
                raise EnvelopeFormatError(f"{where}.{part.name}: decrypted bytes are not UTF-8")
            plaintexts.append(value)
        return wire.plain_message(message, plaintexts)

    def open_message_uniformly(self, message: wire.Message, iv: Optional[bytes], tags: Sequence[Optional[bytes]]) -> Tuple[Dict[str, Any], bool]:
        """(payload, ok) doing the same steps whatever fails (the service side): every part is
        decrypted, decoded and parsed even after a failure, and nothing is raised."""
        ok = True
        plaintexts: List[Any] = []
        for part, tag in zip(message.parts, tags):
            plaintext, opened = open_unchecked(self._envelope, part.ciphertext, self._key, iv, tag)  # type: ignore[arg-type]
            value, parsed = _parse_uniformly(plaintext, part.is_body)
            ok &= opened & parsed
            plaintexts.append(value)
        if not ok:
            return {}, False
        return wire.plain_message(message, plaintexts), True

    # -- responses ------------------------------------------------------------------------------

    def encrypt_response(
        self,
        response: Mapping[str, Any],
        fields: Optional[Sequence[str]] = None,
        fresh_iv: bool = False,
        *,
        iv: Optional[bytes] = None,
    ) -> Dict[str, Any]:
        """Encrypt a response (fields, or ``{"Response": {...}}``) the way the service does.

        ``fields=None`` encrypts the whole body (``RequestId`` and ``Error`` stay in the clear);
        names or dotted paths (``Response.Text.IdCard``) encrypt those fields in place. The IV is
        the request's (as the protocol does), a random one with ``fresh_iv`` or when the request
        sent none, or exactly ``iv`` (for test vectors); the block carries it either way.
        """
        wrapped, inner = wire.split_response(response)
        size = self._envelope.iv_size
        if iv is not None and (fresh_iv or len(iv) != size):
            raise EnvelopeFormatError(f"iv: pass either fresh_iv or an iv of {size} bytes")
        if iv is None:
            iv = secrets.token_bytes(size) if fresh_iv or self.iv is None else self.iv
        sealed = self.seal(
            inner, clear=RESPONSE_CLEAR_FIELDS, fields=fields, iv=iv, where="Response", tags_null=True, move_last=("RequestId",)
        )
        return wire.join_response(wrapped, sealed)

    def decrypt_response(self, response: Mapping[str, Any]) -> Dict[str, Any]:
        """Decrypt a response with this session, in the same shape, envelope fields removed.

        Handles the whole body, fields at dotted paths, and nothing encrypted; uses the
        response's own ``Iv`` when it has one, else the session's. A response with no
        ``Encryption`` block comes back unchanged, less null envelope fields an SDK model writes.
        """
        wrapped, inner = wire.split_response(response)
        if inner.get("Encryption") is None:
            return wire.join_response(wrapped, wire.strip_envelope(inner))
        message = wire.parse_message(response, "Response")
        if message.block.algorithm != self.algorithm:
            raise EnvelopeFormatError(
                f"Response.Encryption.Algorithm: {message.block.algorithm!r}, but the session is {self.algorithm!r}"
            )
        iv = self.iv if message.block.iv is None else message.block.iv
        return wire.join_response(wrapped, self.open_message(message, iv, "Response"))


def _parse_uniformly(plaintext: bytes, is_body: bool) -> Tuple[Any, bool]:
    """A decrypted part as a JSON object (body) or text (field), and whether it was one; never
    raises, and takes the same steps whatever is wrong (see :func:`ocrcrypto.wire.parse_uniformly`)."""
    if is_body:
        return wire.parse_uniformly(plaintext)
    text = plaintext.decode("utf-8", "replace")
    return text, text.encode("utf-8") == plaintext
