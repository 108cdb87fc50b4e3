"""A local emulator of the vendor's encrypted OCR and FaceID actions, on one port.

It speaks the vendor's API 3.0 transport (POST of JSON, ``X-TC-*`` headers, ``TC3-HMAC-SHA256``
signatures checked against test credentials) for every supported action of
:mod:`ocrcrypto.actions`: ``X-TC-Action`` names the action and ``X-TC-Version`` must be its
version. It opens the request in the action's mode with :func:`ocrcrypto.decrypt_request`, checks
the params the catalogue knows, and answers the catalogue's fake result in the vendor's shape,
encrypted with the request's session when the catalogue says so. It emulates the transport and
the crypto, not recognition or verification: answers come from fixtures or are clearly fake.

It holds no wire-format or crypto logic of its own: everything envelope-related goes through the
public library API. Standard-library HTTP only (HTTP/1.1 keep-alive, an idle timeout, caps on
connections and on request bytes in flight); whatever a client sends, it answers in the vendor's
error shape and never dies.
"""

from __future__ import annotations

import base64
import binascii
import collections
import hashlib
import hmac
import re
import sys
import threading
import time
import traceback
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import IO, Any, Callable, Deque, Dict, List, Mapping, Optional, Tuple

from . import actions
from .envelopes import algorithms, get_envelope
from .errors import DecryptionError, OcrCryptoError, UnsupportedActionError, printable
from .keys import PrivateKey, key_type, public_key_der, public_key_of
from .request import decrypt_request
from .emulator_server import (  # noqa: F401 (the server and its limits are part of the emulator's API)
    DEFAULT_BACKLOG,
    DEFAULT_IDLE_TIMEOUT,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_INFLIGHT_BYTES,
    MAX_BODY,
    EmulatorServer,
    _stderr_log,
    error_answer,
    escape_log,
    make_server,
)
from .wire import BODY_NAME_ALIASES, loads_object, parse_text

__all__ = [
    "Emulator",
    "EmulatorServer",
    "ApiError",
    "Received",
    "make_server",
    "banner",
    "print_banner",
    "key_fingerprint",
    "tc3_signature",
    "load_fixtures",
    "check_fixtures",
    "escape_log",
    "DEFAULT_SECRET_ID",
    "DEFAULT_SECRET_KEY",
]

OCR_ACTION = "RecognizeEncryptedIDCardOCR"
ACTION = OCR_ACTION  # the one action served before the catalogue; kept for callers that name it
DEFAULT_SECRET_ID = "AKIDocrcryptoEmulatorTestOnly"
DEFAULT_SECRET_KEY = "ocrcrypto-emulator-test-secret-key"
MAX_IMAGE_BASE64 = 10 * 1024 * 1024
"""The vendor's limit on ``ImageBase64`` (the base64 text, "经Base64编码后不超过10M")."""
SIGNATURE_WINDOW = 300
CONFIG_FLAGS = {
    "CropIdCard", "CropPortrait", "CopyWarn", "BorderCheckWarn", "ReshootWarn", "DetectPsWarn",
    "TempIdWarn", "InvalidDateWarn", "Quality", "MultiCardDetect", "ReflectWarn",
}
OCR_BACK = {"Authority": "ocrcrypto emulator: not a recognition result", "ValidDate": "1900.01.01-1900.01.01"}
UNDECRYPTABLE = "The encrypted request could not be decrypted."
_AUTHORIZATION = re.compile(
    r"TC3-HMAC-SHA256 Credential=(?P<id>[^/,\s]+)/(?P<date>\d{4}-\d{2}-\d{2})/(?P<service>[^/,\s]+)/tc3_request,\s*"
    r"SignedHeaders=(?P<headers>[a-z0-9;-]+),\s*Signature=(?P<signature>[0-9a-f]{64})"
)
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_URL = re.compile(r"https?://\S+")


# -- small helpers ----------------------------------------------------------------------------------


class ApiError(Exception):
    """An error answered in the vendor's shape, with one of its public codes."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def tc3_signature(secret_key: str, date: str, service: str, string_to_sign: str) -> str:
    """The TC3-HMAC-SHA256 signature: HMAC chain over date, service and "tc3_request"."""
    key = ("TC3" + secret_key).encode()
    for part in (date, service, "tc3_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


def _signed_host_forms(host: str) -> Tuple[str, ...]:
    """The host as the client may have signed it: as sent, and without its port (the Node SDK)."""
    bare = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return (host,) if bare == host else (host, bare)


def key_fingerprint(key: Any) -> str:
    """First 16 hex digits of the SHA-256 of the public key's DER (PKCS#1 for RSA, SPKI for SM2);
    takes a public or a private key."""
    try:
        public = public_key_of(key)
    except OcrCryptoError:
        public = key
    return hashlib.sha256(public_key_der(public)).hexdigest()[:16]


def _suites_of(key: Any) -> List[str]:
    kind = key_type(key)
    return [name for name in algorithms() if get_envelope(name).key_type == kind]


# -- fixtures ---------------------------------------------------------------------------------------


def check_fixtures(fixtures: Any) -> Dict[str, Dict[str, Any]]:
    """Validate a fixtures mapping and return it as a dict.

    Keys: an action name (its fields are merged over the action's fake result), or, for the
    OCR action, an ``ImageUrl`` (http or https) or the lowercase hex SHA-256 of the decoded
    ``ImageBase64`` bytes (the fields of that image's result). Values: objects of response fields.
    """
    if not isinstance(fixtures, Mapping):
        raise ValueError("fixtures: expected one JSON object mapping an action name, an ImageUrl or an image SHA-256 to an object of fields")
    supported = set(actions.supported())
    out: Dict[str, Dict[str, Any]] = {}
    for key, value in fixtures.items():
        if not isinstance(key, str) or not (key in supported or _URL.fullmatch(key) or _SHA256_HEX.fullmatch(key)):
            raise ValueError(
                f"fixtures: key '{printable(key)}' is neither a supported action name, an http(s) ImageUrl, "
                "nor the lowercase hex SHA-256 of an image"
            )
        if not isinstance(value, Mapping):
            raise ValueError(f"fixtures: the value of '{printable(key)}' must be an object of response fields")
        out[key] = dict(value)
    return out


def load_fixtures(text: str) -> Dict[str, Dict[str, Any]]:
    """Parse a fixtures file (JSON; see :func:`check_fixtures` for its keys and values)."""
    parsed = parse_text(text)
    if isinstance(parsed, str):
        raise ValueError(f"fixtures: {parsed}")
    return check_fixtures(parsed[0])


def _given(value: Any) -> bool:
    return value is not None and value != ""


# -- the endpoint's logic ---------------------------------------------------------------------------


@dataclass
class Received:
    """One request the emulator opened: its action, the params as decrypted, the suite
    (None for a request sent in clear), what it had encrypted, and the error code it got (None: OK)."""

    action: str
    params: Dict[str, Any]
    algorithm: Optional[str]
    encrypt_list: Tuple[str, ...] = ()
    request_id: str = ""
    error: Optional[str] = None


@dataclass
class Emulator:
    """The endpoint's logic, without sockets: :meth:`handle` maps one HTTP request to one answer.

    ``fixtures``: see :func:`check_fixtures`. ``verbose``: on an ``AuthFailure.SignatureFailure``
    log the canonical request and string-to-sign computed for each host form (never the secret).
    ``log``: where log lines go (one string per line, already escaped; default stderr).
    ``received``: a list to append a :class:`Received` to for every request opened.
    """

    private_keys: List[PrivateKey]
    secret_id: str = DEFAULT_SECRET_ID
    secret_key: str = DEFAULT_SECRET_KEY
    fixtures: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    qps: Optional[float] = None
    clock: Callable[[], float] = time.time
    verbose: bool = False
    log: Optional[Callable[[str], None]] = None
    received: Optional[List[Received]] = None
    _recent: Deque[float] = field(default_factory=collections.deque, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __repr__(self) -> str:
        return f"Emulator(keys={[key_type(k) for k in self.private_keys]}, secret_id={self.secret_id!r}, qps={self.qps})"

    def emit(self, line: str) -> None:
        """Write one log line, control characters escaped."""
        (self.log or _stderr_log)(escape_log(line))

    def handle(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> Dict[str, Any]:
        """Answer one request: ``{"Response": {...}}``, a result or an error, never an exception.

        Header names are matched case-insensitively.
        """
        request_id = str(uuid.uuid4())
        headers = {name.lower(): value for name, value in headers.items()}
        record: List[Received] = []
        try:
            action = self._check_transport(method, path, headers)
            self._check_signature(method, path, headers, body)
            self._rate_limit()
            answer = self._serve(action, body, request_id, record)
        except ApiError as exc:
            for item in record:
                item.error = exc.code
            return error_answer(exc.code, exc.message, request_id)
        except Exception:  # a bug of the emulator: logged on one line, never for a client's input
            self.emit(f"internal error (RequestId {request_id}): {traceback.format_exc()}")
            for item in record:
                item.error = "InternalError"
            return error_answer("InternalError", "Internal error.", request_id)
        return answer

    # -- transport and signature ------------------------------------------------------------------

    def _check_transport(self, method: str, path: str, headers: Mapping[str, str]) -> actions.Action:
        if method != "POST" or not headers.get("content-type", "").lower().startswith("application/json"):
            raise ApiError("InvalidParameter", "This emulator takes POST requests with Content-Type application/json.")
        if path.split("?", 1)[0] != "/":
            raise ApiError("InvalidParameter", f"Unknown path '{printable(path)}'; the API is served at /.")
        name = headers.get("x-tc-action")
        if not name:
            raise ApiError("MissingParameter", "The request is missing the X-TC-Action header.")
        try:
            action = actions.get(name)
        except UnsupportedActionError as exc:
            if name in actions.names():
                raise ApiError("UnsupportedOperation", f"{exc}.") from None
            raise ApiError("InvalidAction", f"Action '{printable(name)}' is not served here; this emulator serves the "
                                            f"{len(actions.supported())} encrypted actions of ocrcrypto.actions.supported().") from None
        version = headers.get("x-tc-version")
        if version != action.version:
            raise ApiError("NoSuchVersion", f"Version '{printable(version)}' does not exist for {action.name}; use {action.version}.")
        return action

    def _check_signature(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> None:
        authorization = headers.get("authorization", "")
        match = _AUTHORIZATION.fullmatch(authorization.strip())
        if match is None:
            raise ApiError("AuthFailure.InvalidAuthorization", "The Authorization header is not a TC3-HMAC-SHA256 authorization.")
        if not hmac.compare_digest(match["id"].encode(), self.secret_id.encode()):
            raise ApiError("AuthFailure.SecretIdNotFound", "The SecretId is not known to this emulator.")
        try:
            timestamp = int(headers.get("x-tc-timestamp", ""))
        except ValueError:
            raise ApiError("MissingParameter", "The request is missing a valid X-TC-Timestamp header.") from None
        if abs(self.clock() - timestamp) > SIGNATURE_WINDOW:
            raise ApiError("AuthFailure.SignatureExpire", "The signature expired: X-TC-Timestamp is more than five minutes away.")
        signed = match["headers"].split(";")
        if "content-type" not in signed or "host" not in signed:
            raise ApiError("AuthFailure.InvalidAuthorization", "SignedHeaders must include content-type and host.")
        date = datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%d")
        hosts = _signed_host_forms(headers.get("host", ""))
        computed = [(host, *self._signature_parts(method, path, headers, body, match, timestamp, host)) for host in hosts]
        if match["date"] == date and any(hmac.compare_digest(signature, match["signature"]) for *_, signature in computed):
            return
        if self.verbose:
            self.emit(
                f"AuthFailure.SignatureFailure: the client signed SecretId {match['id']}, scope {match['date']}/{match['service']}/tc3_request, "
                f"SignedHeaders {match['headers']}; X-TC-Timestamp {timestamp} is date {date}"
                + ("" if match["date"] == date else f" but the scope says {match['date']}")
            )
            for host, canonical_request, string_to_sign, _ in computed:
                self.emit(f"  host form '{host}': canonical request \"{canonical_request}\"; string to sign \"{string_to_sign}\"")
        raise ApiError(
            "AuthFailure.SignatureFailure",
            "The provided credentials could not be validated. Please check your signature is correct.",
        )

    def _signature_parts(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes, match: "re.Match[str]", timestamp: int, host: str
    ) -> Tuple[str, str, str]:
        """(canonical request, string to sign, signature) over ``host`` and the scope's service as signed."""
        signed = match["headers"].split(";")
        values = {**headers, "host": host}
        canonical_headers = "".join(f"{name}:{values.get(name, '').strip()}\n" for name in signed)
        payload = b"UNSIGNED-PAYLOAD" if headers.get("x-tc-content-sha256") == "UNSIGNED-PAYLOAD" else body
        canonical_request = "\n".join(
            [method, path.split("?", 1)[0], "", canonical_headers, match["headers"], hashlib.sha256(payload).hexdigest()]
        )
        scope = f"{match['date']}/{match['service']}/tc3_request"
        string_to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{hashlib.sha256(canonical_request.encode()).hexdigest()}"
        return canonical_request, string_to_sign, tc3_signature(self.secret_key, match["date"], match["service"], string_to_sign)

    def _rate_limit(self) -> None:
        if not self.qps:
            return
        now = self.clock()
        with self._lock:
            while self._recent and now - self._recent[0] >= 1.0:
                self._recent.popleft()
            if len(self._recent) >= self.qps:
                raise ApiError("RequestLimitExceeded", f"Requests exceed the limit of {self.qps:g} per second.")
            self._recent.append(now)

    # -- the action -------------------------------------------------------------------------------

    def _serve(self, action: actions.Action, body: bytes, request_id: str, record: List[Received]) -> Dict[str, Any]:
        try:
            request = loads_object(body, "The request body")
        except OcrCryptoError as exc:
            raise ApiError("InvalidParameter", f"{exc}.") from None
        params, session = self._open(action, request)
        if self.received is not None:
            item = Received(action.name, params, session.algorithm if session else None,
                            session.encrypt_list if session else (), request_id)
            record.append(item)
            self.received.append(item)
        self._check_params(action, params)
        result: Dict[str, Any] = dict(action.result)
        if action.name == OCR_ACTION:
            result = self._ocr_result(action, params)
        else:
            result.update(self.fixtures.get(action.name, {}))
        response = {"Response": {**result, "RequestId": request_id}}
        way = action.response_encryption(params)
        if way is None:
            return response
        if session is None:
            raise ApiError("MissingParameter", f"{way.flag} asks for an encrypted answer: the request must carry the Encryption block "
                                               "(CiphertextBlob and Algorithm).")
        try:
            return session.encrypt_response(response, fields=list(way.fields) or None)
        except OcrCryptoError as exc:  # a fixture without a field the answer must encrypt
            raise ApiError("FailedOperation", f"The emulator could not encrypt its answer: {exc} (check the fixtures of {action.name}).") from None

    def _open(self, action: actions.Action, request: Dict[str, Any]) -> Tuple[Dict[str, Any], Any]:
        """(params, session) of a request, opened in the action's mode; session None: sent in clear."""
        if request.get("Encryption") is None:
            if action.mode == actions.BODY:
                raise ApiError("MissingParameter", f"{action.name} takes only encrypted requests: EncryptedBody and Encryption are required.")
            return {k: v for k, v in request.items() if k != "Encryption"}, None
        try:
            params, session = decrypt_request(request, self.private_keys)
        except DecryptionError:
            raise ApiError("FailedOperation", UNDECRYPTABLE) from None
        except OcrCryptoError as exc:
            raise ApiError("InvalidParameterValue", printable(str(exc), 300)) from None
        encrypted = session.encrypt_list
        if action.mode == actions.BODY:
            if len(encrypted) != 1 or encrypted[0] not in BODY_NAME_ALIASES:
                raise ApiError("MissingParameter", f"{action.name} takes only encrypted requests: EncryptedBody and Encryption are required.")
        elif action.mode == actions.FIELD:
            stray = [name for name in encrypted if name not in action.fields]
            if stray:
                raise ApiError("InvalidParameterValue", f"Encryption.EncryptList: '{printable(stray[0])}' is not a field {action.name} "
                                                        f"takes encrypted (it takes: {', '.join(action.fields)}).")
        elif encrypted:
            raise ApiError("InvalidParameterValue", f"Encryption.EncryptList: {action.name} takes nothing encrypted; its Encryption "
                                                    "block only carries the key for the answer (EncryptList empty).")
        return params, session

    def _check_params(self, action: actions.Action, params: Mapping[str, Any]) -> None:
        allowed = getattr(action, "params", None)
        if allowed is None and action.mode == actions.BODY:
            allowed = action.fields
        if allowed is not None:
            unknown = sorted(set(params) - set(allowed) - {"Encryption", "EncryptedBody"})
            if unknown:
                raise ApiError("UnknownParameter", f"The parameter '{printable(unknown[0])}' is not recognized by {action.name}.")
        for group in action.required:
            if not any(_given(params.get(name)) for name in group):
                wanted = group[0] if len(group) == 1 else "one of " + ", ".join(group)
                raise ApiError("MissingParameter", f"The request is missing a required parameter: {wanted}.")

    # -- the OCR action's own checks ---------------------------------------------------------------

    def _ocr_result(self, action: actions.Action, params: Mapping[str, Any]) -> Dict[str, Any]:
        url, image = params.get("ImageUrl") or "", params.get("ImageBase64") or ""
        if not isinstance(url, str) or not isinstance(image, str):
            raise ApiError("InvalidParameterValue", "ImageUrl and ImageBase64 must be strings.")
        side = params.get("CardSide") or "FRONT"  # absent: the service detects the side; we answer the front
        if side not in ("FRONT", "BACK"):
            raise ApiError("FailedOperation.CardSideError", "CardSide must be FRONT or BACK.")
        self._check_config(params.get("Config") or "")
        if url:  # when both are given, the service uses the URL
            if not _URL.fullmatch(url):
                raise ApiError("InvalidParameterValue", "ImageUrl must be an http or https URL.")
            lookup = url
        else:
            lookup = hashlib.sha256(self._decode_image(image)).hexdigest()
        image_fixture = self.fixtures.get(lookup)
        result = dict(action.result)
        if side == "BACK" or image_fixture is not None:
            result = {name: ("" if isinstance(value, str) else value) for name, value in result.items()}
            result["AdvancedInfo"] = action.result.get("AdvancedInfo", "{}")
            if image_fixture is None:
                result.update(OCR_BACK)
        result.update(self.fixtures.get(action.name, {}))
        result.update(image_fixture or {})
        return result

    @staticmethod
    def _check_config(config: Any) -> None:
        if config == "":
            return
        parsed = parse_text(config) if isinstance(config, str) else "not a string"
        flags = None if isinstance(parsed, str) else parsed[0]
        if not isinstance(flags, dict):
            raise ApiError("InvalidParameter.ConfigFormatError", "Config is not a JSON object in a string.")
        for name, value in flags.items():
            if name not in CONFIG_FLAGS or not isinstance(value, bool):
                raise ApiError("InvalidParameterValue", f"Config: '{printable(name)}' is not a known flag with a true/false value.")

    @staticmethod
    def _decode_image(image: str) -> bytes:
        if len(image) > MAX_IMAGE_BASE64:
            raise ApiError("LimitExceeded.TooLargeFileError", "ImageBase64 exceeds 10 MB.")
        if image.startswith("data:"):
            raise ApiError("FailedOperation.ImageDecodeFailed", "ImageBase64 starts with a data: prefix; remove it.")
        try:
            return base64.b64decode(image, validate=True)
        except (binascii.Error, ValueError):
            raise ApiError("FailedOperation.ImageDecodeFailed", "ImageBase64 is not valid base64 (line breaks must be removed).") from None


# -- diagnostics ------------------------------------------------------------------------------------


def banner(emulator: Emulator, endpoint: str) -> str:
    """The startup banner: endpoint, test credentials, and each key's suite and fingerprint."""
    served = actions.supported()
    products = sorted({actions.get(name).product for name in served})
    lines = [
        f"ocrcrypto emulator listening on http://{endpoint} ({len(served)} encrypted actions of {' and '.join(products)}); Ctrl-C stops it",
        f"  SecretId:  {emulator.secret_id}",
        f"  SecretKey: {emulator.secret_key}   (test credentials; never put real ones here)",
    ]
    for key in emulator.private_keys:
        kind = key_type(key)
        size = f"{kind}-{key.key_size}" if kind == "RSA" else kind  # type: ignore[union-attr]
        lines.append(f"  key: {'/'.join(_suites_of(key))} ({size}), public key fingerprint {key_fingerprint(key)}")
    return "\n".join(escape_log(line) for line in lines)


def print_banner(emulator: Emulator, endpoint: str, file: Optional[IO[str]] = None) -> None:
    """Print :func:`banner` (to stderr by default)."""
    out = file if file is not None else sys.stderr
    out.write(banner(emulator, endpoint) + "\n")
    out.flush()
