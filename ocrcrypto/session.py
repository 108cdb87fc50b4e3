"""Session: the symmetric key and IV of one request, and the sealing and opening of payloads.

A payload is a JSON object (request params or response fields) whose sensitive part is either one
``EncryptedBody`` (body mode) or named string fields encrypted in place (field mode), described by
an ``Encryption`` block. The client keeps its Session to decrypt the response; the service gets one
from :func:`ocrcrypto.decrypt_request` to encrypt it.
"""

from __future__ import annotations

import copy
import json
import secrets
from typing import Any, Dict, Iterable, List, Mapping, MutableMapping, Optional, Sequence, Tuple

from .block import BODY_NAME, BODY_NAME_ALIASES, EncryptionBlock, b64decode, b64encode
from .envelopes import Envelope, get_envelope
from .errors import DECRYPTION_FAILED, DecryptionError, EnvelopeFormatError, OcrCryptoError

__all__ = ["Session", "sealed_parts", "RESPONSE_CLEAR_FIELDS"]

RESPONSE_CLEAR_FIELDS = ("RequestId", "Error")
"""Response fields that are protocol-level and never encrypted."""

_Sealed = List[Tuple[str, bytes, Optional[bytes]]]


def dumps_compact(value: Any, where: str) -> bytes:
    """The compact UTF-8 JSON the protocol encrypts (key order kept, no NaN)."""
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise EnvelopeFormatError(f"{where}: cannot be written as JSON ({exc})") from None


def _reject_duplicates(pairs: List[Tuple[str, Any]]) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise EnvelopeFormatError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _reject_constant(name: str) -> Any:
    raise EnvelopeFormatError(f"non-standard number {name}")


def strict_json(text: str) -> Any:
    """Parse JSON, refusing duplicate keys and NaN/Infinity (EnvelopeFormatError); syntax errors
    stay json.JSONDecodeError so that callers can report the position."""
    return json.loads(text, object_pairs_hook=_reject_duplicates, parse_constant=_reject_constant)


def loads_object(data: bytes, where: str) -> Dict[str, Any]:
    """Strict JSON object from UTF-8 bytes: duplicate keys, NaN and non-objects are errors."""
    try:
        value = strict_json(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise EnvelopeFormatError(f"{where}: decrypted bytes are not UTF-8") from None
    except EnvelopeFormatError as exc:
        raise EnvelopeFormatError(f"{where}: decrypted JSON has a {exc}") from None
    except (ValueError, RecursionError):
        raise EnvelopeFormatError(f"{where}: decrypted bytes are not JSON") from None
    if not isinstance(value, dict):
        raise EnvelopeFormatError(f"{where}: decrypted JSON is not an object")
    return value


def _locate(root: MutableMapping[str, Any], path: str, where: str) -> Tuple[MutableMapping[str, Any], str]:
    """The (parent object, key) a field name or dotted path refers to; ``Response.`` is optional."""
    parts = path.split(".")
    if len(parts) > 1 and parts[0] == "Response" and "Response" not in root:
        parts = parts[1:]
    node: Any = root
    for part in parts[:-1]:
        node = node.get(part) if isinstance(node, Mapping) else None
    if not isinstance(node, MutableMapping) or parts[-1] not in node:
        raise EnvelopeFormatError(f"Encryption.EncryptList: names {path!r}, which is not in the {where}")
    return node, parts[-1]


def sealed_parts(envelope: Envelope, payload: Mapping[str, Any], block: EncryptionBlock, where: str) -> _Sealed:
    """The (name, ciphertext, tag) of every ``EncryptList`` entry; shape errors name the field."""
    tags = block.tags(required=envelope.tag_size is not None)
    parts: _Sealed = []
    for name, tag in zip(block.encrypt_list, tags):
        if name in BODY_NAME_ALIASES:
            body_name = next((n for n in BODY_NAME_ALIASES if n in payload), None)
            if body_name is None:
                raise EnvelopeFormatError(f"Encryption.EncryptList: names {name!r}, which is not in the {where}")
            parts.append((body_name, b64decode(payload[body_name], f"{where}.{body_name}"), tag))
        else:
            parent, key = _locate(payload, name, where)  # type: ignore[arg-type]
            parts.append((name, b64decode(parent[key], f"{where}.{name}"), tag))
    return parts


class Session:
    """The key and IV of one request (and its response), for one ``Algorithm``; repr hides the key."""

    __slots__ = ("algorithm", "_key", "iv", "ciphertext_blob", "_envelope")

    def __init__(self, algorithm: str, key: bytes, iv: bytes, *, ciphertext_blob: Optional[bytes] = None) -> None:
        self._envelope: Envelope = get_envelope(algorithm)
        self.algorithm = algorithm
        if not isinstance(key, (bytes, bytearray)) or len(key) != self._envelope.key_size:
            raise EnvelopeFormatError(f"Session Key: {algorithm} needs {self._envelope.key_size} bytes")
        if not isinstance(iv, (bytes, bytearray)) or len(iv) != self._envelope.iv_size:
            raise EnvelopeFormatError(f"Session Iv: {algorithm} needs {self._envelope.iv_size} bytes")
        self._key = bytes(key)
        self.iv = bytes(iv)
        self.ciphertext_blob = ciphertext_blob

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
        return self._envelope

    def to_dict(self) -> Dict[str, str]:
        """``{"Algorithm", "Key", "Iv"}`` with base64 values; contains the key, so store it 0600."""
        return {"Algorithm": self.algorithm, "Key": b64encode(self._key), "Iv": b64encode(self.iv)}

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
        return cls(data["Algorithm"], b64decode(data["Key"], "session.Key"), b64decode(data["Iv"], "session.Iv"))

    def __repr__(self) -> str:
        return f"Session(algorithm={self.algorithm!r}, key=<{len(self._key)} bytes hidden>, iv={self.iv.hex()!r})"

    # -- payloads -------------------------------------------------------------------------------

    def seal_payload(
        self,
        payload: Mapping[str, Any],
        *,
        clear: Iterable[str],
        fields: Optional[Sequence[str]] = None,
        iv: Optional[bytes] = None,
        where: str = "params",
    ) -> Tuple[Dict[str, Any], EncryptionBlock]:
        """Encrypt ``payload``: body mode (everything but ``clear``) or the named ``fields``.

        Returns the new payload (sensitive values replaced by ``""`` or by their ciphertext) and
        the ``Encryption`` block without a ``CiphertextBlob``.
        """
        if not isinstance(payload, Mapping):
            raise EnvelopeFormatError(f"{where}: expected a JSON object, got {type(payload).__name__}")
        for reserved in ("Encryption",) + BODY_NAME_ALIASES:
            if reserved in payload:
                raise EnvelopeFormatError(f"{where}.{reserved}: already present; is this payload encrypted already?")
        bad_key = next((k for k in payload if not isinstance(k, str)), None)
        if bad_key is not None:
            raise EnvelopeFormatError(f"{where}: names must be strings, got {type(bad_key).__name__} {bad_key!r}")
        iv = self.iv if iv is None else iv
        envelope = self._envelope
        tags: List[bytes] = []
        if fields is None:
            out: Dict[str, Any] = dict(payload)
            keep = set(clear)
            sensitive = {k: v for k, v in payload.items() if k not in keep}
            if not sensitive:
                raise EnvelopeFormatError(f"{where}: nothing to encrypt (only protocol-level fields: {', '.join(sorted(keep))})")
            body = dumps_compact(sensitive, where)
            del sensitive
            ciphertext, tag = envelope.seal(body, self._key, iv)
            del body
            for name in payload:
                if name not in keep:
                    out[name] = ""
            out[BODY_NAME] = b64encode(ciphertext)
            del ciphertext
            names = [BODY_NAME]
            if tag is not None:
                tags.append(tag)
        else:
            if isinstance(fields, (str, bytes)):
                raise EnvelopeFormatError("fields: expected a list of field names, not a single string")
            names = list(fields)
            if not names:
                raise EnvelopeFormatError("fields: name at least one field to encrypt")
            if not all(isinstance(name, str) and name for name in names):
                raise EnvelopeFormatError("fields: every field name must be a non-empty string")
            out = copy.deepcopy(dict(payload))
            if len(set(names)) != len(names):
                raise EnvelopeFormatError("fields: a field is named more than once")
            for name in names:
                parent, key = _locate(out, name, where)
                value = parent[key]
                if not isinstance(value, str):
                    raise EnvelopeFormatError(f"{where}.{name}: field mode encrypts strings, got {type(value).__name__}")
                ciphertext, tag = envelope.seal(value.encode("utf-8"), self._key, iv)
                parent[key] = b64encode(ciphertext)
                if tag is not None:
                    tags.append(tag)
        block = EncryptionBlock(
            encrypt_list=tuple(names),
            ciphertext_blob=self.ciphertext_blob,
            iv=iv,
            algorithm=self.algorithm,
            tag_list=tuple(tags),
        )
        return out, block

    def open_parts(
        self, payload: Mapping[str, Any], parts: _Sealed, iv: bytes, *, uniform: bool, where: str
    ) -> Dict[str, Any]:
        """Decrypt ``parts`` and merge them into a copy of ``payload`` without its envelope fields.

        With ``uniform`` (the service side) every failure is the same DecryptionError; otherwise
        the error names the field and the reason.
        """
        out: Dict[str, Any] = {k: v for k, v in payload.items() if k not in BODY_NAME_ALIASES and k != "Encryption"}
        out = copy.deepcopy(out)
        try:
            for name, ciphertext, tag in parts:
                try:
                    plaintext = self._envelope.open(ciphertext, self._key, iv, tag)
                except DecryptionError:
                    raise DecryptionError(
                        f"{where}.{name}: decryption failed (wrong key or IV, or the ciphertext was altered)"
                    ) from None
                if name in BODY_NAME_ALIASES:
                    out.update(loads_object(plaintext, f"{where}.{name}"))
                else:
                    parent, key = _locate(out, name, where)
                    try:
                        parent[key] = plaintext.decode("utf-8")
                    except UnicodeDecodeError:
                        raise EnvelopeFormatError(f"{where}.{name}: decrypted bytes are not UTF-8") from None
        except OcrCryptoError:
            if uniform:
                raise DecryptionError(DECRYPTION_FAILED) from None
            raise
        return out

    # -- responses ------------------------------------------------------------------------------

    def encrypt_response(
        self,
        response: Mapping[str, Any],
        *,
        fields: Optional[Sequence[str]] = None,
        fresh_iv: bool = False,
        iv: Optional[bytes] = None,
    ) -> Dict[str, Any]:
        """Encrypt a response (fields, or ``{"Response": {...}}``) the way the service does.

        Body mode by default; ``RequestId`` and ``Error`` stay in the clear. The IV is the
        request's (as the protocol does), a random one with ``fresh_iv``, or exactly ``iv`` (for
        test vectors); it is written in the block either way.
        """
        wrapped, inner = _unwrap_response(response)
        if iv is not None and (fresh_iv or len(iv) != self._envelope.iv_size):
            raise EnvelopeFormatError(f"iv: pass either fresh_iv or an iv of {self._envelope.iv_size} bytes")
        if iv is None:
            iv = secrets.token_bytes(self._envelope.iv_size) if fresh_iv else self.iv
        sealed, block = self.seal_payload(inner, clear=RESPONSE_CLEAR_FIELDS, fields=fields, iv=iv, where="Response")
        if self._envelope.tag_size is None:
            block = EncryptionBlock(block.encrypt_list, block.ciphertext_blob, block.iv, block.algorithm, tag_list=None)
        sealed["Encryption"] = block.to_dict()
        if "RequestId" in sealed:
            sealed["RequestId"] = sealed.pop("RequestId")
        return {"Response": sealed} if wrapped else sealed

    def decrypt_response(self, response: Mapping[str, Any]) -> Dict[str, Any]:
        """Decrypt a response with this session, in the same shape, envelope fields removed.

        Uses the response's own ``Iv`` when it has one, else the session IV. A response with no
        ``Encryption`` block and no ``EncryptedBody`` (an error, say) comes back unchanged, less
        any null ``Encryption``/``EncryptedBody`` fields an SDK model writes.
        """
        wrapped, inner = _unwrap_response(response)
        if inner.get("Encryption") is None:
            stray = next((n for n in BODY_NAME_ALIASES if inner.get(n) not in (None, "")), None)
            if stray is not None:
                raise EnvelopeFormatError(f"Response.{stray}: present without an Encryption block")
            plain = {k: copy.deepcopy(v) for k, v in inner.items() if k != "Encryption" and k not in BODY_NAME_ALIASES}
            return {"Response": plain} if wrapped else plain
        block = EncryptionBlock.parse(inner["Encryption"], "Response.Encryption")
        if block.algorithm != self.algorithm:
            raise EnvelopeFormatError(
                f"Response.Encryption.Algorithm: {block.algorithm!r}, but the session is {self.algorithm!r}"
            )
        iv = self.iv if block.iv is None else block.iv
        if len(iv) != self._envelope.iv_size:
            raise EnvelopeFormatError(
                f"Response.Encryption.Iv: {self.algorithm} needs {self._envelope.iv_size} bytes, got {len(iv)}"
            )
        parts = sealed_parts(self._envelope, inner, block, "Response")
        plain = self.open_parts(inner, parts, iv, uniform=False, where="Response")
        return {"Response": plain} if wrapped else plain


def _unwrap_response(response: Any) -> Tuple[bool, Mapping[str, Any]]:
    if not isinstance(response, Mapping):
        raise EnvelopeFormatError(f"Response: expected a JSON object, got {type(response).__name__}")
    if set(response) == {"Response"}:
        inner = response["Response"]
        if not isinstance(inner, Mapping):
            raise EnvelopeFormatError(f"Response: expected an object, got {type(inner).__name__}")
        return True, inner
    return False, response
