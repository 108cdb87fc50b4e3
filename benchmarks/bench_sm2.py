"""SM2 key wrap and unwrap: ocrcrypto next to gmssl (CryptSM2, C1C3C2) in the same run, medians.

Run: python benchmarks/bench_sm2.py [--rounds N]
Targets (issue 2): warm wrap <= 1.0 ms and >= 15x gmssl's encrypt; unwrap >= 4x gmssl's decrypt;
first use of a new public key <= 100 ms.
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _timing import interleaved_medians  # noqa: E402
from gmssl import sm2 as gmssl_sm2  # noqa: E402

from ocrcrypto.hazmat import sm2  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=150, help="alternating rounds; each times every contender once")
    args = parser.parse_args()

    private = sm2.generate_private_key()
    while private.public_key.to_bytes()[1:].hex().startswith("04"):  # gmssl's lstrip("04") bug
        private = sm2.generate_private_key()
    public = private.public_key
    key = os.urandom(16)
    gm = gmssl_sm2.CryptSM2(private_key=private.private_bytes().hex(), public_key=public.to_bytes()[1:].hex(), mode=1)

    blob = sm2.encrypt(public, key)
    assert gm.decrypt(blob[1:]) == key and sm2.decrypt(private, b"\x04" + gm.encrypt(key)) == key

    gm_blob = gm.encrypt(key)
    fresh_points = [sm2.generate_private_key().public_key.to_bytes() for _ in range(args.rounds * 2 + 2)]
    fresh = iter(fresh_points)
    t = interleaved_medians(
        {
            "ours_wrap": lambda: sm2.encrypt(public, key),
            "gm_wrap": lambda: gm.encrypt(key),
            "ours_unwrap": lambda: sm2.decrypt(private, blob),
            "gm_unwrap": lambda: gm.decrypt(gm_blob),
            "ours_first": lambda: sm2.encrypt(sm2.Sm2PublicKey.from_bytes(next(fresh)), key),
        },
        rounds=args.rounds,
        per_round=1,
    )
    ours_wrap, gm_wrap, ours_unwrap, gm_unwrap, ours_first = (
        t["ours_wrap"], t["gm_wrap"], t["ours_unwrap"], t["gm_unwrap"], t["ours_first"]
    )

    ms = 1000.0
    print(f"{'operation':38} {'ocrcrypto':>12} {'gmssl':>12} {'speed-up':>9}")
    print(f"{'SM2 wrap, 16-byte key, warm key':38} {ours_wrap * ms:10.3f}ms {gm_wrap * ms:10.3f}ms {gm_wrap / ours_wrap:8.1f}x")
    print(f"{'SM2 unwrap':38} {ours_unwrap * ms:10.3f}ms {gm_unwrap * ms:10.3f}ms {gm_unwrap / ours_unwrap:8.1f}x")
    print(f"{'SM2 wrap, first use of a new key':38} {ours_first * ms:10.3f}ms {'':>12} {'':>9}")
    ok = ours_wrap <= 0.001 and gm_wrap / ours_wrap >= 15 and gm_unwrap / ours_unwrap >= 4 and ours_first <= 0.1
    print("targets (wrap <= 1.0 ms and >= 15x, unwrap >= 4x, first use <= 100 ms):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
