"""The ``Encryption`` block: a strict parser and an exact writer, the one place for its format.

Field names, their order, base64 rules and the meaning of absent or null values live here and
nowhere else. Parsing checks shape only; whether the IV length fits the algorithm is the
envelope's business.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Tuple

from .errors import EnvelopeFormatError

__all__ = [
    "EncryptionBlock",
    "b64decode",
    "b64encode",
    "DEFAULT_ALGORITHM",
    "BODY_NAME",
    "BODY_NAME_ALIASES",
    "FIELD_NAMES",
]

DEFAULT_ALGORITHM = "AES-256-CBC"
"""What an absent or null ``Algorithm`` means."""

BODY_NAME = "EncryptedBody"
BODY_NAME_ALIASES = (BODY_NAME, "EncryptionBody")
"""``EncryptionBody`` (sic) is what the vendor's own demo writes; readers accept both."""

FIELD_NAMES = ("EncryptList", "CiphertextBlob", "Iv", "Algorithm", "TagList")


def b64decode(value: Any, field: str) -> bytes:
    """Strict standard base64 (alphabet and padding checked); the error names the field."""
    if not isinstance(value, str):
        raise EnvelopeFormatError(f"{field}: expected a base64 string, got {_json_type(value)}")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise EnvelopeFormatError(f"{field}: not valid standard base64 (with padding)") from None


def b64encode(data: Any) -> str:
    """Standard base64 with padding, as text."""
    return base64.b64encode(data).decode("ascii")


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "an array", dict: "an object"}.get(
        type(value), type(value).__name__
    )


@dataclass(frozen=True)
class EncryptionBlock:
    """The parsed block: names of what is encrypted, wrapped key, IV, algorithm and tags.

    ``tag_list`` is ``None`` where the wire has ``null`` (as in the vendor's CBC responses) and a
    tuple otherwise; ``ciphertext_blob`` and ``iv`` are ``None`` where absent or null.
    """

    encrypt_list: Tuple[str, ...]
    ciphertext_blob: Optional[bytes]
    iv: Optional[bytes]
    algorithm: str = DEFAULT_ALGORITHM
    tag_list: Optional[Tuple[bytes, ...]] = ()

    @classmethod
    def parse(cls, value: Any, where: str = "Encryption") -> "EncryptionBlock":
        """Parse the JSON object of an ``Encryption`` block, rejecting unknown or mistyped fields."""
        if not isinstance(value, Mapping):
            raise EnvelopeFormatError(f"{where}: expected an object, got {_json_type(value)}")
        unknown = sorted(set(value) - set(FIELD_NAMES))
        if unknown:
            raise EnvelopeFormatError(f"{where}: unknown field {unknown[0]!r} (expected {', '.join(FIELD_NAMES)})")

        names = value.get("EncryptList")
        if not isinstance(names, list) or not names:
            raise EnvelopeFormatError(f"{where}.EncryptList: expected a non-empty array of names, got {_json_type(names)}")
        for i, name in enumerate(names):
            if not isinstance(name, str) or not name:
                raise EnvelopeFormatError(f"{where}.EncryptList[{i}]: expected a non-empty string, got {_json_type(name)}")
        if len(set(names)) != len(names):
            raise EnvelopeFormatError(f"{where}.EncryptList: names a field more than once")

        algorithm = value.get("Algorithm")
        if algorithm is None:
            algorithm = DEFAULT_ALGORITHM
        elif not isinstance(algorithm, str):
            raise EnvelopeFormatError(f"{where}.Algorithm: expected a string, got {_json_type(algorithm)}")

        blob = value.get("CiphertextBlob")
        iv = value.get("Iv")
        tags = value.get("TagList")
        tag_list: Optional[Tuple[bytes, ...]]
        if tags is None:
            tag_list = None
        elif isinstance(tags, list):
            tag_list = tuple(b64decode(t, f"{where}.TagList[{i}]") for i, t in enumerate(tags))
        else:
            raise EnvelopeFormatError(f"{where}.TagList: expected an array or null, got {_json_type(tags)}")
        return cls(
            encrypt_list=tuple(names),
            ciphertext_blob=None if blob is None else b64decode(blob, f"{where}.CiphertextBlob"),
            iv=None if iv is None else b64decode(iv, f"{where}.Iv"),
            algorithm=algorithm,
            tag_list=tag_list,
        )

    def to_dict(self) -> Dict[str, Any]:
        """The wire object, with exactly the protocol's field names in the protocol's order."""
        tags: Optional[List[str]] = None if self.tag_list is None else [b64encode(t) for t in self.tag_list]
        return {
            "EncryptList": list(self.encrypt_list),
            "CiphertextBlob": None if self.ciphertext_blob is None else b64encode(self.ciphertext_blob),
            "Iv": None if self.iv is None else b64encode(self.iv),
            "Algorithm": self.algorithm,
            "TagList": tags,
        }

    def tags(self, required: bool) -> Tuple[Optional[bytes], ...]:
        """One tag (or None) per ``EncryptList`` entry, in order; ``required`` for AEAD suites."""
        n = len(self.encrypt_list)
        if not required:
            if self.tag_list:
                raise EnvelopeFormatError(f"Encryption.TagList: {self.algorithm} carries no tags, got {len(self.tag_list)}")
            return (None,) * n
        if self.tag_list is None or len(self.tag_list) != n:
            got = "null" if self.tag_list is None else str(len(self.tag_list))
            raise EnvelopeFormatError(f"Encryption.TagList: {self.algorithm} needs {n} tag(s), one per EncryptList entry, got {got}")
        return self.tag_list

    def __repr__(self) -> str:
        return (
            f"EncryptionBlock(algorithm={self.algorithm!r}, encrypt_list={list(self.encrypt_list)!r}, "
            f"ciphertext_blob={'<%d bytes>' % len(self.ciphertext_blob) if self.ciphertext_blob is not None else None}, "
            f"iv={'<%d bytes>' % len(self.iv) if self.iv is not None else None}, "
            f"tags={None if self.tag_list is None else len(self.tag_list)})"
        )
