"""The emulator through the official Node, Java and Go SDKs, pointed at it the way users do.

tests/sdk/{node,java,go} hold one tiny client program per language, each using the vendor's SDK
unchanged: JSON params on stdin, the answer's ``Response`` on stdout, ``error: CODE: message`` on
stderr and exit 1 on an SDK error. Here ocrcrypto encrypts the params, the program sends them
through its SDK to the emulator, and ocrcrypto decrypts the answer. The programs are built once per
session; without a toolchain the tests skip (or fail with OCRCRYPTO_REQUIRE_INTEROP=1).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import pytest

import ocrcrypto
from ocrcrypto.emulator import DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, Emulator, tc3_signature

from .conftest import ALGORITHMS
from .interop import ROOT, unavailable

SDK = ROOT / "tests" / "sdk"
ACTION = "RecognizeEncryptedIDCardOCR"
VERSION = "2018-11-19"
FIXTURE_URL = "https://example.com/fixture-front.jpg"
FIXTURE_IMAGE = b"\x89PNG fixture image bytes for the SDK clients"
FIXTURES = {
    FIXTURE_URL: {"Name": "FIXTURE URL", "IdNum": "110101199001011234"},
    hashlib.sha256(FIXTURE_IMAGE).hexdigest(): {"Name": "FIXTURE IMAGE", "Authority": "FIXTURE AUTHORITY"},
}


# -- building the programs, once per session ---------------------------------------------------------


def _run_build(command: Sequence[str], cwd: Path, what: str, timeout: int) -> None:
    try:
        result = subprocess.run(list(command), cwd=cwd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        unavailable(f"{what} did not finish within {timeout} s")
    if result.returncode != 0:
        unavailable(f"{what} failed: {(result.stdout + result.stderr)[-2000:]}")


@pytest.fixture(scope="session")
def node_program() -> List[str]:
    """tests/sdk/node; ``npm ci`` (the pinned package-lock.json) runs only if node_modules is missing."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        unavailable("node or npm is not installed")
    project = SDK / "node"
    if not (project / "node_modules" / "tencentcloud-sdk-nodejs-ocr").is_dir():
        _run_build([npm, "ci", "--no-audit", "--no-fund"], project, "npm ci in tests/sdk/node", 600)
    return [node, str(project / "client.js")]


@pytest.fixture(scope="session")
def java_program() -> List[str]:
    """tests/sdk/java, built into target/ocrcrypto-sdk-client.jar with the SDK in target/lib."""
    mvn, java = shutil.which("mvn"), shutil.which("java")
    if mvn is None or java is None:
        unavailable("mvn or java is not installed")
    project = SDK / "java"
    _run_build([mvn, "-B", "-q", "-DskipTests", "package"], project, "the Java SDK client build", 1200)
    # C1 JIT and the serial GC only shorten the JVM's start (about 2.3 s to 1.8 s a call here).
    return [java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", str(project / "target" / "ocrcrypto-sdk-client.jar")]


@pytest.fixture(scope="session")
def go_program(tmp_path_factory) -> List[str]:
    """tests/sdk/go, built into a temporary directory (go.sum is committed)."""
    go = shutil.which("go")
    if go is None:
        unavailable("the go toolchain is not installed")
    binary = tmp_path_factory.mktemp("sdk-go") / "sdkclient"
    _run_build([go, "build", "-o", str(binary), "."], SDK / "go", "the Go SDK client build", 900)
    return [str(binary)]


@dataclass(frozen=True)
class Client:
    """One way of calling: a language's program, and which SDK client it uses."""

    language: str
    mode: Optional[str]  # the program's --client: "product" (typed method) or "common" (generic call)
    scope_service: str  # the service the SDK signs in the credential scope for endpoint 127.0.0.1:PORT
    signs_port: bool  # whether the SDK signs the host with its port

    @property
    def id(self) -> str:
        return f"{self.language}-{self.mode or 'common'}"


CLIENTS = [
    # Node: OcrClient.RecognizeEncryptedIDCardOCR(params), and CommonClient.request(action, params).
    Client("node", "product", "127", False),
    Client("node", "common", "127", False),
    # Java: OcrClient with AbstractModel.fromJsonString, and CommonClient.call(action, json).
    Client("java", "product", "127", True),
    Client("java", "common", "127", True),
    # Go: common.NewCommonClient + tchttp.NewCommonRequest (the proxy serves no ocr module).
    Client("go", None, "ocr", True),
]


@pytest.fixture(params=CLIENTS, ids=[c.id for c in CLIENTS])
def client(request) -> Client:
    return request.param


@pytest.fixture
def program(request, client) -> List[str]:
    command = request.getfixturevalue(f"{client.language}_program")
    return command + (["--client", client.mode] if client.mode else [])


@dataclass
class Outcome:
    returncode: int
    stdout: str
    stderr: str

    @property
    def response(self) -> Dict[str, Any]:
        assert self.returncode == 0, f"the client failed ({self.returncode}): {self.stderr[-2000:]}"
        return json.loads(self.stdout)

    @property
    def error(self) -> str:
        """The SDK error code the program reported."""
        assert self.returncode == 1, f"expected an SDK error, got exit {self.returncode}: {self.stdout[-500:]} {self.stderr[-500:]}"
        match = re.fullmatch(r"error: (\S+): (.*)\n", self.stderr, re.S)
        assert match, f"not an 'error: CODE: message' line: {self.stderr!r}"
        return match[1]


def call(program: Sequence[str], endpoint: str, params: Dict[str, Any], *, secret_id: str = DEFAULT_SECRET_ID,
         secret_key: str = DEFAULT_SECRET_KEY, service: str = "ocr", version: str = VERSION, action: str = ACTION) -> Outcome:
    args = ["--endpoint", endpoint, "--secret-id", secret_id, "--secret-key", secret_key, "--service", service,
            "--version", version, "--action", action, "--region", "ap-guangzhou"]
    result = subprocess.run([*program, *args], input=json.dumps(params, ensure_ascii=False).encode(), capture_output=True, timeout=120)
    return Outcome(result.returncode, result.stdout.decode(), result.stderr.decode(errors="replace"))


class RecordingEmulator(Emulator):
    """The emulator, keeping each request's headers and body for the signing checks."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.requests: List[Dict[str, Any]] = []

    def handle(self, method, path, headers, body):
        self.requests.append({"method": method, "path": path, "headers": {k.lower(): v for k, v in headers.items()}, "body": body})
        return super().handle(method, path, headers, body)


# -- the tests ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_default_front_side(emulator_server, keypairs, client, program, algorithm):
    _, endpoint = emulator_server()
    wire, session = ocrcrypto.encrypt_request({"ImageUrl": "https://example.com/other.jpg", "CardSide": "FRONT"}, keypairs[algorithm][0], algorithm)
    raw = call(program, endpoint, wire).response
    # What the SDK hands back is the vendor's encrypted shape: blank fields, EncryptedBody, Encryption.
    assert raw["Name"] == "" and raw["IdNum"] == "" and raw["EncryptedBody"]
    assert raw["Encryption"]["Algorithm"] == algorithm
    assert raw["Encryption"]["CiphertextBlob"] == wire["Encryption"]["CiphertextBlob"]
    result = session.decrypt_response(raw)
    assert result["Name"] == "EMULATOR TEST" and result["IdNum"] == "000000190001010000"
    assert re.fullmatch(r"[0-9a-f-]{36}", result["RequestId"])


def test_fixture_image_back_side_with_config(emulator_server, keypairs, client, program):
    algorithm = "SM4-GCM"
    _, endpoint = emulator_server(fixtures=FIXTURES)
    params = {"ImageBase64": base64.b64encode(FIXTURE_IMAGE).decode(), "CardSide": "BACK", "Config": '{"TempIdWarn":true,"CropIdCard":false}'}
    wire, session = ocrcrypto.encrypt_request(params, keypairs[algorithm][0], algorithm)
    result = session.decrypt_response(call(program, endpoint, wire).response)
    assert result["Name"] == "FIXTURE IMAGE" and result["Authority"] == "FIXTURE AUTHORITY"


def test_wrong_secret_key_fails_the_signature(emulator_server, keypairs, client, program):
    emulator, endpoint = emulator_server(emulator_class=RecordingEmulator)
    wire, _ = ocrcrypto.encrypt_request({"ImageUrl": FIXTURE_URL}, keypairs["SM4-GCM"][0], "SM4-GCM")
    assert call(program, endpoint, wire, secret_key="wrong secret key").error == "AuthFailure.SignatureFailure"
    assert len(emulator.requests) == 1  # it reached the emulator, and the SDK did not retry


def test_emulator_errors_come_back_as_sdk_errors(emulator_server, keypairs, client, program):
    _, endpoint = emulator_server()
    wire, _ = ocrcrypto.encrypt_request({"ImageUrl": FIXTURE_URL, "CardSide": "LEFT"}, keypairs["SM4-GCM"][0], "SM4-GCM")
    assert call(program, endpoint, wire).error == "FailedOperation.CardSideError"


FACEID = [
    pytest.param("DetectAIFakeFaces", {"FaceInput": "AAAA", "FaceInputType": 1}, None, "AttackRiskLevel", "Low", id="body"),
    pytest.param("IdCardVerification", {"IdCard": "11010119900101001X", "Name": "李明"}, ["IdCard", "Name"], "Result", "0", id="field"),
    pytest.param("GetDetectInfoEnhanced", {"BizToken": "token", "RuleId": "1", "IsEncryptResponse": True}, [], "Text", None, id="response-only"),
]


@pytest.mark.parametrize("action, params, fields, key, expected", FACEID)
def test_faceid_actions_in_every_mode(emulator_server, keypairs, client, program, action, params, fields, key, expected):
    """The programs are generic over service, version and action. FaceID has no product package for
    Node or Java: --client auto falls back to the SDK's CommonClient."""
    program = [("auto" if arg == "product" else arg) for arg in program]
    emulator, endpoint = emulator_server(emulator_class=RecordingEmulator)
    wire, session = ocrcrypto.encrypt_request(params, keypairs["SM4-GCM"][0], "SM4-GCM", fields)
    outcome = call(program, endpoint, wire, service="faceid", version="2018-03-01", action=action)
    result = session.decrypt_response(outcome.response)
    if expected is None:
        assert "EncryptedBody" in outcome.response and result[key]["Name"] == "EMULATOR TEST"
    else:
        assert result[key] == expected
    (request,) = emulator.requests
    assert request["headers"]["x-tc-action"] == action and request["headers"]["x-tc-version"] == "2018-03-01"
    assert json.loads(request["body"]) == wire


def _signature(request: Dict[str, Any], host: str, service: str) -> str:
    """TC3-HMAC-SHA256 over the recorded request, with the host and scope service given."""
    headers = request["headers"]
    canonical = "\n".join([
        request["method"], "/", "", f"content-type:{headers['content-type']}\nhost:{host}\n", "content-type;host",
        hashlib.sha256(request["body"]).hexdigest(),
    ])
    timestamp = int(headers["x-tc-timestamp"])
    date = datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%d")
    to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{date}/{service}/tc3_request\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    return tc3_signature(DEFAULT_SECRET_KEY, date, service, to_sign)


def test_what_each_sdk_signs_for_a_custom_endpoint(emulator_server, keypairs, client, program):
    """Pin what each SDK signs for endpoint 127.0.0.1:PORT (PROTOCOL.md, the end), which the emulator must
    accept: the scope's service (Node and Java: "127") and the host with or without its port (Node: without)."""
    emulator, endpoint = emulator_server(emulator_class=RecordingEmulator)
    wire, session = ocrcrypto.encrypt_request({"ImageUrl": FIXTURE_URL}, keypairs["AES-256-CBC"][0], "AES-256-CBC")
    assert session.decrypt_response(call(program, endpoint, wire).response)["Name"] == "EMULATOR TEST"
    (request,) = emulator.requests
    headers = request["headers"]
    assert headers["host"] == endpoint
    assert headers["content-type"] == ("application/json; charset=utf-8" if client.language == "java" else "application/json")
    match = re.fullmatch(
        r"TC3-HMAC-SHA256 Credential=(?P<id>[^/]+)/(?P<date>[\d-]+)/(?P<service>[^/]+)/tc3_request, "
        r"SignedHeaders=content-type;host, Signature=(?P<signature>[0-9a-f]{64})",
        headers["authorization"],
    )
    assert match and match["id"] == DEFAULT_SECRET_ID and match["service"] == client.scope_service
    signed_host = endpoint if client.signs_port else endpoint.rsplit(":", 1)[0]
    other_host = endpoint.rsplit(":", 1)[0] if client.signs_port else endpoint
    assert hmac.compare_digest(_signature(request, signed_host, client.scope_service), match["signature"])
    assert not hmac.compare_digest(_signature(request, other_host, client.scope_service), match["signature"])
