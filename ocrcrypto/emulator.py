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
import errno
import hashlib
import hmac
import json
import re
import selectors
import socket
import sys
import threading
import time
import traceback
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import IO, Any, Callable, Deque, Dict, List, Mapping, Optional, Sequence, Set, Tuple

from . import actions
from .envelopes import algorithms, get_envelope
from .errors import DecryptionError, OcrCryptoError, UnsupportedActionError, printable
from .keys import PrivateKey, key_type, public_key_der, public_key_of
from .request import decrypt_request
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
MAX_BODY = 16 * 1024 * 1024
"""Default per-request body limit: a 10 MB ``ImageBase64``, encrypted and base64-encoded again, fits."""
DEFAULT_IDLE_TIMEOUT = 15.0
DEFAULT_MAX_CONNECTIONS = 256
DEFAULT_MAX_INFLIGHT_BYTES = 64 * 1024 * 1024
DEFAULT_BACKLOG = 128
SIGNATURE_WINDOW = 300
LINGER_SECONDS = 5.0
"""How long a connection that is being closed after a refusal is drained, so that closing it
sends no reset while the client is still sending."""
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
_LENGTH = re.compile(r"[0-9]{1,18}")


# -- small helpers ----------------------------------------------------------------------------------


class ApiError(Exception):
    """An error answered in the vendor's shape, with one of its public codes."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def error_answer(code: str, message: str, request_id: Optional[str] = None) -> Dict[str, Any]:
    """``{"Response": {"Error": {"Code", "Message"}, "RequestId"}}``."""
    return {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": request_id or str(uuid.uuid4())}}


def escape_log(text: str) -> str:
    """One log line: backslashes and every non-printable character (CR, LF, ...) escaped."""
    out = []
    for char in text:
        if char == "\\":
            out.append("\\\\")
        elif char.isprintable():
            out.append(char)
        else:
            out.append(repr(char)[1:-1])
    return "".join(out)


def _stderr_log(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


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


# -- the HTTP server --------------------------------------------------------------------------------


class _Refused(Exception):
    """A request answered without reading its body (the connection then ends)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def _answer_bytes(answer: Dict[str, Any], status: int, reason: str, close: bool, head_only: bool = False) -> bytes:
    try:
        data = json.dumps(answer, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a fixture: ASCII escapes are valid JSON still
        data = json.dumps(answer).encode("ascii")
    head = (f"HTTP/1.1 {status} {reason}\r\nServer: ocrcrypto-emulator\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\nConnection: {'close' if close else 'keep-alive'}\r\n\r\n").encode("ascii")
    return head if head_only else head + data


def _linger(sock: socket.socket, seconds: float) -> None:
    """Half-close, then read and discard what the client still sends, so that close sends no reset."""
    try:
        sock.shutdown(socket.SHUT_WR)
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            sock.settimeout(min(left, 1.0))
            try:
                if not sock.recv(65536):
                    return
            except socket.timeout:
                continue
    except OSError:
        return


class _Handler(BaseHTTPRequestHandler):
    server: "EmulatorServer"
    protocol_version = "HTTP/1.1"
    server_version = "ocrcrypto-emulator"
    sys_version = ""

    def setup(self) -> None:
        self.timeout = self.server.idle_timeout  # type: ignore[misc]  # per connection: the server's setting
        super().setup()

    def parse_request(self) -> bool:
        self._admitted: Optional[int] = None
        return super().parse_request()

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except (ConnectionError, TimeoutError):  # the client went away or stalled mid-request
            self.close_connection = True

    # -- admission: before any body byte is read ---------------------------------------------------

    def _admit(self) -> int:
        """The body size, with its bytes reserved in the in-flight budget; or _Refused."""
        if self.headers.get("Transfer-Encoding") is not None:
            raise _Refused("InvalidParameter", "Transfer-Encoding is not supported; send the body with a Content-Length.")
        lengths = self.headers.get_all("Content-Length") or []
        if not lengths:
            size = 0
        elif len(set(v.strip() for v in lengths)) != 1 or not _LENGTH.fullmatch(lengths[0].strip()):
            raise _Refused("InvalidParameter", "The Content-Length header is not one valid length.")
        else:
            size = int(lengths[0].strip())
        if size > self.server.max_body:
            raise _Refused("RequestSizeLimitExceeded", f"The request body ({size} bytes) exceeds the limit of {self.server.max_body} bytes.")
        if not self.server.reserve(size):
            raise _Refused("RequestLimitExceeded", f"Too many request bytes in flight (limit {self.server.max_inflight_bytes}); retry later.")
        return size

    def handle_expect_100(self) -> bool:
        try:
            self._admitted = self._admit()
        except _Refused as refused:
            self._refuse(refused)  # before "100 Continue": a client that waits for it sends no body
            return False
        return super().handle_expect_100()

    def _refuse(self, refused: _Refused) -> None:
        answer = error_answer(refused.code, refused.message)
        self._log(answer)
        self.close_connection = True
        try:
            self.wfile.write(_answer_bytes(answer, 200, "OK", close=True))
        except OSError:
            return
        _linger(self.connection, LINGER_SECONDS)

    # -- requests ----------------------------------------------------------------------------------

    def _answer(self) -> None:
        size = self._admitted
        if size is None:
            try:
                size = self._admit()
            except _Refused as refused:
                self._refuse(refused)
                return
        try:
            body = self.rfile.read(size) if size else b""
            if len(body) != size:  # the client closed before sending the whole body
                self.close_connection = True
                return
            answer = self.server.emulator.handle(self.command, self.path, self.headers, body)  # type: ignore[arg-type]
        finally:
            self.server.release(size)
        del body
        self._log(answer)
        self.wfile.write(_answer_bytes(answer, 200, "OK", close=self.close_connection))

    do_POST = _answer
    do_GET = _answer

    def _log(self, answer: Dict[str, Any]) -> None:
        if self.server.quiet:
            return
        response = answer["Response"]
        error = response.get("Error")
        action = self.headers.get("X-TC-Action", "-") if self.headers is not None else "-"
        self.server.emulator.emit(f"{self.command} {action} -> {error['Code'] if error else 'OK'} (RequestId {response['RequestId']})")

    def send_error(self, code: int, message: Optional[str] = None, explain: Optional[str] = None) -> None:
        """HTTP-level faults (bad request line, headers too long, unknown method) in the vendor's shape."""
        codes = {414: "RequestSizeLimitExceeded", 431: "RequestSizeLimitExceeded", 501: "UnsupportedOperation"}
        short, _ = self.responses.get(code, ("Error", ""))
        answer = error_answer(codes.get(code, "InvalidParameter"), f"HTTP {code} {short}: {printable(message or short, 200)}.")
        self.close_connection = True
        if not self.server.quiet:
            self.server.emulator.emit(f"{getattr(self, 'command', None) or '-'} -> {answer['Response']['Error']['Code']} "
                                      f"(HTTP {code}: {message or short}; RequestId {answer['Response']['RequestId']})")
        head_only = getattr(self, "command", None) == "HEAD" or code < 200 or code in (204, 304)
        try:
            self.wfile.write(_answer_bytes(answer, code, short, close=True, head_only=head_only))
        except OSError:
            pass

    def log_message(self, format: str, *args: Any) -> None:
        """The default access log is replaced by one line per request in _log."""


class _Rejecter(threading.Thread):
    """Answers connections past the cap with RequestLimitExceeded, in one thread: write the answer,
    half-close, drain what the client still sends (so that closing sends no reset), close."""

    def __init__(self, server: "EmulatorServer", limit: int = 1024) -> None:
        super().__init__(name="ocrcrypto-emulator-rejecter", daemon=True)
        self.server = server
        self.limit = limit
        self._pending: Deque[socket.socket] = collections.deque()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._stop = False
        self._count = 0
        self._count_lock = threading.Lock()

    def submit(self, sock: socket.socket) -> None:
        with self._count_lock:
            full = self._count >= self.limit
            if not full:
                self._count += 1
        if full:  # overwhelmed: drop it rather than grow without bound
            sock.close()
            return
        self._pending.append(sock)
        self._wake()

    def _done(self) -> None:
        with self._count_lock:
            self._count -= 1

    def _wake(self) -> None:
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass

    def stop(self) -> None:
        self._stop = True
        self._wake()

    def run(self) -> None:
        selector = selectors.DefaultSelector()
        selector.register(self._wake_r, selectors.EVENT_READ, None)
        deadlines: Dict[socket.socket, float] = {}
        try:
            while not self._stop:
                timeout = max(0.0, min(deadlines.values()) - time.monotonic()) if deadlines else None
                for key, _ in selector.select(timeout):
                    if key.data is None:
                        try:
                            self._wake_r.recv(4096)
                        except OSError:
                            pass
                        continue
                    sock = key.fileobj
                    try:
                        done = not sock.recv(65536)  # type: ignore[union-attr]
                    except BlockingIOError:
                        done = False
                    except OSError:
                        done = True
                    if done:
                        self._close(selector, deadlines, sock)  # type: ignore[arg-type]
                while self._pending:
                    sock = self._pending.popleft()
                    if self._start(sock):
                        selector.register(sock, selectors.EVENT_READ, True)
                        deadlines[sock] = time.monotonic() + LINGER_SECONDS
                    else:
                        self._done()
                now = time.monotonic()
                for sock in [s for s, d in deadlines.items() if d <= now]:
                    self._close(selector, deadlines, sock)
        finally:
            for sock in list(deadlines):
                self._close(selector, deadlines, sock)
            selector.close()
            self._wake_r.close()
            self._wake_w.close()

    def _start(self, sock: socket.socket) -> bool:
        answer = error_answer("RequestLimitExceeded", f"Too many concurrent connections (limit {self.server.max_connections}); retry later.")
        if not self.server.quiet:
            self.server.emulator.emit(f"connection refused past the cap -> RequestLimitExceeded (RequestId {answer['Response']['RequestId']})")
        try:
            sock.setblocking(False)
            sock.send(_answer_bytes(answer, 200, "OK", close=True))  # small: fits a fresh socket's buffer
            sock.shutdown(socket.SHUT_WR)
            return True
        except OSError:
            sock.close()
            return False

    def _close(self, selector: selectors.BaseSelector, deadlines: Dict[socket.socket, float], sock: socket.socket) -> None:
        deadlines.pop(sock, None)
        try:
            selector.unregister(sock)
        except (KeyError, ValueError):
            pass
        sock.close()
        self._done()


class EmulatorServer(ThreadingHTTPServer):
    """The emulator's threading HTTP/1.1 server: one thread per connection, keep-alive, an idle
    timeout, a cap on connections and on request bytes in flight; ``endpoint`` is "host:port"."""

    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False
    accept_backoff = 0.1
    """Seconds the accept loop pauses when accept() fails for want of descriptors or memory."""

    def __init__(
        self,
        address: Tuple[str, int],
        emulator: Emulator,
        *,
        quiet: bool = False,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        max_inflight_bytes: int = DEFAULT_MAX_INFLIGHT_BYTES,
        max_body: int = MAX_BODY,
        backlog: int = DEFAULT_BACKLOG,
    ) -> None:
        for name, value in (("idle_timeout", idle_timeout), ("max_connections", max_connections),
                            ("max_inflight_bytes", max_inflight_bytes), ("max_body", max_body), ("backlog", backlog)):
            if not value > 0:
                raise ValueError(f"{name}: must be positive, got {value!r}")
        self.emulator = emulator
        self.quiet = quiet
        self.idle_timeout = float(idle_timeout)
        self.max_connections = int(max_connections)
        self.max_inflight_bytes = int(max_inflight_bytes)
        self.max_body = int(max_body)
        self.request_queue_size = int(backlog)
        self.sleep: Callable[[float], None] = time.sleep
        self._state = threading.Lock()
        self._connections = 0
        self._inflight = 0
        self._open: Set[socket.socket] = set()
        self._accept_failures = 0
        self._rejecter: Optional[_Rejecter] = None
        self._thread: Optional[threading.Thread] = None
        super().__init__(address, _Handler)

    @property
    def endpoint(self) -> str:
        host, port = self.server_address[:2]
        return f"{host!s}:{port}"

    # -- accounting --------------------------------------------------------------------------------

    @property
    def connections(self) -> int:
        """Connections being served now (not counting those refused past the cap)."""
        return self._connections

    @property
    def inflight_bytes(self) -> int:
        return self._inflight

    def reserve(self, size: int) -> bool:
        """Reserve ``size`` bytes of the in-flight budget; False: it would exceed the cap."""
        with self._state:
            if size and self._inflight + size > self.max_inflight_bytes:
                return False
            self._inflight += size
            return True

    def release(self, size: int) -> None:
        with self._state:
            self._inflight -= size

    # -- accepting ---------------------------------------------------------------------------------

    def get_request(self) -> Tuple[socket.socket, Any]:
        try:
            request = super().get_request()
        except OSError as exc:
            if exc.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                self._accept_failures += 1
                if self._accept_failures == 1 or self._accept_failures % 100 == 0:
                    self.emulator.emit(f"accept failed ({exc.strerror}; {self._accept_failures} time(s)): pausing the accept loop "
                                       f"{self.accept_backoff:g} s each time")
                self.sleep(self.accept_backoff)  # the listening socket stays readable: do not spin
            raise
        self._accept_failures = 0
        return request

    def process_request(self, request: socket.socket, client_address: Any) -> None:  # type: ignore[override]
        with self._state:
            admitted = self._connections < self.max_connections
            if admitted:
                self._connections += 1
        if not admitted:
            if self._rejecter is None:
                self._rejecter = _Rejecter(self)
                self._rejecter.start()
            self._rejecter.submit(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            with self._state:
                self._connections -= 1
            raise

    def process_request_thread(self, request: socket.socket, client_address: Any) -> None:  # type: ignore[override]
        with self._state:
            self._open.add(request)
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._state:
                self._open.discard(request)
                self._connections -= 1

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A fault that escaped a handler: a bug, logged on one line (a vanished client is not one)."""
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return
        self.emulator.emit(f"internal error serving {client_address}: {traceback.format_exc()}")

    # -- running -----------------------------------------------------------------------------------

    def start(self) -> "EmulatorServer":
        """Serve in a daemon thread; :meth:`stop` ends it."""
        self._thread = threading.Thread(target=self.serve_forever, name="ocrcrypto-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close the listening socket and every open connection."""
        if self._thread is not None:
            self.shutdown()
            self._thread.join(timeout=10)
            self._thread = None
        self.server_close()

    def server_close(self) -> None:
        super().server_close()
        if self._rejecter is not None:
            self._rejecter.stop()
        with self._state:
            still_open = list(self._open)
        for sock in still_open:  # wakes the threads blocked on idle keep-alive connections
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def make_server(
    emulator: Emulator,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    quiet: bool = False,
    idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
    max_connections: int = DEFAULT_MAX_CONNECTIONS,
    max_inflight_bytes: int = DEFAULT_MAX_INFLIGHT_BYTES,
    max_body: int = MAX_BODY,
    backlog: int = DEFAULT_BACKLOG,
) -> EmulatorServer:
    """A threading HTTP/1.1 server for the emulator; port 0 picks a free port (see ``endpoint``).

    ``idle_timeout``: seconds a connection may sit without sending; ``max_connections``: served
    at once, more get RequestLimitExceeded; ``max_inflight_bytes``: request bodies being read or
    handled at once, more get RequestLimitExceeded; ``max_body``: one request's body, more gets
    RequestSizeLimitExceeded before it is read; ``backlog``: the listen queue.
    """
    return EmulatorServer((host, port), emulator, quiet=quiet, idle_timeout=idle_timeout, max_connections=max_connections,
                          max_inflight_bytes=max_inflight_bytes, max_body=max_body, backlog=backlog)
