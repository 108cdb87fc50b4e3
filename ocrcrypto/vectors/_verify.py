"""Strict verification of every vector file: a malformed file or case is a failure naming it, never a crash."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

from cryptography.hazmat.primitives.asymmetric import rsa

from .. import errors, wire
from ..errors import printable
from ..envelopes import get_envelope
from ..hazmat import ciphers, sm2
from ..keys import (
    PrivateKey,
    load_private_key,
    load_public_key,
    public_key_of,
)
from ..request import decrypt_request, encrypt_request_with
from ..session import Session
from ..wire import EncryptionBlock
from ._key_vectors import _KeyGenerator
from ._common import (
    SCHEMA,
    KEY_SCHEMA,
    MANIFEST_SCHEMA,
    NOTES,
    KEY_NOTES,
    MANIFEST_NOTES,
    _ERRORS,
    _ALGORITHMS,
    _MAX_FILE_BYTES,
    _MAX_STRING,
    _MAX_LARGE,
    _MAX_TESTS,
    large_params,
)

# -- verification --------------------------------------------------------------------------------


class _Failure(Exception):
    """A case (or file) that does not hold; the message says why."""


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise _Failure(message)


def _obj(value: Any, where: str) -> Dict[str, Any]:
    _check(isinstance(value, dict), f"{where}: expected an object, got {wire.json_type(value)}")
    return value


def _fields(value: Any, where: str, required: Sequence[str], optional: Sequence[str] = ()) -> Dict[str, Any]:
    """The object, with exactly the required fields and no others than the optional ones."""
    obj = _obj(value, where)
    missing = [n for n in required if n not in obj]
    _check(not missing, f"{where}: missing field(s) {', '.join(missing)}")
    unknown = [n for n in obj if n not in required and n not in optional]
    _check(not unknown, f"{where}: unknown field(s) {', '.join(printable(n) for n in unknown)}")
    return obj


def _str(obj: Mapping[str, Any], name: str, where: str) -> str:
    value = obj[name]
    _check(isinstance(value, str), f"{where}.{name}: expected a string, got {wire.json_type(value)}")
    return value


def _enum(obj: Mapping[str, Any], name: str, where: str, allowed: Sequence[str]) -> str:
    value = _str(obj, name, where)
    _check(value in allowed, f"{where}.{name}: unknown value {printable(repr(value))} (expected one of {', '.join(allowed)})")
    return value


def _hex(obj: Mapping[str, Any], name: str, where: str, size: Optional[int] = None) -> bytes:
    value = _str(obj, name, where)
    _check(len(value) % 2 == 0 and all(c in "0123456789abcdef" for c in value), f"{where}.{name}: expected lowercase hex")
    data = bytes.fromhex(value)
    _check(size is None or len(data) == size, f"{where}.{name}: expected {size} bytes, got {len(data)}")
    return data


def _int(obj: Mapping[str, Any], name: str, where: str, low: int, high: int) -> int:
    value = obj[name]
    _check(isinstance(value, int) and not isinstance(value, bool), f"{where}.{name}: expected an integer, got {wire.json_type(value)}")
    _check(low <= value <= high, f"{where}.{name}: {value} is outside [{low}, {high}]")
    return value


def _strings(obj: Mapping[str, Any], name: str, where: str) -> List[str]:
    value = obj[name]
    _check(isinstance(value, list) and bool(value) and all(isinstance(v, str) and v for v in value),
           f"{where}.{name}: expected a non-empty array of non-empty strings")
    return value


def _error_class(obj: Mapping[str, Any], where: str, allowed: Sequence[str] = _ERRORS) -> type:
    name = _enum(obj, "error", where, allowed)
    cls = getattr(errors, name, None)
    _check(isinstance(cls, type) and issubclass(cls, errors.OcrCryptoError), f"{where}.error: {name} is no error class")
    return cls  # type: ignore[return-value]


def _expect_failure(error: type, run: Callable[[], Any], what: str) -> None:
    try:
        run()
    except errors.OcrCryptoError as exc:
        _check(type(exc) is error, f"expected {error.__name__}, got {type(exc).__name__}: {exc}")
        return
    raise _Failure(f"expected {error.__name__}, but {what} succeeded")


def _bounded(value: Any, where: str) -> None:
    """Every string within _MAX_STRING, iteratively (nesting is bounded by the JSON parser)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            _check(len(item) <= _MAX_STRING, f"{where}: a string of {len(item)} characters (at most {_MAX_STRING})")
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _flags(case: Mapping[str, Any], where: str, known: Mapping[str, str], notes: Mapping[str, Any]) -> List[str]:
    flags = case["flags"]
    _check(isinstance(flags, list) and all(isinstance(f, str) for f in flags), f"{where}.flags: expected an array of strings")
    _check(len(set(flags)) == len(flags), f"{where}.flags: a flag is listed twice")
    for flag in flags:
        _check(flag in known, f"{where}.flags: unknown flag {printable(repr(flag))}")
        _check(flag in notes, f"{where}.flags: {flag} is not explained in notes")
    return flags


_KEY_CACHE: Dict[str, PrivateKey] = {}


def _cached_private_key(pem: str) -> PrivateKey:
    """load_private_key, remembered by PEM text: RSA key checks take milliseconds each, and a
    verifier of many small documents (the tamper tests) loads the same few keys again and again."""
    key = _KEY_CACHE.get(pem)
    if key is None:
        key = load_private_key(pem)
        if len(_KEY_CACHE) >= 64:
            _KEY_CACHE.clear()
        _KEY_CACHE[pem] = key
    return key


def _load_keys(value: Any, where: str) -> Dict[str, PrivateKey]:
    keys = _obj(value, where)
    _check(bool(keys), f"{where}: no keys")
    out: Dict[str, PrivateKey] = {}
    for name, entry in keys.items():
        entry = _fields(entry, f"{where}.{name}", ("type", "public", "private"), ("bits",))
        private = _fields(entry["private"], f"{where}.{name}.private", ("pkcs8_pem",), ("pkcs1_pem", "sec1_pem", "hex"))
        _obj(entry["public"], f"{where}.{name}.public")
        kind = _enum(entry, "type", f"{where}.{name}", ("RSA", "SM2"))
        try:
            key = _cached_private_key(_str(private, "pkcs8_pem", f"{where}.{name}.private"))
        except errors.OcrCryptoError as exc:
            raise _Failure(f"{where}.{name}: private key does not load ({exc})") from None
        _check((kind == "RSA") == isinstance(key, rsa.RSAPrivateKey), f"{where}.{name}: type {kind}, but the key is not")
        out[name] = key
    return out


def _private(keys: Mapping[str, PrivateKey], case: Mapping[str, Any], where: str) -> PrivateKey:
    name = _str(case, "key", where)
    _check(name in keys, f"{where}.key: {printable(repr(name))} is not in keys")
    return keys[name]


# the envelope vectors (ocrcrypto-vectors-2) ------------------------------------------------------

_CASE_BASE = ("id", "comment", "flags", "algorithm", "mode", "input", "output", "result")
_RANDOMNESS = ("sm2_k", "rsa_padding")


def _check_vector(case: Dict[str, Any], keys: Mapping[str, PrivateKey], notes: Mapping[str, Any]) -> None:
    where = "case"
    obj = _obj(case, where)
    for name in ("mode", "result"):
        _check(name in obj, f"{where}: missing field {name}")
    mode = _enum(obj, "mode", where, ("body", "fields", "response-only", "response", "primitive"))
    result = _enum(obj, "result", where, ("valid", "invalid", "acceptable"))
    if result == "valid":
        extra: Tuple[str, ...] = ("key",) if mode != "primitive" else ()
        optional: Tuple[str, ...] = ("key",) if mode == "primitive" else ()
    elif result == "invalid":
        _check(mode != "primitive", f"{where}: a primitive case must be valid")
        extra, optional = ("key", "error"), ()
    else:
        _check(mode in ("body", "fields", "response-only"), f"{where}: mode {mode} cannot be acceptable")
        extra, optional = ("key", "error", "ocrcrypto_result"), ()
    _fields(obj, where, _CASE_BASE + extra, optional)
    _str(obj, "comment", where)
    _flags(obj, where, NOTES, notes)
    algorithm = _enum(obj, "algorithm", where, _ALGORITHMS)
    if result == "invalid":
        _check_invalid(obj, mode, algorithm, keys, where)
    elif result == "acceptable":
        _check_acceptable(obj, mode, algorithm, keys, where)
    elif mode == "primitive":
        _check_primitive(obj, keys, where)
    elif mode == "response":
        _check_response(obj, algorithm, keys, where)
    else:
        _check_request(obj, mode, algorithm, keys, where)


def _request_inputs(inputs: Dict[str, Any], mode: str, algorithm: str, where: str) -> Tuple[bytes, bytes, bytes]:
    envelope = get_envelope(algorithm)
    key = _hex(inputs, "symmetric_key", where, envelope.key_size)
    iv = _hex(inputs, "iv", where, envelope.iv_size)
    if envelope.key_type == "SM2":
        randomness = _hex(inputs, "sm2_k", where, 32)
    else:
        randomness = _hex(inputs, "rsa_padding", where)
    return key, iv, randomness


def _check_request(case: Dict[str, Any], mode: str, algorithm: str, keys: Mapping[str, PrivateKey], where: str) -> None:
    private = _private(keys, case, where)
    suite_randomness = "sm2_k" if get_envelope(algorithm).key_type == "SM2" else "rsa_padding"
    large = mode == "body" and isinstance(case["input"], dict) and "large" in case["input"]
    if large:
        inputs = _fields(case["input"], f"{where}.input", ("large", "symmetric_key", "iv", suite_randomness))
        spec = _fields(inputs["large"], f"{where}.input.large", ("size", "seed"))
        size = _int(spec, "size", f"{where}.input.large", 1, _MAX_LARGE)
        params = large_params(size, _hex(spec, "seed", f"{where}.input.large"))
        output = _fields(case["output"], f"{where}.output", ("wire", "encrypted_body_sha256"))
        _hex(output, "encrypted_body_sha256", f"{where}.output", 32)
    else:
        required = {"body": ("params", "body"), "fields": ("params", "fields"), "response-only": ("params",)}[mode]
        inputs = _fields(case["input"], f"{where}.input", required + ("symmetric_key", "iv", suite_randomness))
        params = _obj(inputs["params"], f"{where}.input.params")
        output = _fields(case["output"], f"{where}.output", ("wire",))
    key, iv, randomness = _request_inputs(inputs, mode, algorithm, f"{where}.input")
    fields: Optional[List[str]] = None
    if mode == "fields":
        fields = _strings(inputs, "fields", f"{where}.input")
    elif mode == "response-only":
        fields = []
    expected_wire = _obj(output["wire"], f"{where}.output.wire")
    again, _ = encrypt_request_with(params, public_key_of(private), algorithm, fields, key=key, iv=iv, wrap_randomness=randomness)
    if large:
        digest = hashlib.sha256(str(again.get("EncryptedBody")).encode()).hexdigest()
        _check(digest == output["encrypted_body_sha256"], "EncryptedBody digest differs")
        _check("EncryptedBody" not in expected_wire, "a Large case's wire must not hold EncryptedBody")
        _check({k: v for k, v in again.items() if k != "EncryptedBody"} == expected_wire, "re-encrypted wire differs")
        _check(list(k for k in again if k != "EncryptedBody") == list(expected_wire), "wire key order differs")
        wire_request = again
    else:
        _check(again == expected_wire, "re-encrypted wire differs")
        _check(list(again) == list(expected_wire), "wire key order differs")
        wire_request = expected_wire
    _check_decryption(wire_request, private, params, key, iv, inputs.get("body"), where)


def _check_decryption(wire_request: Dict[str, Any], private: PrivateKey, params: Dict[str, Any], key: bytes, iv: Optional[bytes], body: Any, where: str) -> None:
    got, session = decrypt_request(wire_request, private)
    _check(got == params, "decrypted params differ")
    _check(session.key == key, "unwrapped symmetric key differs")
    _check(session.iv == iv, "recovered IV differs")
    if body is not None:
        _check(isinstance(body, str), f"{where}.input.body: expected a string")
        block = EncryptionBlock.parse(wire_request["Encryption"])
        body_field = "EncryptedBody" if "EncryptedBody" in wire_request else "EncryptionBody"
        body_tag = block.tags(required=session.envelope.tag_size is not None, count=1)[0]
        if iv is None:
            raise _Failure("a body needs an IV")
        opened = session.envelope.open(wire.b64decode(wire_request.get(body_field), body_field), key, iv, body_tag)
        _check(opened == body.encode("utf-8"), "decrypted body text differs")


def _check_response(case: Dict[str, Any], algorithm: str, keys: Mapping[str, PrivateKey], where: str) -> None:
    _private(keys, case, where)
    inputs = _fields(case["input"], f"{where}.input", ("session", "ciphertext_blob", "response", "response_iv"), ("response_fields",))
    output = _fields(case["output"], f"{where}.output", ("wire",))
    session = Session.from_dict(_obj(inputs["session"], f"{where}.input.session"))
    _check(session.algorithm == algorithm, "session Algorithm differs from the case's algorithm")
    response = _obj(inputs["response"], f"{where}.input.response")
    expected_wire = _obj(output["wire"], f"{where}.output.wire")
    blob = wire.b64decode(inputs["ciphertext_blob"], f"{where}.input.ciphertext_blob")
    response_iv = _hex(inputs, "response_iv", f"{where}.input", session.envelope.iv_size)
    fields = _strings(inputs, "response_fields", f"{where}.input") if "response_fields" in inputs else None
    _check(session.decrypt_response(expected_wire) == response, "decrypted response differs")
    server = Session(algorithm, session.key, session.iv, ciphertext_blob=blob)
    again = server.encrypt_response(response, fields=fields, iv=response_iv)
    _check(again == expected_wire, "re-encrypted response differs")
    _check(json.dumps(again, ensure_ascii=False) == json.dumps(expected_wire, ensure_ascii=False), "response key order differs")


def _check_primitive(case: Dict[str, Any], keys: Mapping[str, PrivateKey], where: str) -> None:
    inputs = _obj(case["input"], f"{where}.input")
    _check("operation" in inputs, f"{where}.input: missing field operation")
    operation = _enum(inputs, "operation", f"{where}.input", ("sm2_encrypt", "sm4_gcm_encrypt"))
    if operation == "sm2_encrypt":
        _fields(case, where, _CASE_BASE + ("key",))
        _fields(inputs, f"{where}.input", ("operation", "plaintext", "sm2_k"))
        output = _fields(case["output"], f"{where}.output", ("ciphertext",))
        key = _private(keys, case, where)
        if not isinstance(key, sm2.Sm2PrivateKey):
            raise _Failure(f"{where}.key: not an SM2 key")
        plaintext = _hex(inputs, "plaintext", f"{where}.input")
        k = int.from_bytes(_hex(inputs, "sm2_k", f"{where}.input", 32), "big")
        ct = sm2.encrypt(key.public_key, plaintext, k=k)
        _check(ct == _hex(output, "ciphertext", f"{where}.output"), "SM2 ciphertext differs")
        _check(sm2.decrypt(key, ct) == plaintext, "SM2 decryption differs")
    else:
        _fields(case, where, _CASE_BASE)
        _fields(inputs, f"{where}.input", ("operation", "symmetric_key", "iv", "aad", "plaintext"))
        output = _fields(case["output"], f"{where}.output", ("ciphertext", "tag"))
        ct, tag = ciphers.sm4_gcm_encrypt(*(_hex(inputs, n, f"{where}.input") for n in ("symmetric_key", "iv", "plaintext", "aad")))
        _check((ct, tag) == (_hex(output, "ciphertext", f"{where}.output"), _hex(output, "tag", f"{where}.output")), "SM4-GCM output differs")


def _check_invalid(case: Dict[str, Any], mode: str, algorithm: str, keys: Mapping[str, PrivateKey], where: str) -> None:
    error = _error_class(case, where)
    output = _fields(case["output"], f"{where}.output", ("wire",))
    wire_message = _obj(output["wire"], f"{where}.output.wire")
    private = _private(keys, case, where)
    if mode == "response":
        inputs = _fields(case["input"], f"{where}.input", ("session",))
        session = Session.from_dict(_obj(inputs["session"], f"{where}.input.session"))
        _expect_failure(error, lambda: session.decrypt_response(wire_message), "decryption")
    else:
        _fields(case["input"], f"{where}.input", ())
        _expect_failure(error, lambda: decrypt_request(wire_message, private), "decryption")


def _check_acceptable(case: Dict[str, Any], mode: str, algorithm: str, keys: Mapping[str, PrivateKey], where: str) -> None:
    error = _error_class(case, where)
    ocrcrypto_result = _enum(case, "ocrcrypto_result", where, ("valid", "invalid"))
    required = {"body": ("params", "body"), "fields": ("params", "fields"), "response-only": ("params",)}[mode]
    inputs = _fields(case["input"], f"{where}.input", required + ("symmetric_key", "iv"))
    output = _fields(case["output"], f"{where}.output", ("wire",))
    params = _obj(inputs["params"], f"{where}.input.params")
    envelope = get_envelope(algorithm)
    key = _hex(inputs, "symmetric_key", f"{where}.input", envelope.key_size)
    iv = None if inputs["iv"] is None else _hex(inputs, "iv", f"{where}.input", envelope.iv_size)
    if mode == "fields":
        _strings(inputs, "fields", f"{where}.input")
    wire_request = _obj(output["wire"], f"{where}.output.wire")
    private = _private(keys, case, where)
    if ocrcrypto_result == "invalid":
        _expect_failure(error, lambda: decrypt_request(wire_request, private), "decryption")
        return
    try:
        decrypt_request(wire_request, private)
    except errors.OcrCryptoError as exc:
        raise _Failure(f"ocrcrypto_result is valid, but ocrcrypto refuses it ({type(exc).__name__}: {exc})") from None
    _check_decryption(wire_request, private, params, key, iv, inputs.get("body"), where)


# the key vectors (ocrcrypto-key-vectors-1) -------------------------------------------------------


def _check_key_vector(case: Dict[str, Any], keys: Mapping[str, PrivateKey], notes: Mapping[str, Any]) -> None:
    where = "case"
    obj = _obj(case, where)
    _check("result" in obj, f"{where}: missing field result")
    result = _enum(obj, "result", where, ("valid", "invalid"))
    _fields(obj, where, ("id", "comment", "flags", "operation", "input", "result", "key" if result == "valid" else "error"))
    _str(obj, "comment", where)
    _flags(obj, where, KEY_NOTES, notes)
    operation = _enum(obj, "operation", where, ("load_public_key", "load_private_key"))
    inputs = _obj(obj["input"], f"{where}.input")
    _check(len(inputs) == 1 and next(iter(inputs), None) in ("text", "binary"), f"{where}.input: expected exactly one of text, binary")
    data: Any = _str(inputs, "text", f"{where}.input") if "text" in inputs else _hex(inputs, "binary", f"{where}.input")
    loader = load_public_key if operation == "load_public_key" else load_private_key
    if result == "invalid":
        error = _error_class(obj, where, ("KeyFormatError",))
        _expect_failure(error, lambda: loader(data), "loading")
        return
    expected = _obj(obj["key"], f"{where}.key")
    _check("type" in expected, f"{where}.key: missing field type")
    kind = _enum(expected, "type", f"{where}.key", ("RSA", "SM2"))
    private = operation == "load_private_key"
    if kind == "RSA":
        _fields(expected, f"{where}.key", ("type", "bits", "n", "e") + (("d",) if private else ()))
        for name in ("n", "e") + (("d",) if private else ()):
            value = _hex(expected, name, f"{where}.key")
            _check(bool(value) and value[0] != 0, f"{where}.key.{name}: expected minimal big-endian bytes")
        _int(expected, "bits", f"{where}.key", 1, 65536)
    else:
        _fields(expected, f"{where}.key", ("type", "point") + (("d",) if private else ()))
        _hex(expected, "point", f"{where}.key", 65)
        if private:
            _hex(expected, "d", f"{where}.key", 32)
    try:
        loaded = loader(data)
    except errors.OcrCryptoError as exc:
        raise _Failure(f"expected the key to load, got {type(exc).__name__}: {exc}") from None
    _check(_describe_key(loaded) == expected, "the loaded key differs from key")


def _describe_key(key: Any) -> Dict[str, Any]:
    """What a loaded key is, in the form of a key vector's ``key``."""
    if isinstance(key, (rsa.RSAPublicKey, rsa.RSAPrivateKey)):
        return _KeyGenerator.rsa_expect(key)
    return _KeyGenerator.sm2_expect(key)


# the decrypt manifest (ocrcrypto-decrypt-manifest-1) --------------------------------------------


def _check_manifest_case(case: Dict[str, Any], keys: Mapping[str, PrivateKey], notes: Mapping[str, Any], sources: Mapping[str, Any]) -> None:
    where = "case"
    obj = _obj(case, where)
    _check("operation" in obj, f"{where}: missing field operation")
    operation = _enum(obj, "operation", where, ("decrypt", "decrypt-response", "symmetric-decrypt"))
    base = ("id", "comment", "flags", "source", "algorithm", "operation", "mode", "input", "expected", "result")
    _fields(obj, where, base + (("key",) if operation == "decrypt" else ()))
    _str(obj, "comment", where)
    _flags(obj, where, MANIFEST_NOTES, notes)
    source = _str(obj, "source", where)
    _check(source in sources, f"{where}.source: {printable(repr(source))} is not in sources")
    _enum(obj, "result", where, ("valid",))
    algorithm = _enum(obj, "algorithm", where, _ALGORITHMS)
    envelope = get_envelope(algorithm)
    if operation == "decrypt":
        mode = _enum(obj, "mode", where, ("body", "fields", "response-only"))
        inputs = _fields(obj["input"], f"{where}.input", ("wire",))
        expected = _fields(obj["expected"], f"{where}.expected", ("params", "session"))
        private = _private(keys, obj, where)
        wire_request = _obj(inputs["wire"], f"{where}.input.wire")
        params = _obj(expected["params"], f"{where}.expected.params")
        session_expected = _fields(expected["session"], f"{where}.expected.session", ("Algorithm", "Key", "Iv"))
        block = wire.parse_message(wire_request, "request").block
        _check(block.algorithm == algorithm, "the wire's Algorithm differs from the case's algorithm")
        got_mode = "response-only" if not block.encrypt_list else "body" if block.encrypt_list[0] in wire.BODY_NAME_ALIASES else "fields"
        _check(got_mode == mode, f"the wire is in {got_mode} mode, the case says {mode}")
        got, session = decrypt_request(wire_request, private)
        _check(got == params, "decrypted params differ")
        _check(session.to_dict() == session_expected, "recovered session differs")
    elif operation == "decrypt-response":
        mode = _enum(obj, "mode", where, ("body", "fields"))
        inputs = _fields(obj["input"], f"{where}.input", ("session", "wire"))
        expected = _fields(obj["expected"], f"{where}.expected", ("response",))
        session = Session.from_dict(_obj(inputs["session"], f"{where}.input.session"))
        _check(session.algorithm == algorithm, "session Algorithm differs from the case's algorithm")
        wire_response = _obj(inputs["wire"], f"{where}.input.wire")
        names = wire.parse_message(wire_response, "Response").block.encrypt_list
        got_mode = "body" if names and names[0] in wire.BODY_NAME_ALIASES else "fields"
        _check(got_mode == mode, f"the response is in {got_mode} mode, the case says {mode}")
        _check(session.decrypt_response(wire_response) == _obj(expected["response"], f"{where}.expected.response"), "decrypted response differs")
    else:
        _enum(obj, "mode", where, ("primitive",))
        has_tag = envelope.tag_size is not None
        inputs = _fields(obj["input"], f"{where}.input", ("symmetric_key", "iv", "ciphertext") + (("tag",) if has_tag else ()))
        expected = _fields(obj["expected"], f"{where}.expected", ("plaintext",))
        key = _hex(inputs, "symmetric_key", f"{where}.input", envelope.key_size)
        iv = _hex(inputs, "iv", f"{where}.input", envelope.iv_size)
        tag = _hex(inputs, "tag", f"{where}.input", envelope.tag_size) if has_tag else None
        plaintext = envelope.open(_hex(inputs, "ciphertext", f"{where}.input"), key, iv, tag)
        _check(plaintext == _hex(expected, "plaintext", f"{where}.expected"), "decrypted plaintext differs")


# files --------------------------------------------------------------------------------------------


def _iter_files(directory: Path) -> Iterator[Path]:
    return iter(sorted(p for p in directory.glob("*.json") if p.name != "schema.json"))


def _document(data: Any) -> Tuple[Dict[str, Any], List[Any], Callable[[Dict[str, Any]], None]]:
    """Check a file's top level; returns (notes, tests, a checker of one case)."""
    top = _obj(data, "file")
    _check("schema" in top, "file: missing field schema")
    schema = _str(top, "schema", "file")
    if schema == SCHEMA:
        _fields(top, "file", ("schema", "generator", "notes", "keys", "numberOfTests", "tests"))
        _fields(top["generator"], "generator", ("seed", "command"))
    elif schema == KEY_SCHEMA:
        _fields(top, "file", ("schema", "generator", "notes", "numberOfTests", "tests"))
        _fields(top["generator"], "generator", ("seed", "command"))
    elif schema == MANIFEST_SCHEMA:
        _fields(top, "file", ("schema", "generator", "notes", "sources", "keys", "numberOfTests", "tests"))
        _fields(top["generator"], "generator", ("command",))
    else:
        raise _Failure(f"file: unknown schema {printable(repr(schema))} (expected {SCHEMA}, {KEY_SCHEMA} or {MANIFEST_SCHEMA})")
    notes = _obj(top["notes"], "notes")
    _check(all(isinstance(v, str) for v in notes.values()), "notes: every note must be a string")
    tests = top["tests"]
    _check(isinstance(tests, list) and bool(tests), "tests: expected a non-empty array")
    count = _int(top, "numberOfTests", "file", 1, _MAX_TESTS)
    _check(count == len(tests), f"numberOfTests is {count}, but there are {len(tests)} tests")
    keys = _load_keys(top["keys"], "keys") if "keys" in top else {}
    if schema == SCHEMA:
        return notes, tests, lambda case: _check_vector(case, keys, notes)
    if schema == KEY_SCHEMA:
        return notes, tests, lambda case: _check_key_vector(case, keys, notes)
    sources = _obj(top["sources"], "sources")
    for name, entry in sources.items():
        entry = _fields(entry, f"sources.{name}", ("implementation", "libraries"))
        _str(entry, "implementation", f"sources.{name}")
        libraries = _obj(entry["libraries"], f"sources.{name}.libraries")
        _check(all(isinstance(v, str) for v in libraries.values()), f"sources.{name}.libraries: every version must be a string")
    return notes, tests, lambda case: _check_manifest_case(case, keys, notes, sources)


def verify_data(data: Any, name: str) -> Tuple[int, List[str]]:
    """Check one parsed vector file of any kind; returns (cases checked, failure messages).

    A file whose top level is malformed is one failure and no case checked; otherwise every
    case is checked and each failure names the file, the case id and its comment.
    """
    try:
        _bounded(data, name)
        notes, tests, check = _document(data)
    except (_Failure, errors.OcrCryptoError) as exc:
        return 0, [f"{name}: {exc}"]
    failures: List[str] = []
    for index, case in enumerate(tests, 1):
        label = f"{name} #{index}"
        if isinstance(case, dict):
            label += f" ({printable(case.get('comment'), 120)})"
        try:
            _obj(case, "case")
            _check(case.get("id") == index and type(case.get("id")) is int, f"case: id must be {index}")
            check(case)
        except _Failure as exc:
            failures.append(f"{label}: {exc}")
        except Exception as exc:  # a verifier reports, never crashes: anything else is a failure too
            failures.append(f"{label}: {type(exc).__name__}: {printable(str(exc), 200)}")
    return len(tests), failures


def verify(directory: Path) -> Tuple[int, List[str]]:
    """Check every vector file in ``directory``; returns (cases checked, failure messages)."""
    failures: List[str] = []
    checked = 0
    files = list(_iter_files(directory))
    if not files:
        return 0, [f"{directory}: no vector files"]
    for path in files:
        try:
            size = path.stat().st_size
            if size > _MAX_FILE_BYTES:
                failures.append(f"{path.name}: unreadable ({size} bytes, more than {_MAX_FILE_BYTES})")
                continue
            data = wire.loads(path.read_bytes(), path.name)
        except (OSError, errors.OcrCryptoError) as exc:
            failures.append(f"{path.name}: unreadable ({type(exc).__name__}: {exc})")
            continue
        count, file_failures = verify_data(data, path.name)
        checked += count
        failures += file_failures
    return checked, failures
