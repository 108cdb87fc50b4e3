"""The emulator's HTTP/1.1 server: keep-alive, an idle timeout, caps on connections and on body
bytes in flight, and vendor-shaped answers for every transport fault.

It knows nothing of the protocol: each request's method, path, headers and body go to
``emulator.handle`` (:class:`ocrcrypto.emulator.Emulator`), whose answer it writes back.
"""

from __future__ import annotations

import collections
import errno
import json
import re
import selectors
import socket
import sys
import threading
import time
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Callable, Deque, Dict, Optional, Set, Tuple

from .errors import printable

if TYPE_CHECKING:
    from .emulator import Emulator

__all__ = ["EmulatorServer", "make_server", "error_answer", "escape_log", "MAX_BODY", "DEFAULT_IDLE_TIMEOUT",
           "DEFAULT_MAX_CONNECTIONS", "DEFAULT_MAX_INFLIGHT_BYTES", "DEFAULT_BACKLOG"]

MAX_BODY = 16 * 1024 * 1024
"""Default per-request body limit: a 10 MB ``ImageBase64``, encrypted and base64-encoded again, fits."""
DEFAULT_IDLE_TIMEOUT = 15.0
DEFAULT_MAX_CONNECTIONS = 256
DEFAULT_MAX_INFLIGHT_BYTES = 64 * 1024 * 1024
DEFAULT_BACKLOG = 128
LINGER_SECONDS = 5.0
"""How long a connection that is being closed after a refusal is drained, so that closing it
sends no reset while the client is still sending."""
_LENGTH = re.compile(r"[0-9]{1,18}")


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
        emulator: "Emulator",
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
    emulator: "Emulator",
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
