"""Diagnosis of a wire request or response: what is right, what is wrong, and what to change.

No I/O: :func:`diagnose` takes the parsed JSON (and optionally the service's private key or the
client's session) and returns findings. Without keys it checks shape, base64, lengths and names;
with a key it also decrypts, and where that fails it tries the usual wrong variants (an SM2 blob
without 04, in C1C2C3 order, or in DER) and names the one that matched.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any, Callable, List, Mapping, Optional, Tuple

from . import wire
from .envelopes import Envelope, algorithms, get_envelope
from .errors import OcrCryptoError
from .hazmat import sm2_encodings
from .keys import PrivateKey, key_type
from .session import Session
from .wire import BLOCK_FIELDS, BODY_NAME, BODY_NAME_ALIASES, DEFAULT_ALGORITHM, PROTOCOL_PARAMS, RESPONSE_CLEAR_FIELDS

__all__ = ["Finding", "diagnose"]

_HEX = re.compile(r"[0-9a-fA-F]+")


@dataclass(frozen=True)
class Finding:
    """One line of the diagnosis: ``ok`` or a problem, where it is, and for problems the fix."""

    ok: bool
    where: str
    message: str
    fix: str = ""

    def __str__(self) -> str:
        text = f"{'ok' if self.ok else 'problem'}: {self.where}: {self.message}"
        return text + (f" Fix: {self.fix}" if self.fix else "")


def _b64(value: Any) -> Optional[bytes]:
    try:
        return wire.b64decode(value, "value")
    except OcrCryptoError:
        return None


class _Doctor:
    def __init__(self, private_key: Optional[PrivateKey], session: Optional[Session]) -> None:
        self.private_key = private_key
        self.session = session
        self.findings: List[Finding] = []

    def ok(self, where: str, message: str) -> None:
        self.findings.append(Finding(True, where, message))

    def problem(self, where: str, message: str, fix: str) -> None:
        self.findings.append(Finding(False, where, message, fix))

    # -- the whole message ----------------------------------------------------------------------

    def run(self, wire: Any) -> None:
        if not isinstance(wire, Mapping):
            self.problem("top level", "not a JSON object", "send the request params (or the response) as one JSON object")
            return
        is_response = set(wire) == {"Response"} and isinstance(wire["Response"], Mapping)
        payload: Mapping[str, Any] = wire["Response"] if is_response else wire
        prefix = "Response." if is_response else ""
        kind = "response" if is_response or "RequestId" in payload else "request"
        encryption = payload.get("Encryption")
        if encryption is None:
            stray = next((n for n in BODY_NAME_ALIASES if n in payload), None)
            if stray:
                self.problem(f"{prefix}{stray}", "present, but there is no Encryption block", "add the Encryption block that describes it")
            else:
                self.problem(f"{prefix}Encryption", f"missing: this {kind} is not encrypted", "wrap it with ocrcrypto.encrypt_request (or `ocrcrypto encrypt`)")
            return
        where = f"{prefix}Encryption"
        if not isinstance(encryption, Mapping):
            self.problem(where, "not a JSON object", "make Encryption an object with EncryptList, CiphertextBlob, Iv, Algorithm, TagList")
            return
        for name in sorted(set(encryption) - set(BLOCK_FIELDS)):
            close = difflib.get_close_matches(name, BLOCK_FIELDS, n=1)
            self.problem(f"{where}.{name}", "not a field of the Encryption block", f"rename it to {close[0]}" if close else "remove it")
        envelope = self.algorithm(where, encryption.get("Algorithm"))
        names = self.encrypt_list(where, encryption.get("EncryptList"), payload, prefix)
        iv = self.iv(where, encryption.get("Iv"), envelope, kind)
        tags = self.tags(where, encryption.get("TagList"), envelope, names)
        key = self.blob(where, encryption.get("CiphertextBlob"), envelope, kind)
        if names and all(name in BODY_NAME_ALIASES for name in names):
            self.plaintext_leftovers(payload, prefix, kind)
        sealed = self.ciphertexts(payload, prefix, names, envelope)
        if envelope is None or sealed is None:
            return
        if key is None and self.session is not None:
            key = self.session_key(envelope)
        if kind == "response" and iv is None and self.session is not None:
            iv = self.session.iv
        if key is not None and iv is not None and tags is not None:
            self.decrypt(envelope, key, iv, tags, sealed, prefix)

    # -- the Encryption block -------------------------------------------------------------------

    def algorithm(self, where: str, value: Any) -> Optional[Envelope]:
        if value is None:
            self.ok(f"{where}.Algorithm", f"absent, which means {DEFAULT_ALGORITHM}")
            return get_envelope(DEFAULT_ALGORITHM)
        if not isinstance(value, str):
            self.problem(f"{where}.Algorithm", "not a string", f"use one of {', '.join(algorithms())}")
            return None
        try:
            envelope = get_envelope(value)
        except OcrCryptoError:
            close = difflib.get_close_matches(value.upper().replace("_", "-"), algorithms(), n=1, cutoff=0.4)
            if not close:
                self.problem(f"{where}.Algorithm", f"{value!r} is not a known algorithm", f"use one of {', '.join(algorithms())}")
                return None
            self.problem(f"{where}.Algorithm", f"{value!r} is not a known algorithm (the checks below assume {close[0]!r})", f"did you mean {close[0]!r}?")
            return get_envelope(close[0])
        self.ok(f"{where}.Algorithm", value)
        return envelope

    def encrypt_list(self, where: str, value: Any, payload: Mapping[str, Any], prefix: str) -> Optional[List[str]]:
        if not isinstance(value, list) or not value or not all(isinstance(n, str) and n for n in value):
            self.problem(f"{where}.EncryptList", "must be a non-empty array of field names", f'use ["{BODY_NAME}"] for the OCR API')
            return None
        good = True
        for name in value:
            if name == "EncryptionBody":
                self.problem(
                    f"{where}.EncryptList", "names 'EncryptionBody' (the vendor demo's spelling)",
                    f"the OCR API expects '{BODY_NAME}': rename the list entry and the field",
                )
            if name in BODY_NAME_ALIASES:
                present = any(alias in payload for alias in BODY_NAME_ALIASES)
            else:
                present = _lookup(payload, name) is not None
            if not present:
                good = False
                self.problem(f"{where}.EncryptList", f"names {name!r}, which is absent from the {prefix or 'top level'}".rstrip("."),
                             f"add the encrypted {name} or remove it from EncryptList")
        if good:
            self.ok(f"{where}.EncryptList", f"{value} all present")
        return list(value)

    def iv(self, where: str, value: Any, envelope: Optional[Envelope], kind: str) -> Optional[bytes]:
        field = f"{where}.Iv"
        if value is None:
            if kind == "response":
                self.ok(field, "absent: the client uses the request's IV")
            else:
                self.problem(field, "missing", "send the base64 of the IV bytes")
            return None
        raw = _b64(value)
        size = envelope.iv_size if envelope else None
        looks_raw = isinstance(value, str) and size is not None and len(value) == size
        if raw is None:
            if looks_raw:
                self.problem(field, f"is {size} characters of raw IV text, not base64", "send base64 of the IV bytes (for example base64.b64encode(iv))")
            else:
                self.problem(field, "not valid standard base64", "send base64 (with padding) of the IV bytes")
            return None
        if size is not None and len(raw) != size:
            if looks_raw:
                self.problem(field, f"decodes to {len(raw)} bytes: it looks like the {size}-character IV text itself", "base64-encode the IV bytes instead of sending the IV as text")
            else:
                self.problem(field, f"decodes to {len(raw)} bytes; {envelope.algorithm} needs {size}", f"use a {size}-byte IV")  # type: ignore[union-attr]
            return None
        self.ok(field, f"{len(raw)} bytes")
        return raw

    def tags(self, where: str, value: Any, envelope: Optional[Envelope], names: Optional[List[str]]) -> Optional[List[Optional[bytes]]]:
        field = f"{where}.TagList"
        if envelope is None or names is None:
            return None
        if envelope.tag_size is None:
            if value not in (None, []):
                self.problem(field, f"{envelope.algorithm} has no tags", "send [] (or null in a response)")
                return None
            self.ok(field, "empty, as for " + envelope.algorithm)
            return [None] * len(names)
        if not isinstance(value, list):
            self.problem(field, f"missing: {envelope.algorithm} needs one tag per EncryptList entry", "send the base64 GCM tag of each encrypted field, in EncryptList order")
            return None
        if len(value) != len(names):
            self.problem(field, f"{len(value)} tag(s) for {len(names)} EncryptList entries", "send exactly one tag per EncryptList entry, in the same order")
            return None
        tags: List[Optional[bytes]] = []
        for i, tag in enumerate(value):
            raw = _b64(tag)
            if raw is None or len(raw) != envelope.tag_size:
                self.problem(f"{field}[{i}]", f"not base64 of a {envelope.tag_size}-byte tag", "send the full 16-byte GCM tag, base64-encoded, separate from the ciphertext")
                return None
            tags.append(raw)
        self.ok(field, f"{len(tags)} tag(s) of {envelope.tag_size} bytes")
        return tags

    def blob(self, where: str, value: Any, envelope: Optional[Envelope], kind: str) -> Optional[bytes]:
        field = f"{where}.CiphertextBlob"
        if value is None:
            if kind == "request":
                self.problem(field, "missing", "send the wrapped symmetric key, base64-encoded")
            return None
        if isinstance(value, str) and len(value) >= 64 and _HEX.fullmatch(value):
            # Base64 of random bytes is practically never all hex digits over this length.
            self.problem(field, "is hex, not base64 (sm-crypto prints hex)", "decode the hex and base64-encode the bytes")
            return None
        raw = _b64(value)
        if raw is None:
            self.problem(field, "not valid standard base64", "send base64 (with padding) of the wrapped key")
            return None
        if envelope is None:
            return None
        if envelope.key_type == "SM2":
            return self.sm2_blob(field, raw, envelope, kind)
        return self.rsa_blob(field, raw, envelope, kind)

    def sm2_blob(self, field: str, raw: bytes, envelope: Envelope, kind: str) -> Optional[bytes]:
        expected = 97 + envelope.key_size
        variants: List[Tuple[str, str, Callable[[bytes], bytes]]] = [
            ("without the 04 prefix (gmssl and sm-crypto write it so)", "prepend the byte 0x04 to C1", lambda b: b"\x04" + b),
            ("in C1C2C3 order (BouncyCastle's SM2Engine default, gmssl mode=0)", "encrypt in C1C3C2 mode", sm2_encodings.from_c1c2c3),
            ("without 04 and in C1C2C3 order", "use C1C3C2 mode and prepend 0x04", lambda b: sm2_encodings.from_c1c2c3(b"\x04" + b)),
            ("DER-encoded (OpenSSL and GmSSL write it so)", "convert the DER SEQUENCE {x, y, C3, C2} to 04||X||Y||C3||C2 with 32-byte X and Y", sm2_encodings.from_der),
        ]
        if raw[:1] == b"\x30" and len(raw) != expected:
            try:
                sm2_encodings.from_der(raw)
                self.problem(field, variants[3][0], variants[3][1])
                return self.unwrap(field, sm2_encodings.from_der(raw), envelope, kind, quiet=True)
            except OcrCryptoError:
                pass
        if len(raw) == expected - 1:
            self.problem(field, f"{len(raw)} bytes: SM2 ciphertext {variants[0][0]}", variants[0][1])
            if self.private_key is None:
                return None
            for label, fix, convert in (variants[0], variants[2]):
                key = self.try_unwrap(convert(raw), envelope)
                if key is not None:
                    if convert is not variants[0][2]:
                        self.problem(field, f"also {label.split(' and ')[1]}", variants[1][1])
                    return key
            self.problem(field, "does not unwrap with this private key even with 04 added", "encrypt to the service's SM2 public key")
            return None
        if len(raw) != expected or raw[0] != 4:
            self.problem(field, f"{len(raw)} bytes; an SM2-wrapped {envelope.key_size}-byte key is {expected} bytes starting with 04",
                         "wrap the key with SM2 in C1C3C2 order, 04-prefixed")
            return None
        self.ok(field, f"{len(raw)} bytes, 04-prefixed, the length of C1C3C2 for a {envelope.key_size}-byte key")
        if self.private_key is None:
            return None
        key = self.try_unwrap(raw, envelope)
        if key is not None:
            self.ok(field, "unwraps with the private key")
            return key
        key = self.try_unwrap(variants[1][2](raw), envelope)
        if key is not None:
            self.problem(field, f"SM2 ciphertext {variants[1][0]}", variants[1][1])
            return key
        self.problem(field, "does not unwrap with this private key", "wrap the key with the service's public key (the one that matches this private key)")
        return None

    def rsa_blob(self, field: str, raw: bytes, envelope: Envelope, kind: str) -> Optional[bytes]:
        if self.private_key is not None and key_type(self.private_key) == "RSA":
            size = self.private_key.key_size // 8  # type: ignore[union-attr]
            if len(raw) != size:
                self.problem(field, f"{len(raw)} bytes, but the RSA-{size * 8} key needs exactly {size}", "wrap with RSA PKCS#1 v1.5 under the service's public key")
                return None
        elif len(raw) not in (128, 256, 384, 512):
            self.problem(field, f"{len(raw)} bytes fits no RSA key size (RSA-1024 gives 128)", "wrap with RSA PKCS#1 v1.5 under the service's public key")
            return None
        self.ok(field, f"{len(raw)} bytes, the size of an RSA-{len(raw) * 8} ciphertext")
        return self.unwrap(field, raw, envelope, kind)

    def unwrap(self, field: str, raw: bytes, envelope: Envelope, kind: str, quiet: bool = False) -> Optional[bytes]:
        if self.private_key is None:
            return None
        key = self.try_unwrap(raw, envelope)
        if key is None:
            self.problem(field, "does not unwrap with this private key", "wrap the key with the service's public key (the one that matches this private key)")
        elif not quiet:
            self.ok(field, "unwraps with the private key")
        return key

    def try_unwrap(self, raw: bytes, envelope: Envelope) -> Optional[bytes]:
        assert self.private_key is not None
        if key_type(self.private_key) != envelope.key_type:
            return None
        try:
            return envelope.unwrap_key(raw, self.private_key)
        except OcrCryptoError:
            return None

    def session_key(self, envelope: Envelope) -> Optional[bytes]:
        assert self.session is not None
        if self.session.algorithm != envelope.algorithm:
            self.problem("session", f"is for {self.session.algorithm}, but the message says {envelope.algorithm}", "use the session of this request")
            return None
        return self.session.key

    # -- the payload ----------------------------------------------------------------------------

    def plaintext_leftovers(self, payload: Mapping[str, Any], prefix: str, kind: str) -> None:
        clear = set(PROTOCOL_PARAMS if kind == "request" else RESPONSE_CLEAR_FIELDS) | set(BODY_NAME_ALIASES) | {"Encryption"}
        leftovers = [k for k, v in payload.items() if k not in clear and v not in ("", None)]
        for name in leftovers:
            self.problem(f"{prefix}{name}", "sensitive value left in plaintext next to the ciphertext", f'send {name} as "" (its value travels inside {BODY_NAME})')

    def ciphertexts(self, payload: Mapping[str, Any], prefix: str, names: Optional[List[str]], envelope: Optional[Envelope]) -> Optional[List[Tuple[str, bytes]]]:
        if names is None:
            return None
        sealed: List[Tuple[str, bytes]] = []
        for name in names:
            if name in BODY_NAME_ALIASES:
                actual = next((n for n in BODY_NAME_ALIASES if n in payload), None)
                if actual is None:
                    return None
                value, field = payload[actual], f"{prefix}{actual}"
            else:
                value, field = _lookup(payload, name), f"{prefix}{name}"
                if value is None:
                    return None
            raw = _b64(value)
            if raw is None:
                self.problem(field, "not valid standard base64", "send base64 (with padding) of the ciphertext")
                return None
            if envelope is not None and envelope.tag_size is None and (not raw or len(raw) % 16):
                self.problem(field, f"{len(raw)} bytes: AES-CBC ciphertext must be a non-zero multiple of 16", "send the whole ciphertext, PKCS#7-padded")
                return None
            self.ok(field, f"base64 of {len(raw)} bytes")
            sealed.append((field, raw))
        return sealed

    def decrypt(self, envelope: Envelope, key: bytes, iv: bytes, tags: List[Optional[bytes]], sealed: List[Tuple[str, bytes]], prefix: str) -> None:
        for (field, ciphertext), tag in zip(sealed, tags):
            try:
                plaintext = envelope.open(ciphertext, key, iv, tag)
            except OcrCryptoError:
                fix = "seal with the same key and IV you send, and send the GCM tag separately" if tag else "encrypt with the key you wrapped and the IV you send, PKCS#7-padded"
                self.problem(field, "does not decrypt with this key and IV", fix)
                continue
            self.ok(field, "decrypts")
            if field.rsplit(".", 1)[-1] in BODY_NAME_ALIASES:
                self.body(field, plaintext)

    def body(self, field: str, plaintext: bytes) -> None:
        try:
            body = wire.loads_object(plaintext, field)
        except OcrCryptoError as exc:
            self.problem(field, f"the decrypted body is not a JSON object ({str(exc).split(': ', 1)[-1]})", "encrypt the compact JSON object of the sensitive params")
            return
        self.ok(field, f"decrypted body is a JSON object with {', '.join(body) or 'no fields'}")
        image = body.get("ImageBase64")
        if isinstance(image, str):
            if image.startswith("data:"):
                self.problem(f"{field} ImageBase64", "starts with a data: URL prefix", "remove the 'data:image/...;base64,' prefix")
            if any(c in image for c in "\r\n "):
                self.problem(f"{field} ImageBase64", "contains line breaks or spaces", "send the base64 on one line, without whitespace")


def _lookup(payload: Mapping[str, Any], path: str) -> Any:
    try:
        return wire.get_path(payload, path)[1]
    except OcrCryptoError:
        return None


def diagnose(wire: Any, *, private_key: Optional[PrivateKey] = None, session: Optional[Session] = None) -> List[Finding]:
    """Check a wire request or response and return what is right and what is wrong, in order."""
    doctor = _Doctor(private_key, session)
    doctor.run(wire)
    return doctor.findings
