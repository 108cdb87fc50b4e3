"""Does a service-side failure tell, by its time, what failed? decrypt_request per failure class.

Run: python benchmarks/bench_oracle.py [--samples N] [--only CONFIG]
For each suite (AES-256-CBC with RSA-1024, SM4-GCM with SM2) and mode (body, field), it builds
requests per failure class from valid requests (16 of each, fresh sessions and key wraps, used in
turn), with plaintexts of the same size:
a key that does not unwrap, a wrapped key of the wrong length, a bad padding or tag, a plaintext
that is not UTF-8, not JSON, or JSON with a duplicate key. It times decrypt_request on each,
interleaved (every round times every class once, in a shuffled order), and prints for each pair
of classes the difference of the medians as a percentage of the median, and the two-sided
Mann-Whitney p-value. Target (issue 13): every difference under 1% of the median.
"""

from __future__ import annotations

import argparse
import base64
import copy
import gc
import itertools
import math
import random
import statistics
import sys
import time
from typing import Any, Callable, Dict, List, Sequence, Tuple

import ocrcrypto
from ocrcrypto.hazmat import ciphers, sm2

BODY = {"ImageUrl": "https://example.com/id-card/front-0000000000.jpg", "CardSide": "FRONT", "Config": '{"TempIdWarn":true}'}
FIELDS = {"IdCard": "11010119900101001X", "Name": "ZHANG SAN WU"}


def mann_whitney_p(a: Sequence[float], b: Sequence[float]) -> float:
    """Two-sided p-value of the Mann-Whitney U test, normal approximation with tie correction."""
    pooled = sorted([(v, 0) for v in a] + [(v, 1) for v in b])
    n1, n2, n = len(a), len(b), len(a) + len(b)
    rank_sum_a = 0.0
    ties = 0.0
    i = 0
    while i < n:
        j = i
        while j + 1 < n and pooled[j + 1][0] == pooled[i][0]:
            j += 1
        rank = (i + j) / 2 + 1
        count = j - i + 1
        ties += count**3 - count
        rank_sum_a += rank * sum(1 for k in range(i, j + 1) if pooled[k][1] == 0)
        i = j + 1
    u = rank_sum_a - n1 * (n1 + 1) / 2
    mean = n1 * n2 / 2
    sigma = math.sqrt(n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1))))
    if sigma == 0:
        return 1.0
    z = (abs(u - mean) - 0.5) / sigma
    return math.erfc(max(z, 0.0) / math.sqrt(2))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text)


def _same_size(valid: bytes, broken: bytes) -> bytes:
    if len(valid) != len(broken):
        raise SystemExit(f"internal: a plaintext of {len(broken)} bytes for one of {len(valid)}")
    return broken


def build_cases(algorithm: str, mode: str, private: Any) -> Dict[str, Dict[str, Any]]:
    """One wire request per failure class, all from one session and one size of plaintext."""
    public = ocrcrypto.public_key_of(private)
    params = BODY if mode == "body" else FIELDS
    fields = None if mode == "body" else list(FIELDS)
    wire, session = ocrcrypto.encrypt_request(params, public, algorithm, fields)
    envelope = session.envelope
    target = "EncryptedBody" if mode == "body" else "IdCard"
    valid = ocrcrypto.wire.dumps_compact(params, "p") if mode == "body" else FIELDS["IdCard"].encode()

    def resealed(plaintext: bytes) -> Dict[str, Any]:
        out = copy.deepcopy(wire)
        ciphertext, tag = envelope.seal(_same_size(valid, plaintext), session.key, session.iv)
        out[target] = _b64(ciphertext)
        if tag is not None:
            out["Encryption"]["TagList"][0] = _b64(tag)
        return out

    def tampered(edit: Callable[[Dict[str, Any]], None]) -> Dict[str, Any]:
        out = copy.deepcopy(wire)
        edit(out)
        return out

    def flip(text: str, index: int) -> str:
        raw = bytearray(_unb64(text))
        raw[index] ^= 0x01
        return _b64(bytes(raw))

    def rewrapped(key: bytes) -> Dict[str, Any]:
        out = copy.deepcopy(wire)
        blob = sm2.encrypt(public, key) if envelope.key_type == "SM2" else ciphers.rsa_pkcs1v15_encrypt(public, key)
        out["Encryption"]["CiphertextBlob"] = _b64(blob)
        return out

    cases: Dict[str, Dict[str, Any]] = {
        "unwrap": tampered(lambda w: w["Encryption"].__setitem__("CiphertextBlob", flip(w["Encryption"]["CiphertextBlob"], -1))),
        "key-length": rewrapped(session.key[:-1]),
    }
    if envelope.tag_size is None:
        # The second-to-last block's last byte: the last block's padding byte changes.
        cases["padding"] = tampered(lambda w: w.__setitem__(target, flip(w[target], -17 if len(_unb64(w[target])) > 16 else -1)))
    else:
        cases["tag"] = tampered(lambda w: w["Encryption"]["TagList"].__setitem__(0, flip(w["Encryption"]["TagList"][0], -1)))
    middle = len(valid) // 2
    cases["utf8"] = resealed(valid[:middle] + b"\xff" + valid[middle + 1:])
    if mode == "body":
        cases["json"] = resealed(valid[:middle] + b"\x01" + valid[middle + 1:])
        cases["duplicate"] = resealed(_duplicate_key_body(valid))
    for name, request in cases.items():
        try:
            ocrcrypto.decrypt_request(request, private)
        except ocrcrypto.DecryptionError:
            continue
        raise SystemExit(f"internal: the {name} case of {algorithm} {mode} decrypted")
    return cases


def _duplicate_key_body(valid: bytes) -> bytes:
    """A JSON object of the same length whose first key is repeated."""
    params = dict(BODY)
    text = '{"CardSide":"FRONT",' + valid.decode()[1:]
    overflow = len(text) - len(valid)
    url = params["ImageUrl"]
    params["ImageUrl"] = url[: len(url) - overflow]
    text = '{"CardSide":"FRONT",' + ocrcrypto.wire.dumps_compact(params, "p").decode()[1:]
    return text.encode()


def measure(variants: List[Dict[str, Dict[str, Any]]], private: Any, samples: int) -> Dict[str, List[float]]:
    """Times per class; round r uses variant r mod len(variants) of every class, so that what one
    ciphertext's numbers cost (pure-Python SM2 is not constant-time in C1) averages out."""
    names = list(variants[0])
    times: Dict[str, List[float]] = {name: [] for name in names}
    calls = [{name: (lambda request=cases[name]: ocrcrypto.decrypt_request(request, private)) for name in names} for cases in variants]
    for per_variant in calls:  # warm up every path
        for name in names:
            for _ in range(3):
                _run(per_variant[name])
    gc.disable()
    try:
        for round_number in range(samples):
            random.shuffle(names)
            per_variant = calls[round_number % len(calls)]
            for name in names:
                start = time.perf_counter_ns()
                _run(per_variant[name])
                times[name].append(time.perf_counter_ns() - start)
            if round_number % 1000 == 999:
                gc.collect()
    finally:
        gc.enable()
    return times


def _run(call: Callable[[], Any]) -> None:
    try:
        call()
    except ocrcrypto.DecryptionError:
        pass


def report(title: str, times: Dict[str, List[float]]) -> Tuple[float, List[str]]:
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"\n{title}: medians " + ", ".join(f"{n} {m / 1000:.1f} us" for n, m in medians.items()))
    print(f"  {'pair':<26} {'diff':>9} {'% of median':>12} {'Mann-Whitney p':>15}")
    worst = 0.0
    over: List[str] = []
    for a, b in itertools.combinations(sorted(times), 2):
        diff = medians[a] - medians[b]
        percent = 100 * abs(diff) / statistics.median([medians[a], medians[b]])
        p = mann_whitney_p(times[a], times[b])
        worst = max(worst, percent)
        mark = "" if percent < 1 else "  <- over 1%"
        if percent >= 1:
            over.append(f"{title} {a}/{b}")
        print(f"  {a + ' vs ' + b:<26} {diff / 1000:>+8.2f}u {percent:>11.2f}% {p:>15.3g}{mark}")
    return worst, over


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=10000, help="interleaved samples of each failure class")
    parser.add_argument("--variants", type=int, default=16, help="requests per failure class (fresh session and key wrap each), used in turn")
    parser.add_argument("--only", choices=["cbc-body", "cbc-field", "gcm-body", "gcm-field"], action="append")
    args = parser.parse_args()
    keys = {"AES-256-CBC": ocrcrypto.generate_private_key("RSA", rsa_bits=1024), "SM4-GCM": ocrcrypto.generate_private_key("SM2")}
    configs = [("cbc-body", "AES-256-CBC", "body"), ("cbc-field", "AES-256-CBC", "field"),
               ("gcm-body", "SM4-GCM", "body"), ("gcm-field", "SM4-GCM", "field")]
    print(f"decrypt_request failure classes, {args.samples} interleaved samples each, Python {sys.version.split()[0]}")
    over: List[str] = []
    for name, algorithm, mode in configs:
        if args.only and name not in args.only:
            continue
        variants = [build_cases(algorithm, mode, keys[algorithm]) for _ in range(args.variants)]
        _, failed = report(f"{algorithm} {mode} mode", measure(variants, keys[algorithm], args.samples))
        over += failed
    print(f"\n{len(over)} pair(s) at or over 1% of the median" + (": " + "; ".join(over) if over else ""))
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
