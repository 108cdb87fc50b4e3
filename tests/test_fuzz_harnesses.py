"""The fuzz harnesses of fuzz/ stay importable and pass on their seed corpora, without atheris.

Each harness's TestOneInput runs over every file of fuzz/corpus/<name>/ in plain Python; a
failure here is either a broken harness or a finding on a seed (see fuzz/README.md).
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

FUZZ = Path(__file__).resolve().parent.parent / "fuzz"
HARNESSES = sorted(p.stem[len("fuzz_"):] for p in FUZZ.glob("fuzz_*.py"))


@pytest.fixture(scope="module", autouse=True)
def _fuzz_on_path():
    sys.path.insert(0, str(FUZZ))
    yield
    sys.path.remove(str(FUZZ))


def test_every_harness_has_seeds():
    assert HARNESSES, "no fuzz/fuzz_*.py found"
    for name in HARNESSES:
        seeds = [p for p in (FUZZ / "corpus" / name).iterdir() if p.is_file()]
        assert seeds, f"fuzz/corpus/{name}/ has no seed files"


@pytest.mark.parametrize("name", HARNESSES)
def test_harness_replays_its_seed_corpus(name):
    harness = importlib.import_module(f"fuzz_{name}")
    for seed in sorted((FUZZ / "corpus" / name).iterdir()):
        harness.TestOneInput(seed.read_bytes())


@pytest.mark.parametrize("name", HARNESSES)
def test_harness_survives_edge_inputs(name):
    harness = importlib.import_module(f"fuzz_{name}")
    for data in (b"", b"\x00", b"\x01", b"\xff" * 3, bytes(range(256)), b"\x01{}", b"\x00\x00null"):
        harness.TestOneInput(data)


def test_the_oracle_catches_a_tampered_request_that_decrypts():
    """The harness's check flags a (simulated) SM4-GCM request that decrypted after tampering."""
    import fuzzlib

    sample = fuzzlib.REQUESTS[0]
    assert sample.algorithm == "SM4-GCM"
    tampered = dict(sample.wire, Encryption=dict(sample.wire["Encryption"], TagList=["AAAAAAAAAAAAAAAAAAAAAA=="]))
    with pytest.raises(fuzzlib.Finding):
        fuzzlib.check_decrypted(sample, tampered, sample.expected)
    fuzzlib.check_decrypted(sample, sample.wire, sample.expected)  # the untouched one passes
    with pytest.raises(fuzzlib.Finding):
        fuzzlib.check_decrypted(sample, sample.wire, {**sample.expected, "CardSide": "BACK"})
