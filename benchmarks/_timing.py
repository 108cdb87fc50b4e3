"""Shared timing helper for the benchmark scripts: medians over interleaved rounds."""

from __future__ import annotations

import statistics
import time
from typing import Callable, Dict, List


def interleaved_medians(contenders: Dict[str, Callable[[], object]], rounds: int, per_round: int) -> Dict[str, float]:
    """Median seconds per call of each contender, timing them in alternating rounds.

    Alternating keeps a drift of the machine (another tenant, a frequency change) from landing
    on one contender only, so the ratios stay honest on a shared two-core machine.
    """
    for fn in contenders.values():
        fn()
    samples: Dict[str, List[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, fn in contenders.items():
            for _ in range(per_round):
                start = time.perf_counter()
                fn()
                samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in samples.items()}
