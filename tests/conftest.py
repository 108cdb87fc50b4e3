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


@pytest.fixture
def emulator_server(rsa_private, sm2_private):
    """Start emulators on free ports of 127.0.0.1 (in a thread) and stop them after the test.

    Call it with Emulator keyword arguments; it returns (emulator, "127.0.0.1:port").
    """
    import threading

    from ocrcrypto.emulator import Emulator, make_server

    servers = []

    def start(emulator_class=Emulator, **kwargs):
        kwargs.setdefault("private_keys", [rsa_private, sm2_private])
        emulator = emulator_class(**kwargs)
        server = make_server(emulator, "127.0.0.1", 0, quiet=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        servers.append((server, thread))
        return emulator, f"127.0.0.1:{server.server_address[1]}"

    yield start
    for server, thread in servers:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def sdk_client(endpoint: str, secret_id: str = None, secret_key: str = None):
    """The official SDK's OCR client, built the way users build it, pointed at an emulator."""
    from tencentcloud.common import credential
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile
    from tencentcloud.ocr.v20181119 import ocr_client

    from ocrcrypto.emulator import DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY

    cred = credential.Credential(secret_id or DEFAULT_SECRET_ID, secret_key or DEFAULT_SECRET_KEY)
    profile = ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint=endpoint, reqTimeout=30))
    return ocr_client.OcrClient(cred, "ap-guangzhou", profile)


def faceid_client(endpoint: str, secret_id: str = None, secret_key: str = None, *, asynchronous: bool = False):
    """The official SDK's FaceID client (sync, or its async one), pointed at an emulator."""
    from tencentcloud.common import credential
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile

    from ocrcrypto.emulator import DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY

    if asynchronous:
        from tencentcloud.faceid.v20180301.faceid_client_async import FaceidClient
    else:
        from tencentcloud.faceid.v20180301.faceid_client import FaceidClient
    cred = credential.Credential(secret_id or DEFAULT_SECRET_ID, secret_key or DEFAULT_SECRET_KEY)
    profile = ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint=endpoint, reqTimeout=30))
    return FaceidClient(cred, "ap-guangzhou", profile)


# -- the references in interop/, built once per session (skipped, or failed with
# OCRCRYPTO_REQUIRE_INTEROP=1, where a toolchain is missing) -----------------------------------


@pytest.fixture(scope="session")
def go_binary(tmp_path_factory) -> Path:
    from .interop import build_go

    return build_go(tmp_path_factory.mktemp("go"))


@pytest.fixture(scope="session")
def java_jar() -> Path:
    from .interop import build_java

    return build_java()


@pytest.fixture(scope="session")
def node_cli() -> Path:
    from .interop import build_node

    return build_node()
