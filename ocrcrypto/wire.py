"""The wire format, and nothing else: every rule of the JSON that travels, in one place.

The ``Encryption`` block (strict parse, exact write, nulls and defaults), ``EncryptedBody`` and
the vendor demos' ``EncryptionBody`` spelling, strict JSON in and compact JSON out, dotted paths
with array indices (``Response.Text.LivenessDetail[0].IdCard``), the ``{"Response": ...}``
wrapper, and which params stay in the clear. No cryptography: the session and the envelopes
turn the parts found here into plaintext and back.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Mapping, MutableMapping, Optional, Sequence, Tuple, Union

from .errors import EnvelopeFormatError, printable

__all__ = [
    "DEFAULT_ALGORITHM",
    "BODY_NAME",
    "BODY_NAME_ALIASES",
    "BLOCK_FIELDS",
    "PROTOCOL_PARAMS",
    "RESPONSE_CLEAR_FIELDS",
    "MAX_DEPTH",
    "EncryptionBlock",
    "Sealed",
    "Message",
    "b64decode",
    "b64encode",
    "loads",
    "loads_object",
    "dumps_compact",
    "parse_path",
    "parse_text",
    "parse_uniformly",
    "get_path",
    "split_response",
    "join_response",
    "parse_message",
    "body_params",
    "write_body",
    "write_fields",
    "plain_message",
]

DEFAULT_ALGORITHM = "AES-256-CBC"
"""What an absent or null ``Algorithm`` means."""

BODY_NAME = "EncryptedBody"
BODY_NAME_ALIASES = (BODY_NAME, "EncryptionBody")
"""``EncryptionBody`` (sic) is what the vendor's own demos write; readers accept both."""

BLOCK_FIELDS = ("EncryptList", "CiphertextBlob", "Iv", "Algorithm", "TagList")
"""The fields of the ``Encryption`` block, in the order the protocol writes them."""

PROTOCOL_PARAMS = ("Action", "Version", "Region")
"""Request params that steer the call and are never encrypted in body mode."""

RESPONSE_CLEAR_FIELDS = ("RequestId", "Error")
"""Response fields that are protocol-level and never encrypted in body mode."""

MAX_DEPTH = 200
"""How deeply JSON may nest; deeper input is refused before any recursion can overflow."""

Path = Tuple[Union[str, int], ...]
Container = Union[MutableMapping[str, Any], List[Any]]


# -- base64 and JSON ------------------------------------------------------------------------------


def json_type(value: Any) -> str:
    """The JSON name of a value's type, for messages."""
    if value is None:
        return "null"
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "an array", dict: "an object"}
    return names.get(type(value), type(value).__name__)


def b64decode(value: Any, field: str) -> bytes:
    """Strict standard base64 (alphabet and padding checked); the error names the field."""
    if not isinstance(value, str):
        raise EnvelopeFormatError(f"{field}: expected a base64 string, got {json_type(value)}")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise EnvelopeFormatError(f"{field}: not valid standard base64 (with padding)") from None


def b64encode(data: Any) -> str:
    """Standard base64 with padding, as text."""
    return base64.b64encode(data).decode("ascii")


def _object(pairs: List[Tuple[str, Any]]) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise EnvelopeFormatError(f"duplicate key '{printable(key)}'")
        out[key] = value
    return out


def _constant(name: str) -> Any:
    raise EnvelopeFormatError(f"non-standard number {name}")


def _integer(text: str) -> int:
    if len(text) > 4000:
        raise EnvelopeFormatError(f"number of {len(text)} digits")
    return int(text)


_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def _nesting(text: str) -> int:
    """The deepest bracket nesting of a JSON text, outside strings, in one linear scan."""
    depth = deepest = 0
    for token in _TOKENS.finditer(text):
        char = token.group()
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


_DECODER = json.JSONDecoder(object_pairs_hook=_object, parse_constant=_constant, parse_int=_integer)


def loads(data: Union[str, bytes], where: str) -> Any:
    """Parse JSON strictly: UTF-8 only, no duplicate keys, no NaN/Infinity, no integer of more
    than 4000 digits, at most :data:`MAX_DEPTH` levels. Every failure is an EnvelopeFormatError
    naming ``where`` (and the line and column of a syntax error)."""
    problem = _parse(data)
    if isinstance(problem, str):
        raise EnvelopeFormatError(f"{where}: {problem}")
    return problem[0]


def _parse(data: Union[str, bytes]) -> Union[str, Tuple[Any]]:
    """(value,) or what is wrong. The error is raised by the caller, outside any ``except``, so
    that no exception holding the text (``JSONDecodeError.doc``) is chained to it."""
    if isinstance(data, (bytes, bytearray)):
        try:
            data = bytes(data).decode("utf-8")
        except UnicodeDecodeError:
            return "not UTF-8 text"
    return parse_text(data)


def parse_text(text: str) -> Union[str, Tuple[Any]]:
    """(value,) or what is wrong with a JSON text; never raises. One decoder, made once: building
    one per call (what ``json.loads`` with hooks does) costs more than parsing a small body."""
    if text.count("[") + text.count("{") > MAX_DEPTH and _nesting(text) > MAX_DEPTH:
        return f"JSON nested more than {MAX_DEPTH} levels deep"
    try:
        return (_DECODER.decode(text),)
    except EnvelopeFormatError as exc:
        return f"JSON has a {exc}"
    except json.JSONDecodeError as exc:
        if not text.strip():
            return "empty, expected JSON"
        return f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
    except (ValueError, RecursionError):
        return "not valid JSON"


class _Flags(threading.local):
    """What the uniform decoder's hooks saw in this thread's current parse."""

    refused = False


_UNIFORM_FLAGS = _Flags()


def _note_object(pairs: List[Tuple[str, Any]]) -> Dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        _UNIFORM_FLAGS.refused = True
    return out


def _note_constant(name: str) -> Any:
    _UNIFORM_FLAGS.refused = True
    return None


def _note_integer(text: str) -> int:
    if len(text) > 4000:
        _UNIFORM_FLAGS.refused = True
        return 0
    return int(text)


_UNIFORM_DECODER = json.JSONDecoder(object_pairs_hook=_note_object, parse_constant=_note_constant, parse_int=_note_integer)


def parse_uniformly(plaintext: bytes) -> Tuple[Any, bool]:
    """(the JSON object, ok) of decrypted bytes, for the service side: the same steps whatever is
    wrong, and nothing raised. UTF-8 is checked without an exception (decode with replacement,
    encode back, compare); the hooks note a duplicate key, NaN or a huge integer instead of
    raising; and every parse, good or bad, ends in exactly one exception of the scanner's kind
    (a good one raises its own), so that only how far the text is JSON differs."""
    text = plaintext.decode("utf-8", "replace")
    utf8 = text.encode("utf-8") == plaintext
    _UNIFORM_FLAGS.refused = False
    start = len(text) - len(text.lstrip())
    value, end = None, -1
    try:
        if text.count("[") + text.count("{") > MAX_DEPTH and _nesting(text) > MAX_DEPTH:
            raise StopIteration(0)
        value, end = _UNIFORM_DECODER.scan_once(text, start)
        raise json.JSONDecodeError("parsed", text, end)
    except (StopIteration, ValueError, RecursionError):  # JSONDecodeError is a ValueError
        pass
    ok = utf8 and end >= 0 and not text[end:].strip() and isinstance(value, dict) and not _UNIFORM_FLAGS.refused
    return (value if ok else None), ok


def loads_object(data: Union[str, bytes], where: str) -> Dict[str, Any]:
    """:func:`loads`, and the value must be a JSON object."""
    value = loads(data, where)
    if not isinstance(value, dict):
        raise EnvelopeFormatError(f"{where}: expected a JSON object, got {json_type(value)}")
    return value


def _check_json_value(value: Any, where: str) -> None:
    """Refuse, without recursing, a Python structure JSON would change or cannot hold: a mapping
    key that is not a string (json.dumps turns 1 into "1" silently), or nesting deeper than
    MAX_DEPTH."""
    stack: List[Tuple[Any, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, Mapping):
            bad = next((key for key in node if not isinstance(key, str)), _NO_KEY)
            if bad is not _NO_KEY:
                raise EnvelopeFormatError(f"{where}: names must be strings, got a key of type {type(bad).__name__}")
            children: Iterable[Any] = node.values()
        elif isinstance(node, (list, tuple)):
            children = node
        else:
            continue
        if depth >= MAX_DEPTH:
            raise EnvelopeFormatError(f"{where}: nested more than {MAX_DEPTH} levels deep")
        stack.extend((child, depth + 1) for child in children)


_NO_KEY = object()


def dumps_compact(value: Any, where: str) -> bytes:
    """The compact UTF-8 JSON the protocol encrypts (key order kept, no NaN, string keys)."""
    _check_json_value(value, where)
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
    except (TypeError, ValueError, RecursionError) as exc:
        raise EnvelopeFormatError(f"{where}: cannot be written as JSON ({printable(str(exc))})") from None


# -- paths ----------------------------------------------------------------------------------------

_SEGMENT = re.compile(r"([^.\[\]]+)((?:\[(?:0|[1-9][0-9]{0,8})\])*)")
_INDEX = re.compile(r"\[([0-9]+)\]")


def parse_path(path: Any) -> Path:
    """``Response.Text.LivenessDetail[0].IdCard`` as ("Response", "Text", "LivenessDetail", 0, "IdCard")."""
    if not isinstance(path, str) or not path:
        raise EnvelopeFormatError(f"path: expected a non-empty field name or dotted path, got {json_type(path)}")
    parts: List[Union[str, int]] = []
    for segment in path.split("."):
        match = _SEGMENT.fullmatch(segment)
        if match is None:
            raise EnvelopeFormatError(f"path '{printable(path)}': '{printable(segment)}' is not a name with optional [index]es")
        parts.append(match.group(1))
        parts.extend(int(i) for i in _INDEX.findall(match.group(2)))
    return tuple(parts)


def _relative(root: Mapping[str, Any], parts: Path) -> Path:
    if len(parts) > 1 and parts[0] == "Response" and "Response" not in root:
        return parts[1:]
    return parts


def _step(node: Any, part: Union[str, int]) -> Tuple[bool, Any]:
    if isinstance(part, int):
        if isinstance(node, list) and part < len(node):
            return True, node[part]
    elif isinstance(node, Mapping) and part in node:
        return True, node[part]
    return False, None


def get_path(root: Mapping[str, Any], path: str) -> Tuple[bool, Any]:
    """(found, value) of a field name or dotted path; a leading ``Response.`` is optional."""
    node: Any = root
    for part in _relative(root, parse_path(path)):
        found, node = _step(node, part)
        if not found:
            return False, None
    return True, node


def _same_places(root: Mapping[str, Any], paths: Sequence[str]) -> bool:
    """Whether two of ``paths`` name one place (``Name`` and ``Response.Name`` in a response)."""
    places = [_relative(root, parse_path(path)) for path in paths]
    return len(set(places)) != len(places)


def _string_at(root: Mapping[str, Any], path: str, where: str, named_in: str) -> str:
    found, value = get_path(root, path)
    if not found:
        raise EnvelopeFormatError(f"{where}.{printable(path)}: named in {named_in}, but not in the {where.lower()}")
    if not isinstance(value, str):
        raise EnvelopeFormatError(f"{where}.{printable(path)}: expected a string, got {json_type(value)}")
    return value


def _copy_along(root: Dict[str, Any], parts: Path) -> Container:
    """Shallow-copy each container on the way to ``parts[-1]`` (the caller's input stays
    untouched, nothing else is copied) and return the copied parent."""
    node: Container = root
    for part in parts[:-1]:
        child = node[part]  # type: ignore[index]
        child = dict(child) if isinstance(child, Mapping) else list(child)
        node[part] = child  # type: ignore[index]
        node = child
    return node


def _set_strings(root: Mapping[str, Any], values: Sequence[Tuple[str, str]]) -> Dict[str, Any]:
    out = dict(root)
    for path, value in values:
        parts = _relative(root, parse_path(path))
        parent = _copy_along(out, parts)
        parent[parts[-1]] = value  # type: ignore[index]
    return out


# -- the Response wrapper -------------------------------------------------------------------------


def split_response(response: Any) -> Tuple[bool, Mapping[str, Any]]:
    """(wrapped, inner): a response with exactly one key ``Response`` is the wrapped form."""
    if not isinstance(response, Mapping):
        raise EnvelopeFormatError(f"Response: expected a JSON object, got {json_type(response)}")
    if len(response) == 1 and "Response" in response:
        inner = response["Response"]
        if not isinstance(inner, Mapping):
            raise EnvelopeFormatError(f"Response: expected an object, got {json_type(inner)}")
        return True, inner
    return False, response


def join_response(wrapped: bool, inner: Dict[str, Any]) -> Dict[str, Any]:
    """Undo :func:`split_response`."""
    return {"Response": inner} if wrapped else inner


# -- the Encryption block -------------------------------------------------------------------------


@dataclass(frozen=True)
class EncryptionBlock:
    """The parsed block: names of what is encrypted, wrapped key, IV, algorithm and tags.

    ``encrypt_list`` is empty for a response-only request (``[]``, ``null`` or absent on the
    wire). ``tag_list`` is ``None`` where the wire has ``null`` (as in the vendor's CBC
    responses) and a tuple otherwise; ``ciphertext_blob`` and ``iv`` are ``None`` where absent
    or null.
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
            raise EnvelopeFormatError(f"{where}: expected an object, got {json_type(value)}")
        for name in value:
            if name not in BLOCK_FIELDS:
                shown = f"'{printable(name)}'" if isinstance(name, str) else f"of type {type(name).__name__}"
                raise EnvelopeFormatError(f"{where}: unknown field {shown} (expected {', '.join(BLOCK_FIELDS)})")
        names = value.get("EncryptList")
        if names is None:
            names = []
        if not isinstance(names, list):
            raise EnvelopeFormatError(f"{where}.EncryptList: expected an array of names, got {json_type(names)}")
        for i, name in enumerate(names):
            if not isinstance(name, str) or not name:
                raise EnvelopeFormatError(f"{where}.EncryptList[{i}]: expected a non-empty string, got {json_type(name)}")
            parse_path(name)
        if len(set(names)) != len(names):
            raise EnvelopeFormatError(f"{where}.EncryptList: names a field more than once")
        algorithm = value.get("Algorithm")
        if algorithm is None:
            algorithm = DEFAULT_ALGORITHM
        elif not isinstance(algorithm, str):
            raise EnvelopeFormatError(f"{where}.Algorithm: expected a string, got {json_type(algorithm)}")
        tags = value.get("TagList")
        tag_list: Optional[Tuple[bytes, ...]]
        if tags is None:
            tag_list = None
        elif isinstance(tags, list):
            tag_list = tuple(b64decode(t, f"{where}.TagList[{i}]") for i, t in enumerate(tags))
        else:
            raise EnvelopeFormatError(f"{where}.TagList: expected an array or null, got {json_type(tags)}")
        blob, iv = value.get("CiphertextBlob"), value.get("Iv")
        return cls(
            encrypt_list=tuple(names),
            ciphertext_blob=None if blob is None else b64decode(blob, f"{where}.CiphertextBlob"),
            iv=None if iv is None else b64decode(iv, f"{where}.Iv"),
            algorithm=algorithm,
            tag_list=tag_list,
        )

    def to_dict(self) -> Dict[str, Any]:
        """The wire object, with exactly the protocol's field names in the protocol's order."""
        return {
            "EncryptList": list(self.encrypt_list),
            "CiphertextBlob": None if self.ciphertext_blob is None else b64encode(self.ciphertext_blob),
            "Iv": None if self.iv is None else b64encode(self.iv),
            "Algorithm": self.algorithm,
            "TagList": None if self.tag_list is None else [b64encode(t) for t in self.tag_list],
        }

    def tags(self, required: bool, count: Optional[int] = None) -> Tuple[Optional[bytes], ...]:
        """One tag (or None) per encrypted part, in order; ``required`` for AEAD suites."""
        n = len(self.encrypt_list) if count is None else count
        if not required:
            if self.tag_list:
                raise EnvelopeFormatError(f"Encryption.TagList: {self.algorithm} carries no tags, got {len(self.tag_list)}")
            return (None,) * n
        if n == 0 and not self.tag_list:
            return ()
        if self.tag_list is None or len(self.tag_list) != n:
            got = "null" if self.tag_list is None else str(len(self.tag_list))
            raise EnvelopeFormatError(f"Encryption.TagList: {self.algorithm} needs {n} tag(s), one per EncryptList entry, got {got}")
        return self.tag_list

    def __repr__(self) -> str:
        def size(value: Optional[bytes]) -> Optional[str]:
            return None if value is None else f"<{len(value)} bytes>"

        return (
            f"EncryptionBlock(algorithm={self.algorithm!r}, encrypt_list={list(self.encrypt_list)!r}, "
            f"ciphertext_blob={size(self.ciphertext_blob)}, iv={size(self.iv)}, "
            f"tags={None if self.tag_list is None else len(self.tag_list)})"
        )


# -- whole messages -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sealed:
    """One encrypted part: the body (``name`` is its field) or a field at a dotted path."""

    name: str
    ciphertext: bytes
    is_body: bool


@dataclass(frozen=True)
class Message:
    """A parsed request or response: its block, its encrypted parts, and the rest in clear.

    ``clear`` is the payload without ``Encryption`` and the body field; encrypted fields are
    still in it as their base64 ciphertext, to be replaced by :func:`plain_message`.
    """

    block: EncryptionBlock
    parts: Tuple[Sealed, ...]
    clear: Mapping[str, Any]
    wrapped: bool = False


def _check_names(payload: Mapping[str, Any], where: str) -> None:
    for key in payload:
        if not isinstance(key, str):
            raise EnvelopeFormatError(f"{where}: names must be strings, got a key of type {type(key).__name__}")


def parse_message(payload: Any, where: str) -> Message:
    """Find the block and the encrypted parts of a request (``where="request"``) or a response
    (``"Response"``, which may be wrapped in ``{"Response": ...}``). An ``EncryptList`` that names
    only the body, with no tag, while no body field is present means nothing is encrypted (the
    vendor's Go demo sends its response-only requests so)."""
    wrapped = False
    if where == "Response":
        wrapped, payload = split_response(payload)
    elif not isinstance(payload, Mapping):
        raise EnvelopeFormatError(f"{where}: expected a JSON object, got {json_type(payload)}")
    _check_names(payload, where)
    if "Encryption" not in payload:
        raise EnvelopeFormatError(f"{where}.Encryption: missing; this {where.lower()} is not encrypted")
    prefix = "Response.Encryption" if where == "Response" else "Encryption"
    block = EncryptionBlock.parse(payload["Encryption"], prefix)
    body_field = next((n for n in BODY_NAME_ALIASES if payload.get(n) is not None), None)
    names = block.encrypt_list
    if body_field is None and names and all(n in BODY_NAME_ALIASES for n in names) and not block.tag_list:
        names = ()
    parts: List[Sealed] = []
    for name in names:
        if name in BODY_NAME_ALIASES:
            if body_field is None:
                raise EnvelopeFormatError(f"{where}.{name}: named in {prefix}.EncryptList, but not in the {where.lower()}")
            parts.append(Sealed(body_field, b64decode(payload[body_field], f"{where}.{body_field}"), True))
        else:
            parts.append(Sealed(name, b64decode(_string_at(payload, name, where, f"{prefix}.EncryptList"), f"{where}.{printable(name)}"), False))
    if sum(p.is_body for p in parts) > 1:
        raise EnvelopeFormatError(f"{prefix}.EncryptList: names the body more than once")
    if _same_places(payload, [p.name for p in parts if not p.is_body]):
        raise EnvelopeFormatError(f"{prefix}.EncryptList: names a field more than once (by two spellings of its path)")
    if body_field is not None and not any(p.is_body for p in parts):
        raise EnvelopeFormatError(f"{where}.{body_field}: present, but EncryptList does not name it")
    clear = {k: v for k, v in payload.items() if k != "Encryption" and k not in BODY_NAME_ALIASES}
    return Message(block, tuple(parts), clear, wrapped)


def plain_message(message: Message, plaintexts: Sequence[Any]) -> Dict[str, Any]:
    """The clear payload with each part's plaintext put back: a body (a parsed JSON object) is
    merged over the payload, a field's string goes back to its path."""
    fields = [(p.name, value) for p, value in zip(message.parts, plaintexts) if not p.is_body]
    out = _set_strings(message.clear, fields)
    for part, value in zip(message.parts, plaintexts):
        if part.is_body:
            out.update(value)
    return out


def body_params(payload: Mapping[str, Any], clear: Iterable[str], where: str) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """Split a payload for body mode: (what stays on the wire, what goes into the body).

    On the wire a sensitive string param stays as ``""`` (the vendor's example); a param of
    another type is left out, since the SDKs' typed models cannot hold ``""`` in its place.
    """
    _check_names(payload, where)
    keep = set(clear)
    outside: Dict[str, Any] = {}
    inside: Dict[str, Any] = {}
    for name, value in payload.items():
        if name in keep:
            outside[name] = value
        else:
            inside[name] = value
            if isinstance(value, str):
                outside[name] = ""
    if not inside:
        raise EnvelopeFormatError(f"{where}: nothing to encrypt (only fields kept in the clear: {', '.join(sorted(keep))})")
    return outside, inside


def check_fields(payload: Mapping[str, Any], fields: Any, where: str) -> List[Tuple[str, str]]:
    """The (path, string value) of every field to encrypt in field mode, in order."""
    _check_names(payload, where)
    if isinstance(fields, (str, bytes)):
        raise EnvelopeFormatError("fields: expected a list of field names, not a single string")
    names = list(fields)
    for name in names:
        if not isinstance(name, str) or not name:
            raise EnvelopeFormatError("fields: every field name must be a non-empty string")
        parse_path(name)
    if len(set(names)) != len(names) or _same_places(payload, names):
        raise EnvelopeFormatError("fields: a field is named more than once")
    return [(name, _string_at(payload, name, where, "fields")) for name in names]


def check_unencrypted(payload: Mapping[str, Any], where: str) -> None:
    """A payload to encrypt must not carry an envelope already."""
    if not isinstance(payload, Mapping):
        raise EnvelopeFormatError(f"{where}: expected a JSON object, got {json_type(payload)}")
    for reserved in ("Encryption",) + BODY_NAME_ALIASES:
        if reserved in payload:
            raise EnvelopeFormatError(f"{where}.{reserved}: already present; is this payload encrypted already?")


def write_body(outside: Mapping[str, Any], ciphertext: bytes, block: EncryptionBlock, *, move_last: Sequence[str] = ()) -> Dict[str, Any]:
    """A body-mode payload: the clear params, ``EncryptedBody``, the block, then ``move_last``."""
    out = dict(outside)
    out[BODY_NAME] = b64encode(ciphertext)
    out["Encryption"] = block.to_dict()
    for name in move_last:
        if name in out:
            out[name] = out.pop(name)
    return out


def write_fields(payload: Mapping[str, Any], ciphertexts: Sequence[Tuple[str, bytes]], block: Optional[EncryptionBlock], *, move_last: Sequence[str] = ()) -> Dict[str, Any]:
    """A field-mode (or, with no ciphertexts, response-only) payload: each field's base64
    ciphertext at its path, then the block, then ``move_last``."""
    out = _set_strings(payload, [(path, b64encode(ct)) for path, ct in ciphertexts])
    if block is not None:
        out["Encryption"] = block.to_dict()
    for name in move_last:
        if name in out:
            out[name] = out.pop(name)
    return out


def strip_envelope(payload: Mapping[str, Any]) -> Dict[str, Any]:
    """A payload without encryption (an error response, say), less the null or empty envelope
    fields an SDK model writes; a body without a block is an error."""
    for name in BODY_NAME_ALIASES:
        if payload.get(name) not in (None, ""):
            raise EnvelopeFormatError(f"Response.{name}: present without an Encryption block")
    return {k: v for k, v in payload.items() if k != "Encryption" and k not in BODY_NAME_ALIASES}
