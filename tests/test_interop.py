"""The cross-language matrix: every implementation encrypts, every other one decrypts, both suites,
both modes, requests and responses, several sizes; and every reference verifies the vectors."""

from __future__ import annotations

import base64
import copy
import json
import subprocess
from pathlib import Path
from typing import Dict

import pytest

import ocrcrypto

from .interop import JAVA_FLAGS, ROOT, Command, KeyFiles, Python

VECTORS = ROOT / "vectors"


@pytest.fixture(scope="session")
def interop_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("interop")


@pytest.fixture(scope="session")
def key_files(interop_dir) -> Dict[str, KeyFiles]:
    """Per suite: the vendor's base64-of-PEM public key and a private PEM, from the vector keys,
    and a keyring that holds a wrong key of each suite before the right one."""
    keys = json.loads((VECTORS / "ocrcrypto_vectors.json").read_text())["keys"]
    private = {}
    for name, form in (("rsa-1024", "pkcs1_pem"), ("rsa-1024-other", "pkcs8_pem"), ("sm2", "pkcs8_pem"), ("sm2-other", "sec1_pem")):
        private[name] = interop_dir / f"{name}-private.pem"
        private[name].write_text(keys[name]["private"][form])
    out = {}
    for algorithm, name in (("AES-256-CBC", "rsa-1024"), ("SM4-GCM", "sm2")):
        public = interop_dir / f"{name}-public.txt"
        public.write_text(keys[name]["public"]["vendor"])
        keyring = [private["sm2-other"], private["rsa-1024-other"], private[name], private["sm2" if name == "rsa-1024" else "rsa-1024"]]
        out[algorithm] = KeyFiles(public, private[name], keyring)
    return out


@pytest.fixture(scope="session")
def implementations(go_binary, java_jar, node_cli, interop_dir):
    return {
        "python": Python("python"),
        "go-emmansun": Command("go-emmansun", [str(go_binary)], ["--sm2-lib", "emmansun"], interop_dir),
        "go-tjfoc": Command("go-tjfoc", [str(go_binary)], ["--sm2-lib", "tjfoc"], interop_dir),
        "java": Command("java", ["java", *JAVA_FLAGS, "-jar", str(java_jar)], [], interop_dir),
        "node": Command("node", ["node", str(node_cli)], [], interop_dir),
    }


def _family(name: str) -> str:
    return name.split("-")[0]


# Every ordered pair of different implementations; the Go SM2 library choice (for the key wrap
# when producing, the unwrap when consuming) only matters for SM4-GCM.
PRODUCERS = ("python", "go-emmansun", "go-tjfoc", "java", "node")
CONSUMERS = PRODUCERS
REFERENCES = ("go-emmansun", "java", "node")
MATRIX = [
    (producer, consumer, algorithm)
    for producer in PRODUCERS
    for consumer in CONSUMERS
    for algorithm in ("AES-256-CBC", "SM4-GCM")
    if _family(producer) != _family(consumer) and not ("go-tjfoc" in (producer, consumer) and algorithm == "AES-256-CBC")
]

SIZES = {
    "small": {"ImageUrl": "https://example.com/证件.jpg", "CardSide": "FRONT", "Config": '{"TempIdWarn":true}', "Note": "李明 ✓ <&>",
              "EnableReflectDetail": True, "CardWarnType": 1},
    "1MiB": {"ImageBase64": base64.b64encode(bytes(range(256)) * 3072).decode(), "CardSide": "FRONT"},
}
FIELD_PARAMS = {"Action": "DetectAuth", "IdCard": "11010119900101001X", "Name": "李明", "Phone": ""}
RESPONSE_ONLY_PARAMS = {"Action": "GetDetectInfoEnhanced", "BizToken": "token", "RuleId": "1", "IsEncryptResponse": True}
RESPONSE = {"Response": {"Name": "李明", "Sex": "男", "IdNum": "11010119900101001X",
                         "Text": {"Address": "北京", "LivenessDetail": [{"Idcard": "x"}, {"Idcard": "11010119900101001X"}]},
                         "Score": 0.5, "RequestId": "r-1"}}
RESPONSE_FIELDS = ["Response.Name", "Response.Text.Address", "Response.Text.LivenessDetail[1].Idcard"]


VECTOR_FILES = sorted(p.name for p in VECTORS.glob("*.json") if p.name != "schema.json")


@pytest.mark.parametrize("reference", REFERENCES)
def test_reference_verifies_every_committed_vector(implementations, reference):
    command = implementations[reference].command
    result = subprocess.run([*command, "verify", str(VECTORS)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    expected = sum(json.loads((VECTORS / name).read_text())["numberOfTests"] for name in VECTOR_FILES)
    assert len(VECTOR_FILES) == 3 and result.stdout.strip() == f"{expected} vectors verified"


@pytest.fixture(scope="session")
def altered_vectors(tmp_path_factory) -> Path:
    """Every case of every vector file, altered (its content: a ciphertext byte, an expected value,
    the error class), each alone in a one-case file of its own: every verifier must fail each file."""
    from .test_vectors import ALTERATIONS, _single

    directory = tmp_path_factory.mktemp("altered-vectors")
    for name in VECTOR_FILES:
        document = json.loads((VECTORS / name).read_text())
        for case in document["tests"]:
            single = copy.deepcopy(_single(document, case))
            ALTERATIONS[name](case)[1](single["tests"][0])
            (directory / f"{name[:-5]}-{case['id']:03d}.json").write_text(json.dumps(single, ensure_ascii=False))
    return directory


@pytest.mark.parametrize("reference", REFERENCES)
def test_reference_verify_fails_on_any_altered_case(implementations, reference, altered_vectors):
    files = sorted(p.name for p in altered_vectors.glob("*.json"))
    result = subprocess.run([*implementations[reference].command, "verify", str(altered_vectors)], capture_output=True, text=True, timeout=900)
    assert result.returncode == 1, result.stdout[-1000:]
    assert f"{len(files)} of {len(files)} vectors failed" in result.stderr, result.stderr[-2000:]
    missed = [name for name in files if name not in result.stderr]
    assert missed == [], f"{reference} did not name: {missed[:10]}"


@pytest.mark.parametrize("producer, consumer, algorithm", MATRIX, ids=lambda v: v)
@pytest.mark.parametrize("size", list(SIZES))
def test_body_mode(implementations, key_files, producer, consumer, algorithm, size):
    _exchange(implementations[producer], implementations[consumer], key_files[algorithm], algorithm, SIZES[size], None, None, size == "small")


@pytest.mark.parametrize("producer, consumer, algorithm", MATRIX, ids=lambda v: v)
def test_field_mode(implementations, key_files, producer, consumer, algorithm):
    _exchange(implementations[producer], implementations[consumer], key_files[algorithm], algorithm, FIELD_PARAMS,
              ["IdCard", "Name", "Phone"], RESPONSE_FIELDS, True)


@pytest.mark.parametrize("producer, consumer, algorithm", MATRIX, ids=lambda v: v)
def test_response_only(implementations, key_files, producer, consumer, algorithm):
    """Nothing encrypted in the request; the service answers the whole body, then named fields."""
    producer, consumer = implementations[producer], implementations[consumer]
    wire, session = producer.encrypt(RESPONSE_ONLY_PARAMS, algorithm, None, key_files[algorithm], response_only=True)
    assert wire["Encryption"]["EncryptList"] == [] and "EncryptedBody" not in wire
    params, server = consumer.decrypt(wire, key_files[algorithm])
    assert params == RESPONSE_ONLY_PARAMS and server["Key"] == session["Key"]
    for fields in (None, RESPONSE_FIELDS):
        encrypted = consumer.encrypt_response(RESPONSE, server, fields, False)
        assert producer.decrypt_response(encrypted, session) == RESPONSE


def _exchange(producer, consumer, keys, algorithm, params, fields, response_fields, fresh_iv):
    """The producer is the client, the consumer plays the service: request one way, response back."""
    wire, session = producer.encrypt(params, algorithm, fields, keys)
    assert wire["Encryption"]["Algorithm"] == algorithm
    decrypted, server = consumer.decrypt(wire, keys)
    assert decrypted == params and server["Key"] == session["Key"] and server["Iv"] == session["Iv"]
    encrypted = consumer.encrypt_response(RESPONSE, server, response_fields, fresh_iv)
    assert (encrypted["Response"]["Encryption"]["Iv"] != session["Iv"]) is fresh_iv
    assert producer.decrypt_response(encrypted, session) == RESPONSE


@pytest.mark.parametrize("name", ["go-emmansun", "go-tjfoc", "java", "node"])
def test_reference_output_passes_the_doctor(implementations, key_files, name):
    wire, _ = implementations[name].encrypt(SIZES["small"], "SM4-GCM", None, key_files["SM4-GCM"])
    private = ocrcrypto.load_private_key(key_files["SM4-GCM"].private.read_bytes())
    problems = [str(f) for f in ocrcrypto.doctor.diagnose(wire, private_key=private) if not f.ok]
    assert problems == []


@pytest.mark.parametrize("name", REFERENCES)
def test_reference_rejects_tampering_with_the_uniform_error(implementations, key_files, name):
    wire, _ = Python("python").encrypt(SIZES["small"], "SM4-GCM", None, key_files["SM4-GCM"])
    wire["Encryption"]["TagList"] = [base64.b64encode(bytes(16)).decode()]
    with pytest.raises(AssertionError, match="error: decryption failed"):
        implementations[name].decrypt(wire, key_files["SM4-GCM"])
