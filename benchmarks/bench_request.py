"""A 5 MB ImageBase64 request: encrypt_request next to the bare steps it is made of, medians.

The bare steps are what a hand-written client does at minimum: compact json.dumps of the params,
the body cipher through pyca/cryptography, and base64 of the ciphertext. Peak memory is measured
with tracemalloc around one encrypt_request call.
Run: python benchmarks/bench_request.py [--size-mb 5] [--repeat N]
Targets (issue 2): encrypt_request within 1.5x of the bare steps for both suites; peak traced
memory <= 6x the body size.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import tracemalloc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _timing import interleaved_medians  # noqa: E402
from cryptography.hazmat.primitives import padding  # noqa: E402
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes  # noqa: E402

import ocrcrypto  # noqa: E402


def bare_steps(params: dict, algorithm: str) -> str:
    body = json.dumps(params, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if algorithm == "AES-256-CBC":
        padder = padding.PKCS7(128).padder()
        enc = Cipher(algorithms.AES(os.urandom(32)), modes.CBC(os.urandom(16))).encryptor()
        ct = enc.update(padder.update(body) + padder.finalize()) + enc.finalize()
    else:
        enc = Cipher(algorithms.SM4(os.urandom(16)), modes.GCM(os.urandom(12))).encryptor()
        ct = enc.update(body) + enc.finalize()
    return base64.b64encode(ct).decode("ascii")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=5.0)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    size = int(args.size_mb * 1024 * 1024)
    image = base64.b64encode(os.urandom(size * 3 // 4)).decode("ascii")[:size]
    params = {"Action": "RecognizeEncryptedIDCardOCR", "ImageBase64": image, "CardSide": "FRONT"}
    keys = {
        "AES-256-CBC": ocrcrypto.generate_private_key("RSA", rsa_bits=1024).public_key(),
        "SM4-GCM": ocrcrypto.generate_private_key("SM2").public_key,
    }
    print(f"body: ImageBase64 of {len(image) / 1e6:.2f} MB; medians of {args.repeat} runs")
    print(f"{'suite':12} {'encrypt_request':>16} {'bare steps':>11} {'ratio':>6} {'peak memory':>12} {'x body':>7}")
    ok = True
    for algorithm, public in keys.items():
        ocrcrypto.encrypt_request({"a": "warm"}, public, algorithm)
        t = interleaved_medians(
            {"ours": lambda: ocrcrypto.encrypt_request(params, public, algorithm), "bare": lambda: bare_steps(params, algorithm)},
            rounds=args.repeat,
            per_round=1,
        )
        ours, bare = t["ours"], t["bare"]
        tracemalloc.start()
        wire = ocrcrypto.encrypt_request(params, public, algorithm)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        del wire
        ratio, memory = ours / bare, peak / len(image)
        ok &= ratio <= 1.5 and memory <= 6
        print(f"{algorithm:12} {ours * 1e3:14.1f}ms {bare * 1e3:9.1f}ms {ratio:6.2f} {peak / 1e6:10.1f}MB {memory:7.2f}")
    print("targets (ratio <= 1.5, peak <= 6x body):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
