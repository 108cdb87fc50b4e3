"""A local emulator of the encrypted ID-card OCR endpoint (``RecognizeEncryptedIDCardOCR``).

It speaks the vendor's API 3.0 transport (POST of JSON, ``X-TC-*`` headers, ``TC3-HMAC-SHA256``
signatures checked against test credentials), opens the envelope with the private key, checks the
parameters, and answers in the vendor's response shape, encrypted with the request's session. It
emulates the transport and the crypto, not recognition: answers come from a fixtures file or are
a clearly fake identity. Standard library HTTP only; it never dies on bad input.
"""

from __future__ import annotations

import base64
import binascii
import collections
import hashlib
import hmac
import json
import re
import sys
import threading
import time
import traceback
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Deque, Dict, List, Mapping, Optional, Tuple

from . import wire
from .errors import DecryptionError, OcrCryptoError
from .keys import PrivateKey, key_type
from .request import decrypt_request

__all__ = ["Emulator", "ApiError", "make_server", "tc3_signature", "DEFAULT_SECRET_ID", "DEFAULT_SECRET_KEY", "load_fixtures"]

ACTION = "RecognizeEncryptedIDCardOCR"
VERSION = "2018-11-19"
DEFAULT_SECRET_ID = "AKIDocrcryptoEmulatorTestOnly"
DEFAULT_SECRET_KEY = "ocrcrypto-emulator-test-secret-key"
MAX_IMAGE_BASE64 = 7 * 1024 * 1024
MAX_BODY = 12 * 1024 * 1024
SIGNATURE_WINDOW = 300
KNOWN_PARAMS = {"ImageBase64", "ImageUrl", "CardSide", "Config", "EnableRecognitionRectify", "EnableReflectDetail", "CardWarnType"}
CONFIG_FLAGS = {
    "CropIdCard", "CropPortrait", "CopyWarn", "BorderCheckWarn", "ReshootWarn", "DetectPsWarn",
    "TempIdWarn", "InvalidDateWarn", "Quality", "MultiCardDetect", "ReflectWarn",
}
RESPONSE_FIELDS = ("Name", "Sex", "Nation", "Birth", "Address", "IdNum", "Authority", "ValidDate", "AdvancedInfo")
FAKE_FRONT = {
    "Name": "EMULATOR TEST", "Sex": "-", "Nation": "-", "Birth": "1900/1/1",
    "Address": "ocrcrypto emulator: not a recognition result", "IdNum": "000000190001010000",
}
FAKE_BACK = {"Authority": "ocrcrypto emulator: not a recognition result", "ValidDate": "1900.01.01-1900.01.01"}
UNDECRYPTABLE = "The encrypted request could not be decrypted."
_AUTHORIZATION = re.compile(
    r"TC3-HMAC-SHA256 Credential=(?P<id>[^/,\s]+)/(?P<date>\d{4}-\d{2}-\d{2})/(?P<service>[^/,\s]+)/tc3_request,\s*"
    r"SignedHeaders=(?P<headers>[a-z0-9;-]+),\s*Signature=(?P<signature>[0-9a-f]{64})"
)


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


def load_fixtures(text: str) -> Dict[str, Dict[str, Any]]:
    """Parse a fixtures file: {ImageUrl or sha256 hex of the image bytes: {response fields}}."""
    data = json.loads(text)
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise ValueError("fixtures: expected one JSON object mapping an ImageUrl or image SHA-256 to an object of fields")
    return data


@dataclass
class Emulator:
    """The endpoint's logic, without sockets: :meth:`handle` maps one HTTP request to one answer."""

    private_keys: List[PrivateKey]
    secret_id: str = DEFAULT_SECRET_ID
    secret_key: str = DEFAULT_SECRET_KEY
    fixtures: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    qps: Optional[float] = None
    clock: Callable[[], float] = time.time
    _recent: Deque[float] = field(default_factory=collections.deque, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __repr__(self) -> str:
        return f"Emulator(keys={[key_type(k) for k in self.private_keys]}, secret_id={self.secret_id!r}, qps={self.qps})"

    def handle(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> Dict[str, Any]:
        """Answer one request: ``{"Response": {...}}``, a result or an error, never an exception.

        Header names are matched case-insensitively.
        """
        request_id = str(uuid.uuid4())
        headers = {name.lower(): value for name, value in headers.items()}
        try:
            self._check_transport(method, path, headers)
            self._check_signature(method, path, headers, body)
            self._rate_limit()
            result = self._recognize(body, request_id)
        except ApiError as exc:
            return {"Response": {"Error": {"Code": exc.code, "Message": exc.message}, "RequestId": request_id}}
        except Exception:  # the emulator must answer whatever happens; the traceback goes to stderr
            traceback.print_exc(file=sys.stderr)
            return {"Response": {"Error": {"Code": "InternalError", "Message": "Internal error."}, "RequestId": request_id}}
        return result

    # -- transport and signature ------------------------------------------------------------------

    def _check_transport(self, method: str, path: str, headers: Mapping[str, str]) -> None:
        if method != "POST" or not headers.get("content-type", "").lower().startswith("application/json"):
            raise ApiError("InvalidParameter", "This emulator takes POST requests with Content-Type application/json.")
        if path.split("?", 1)[0] != "/":
            raise ApiError("InvalidParameter", f"Unknown path {path!r}; the API is served at /.")
        action = headers.get("x-tc-action")
        if not action:
            raise ApiError("MissingParameter", "The request is missing the X-TC-Action header.")
        if action != ACTION:
            raise ApiError("InvalidAction", f"Action {action!r} is not served here; this emulator serves {ACTION}.")
        version = headers.get("x-tc-version")
        if version != VERSION:
            raise ApiError("NoSuchVersion", f"Version {version!r} does not exist for {ACTION}; use {VERSION}.")

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
        if match["date"] != date or not any(
            hmac.compare_digest(self._expected_signature(method, path, headers, body, match, timestamp, host), match["signature"])
            for host in _signed_host_forms(headers.get("host", ""))
        ):
            raise ApiError(
                "AuthFailure.SignatureFailure",
                "The provided credentials could not be validated. Please check your signature is correct.",
            )

    def _expected_signature(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes, match: "re.Match[str]", timestamp: int, host: str
    ) -> str:
        """The signature a client computes over ``host`` and the scope's service as it signed them."""
        signed = match["headers"].split(";")
        values = {**headers, "host": host}
        canonical_headers = "".join(f"{name}:{values.get(name, '').strip()}\n" for name in signed)
        payload = b"UNSIGNED-PAYLOAD" if headers.get("x-tc-content-sha256") == "UNSIGNED-PAYLOAD" else body
        canonical_request = "\n".join(
            [method, path.split("?", 1)[0], "", canonical_headers, match["headers"], hashlib.sha256(payload).hexdigest()]
        )
        scope = f"{match['date']}/{match['service']}/tc3_request"
        string_to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{hashlib.sha256(canonical_request.encode()).hexdigest()}"
        return tc3_signature(self.secret_key, match["date"], match["service"], string_to_sign)

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

    def _recognize(self, body: bytes, request_id: str) -> Dict[str, Any]:
        try:
            request = wire.loads_object(body, "The request body")
        except OcrCryptoError as exc:
            raise ApiError("InvalidParameter", f"{exc}.") from None
        if "Encryption" not in request:
            raise ApiError("MissingParameter", f"{ACTION} takes only encrypted requests: EncryptedBody and Encryption are required.")
        try:
            params, session = decrypt_request(request, self.private_keys)
        except DecryptionError:
            raise ApiError("FailedOperation", UNDECRYPTABLE) from None
        except OcrCryptoError as exc:
            raise ApiError("InvalidParameterValue", str(exc)) from None
        if not any(name in wire.BODY_NAME_ALIASES for name in session.encrypt_list):
            raise ApiError("MissingParameter", f"{ACTION} takes only encrypted requests: EncryptedBody and Encryption are required.")
        fields = self._result_fields(params)
        return session.encrypt_response({"Response": {**fields, "RequestId": request_id}})

    def _result_fields(self, params: Mapping[str, Any]) -> Dict[str, Any]:
        unknown = sorted(set(params) - KNOWN_PARAMS)
        if unknown:
            raise ApiError("UnknownParameter", f"Unknown parameter {unknown[0]!r}.")
        url, image = params.get("ImageUrl") or "", params.get("ImageBase64") or ""
        if not isinstance(url, str) or not isinstance(image, str) or bool(url) == bool(image):
            raise ApiError("InvalidParameterValue", "Exactly one of ImageUrl or ImageBase64 is required.")
        side = params.get("CardSide") or "FRONT"
        if side not in ("FRONT", "BACK"):
            raise ApiError("FailedOperation.CardSideError", "CardSide must be FRONT or BACK.")
        self._check_config(params.get("Config") or "")
        if url:
            if not re.match(r"https?://[^\s]+$", url):
                raise ApiError("InvalidParameterValue", "ImageUrl must be an http or https URL.")
            lookup = url
        else:
            lookup = hashlib.sha256(self._decode_image(image)).hexdigest()
        fields: Dict[str, Any] = {name: "" for name in RESPONSE_FIELDS}
        fields["AdvancedInfo"] = "{}"
        fixture = self.fixtures.get(lookup)
        fields.update(fixture if fixture is not None else (FAKE_FRONT if side == "FRONT" else FAKE_BACK))
        return fields

    @staticmethod
    def _check_config(config: Any) -> None:
        if config == "":
            return
        try:
            flags = json.loads(config) if isinstance(config, str) else None
        except ValueError:
            flags = None
        if not isinstance(flags, dict):
            raise ApiError("InvalidParameter.ConfigFormatError", "Config is not a JSON object in a string.")
        for name, value in flags.items():
            if name not in CONFIG_FLAGS or not isinstance(value, bool):
                raise ApiError("InvalidParameterValue", f"Config: {name!r} is not a known flag with a true/false value.")

    @staticmethod
    def _decode_image(image: str) -> bytes:
        if len(image) > MAX_IMAGE_BASE64:
            raise ApiError("LimitExceeded.TooLargeFileError", "ImageBase64 exceeds 7 MB.")
        if image.startswith("data:"):
            raise ApiError("FailedOperation.ImageDecodeFailed", "ImageBase64 starts with a data: prefix; remove it.")
        try:
            return base64.b64decode(image, validate=True)
        except (binascii.Error, ValueError):
            raise ApiError("FailedOperation.ImageDecodeFailed", "ImageBase64 is not valid base64 (line breaks must be removed).") from None


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"
    server_version = "ocrcrypto-emulator"

    def _answer(self) -> None:
        length = self.headers.get("Content-Length")
        try:
            size = int(length) if length is not None else 0
        except ValueError:
            size = -1
        answer: Dict[str, Any]
        if not 0 <= size <= MAX_BODY:
            answer = {"Response": {"Error": {"Code": "LimitExceeded", "Message": "The request body is missing or too large."},
                                   "RequestId": str(uuid.uuid4())}}
            self.close_connection = True
        else:
            body = self.rfile.read(size)
            answer = self.server.emulator.handle(self.command, self.path, self.headers, body)  # type: ignore[arg-type]
        if not self.server.quiet:
            error = answer["Response"].get("Error")
            sys.stderr.write(f"{self.command} {self.headers.get('X-TC-Action', '-')} -> {error['Code'] if error else 'OK'}\n")
        data = json.dumps(answer, ensure_ascii=False).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_POST = _answer
    do_GET = _answer

    def log_message(self, format: str, *args: Any) -> None:
        """The default access log is replaced by one line per request in _answer."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: Tuple[str, int], emulator: Emulator, quiet: bool) -> None:
        super().__init__(address, _Handler)
        self.emulator = emulator
        self.quiet = quiet


def make_server(emulator: Emulator, host: str = "127.0.0.1", port: int = 0, *, quiet: bool = False) -> ThreadingHTTPServer:
    """A threading HTTP server for the emulator; port 0 picks a free port (see server_address)."""
    return _Server((host, port), emulator, quiet)
