"""Diagnosis of a wire request or response: what is right, what is wrong, and what to change.

No I/O: :func:`diagnose` takes the parsed JSON (and optionally the service's private key or the
client's session) and returns findings, one line each. Without keys it checks shape, base64,
lengths and names; with a key it also decrypts, and where that fails it tries the usual wrong
variants and names the one that matched: an SM2 blob without 04, in C1C2C3 order, in DER, or with
a coordinate one byte short; a GCM tag left on the ciphertext; tags in the wrong order or the
first tag repeated; a body in GBK. It also names keys and IVs that are text rather than random
bytes, recognises response-only requests in every demo SDK's shape, and the legacy KMS mode.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from typing import Any, Callable, List, Mapping, Optional, Sequence, Tuple

from cryptography.hazmat.primitives.asymmetric import rsa

from . import wire
from .envelopes import Envelope, algorithms, get_envelope
from .errors import OcrCryptoError, printable
from .hazmat import ciphers, sm2_encodings
from .keys import PrivateKey, key_type
from .session import Session
from .wire import BLOCK_FIELDS, BODY_NAME, BODY_NAME_ALIASES, DEFAULT_ALGORITHM, PROTOCOL_PARAMS, RESPONSE_CLEAR_FIELDS

__all__ = ["Finding", "diagnose"]

_HEX = re.compile(r"[0-9a-fA-F]+")
_ALNUM = frozenset(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_KMS_SEPARATOR = "-k-"
_MAX_REORDER = 16
"""Up to this many EncryptList entries, every tag is tried on every ciphertext to find the order."""
_REORDER_BYTES = 1 << 24
"""...as long as that is no more than this many bytes of decryption."""
_RSA_BYTES = range(128, 1025)
"""Ciphertext sizes of RSA keys from 1024 to 8192 bits."""

_TEXT_KEY_ORIGIN = "the vendor's Go and Java demos made key and IV this way, from a time-seeded math/rand or java.util.Random"
_TEXT_KEY_FIX = "make key and IV from the operating system's CSPRNG: secrets.token_bytes or os.urandom (Python), crypto/rand (Go), SecureRandom (Java), crypto.randomBytes (Node)"
_APPENDED_ORIGIN = "Java's Cipher \"SM4/GCM/NoPadding\" and Go's gcm.Seal return ciphertext||tag; the vendor's Java demo sent it so until 2023"
_APPENDED_FIX = "split the last 16 bytes off each ciphertext and send them, base64, in TagList, in EncryptList order"
_GBK_ORIGIN = "Java's String.getBytes() with a GBK platform charset, as the vendor's Java demo did until 2025"
_GBK_FIX = "encode the JSON text as UTF-8 before encrypting (getBytes(StandardCharsets.UTF_8) in Java)"


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


def _line(text: str) -> str:
    """One line, control characters escaped, nothing cut."""
    return printable(text, limit=1 << 30)


def _b64(value: Any) -> Optional[bytes]:
    try:
        return wire.b64decode(value, "value")
    except OcrCryptoError:
        return None


def _at(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def _is_kms_blob(value: Any) -> bool:
    """``<base64>-k-<base64>-k-<base64>``: a KMS GenerateDataKey CiphertextBlob (legacy KMS mode)."""
    if not isinstance(value, str):
        return False
    parts = value.split(_KMS_SEPARATOR)
    return len(parts) == 3 and all(_b64(part) for part in parts)


def _text_chance(size: int) -> int:
    """log2 of the chance that ``size`` random bytes are all alphanumeric (about -2.05 per byte)."""
    return round(size * math.log2(len(_ALNUM) / 256))


def _lookup(payload: Mapping[str, Any], path: str) -> Any:
    try:
        return wire.get_path(payload, path)[1]
    except OcrCryptoError:
        return None


class _Doctor:
    def __init__(self, private_key: Optional[PrivateKey], session: Optional[Session]) -> None:
        self.private_key = private_key
        self.session = session
        self.findings: List[Finding] = []
        self.response_only = False

    def ok(self, where: str, message: str) -> None:
        self.findings.append(Finding(True, _line(where), _line(message)))

    def problem(self, where: str, message: str, fix: str) -> None:
        self.findings.append(Finding(False, _line(where), _line(message), _line(fix)))

    # -- the whole message ----------------------------------------------------------------------

    def run(self, message: Any) -> None:
        if not isinstance(message, Mapping):
            self.problem("top level", "not a JSON object", "send the request params (or the response) as one JSON object")
            return
        try:
            is_response, payload = wire.split_response(message)
        except OcrCryptoError:
            is_response, payload = False, message
        prefix = "Response." if is_response else ""
        kind = "response" if is_response or "RequestId" in payload else "request"
        encryption = payload.get("Encryption")
        if encryption is None:
            if "CiphertextBlob" in payload:
                block = {name: payload[name] for name in BLOCK_FIELDS if name in payload}
                self.check(prefix.rstrip("."), block, payload, prefix, kind, top_level=True)
                return
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
        for name in sorted(set(encryption) - set(BLOCK_FIELDS), key=str):
            close = difflib.get_close_matches(str(name), BLOCK_FIELDS, n=1)
            self.problem(f"{where}.{name}", "not a field of the Encryption block", f"rename it to {close[0]}" if close else "remove it")
        self.check(where, encryption, payload, prefix, kind, top_level=False)

    def check(self, where: str, block: Mapping[str, Any], payload: Mapping[str, Any], prefix: str, kind: str, top_level: bool) -> None:
        envelope = self.algorithm(_at(where, "Algorithm"), block.get("Algorithm"))
        kms = self.kms(where, block, envelope, top_level)
        if top_level and not kms:
            return
        names = self.encrypt_list(where, block.get("EncryptList"), payload, prefix, kind, block.get("TagList"))
        iv = self.iv(where, block.get("Iv"), envelope, kind, kms)
        tags, tag_issue = self.tags(where, block.get("TagList"), envelope, names)
        key = None if kms else self.blob(where, block.get("CiphertextBlob"), envelope, kind)
        if names and all(name in BODY_NAME_ALIASES for name in names):
            self.plaintext_leftovers(payload, prefix, kind)
        sealed = self.ciphertexts(payload, prefix, names, envelope)
        if envelope is None or sealed is None:
            return
        if key is None and self.session is not None:
            key = self.session_key(envelope)
        if key is not None:
            self.text_key(where, key, envelope)
        if kind == "response" and iv is None and self.session is not None:
            iv = self.session.iv
        self.repeated_tag_without_key(where, tags, sealed, names, key is not None and iv is not None)
        if key is not None and iv is not None and sealed:
            self.decrypt(where, envelope, key, iv, tags, tag_issue, sealed)
        elif tag_issue is not None:
            self.problem(*tag_issue)

    # -- the Encryption block -------------------------------------------------------------------

    def algorithm(self, field: str, value: Any) -> Optional[Envelope]:
        if value is None:
            self.ok(field, f"absent, which means {DEFAULT_ALGORITHM}")
            return get_envelope(DEFAULT_ALGORITHM)
        if not isinstance(value, str):
            self.problem(field, "not a string", f"use one of {', '.join(algorithms())}")
            return None
        try:
            envelope = get_envelope(value)
        except OcrCryptoError:
            close = difflib.get_close_matches(value.upper().replace("_", "-"), algorithms(), n=1, cutoff=0.4)
            if not close:
                self.problem(field, f"{value!r} is not a known algorithm", f"use one of {', '.join(algorithms())}")
                return None
            self.problem(field, f"{value!r} is not a known algorithm (the checks below assume {close[0]!r})", f"did you mean {close[0]!r}?")
            return get_envelope(close[0])
        self.ok(field, value)
        return envelope

    def kms(self, where: str, block: Mapping[str, Any], envelope: Optional[Envelope], top_level: bool) -> bool:
        """Recognise the legacy KMS mode; True if the blob is a KMS blob."""
        field = _at(where, "CiphertextBlob")
        value = block.get("CiphertextBlob")
        form = " in PhoneVerification's top-level form (CiphertextBlob, EncryptList, Iv beside the params)" if top_level else ""
        if not _is_kms_blob(value):
            if top_level:
                self.problem(field, "a top-level CiphertextBlob is PhoneVerification's legacy KMS form, but this is not a KMS blob (<base64>-k-<base64>-k-<base64>)",
                             "put CiphertextBlob, EncryptList, Iv, Algorithm and TagList in an Encryption block (ocrcrypto.encrypt_request does)")
            return False
        self.ok(field, "a legacy KMS-mode CiphertextBlob (KMS GenerateDataKey output, <base64>-k-<base64>-k-<base64>)" + form
                + ": only FaceID accounts that enabled KMS encryption before 2023-03-17 may send it, and only KMS can open it,"
                " so the key cannot be checked here (a session holding the plaintext data key can still check the ciphertexts)")
        if self.private_key is not None:
            self.ok(field, "not checked with the private key: a KMS blob is not wrapped to the service's public key")
        if envelope is not None and envelope.algorithm != "AES-256-CBC":
            self.problem(_at(where, "Algorithm"), f"{envelope.algorithm} with a KMS blob: the legacy KMS mode is AES-256-CBC with a KMS AES_256 data key",
                         "use AES-256-CBC in KMS mode, or wrap a fresh key with the service's public key for SM4-GCM")
        return True

    def encrypt_list(self, where: str, value: Any, payload: Mapping[str, Any], prefix: str, kind: str, tag_list: Any) -> Optional[List[str]]:
        field = _at(where, "EncryptList")
        if value is None or value == []:
            if kind == "request":
                self.response_only = True
                self.ok(field, f"{'null' if value is None else '[]'}: a response-only request (nothing encrypted; the service encrypts its response with this key)")
            else:
                self.ok(field, f"{'null' if value is None else '[]'}: nothing encrypted in this response")
            return []
        if not isinstance(value, list) or not all(isinstance(n, str) and n for n in value):
            self.problem(field, "must be an array of field names ([] or null only for a response-only request)", f'use ["{BODY_NAME}"] for the OCR API')
            return None
        body_present = any(payload.get(alias) not in (None, "") for alias in BODY_NAME_ALIASES)
        if kind == "request" and all(name in BODY_NAME_ALIASES for name in value) and not body_present and tag_list in (None, []):
            self.response_only = True
            self.ok(field, f"{value} with no body: a response-only request, as the vendor's Go demo sends it (nothing encrypted)")
            return []
        good = True
        for name in value:
            if name == "EncryptionBody":
                self.problem(
                    field, "names 'EncryptionBody' (the vendor demo's spelling)",
                    f"the OCR API expects '{BODY_NAME}': rename the list entry and the field",
                )
            if name in BODY_NAME_ALIASES:
                present = body_present
            else:
                present = _lookup(payload, name) is not None
            if not present:
                good = False
                self.problem(field, f"names {name!r}, which is absent from the {prefix or 'top level'}".rstrip("."),
                             f"add the encrypted {name} or remove it from EncryptList")
        if good:
            self.ok(field, f"{value} all present")
        return list(value)

    def iv(self, where: str, value: Any, envelope: Optional[Envelope], kind: str, kms: bool) -> Optional[bytes]:
        field = _at(where, "Iv")
        if value is None:
            if kind == "response":
                self.ok(field, "absent: the client uses the request's IV")
            elif self.response_only:
                self.ok(field, "null: allowed in a response-only request (the vendor's Node demo sends it so); the response brings its own Iv")
            else:
                self.problem(field, "missing", "send the base64 of the IV bytes")
            return None
        size = envelope.iv_size if envelope else None
        looks_raw = isinstance(value, str) and size is not None and len(value) == size
        if kms and looks_raw:
            self.ok(field, f"{size} characters of text, used as the IV bytes (as in the legacy KMS mode's examples)")
            return value.encode("latin-1") if all(ord(c) < 256 for c in value) else None
        raw = _b64(value)
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
        if not kms and raw and set(raw) <= _ALNUM:
            self.problem(field, f"decodes to {len(raw)} alphanumeric characters, not random bytes (a random IV is that with probability about 2^{_text_chance(len(raw))}): "
                         + _TEXT_KEY_ORIGIN, _TEXT_KEY_FIX)
        return raw

    def tags(self, where: str, value: Any, envelope: Optional[Envelope], names: Optional[List[str]]) -> Tuple[Optional[List[Optional[bytes]]], Optional[Tuple[str, str, str]]]:
        """(one tag per EncryptList entry, or None; a count problem left for the decryption to refine)."""
        field = _at(where, "TagList")
        if envelope is None or names is None:
            return None, None
        if envelope.tag_size is None:
            if value not in (None, []):
                self.problem(field, f"{envelope.algorithm} has no tags", "send [] (or null in a response)")
                return None, None
            self.ok(field, f"{'null' if value is None else 'empty'}, as for {envelope.algorithm}")
            return [None] * len(names), None
        if not names:
            if value in (None, []):
                self.ok(field, f"{'null' if value is None else 'empty'}: nothing is encrypted")
            else:
                self.problem(field, "has tags, but nothing is encrypted", "send [] when EncryptList is empty")
            return [], None
        hint = " (a tag left on the end of the ciphertext is found with the key or the session)"
        if not isinstance(value, list):
            return None, (field, f"missing: {envelope.algorithm} needs one tag per EncryptList entry{hint}",
                          "send the base64 GCM tag of each encrypted field, in EncryptList order, separate from the ciphertext")
        if len(value) != len(names):
            return None, (field, f"{len(value)} tag(s) for {len(names)} EncryptList entries{hint if not value else ''}",
                          "send exactly one tag per EncryptList entry, in the same order, separate from the ciphertext")
        tags: List[Optional[bytes]] = []
        for i, tag in enumerate(value):
            raw = _b64(tag)
            if raw is None or len(raw) != envelope.tag_size:
                self.problem(f"{field}[{i}]", f"not base64 of a {envelope.tag_size}-byte tag", "send the full 16-byte GCM tag, base64-encoded, separate from the ciphertext")
                return None, None
            tags.append(raw)
        self.ok(field, f"{len(tags)} tag(s) of {envelope.tag_size} bytes")
        return tags, None

    def blob(self, where: str, value: Any, envelope: Optional[Envelope], kind: str) -> Optional[bytes]:
        field = _at(where, "CiphertextBlob")
        if value is None:
            if kind == "request":
                self.problem(field, "missing", "send the wrapped symmetric key, base64-encoded")
            return None
        if isinstance(value, str) and len(value) >= 64 and _HEX.fullmatch(value):
            # Base64 of random bytes is practically never all hex digits over this length.
            self.problem(field, "is hex, not base64 (sm-crypto prints hex)", "decode the hex and base64-encode the bytes")
            if len(value) % 2:
                return None
            raw: Optional[bytes] = bytes.fromhex(value)  # the checks below look at the bytes it holds
        else:
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
        if len(raw) == expected - 1 and raw[0] == 4:
            return self.sm2_one_short(field, raw, envelope, variants)
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

    def sm2_one_short(self, field: str, raw: bytes, envelope: Envelope, variants: Sequence[Tuple[str, str, Callable[[bytes], bytes]]]) -> Optional[bytes]:
        """One byte short and starting with 04: C1 without its 04 (and X starting with 04), or a
        coordinate written without its leading zero byte. Only the private key tells which."""
        pad_fix = "write X and Y as exactly 32 bytes each, left-padded with zeros (BigIntegers.asUnsignedByteArray(32, v) in BouncyCastle, not BigInteger.toByteArray)"
        short_origin = "sm-crypto before its fix and Java's BigInteger.toByteArray drop it; it happens in about 1 of 256 wraps per coordinate, so the failures are intermittent"
        if self.private_key is None:
            self.problem(field, f"{len(raw)} bytes starting with 04, one short of {len(raw) + 1}: either C1 without its 04 prefix (gmssl, sm-crypto) whose X happens to start with 04,"
                         f" or an 04-prefixed C1 with X or Y written without its leading zero byte ({short_origin}); the private key tells which",
                         f"if your library leaves 04 off, prepend it; else {pad_fix}")
            return None
        candidates = (
            ("X", raw[:1] + b"\x00" + raw[1:]),
            ("Y", raw[:33] + b"\x00" + raw[33:]),
        )
        for name, padded in candidates:
            key = self.try_unwrap(padded, envelope)
            if key is not None:
                self.problem(field, f"{len(raw)} bytes: C1's {name} coordinate is 31 bytes, written without its leading zero byte ({short_origin})", pad_fix)
                return key
        for label, fix, convert in (variants[0], variants[2]):
            key = self.try_unwrap(convert(raw), envelope)
            if key is not None:
                self.problem(field, f"{len(raw)} bytes: SM2 ciphertext {label}", fix)
                return key
        self.problem(field, f"{len(raw)} bytes: does not unwrap with this private key, with 04 prepended or with X or Y padded to 32 bytes", "encrypt to the service's SM2 public key")
        return None

    def rsa_blob(self, field: str, raw: bytes, envelope: Envelope, kind: str) -> Optional[bytes]:
        if self.private_key is not None and key_type(self.private_key) == "RSA":
            bits = self.private_key.key_size  # type: ignore[union-attr]
            size = (bits + 7) // 8
            if len(raw) != size:
                self.problem(field, f"{len(raw)} bytes, but the RSA-{bits} key needs exactly {size}", "wrap with RSA PKCS#1 v1.5 under the service's public key")
                return None
            self.ok(field, f"{len(raw)} bytes, the ciphertext size of this RSA-{bits} key")
        elif len(raw) not in _RSA_BYTES:
            self.problem(field, f"{len(raw)} bytes fits no RSA key size (RSA-1024 gives 128; keys of 1024 bits and more give 128 bytes and more)",
                         "wrap with RSA PKCS#1 v1.5 under the service's public key")
            return None
        else:
            bits = len(raw) * 8
            self.ok(field, f"{len(raw)} bytes, the ciphertext size of an RSA key of {bits - 7} to {bits} bits (RSA-{bits} for the usual sizes)")
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
        if isinstance(self.private_key, rsa.RSAPrivateKey) and not ciphers.rsa_pkcs1v15_padding_ok(self.private_key, raw):
            return None  # a wrong RSA key would still "unwrap" to a random message (implicit rejection)
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

    def text_key(self, where: str, key: bytes, envelope: Envelope) -> None:
        if set(key) <= _ALNUM:
            self.problem(f"{where} key", f"the {len(key)}-byte {envelope.algorithm} key is {len(key)} alphanumeric characters, not random bytes"
                         f" (a random key is that with probability about 2^{_text_chance(len(key))}): {_TEXT_KEY_ORIGIN}", _TEXT_KEY_FIX)

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

    def repeated_tag_without_key(self, where: str, tags: Optional[List[Optional[bytes]]], sealed: List[Tuple[str, bytes]], names: Optional[List[str]], has_key: bool) -> None:
        """The same tag for different ciphertexts cannot be right (a 2^-128 chance); with a key
        the decryption names it more precisely."""
        if has_key or not tags or tags[0] is None or len(tags) < 2 or len(set(tags)) != 1 or len({ct for _, ct in sealed}) < 2:
            return
        self.problem(_at(where, "TagList"), f"the same tag for all {len(tags)} EncryptList entries, though their ciphertexts differ: at most the first can be right"
                     " (the vendor's Go demo sent tags[0] for every field)", "send each field's own tag, in EncryptList order")

    @staticmethod
    def try_open(envelope: Envelope, ciphertext: bytes, key: bytes, iv: bytes, tag: Optional[bytes]) -> Optional[bytes]:
        try:
            return envelope.open(ciphertext, key, iv, tag)
        except OcrCryptoError:
            return None

    def appended(self, envelope: Envelope, ciphertext: bytes, key: bytes, iv: bytes) -> Optional[bytes]:
        size = envelope.tag_size
        if size is None or len(ciphertext) < size:
            return None
        return self.try_open(envelope, ciphertext[:-size], key, iv, ciphertext[-size:])

    def decrypt(self, where: str, envelope: Envelope, key: bytes, iv: bytes, tags: Optional[List[Optional[bytes]]],
                tag_issue: Optional[Tuple[str, str, str]], sealed: List[Tuple[str, bytes]]) -> None:
        plain: List[Optional[bytes]] = [None] * len(sealed)
        if tags is not None:
            plain = [self.try_open(envelope, ct, key, iv, tag) for (_, ct), tag in zip(sealed, tags)]
        settled = False
        if envelope.tag_size is not None and None in plain:
            if tags is not None and len(tags) > 1:
                settled = self.reorder(where, envelope, key, iv, tags, sealed, plain)
            if not settled:
                settled = self.tag_appended(where, envelope, key, iv, sealed, plain, tag_issue is not None)
        if tag_issue is not None and not settled:
            self.problem(*tag_issue)
            return
        for (field, _), text in zip(sealed, plain):
            if text is None:
                fix = "seal with the same key and IV you send, and send the GCM tag separately" if envelope.tag_size else "encrypt with the key you wrapped and the IV you send, PKCS#7-padded"
                self.problem(field, "does not decrypt with this key and IV", fix)
                continue
            self.ok(field, "decrypts")
            if field.rsplit(".", 1)[-1] in BODY_NAME_ALIASES:
                self.body(field, text)
            else:
                self.field_text(field, text)

    def reorder(self, where: str, envelope: Envelope, key: bytes, iv: bytes, tags: List[Optional[bytes]], sealed: List[Tuple[str, bytes]], plain: List[Optional[bytes]]) -> bool:
        """Tags in another order, or the first tag for every field (the vendor's Go demo)."""
        field = _at(where, "TagList")
        n = len(tags)
        if len(set(tags)) == 1:
            if plain[0] is not None and len({ct for _, ct in sealed}) > 1:
                self.problem(field, f"repeats the first entry's tag for all {n} EncryptList entries: only {sealed[0][0]} decrypts (the vendor's Go demo sent tags[0] for every field)",
                             "send each field's own tag, in EncryptList order")
            return False
        if n > _MAX_REORDER or n * sum(len(ct) for _, ct in sealed) > _REORDER_BYTES:
            return False
        fits = [[j for j, tag in enumerate(tags) if self.try_open(envelope, ct, key, iv, tag) is not None] for _, ct in sealed]
        order = [f[0] if len(f) == 1 else None for f in fits]
        if None in order or len(set(order)) != n:
            return False
        for i, (_, ct) in enumerate(sealed):
            plain[i] = self.try_open(envelope, ct, key, iv, tags[order[i]])  # type: ignore[index]
        self.problem(field, "not in EncryptList order: every tag fits, but the entries take TagList[" + "], TagList[".join(str(j) for j in order) + "] in turn",
                     "put the tag of EncryptList[i] at TagList[i]")
        return True

    def tag_appended(self, where: str, envelope: Envelope, key: bytes, iv: bytes, sealed: List[Tuple[str, bytes]], plain: List[Optional[bytes]], no_tags: bool) -> bool:
        """Each ciphertext that does not open: is its tag still on its end?"""
        found = {i: self.appended(envelope, ct, key, iv) for i, (_, ct) in enumerate(sealed) if plain[i] is None}
        opened = [i for i, text in found.items() if text is not None]
        if not opened or (no_tags and len(opened) != len(sealed)):
            return False
        for i in opened:
            plain[i] = found[i]
        if no_tags:
            self.problem(_at(where, "TagList"), f"no tag for {'the' if len(sealed) == 1 else 'any'} EncryptList entry: each ciphertext ends with its 16-byte GCM tag ({_APPENDED_ORIGIN})", _APPENDED_FIX)
        else:
            for i in opened:
                self.problem(sealed[i][0], f"ends with its 16-byte GCM tag, which opens it, while TagList[{i}] does not ({_APPENDED_ORIGIN})", _APPENDED_FIX)
        return True

    def field_text(self, field: str, plaintext: bytes) -> None:
        try:
            plaintext.decode("utf-8")
        except UnicodeDecodeError:
            try:
                plaintext.decode("gbk")
            except UnicodeDecodeError:
                self.problem(field, "decrypts, but not to UTF-8 text", "encrypt the UTF-8 bytes of the field's text")
                return
            self.problem(field, f"decrypts to GBK text, not UTF-8 ({_GBK_ORIGIN})", "encrypt the UTF-8 bytes of the field's text (getBytes(StandardCharsets.UTF_8) in Java)")

    def body(self, field: str, plaintext: bytes) -> None:
        body: Optional[Mapping[str, Any]]
        try:
            body = wire.loads_object(plaintext, field)
        except OcrCryptoError as exc:
            body = self.gbk_body(plaintext, field)
            if body is None:
                self.problem(field, f"the decrypted body is not a JSON object ({str(exc).split(': ', 1)[-1]})", "encrypt the compact JSON object of the sensitive params")
                return
            self.problem(field, f"the decrypted body is GBK-encoded JSON, not UTF-8 ({_GBK_ORIGIN})", _GBK_FIX)
        self.ok(field, f"decrypted body is a JSON object with {', '.join(body) or 'no fields'}")
        image = body.get("ImageBase64")
        if isinstance(image, str):
            if image.startswith("data:"):
                self.problem(f"{field} ImageBase64", "starts with a data: URL prefix", "remove the 'data:image/...;base64,' prefix")
            if any(c in image for c in "\r\n "):
                self.problem(f"{field} ImageBase64", "contains line breaks or spaces", "send the base64 on one line, without whitespace")

    @staticmethod
    def gbk_body(plaintext: bytes, field: str) -> Optional[Mapping[str, Any]]:
        try:
            plaintext.decode("utf-8")
            return None  # UTF-8 already: the JSON itself is wrong
        except UnicodeDecodeError:
            pass
        try:
            return wire.loads_object(plaintext.decode("gbk"), field)
        except (UnicodeDecodeError, OcrCryptoError):
            return None


def diagnose(wire: Any, *, private_key: Optional[PrivateKey] = None, session: Optional[Session] = None) -> List[Finding]:
    """Check a wire request or response and return what is right and what is wrong, in order."""
    doctor = _Doctor(private_key, session)
    doctor.run(wire)
    return doctor.findings
