"""The committed vectors: schema-valid, verified, reproducible from their seed, and tamper-evident."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import shutil
from collections import Counter
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from ocrcrypto import vectors
from ocrcrypto.cli import main

VECTORS = Path(__file__).parent.parent / "vectors"
FILES = sorted(p for p in VECTORS.glob("*.json") if p.name != "schema.json")


@pytest.fixture(scope="module")
def committed():
    return json.loads((VECTORS / vectors.FILE_NAME).read_text(encoding="utf-8"))


def test_there_are_vector_files():
    assert [p.name for p in FILES] == [vectors.FILE_NAME]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_file_matches_the_schema(path):
    schema = json.loads((VECTORS / "schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(json.loads(path.read_text(encoding="utf-8"))))
    assert errors == [], [e.message for e in errors[:3]]


def test_committed_vectors_verify():
    checked, failures = vectors.verify(VECTORS)
    assert failures == []
    assert checked == json.loads((VECTORS / vectors.FILE_NAME).read_text())["numberOfTests"]


def test_generation_is_deterministic_and_matches_the_committed_file(tmp_path):
    path = vectors.write(tmp_path)
    assert path.read_bytes() == (VECTORS / vectors.FILE_NAME).read_bytes()


def test_another_seed_gives_other_vectors_that_verify(tmp_path):
    vectors.write(tmp_path, seed="another seed")
    assert vectors.verify(tmp_path)[1] == []
    assert (tmp_path / vectors.FILE_NAME).read_bytes() != (VECTORS / vectors.FILE_NAME).read_bytes()


def test_coverage(committed):
    tests = committed["tests"]
    flags = Counter(f for t in tests for f in t["flags"])
    for flag in ("Unicode", "BlockBoundary", "EmptyPlaintext", "OneByte", "Large", "Rsa2048", "FieldMode", "EchoedIv", "FreshIv",
                 "Sm2C1xLeadingZero", "Sm2C1yLeadingZero", "Sm2X2LeadingZero", "TruncatedBlob", "ModifiedTag", "ModifiedC3",
                 "ModifiedBody", "WrongKey", "C1OffCurve", "Missing04", "C1C2C3", "Der", "BadPadding", "WrongIvLength",
                 "TagCountMismatch", "UnknownAlgorithm", "Ktv"):
        assert flags[flag] >= 1, flag
    assert set(flags) <= set(committed["notes"])
    combos = {(t["algorithm"], t["mode"], t["result"]) for t in tests}
    for algorithm in ("AES-256-CBC", "SM4-GCM"):
        for mode in ("body", "fields", "response"):
            assert (algorithm, mode, "valid") in combos
        assert (algorithm, "body", "invalid") in combos
    assert [t["id"] for t in tests] == list(range(1, len(tests) + 1))


def test_leading_zero_cases_really_have_leading_zeros(committed):
    from ocrcrypto import load_private_key
    from ocrcrypto.hazmat import sm2

    key = load_private_key(committed["keys"]["sm2"]["private"]["pkcs8_pem"])
    for case in committed["tests"]:
        for flag, check in (("Sm2C1xLeadingZero", lambda c1, x2: c1[1]), ("Sm2C1yLeadingZero", lambda c1, x2: c1[33]), ("Sm2X2LeadingZero", lambda c1, x2: x2[0])):
            if flag in case["flags"]:
                c1, x2 = sm2.ephemeral_points(key.public_key, int(case["input"]["sm2_k"], 16))
                assert check(c1, x2) == 0
                assert base64.b64decode(case["output"]["wire"]["Encryption"]["CiphertextBlob"])[:65] == c1


def test_large_params_follow_the_documented_stream():
    params = vectors.large_params(100, b"seed")
    raw = hashlib.sha256(b"seed" + bytes(4)).digest() + hashlib.sha256(b"seed" + b"\x00\x00\x00\x01").digest()
    raw += hashlib.sha256(b"seed" + b"\x00\x00\x00\x02").digest() + hashlib.sha256(b"seed" + b"\x00\x00\x00\x03").digest()
    assert params == {"ImageBase64": base64.b64encode(raw[:100]).decode(), "CardSide": "FRONT"}


def test_rsa_wrap_with_padding_decrypts_with_cryptography(rsa_private):
    from cryptography.hazmat.primitives.asymmetric import padding

    ps = bytes(range(1, 128 - 3 - 32 + 1))
    blob = vectors.rsa_wrap_with_padding(rsa_private.public_key(), b"k" * 32, ps)
    assert rsa_private.decrypt(blob, padding.PKCS1v15()) == b"k" * 32
    with pytest.raises(vectors.errors.EnvelopeFormatError, match="RSA padding string: expected 93 non-zero bytes"):
        vectors.rsa_wrap_with_padding(rsa_private.public_key(), b"k" * 32, ps[:-1] + b"\x00")


def _first(tests, **match):
    return next(t for t in tests if all(t.get(k) == v for k, v in match.items()))


def _alter_body_byte(data):
    case = _first(data["tests"], mode="body", result="valid", algorithm="SM4-GCM")
    wire = case["output"]["wire"]
    raw = bytearray(base64.b64decode(wire["EncryptedBody"]))
    raw[0] ^= 1
    wire["EncryptedBody"] = base64.b64encode(bytes(raw)).decode()


def _alter_error_class(data):
    _first(data["tests"], result="invalid", error="DecryptionError")["error"] = "EnvelopeFormatError"


def _alter_invalid_into_valid_wire(data):
    invalid = _first(data["tests"], result="invalid", mode="body")
    valid = _first(data["tests"], result="valid", mode="body", algorithm=invalid["algorithm"], key=invalid["key"])
    invalid["output"]["wire"] = copy.deepcopy(valid["output"]["wire"])


def _alter_params(data):
    _first(data["tests"], mode="fields", result="valid")["input"]["params"]["Name"] = "王五"


def _alter_body_text(data):
    case = _first(data["tests"], mode="body", result="valid", algorithm="AES-256-CBC")
    case["input"]["body"] = case["input"]["body"].replace("FRONT", "BACK")


def _alter_k(data):
    case = _first(data["tests"], mode="body", result="valid", algorithm="SM4-GCM")
    case["input"]["sm2_k"] = "%064x" % (int(case["input"]["sm2_k"], 16) + 1)


def _alter_rsa_padding(data):
    case = _first(data["tests"], mode="body", result="valid", algorithm="AES-256-CBC")
    ps = bytearray(bytes.fromhex(case["input"]["rsa_padding"]))
    ps[0] = ps[0] % 255 + 1
    case["input"]["rsa_padding"] = ps.hex()


def _alter_response(data):
    _first(data["tests"], mode="response", result="valid")["input"]["response"]["Response"]["Name"] = "x"


def _alter_response_iv(data):
    case = _first(data["tests"], mode="response", result="valid", flags=["FreshIv"])
    case["input"]["response_iv"] = bytes(len(bytes.fromhex(case["input"]["response_iv"]))).hex()


def _alter_large_digest(data):
    case = _first(data["tests"], flags=["Large"])
    case["output"]["encrypted_body_sha256"] = "0" * 64


def _alter_primitive(data):
    case = _first(data["tests"], mode="primitive")
    case["output"]["ciphertext"] = case["output"]["ciphertext"][:-2] + "00"


def _alter_wire_order(data):
    wire = _first(data["tests"], mode="body", result="valid")["output"]["wire"]
    first = next(iter(wire))
    wire[first] = wire.pop(first)


def _alter_count(data):
    data["numberOfTests"] += 1


@pytest.mark.parametrize(
    "alter",
    [_alter_body_byte, _alter_error_class, _alter_invalid_into_valid_wire, _alter_params, _alter_body_text, _alter_k,
     _alter_rsa_padding, _alter_response, _alter_response_iv, _alter_large_digest, _alter_primitive, _alter_wire_order, _alter_count],
)
def test_verify_fails_when_a_vector_is_altered(tmp_path, committed, alter):
    data = copy.deepcopy(committed)
    alter(data)
    (tmp_path / vectors.FILE_NAME).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    checked, failures = vectors.verify(tmp_path)
    assert len(failures) == 1, failures


def test_verify_reports_unreadable_and_empty_directories(tmp_path):
    assert vectors.verify(tmp_path)[1] == [f"{tmp_path}: no vector files"]
    (tmp_path / "broken.json").write_text("{")
    assert vectors.verify(tmp_path)[1][0].startswith("broken.json: unreadable (JSONDecodeError")


def test_cli_generate_and_verify(tmp_path):
    runner = CliRunner()
    r = runner.invoke(main, ["vectors", "generate", str(tmp_path)])
    assert r.exit_code == 0 and "wrote" in r.stderr
    r = runner.invoke(main, ["vectors", "verify", str(tmp_path)])
    assert r.exit_code == 0 and r.stdout.strip().endswith("vectors verified")
    data = json.loads((tmp_path / vectors.FILE_NAME).read_text())
    _alter_body_byte(data)
    (tmp_path / vectors.FILE_NAME).write_text(json.dumps(data))
    r = runner.invoke(main, ["vectors", "verify", str(tmp_path)])
    assert r.exit_code == 1 and "FAIL ocrcrypto_vectors.json #" in r.stderr and r.stderr.strip().endswith("error: 1 of 57 vectors failed")


def test_cli_verify_of_a_copy_of_the_committed_directory(tmp_path):
    shutil.copytree(VECTORS, tmp_path / "v")
    r = CliRunner().invoke(main, ["vectors", "verify", str(tmp_path / "v")])
    assert r.exit_code == 0
