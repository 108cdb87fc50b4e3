"""Shared fixtures: the OpenSSL-made test keys in tests/data, and fresh keys per session."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Dict

import pytest

import ocrcrypto

DATA = Path(__file__).parent / "data"

ALGORITHMS = ["AES-256-CBC", "SM4-GCM"]


def data_file(name: str) -> bytes:
    return (DATA / name).read_bytes()


@pytest.fixture(scope="session")
def rsa_private():
    return ocrcrypto.load_private_key(data_file("rsa1024_private_pkcs1.pem"))


@pytest.fixture(scope="session")
def sm2_private():
    return ocrcrypto.load_private_key(data_file("sm2_private_pkcs8.pem"))


@pytest.fixture(scope="session")
def keypairs(rsa_private, sm2_private) -> Dict[str, Any]:
    """(public, private) per algorithm."""
    return {
        "AES-256-CBC": (rsa_private.public_key(), rsa_private),
        "SM4-GCM": (sm2_private.public_key, sm2_private),
    }


@pytest.fixture(params=ALGORITHMS)
def algorithm(request) -> str:
    return request.param


def wycheproof_dir() -> Path:
    value = os.environ.get("OCRCRYPTO_WYCHEPROOF")
    if not value:
        pytest.skip("OCRCRYPTO_WYCHEPROOF is not set (point it at the Wycheproof testvectors_v1 files)")
    path = Path(value)
    if not path.is_dir():
        pytest.fail(f"OCRCRYPTO_WYCHEPROOF={value} is not a directory")
    return path


def load_wycheproof(name: str) -> Dict[str, Any]:
    path = wycheproof_dir() / name
    if not path.is_file():
        pytest.fail(f"Wycheproof file {name} is missing from {path.parent}")
    return json.loads(path.read_text())
