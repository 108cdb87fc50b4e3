"""The emulator under load, against a child process on 127.0.0.1 (standard library only on the client side).

    python benchmarks/bench_emulator.py [--rounds-per-client 20]

Measures, with real signed, encrypted requests (AES-256-CBC, RSA-1024 key wrap, the cheap suite)
over keep-alive connections:

1. 64 concurrent clients x 10 requests: connection errors and error answers (0 expected);
2. p50 / p99 latency at 1, 16 and 64 concurrent clients;
3. 200 idle keep-alive connections held open while a new client is answered: its latency;
4. peak RSS (VmHWM) of the emulator process under 16 parallel requests with a 10 MB
   ImageBase64 each, with the default 64 MB in-flight cap and with the cap raised above the load;
5. CPU time the emulator burns while accept() fails for want of descriptors (no spinning).

Every emulator is a child process that stops by itself after its lifetime; nothing binds
outside 127.0.0.1. Prints a table; exits 1 when a connection error occurs in (1) or the
emulator spins in (5). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import ocrcrypto  # noqa: E402
from ocrcrypto.emulator import DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, tc3_signature  # noqa: E402

ACTION, VERSION = "RecognizeEncryptedIDCardOCR", "2018-11-19"

CHILD = r"""
import json, resource, sys, threading
from ocrcrypto import load_private_key
from ocrcrypto.emulator import Emulator, make_server
options = json.loads(sys.argv[1])
keys = [load_private_key(open(path, "rb").read()) for path in options["keys"]]
server = make_server(Emulator(keys), "127.0.0.1", 0, quiet=True, **options.get("server", {}))
if options.get("nofile"):
    resource.setrlimit(resource.RLIMIT_NOFILE, (options["nofile"], options["nofile"]))
threading.Timer(options.get("lifetime", 240), server.shutdown).start()  # stops by itself
print(server.endpoint, flush=True)
server.serve_forever()
server.server_close()
"""


class Child:
    """An emulator in a child process (``python -c CHILD``), stopped on exit."""

    def __init__(self, keys: List[str], **options: Any) -> None:
        options["keys"] = keys
        self.process = subprocess.Popen([sys.executable, "-c", CHILD, json.dumps(options)], stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, text=True, cwd=str(ROOT))
        line = self.process.stdout.readline().strip()  # type: ignore[union-attr]
        if not line:
            raise SystemExit("the emulator child did not start")
        self.endpoint = line

    def status(self, field: str) -> int:
        """A /proc/PID/status field in kB (VmHWM, VmRSS)."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        raise KeyError(field)

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def __enter__(self) -> "Child":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def signed(endpoint: str, body: bytes) -> Dict[str, str]:
    """Headers of a request signed like the official Python SDK signs it."""
    timestamp = int(time.time())
    date = datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%d")
    canonical = f"POST\n/\n\ncontent-type:application/json\nhost:{endpoint}\n\ncontent-type;host\n{hashlib.sha256(body).hexdigest()}"
    to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{date}/ocr/tc3_request\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    signature = tc3_signature(DEFAULT_SECRET_KEY, date, "ocr", to_sign)
    return {
        "Content-Type": "application/json", "Host": endpoint, "X-TC-Action": ACTION, "X-TC-Version": VERSION,
        "X-TC-Timestamp": str(timestamp), "X-TC-Region": "ap-guangzhou",
        "Authorization": f"TC3-HMAC-SHA256 Credential={DEFAULT_SECRET_ID}/{date}/ocr/tc3_request, "
                         f"SignedHeaders=content-type;host, Signature={signature}",
    }


def make_requests(endpoint: str, public_key: Any, count: int, params: Optional[Dict[str, Any]] = None) -> List[Tuple[Dict[str, str], bytes]]:
    out = []
    for i in range(count):
        wire, _ = ocrcrypto.encrypt_request(params or {"ImageUrl": f"https://example.com/bench/{i}.jpg", "CardSide": "FRONT"},
                                            public_key, "AES-256-CBC")
        body = json.dumps(wire).encode()
        out.append((signed(endpoint, body), body))
    return out


def client_run(endpoint: str, requests: List[Tuple[Dict[str, str], bytes]], timeout: float = 120) -> Tuple[List[float], int, int, List[str]]:
    """One keep-alive client: (latencies, connection errors, error answers, error codes)."""
    latencies: List[float] = []
    connection_errors = error_answers = 0
    codes: List[str] = []
    connection = http.client.HTTPConnection(endpoint, timeout=timeout)
    for headers, body in requests:
        start = time.perf_counter()
        try:
            connection.request("POST", "/", body=body, headers=headers)
            response = connection.getresponse()
            answer = json.loads(response.read())["Response"]
        except (OSError, http.client.HTTPException):
            connection_errors += 1
            connection.close()
            connection = http.client.HTTPConnection(endpoint, timeout=timeout)
            continue
        latencies.append(time.perf_counter() - start)
        if "Error" in answer:
            error_answers += 1
            codes.append(answer["Error"]["Code"])
    connection.close()
    return latencies, connection_errors, error_answers, codes


def concurrent(endpoint: str, public_key: Any, clients: int, per_client: int) -> Tuple[List[List[float]], int, int, List[str], float]:
    """Each client's latencies (in order: the first request includes the connect), connection
    errors, error answers, error codes, wall time."""
    batches = [make_requests(endpoint, public_key, per_client) for _ in range(clients)]
    barrier = threading.Barrier(clients)

    def run(batch: List[Tuple[Dict[str, str], bytes]]) -> Tuple[List[float], int, int, List[str]]:
        barrier.wait()
        return client_run(endpoint, batch)

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        results = list(pool.map(run, batches))
    wall = time.perf_counter() - start
    return [r[0] for r in results], sum(r[1] for r in results), sum(r[2] for r in results), [c for r in results for c in r[3]], wall


def percentile(values: List[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-client", type=int, default=20, help="requests per client in the latency runs")
    args = parser.parse_args()
    rows: List[Tuple[str, str]] = []
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        rsa = ocrcrypto.generate_private_key("RSA", rsa_bits=1024)
        key_file = Path(tmp) / "rsa.pem"
        key_file.write_text(ocrcrypto.private_key_pem(rsa))
        public = ocrcrypto.public_key_of(rsa)
        keys = [str(key_file)]

        with Child(keys) as child:
            # 1. 64 clients x 10 requests
            per_client, connection_errors, error_answers, codes, wall = concurrent(child.endpoint, public, 64, 10)
            latencies = [x for client in per_client for x in client]
            failed |= connection_errors > 0
            rows.append(("64 clients x 10 requests", f"{len(latencies)} answered, {connection_errors} connection errors, "
                                                     f"{error_answers} error answers{' ' + str(sorted(set(codes))) if codes else ''}, {len(latencies) / wall:.0f} req/s"))
            # 2. latency at 1, 16, 64 clients
            for clients in (1, 16, 64):
                per_client, connection_errors, error_answers, _, wall = concurrent(child.endpoint, public, clients, args.per_client)
                failed |= connection_errors > 0
                latencies = [x for client in per_client for x in client]
                steady = [x for client in per_client for x in client[1:]]
                first = [client[0] for client in per_client if client]
                rows.append((f"latency, {clients} keep-alive client(s) x {args.per_client}",
                             f"p50 {ms(statistics.median(latencies))}, p99 {ms(percentile(latencies, 0.99))}; "
                             f"without each first request: p99 {ms(percentile(steady, 0.99))}; first (with connect) "
                             f"max {ms(max(first))}; {len(latencies) / wall:.0f} req/s, {connection_errors + error_answers} errors"))
            # 3. 200 idle connections, then a new client
            host, port = child.endpoint.split(":")
            idle = [socket.create_connection((host, int(port)), timeout=30) for _ in range(200)]
            try:
                time.sleep(0.5)  # let the server accept them all
                samples = []
                for _ in range(5):
                    latencies, connection_errors, error_answers, _ = client_run(child.endpoint, make_requests(child.endpoint, public, 1))
                    failed |= connection_errors > 0
                    samples.extend(latencies)
                rows.append(("new client with 200 idle connections open", f"median {ms(statistics.median(samples))} over 5 "
                                                                          f"(max {ms(max(samples))}), {connection_errors + error_answers} errors"))
            finally:
                for s in idle:
                    s.close()

        # 4. peak RSS under 16 parallel 10 MB requests
        image = base64.b64encode(os.urandom(10 * 1024 * 1024 // 4 * 3)).decode()
        for label, server in (("default caps (64 MB in flight)", {}), ("in-flight cap raised to 512 MB", {"max_inflight_bytes": 512 * 1024 * 1024})):
            with Child(keys, server=server) as child:
                baseline = child.status("VmRSS")
                requests = make_requests(child.endpoint, public, 1, {"ImageBase64": image})
                body_mb = len(requests[0][1]) / 1e6
                with ThreadPoolExecutor(max_workers=16) as pool:
                    results = list(pool.map(lambda _: client_run(child.endpoint, requests), range(16)))
                ok = sum(len(r[0]) - r[2] for r in results)
                codes = sorted({c for r in results for c in r[3]})
                errors = sum(r[1] for r in results)
                rows.append((f"16 parallel {body_mb:.1f} MB requests, {label}",
                             f"peak RSS {child.status('VmHWM') / 1024:.0f} MB (idle {baseline / 1024:.0f} MB); {ok} OK, "
                             f"{16 - ok - errors} refused{' ' + str(codes) if codes else ''}, {errors} connection errors"))
        del image

        # 5. descriptors exhausted: the accept loop must not spin
        with Child(keys, nofile=48, server={"idle_timeout": 30}) as child:
            host, port = child.endpoint.split(":")
            held = []
            for _ in range(80):
                try:
                    held.append(socket.create_connection((host, int(port)), timeout=5))
                except OSError:
                    break
            time.sleep(0.5)
            before = child.cpu_seconds()
            time.sleep(2.0)
            used = child.cpu_seconds() - before
            failed |= used > 0.5
            rows.append(("CPU while accept() fails with EMFILE (2 s)", f"{used * 1000:.0f} ms of CPU ({len(held)} connections pending)"))
            for s in held:
                s.close()

    width = max(len(name) for name, _ in rows)
    print(f"{'measurement'.ljust(width)}  result")
    print(f"{'-' * width}  {'-' * 40}")
    for name, value in rows:
        print(f"{name.ljust(width)}  {value}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
