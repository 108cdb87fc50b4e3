"""The committed vectors: schema-valid, verified, reproducible from their seed, strict, and
tamper-evident case by case (in process and under ``python -O``)."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

import jsonschema
import pytest
from click.testing import CliRunner

import ocrcrypto
from ocrcrypto import vectors
from ocrcrypto.cli import main

ROOT = Path(__file__).parent.parent
VECTORS = ROOT / "vectors"
FILES = sorted(p for p in VECTORS.glob("*.json") if p.name != "schema.json")
NAMES = (vectors.FILE_NAME, vectors.KEY_FILE_NAME, vectors.MANIFEST_FILE_NAME)


def _load(name: str) -> Dict[str, Any]:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def committed():
    return _load(vectors.FILE_NAME)


@pytest.fixture(scope="module")
def key_vectors():
    return _load(vectors.KEY_FILE_NAME)


@pytest.fixture(scope="module")
def manifest():
    return _load(vectors.MANIFEST_FILE_NAME)


def test_there_are_vector_files():
    assert [p.name for p in FILES] == sorted(NAMES)
    assert {_load(n)["schema"] for n in NAMES} == {vectors.SCHEMA, vectors.KEY_SCHEMA, vectors.MANIFEST_SCHEMA}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_file_matches_the_schema(path):
    schema = json.loads((VECTORS / "schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(json.loads(path.read_text(encoding="utf-8"))))
    assert errors == [], [e.message for e in errors[:3]]


def test_committed_vectors_verify():
    checked, failures = vectors.verify(VECTORS)
    assert failures == []
    assert checked == sum(_load(n)["numberOfTests"] for n in NAMES)


def test_generation_is_deterministic_and_matches_the_committed_files(tmp_path):
    path = vectors.write(tmp_path)
    assert path == tmp_path / vectors.FILE_NAME
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([vectors.FILE_NAME, vectors.KEY_FILE_NAME])
    for name in (vectors.FILE_NAME, vectors.KEY_FILE_NAME):
        assert (tmp_path / name).read_bytes() == (VECTORS / name).read_bytes(), name


def test_another_seed_gives_other_vectors_that_verify(tmp_path):
    vectors.write(tmp_path, seed="another seed")
    assert vectors.verify(tmp_path)[1] == []
    assert (tmp_path / vectors.FILE_NAME).read_bytes() != (VECTORS / vectors.FILE_NAME).read_bytes()
    assert (tmp_path / vectors.KEY_FILE_NAME).read_bytes() != (VECTORS / vectors.KEY_FILE_NAME).read_bytes()


# -- coverage -------------------------------------------------------------------------------------


def test_coverage(committed):
    tests = committed["tests"]
    flags = Counter(f for t in tests for f in t["flags"])
    assert set(flags) == set(vectors.NOTES) == set(committed["notes"])  # every flag is used and explained
    assert "ReaderOnly" not in flags
    combos = {(t["algorithm"], t["mode"], t["result"]) for t in tests}
    for algorithm in ("AES-256-CBC", "SM4-GCM"):
        for mode in ("body", "fields", "response-only", "response"):
            assert (algorithm, mode, "valid") in combos
            assert (algorithm, mode, "invalid") in combos
        assert (algorithm, "response-only", "acceptable") in combos
    assert ("AES-256-CBC", "body", "acceptable") in combos and ("AES-256-CBC", "fields", "acceptable") in combos
    assert [t["id"] for t in tests] == list(range(1, len(tests) + 1))
    acceptable = [t for t in tests if t["result"] == "acceptable"]
    assert len(acceptable) >= 13 and all(t["ocrcrypto_result"] == "valid" for t in acceptable)
    paths = [p for t in tests for p in t["input"].get("response_fields", ())]
    assert "Response.Text.LivenessDetail[1].Idcard" in paths
    assert any(t["input"].get("session", {}).get("Iv", "") is None for t in tests if t["result"] == "valid")


def test_response_only_cases_have_the_documented_wire(committed):
    for case in committed["tests"]:
        if case["mode"] == "response-only" and case["result"] == "valid":
            block = case["output"]["wire"]["Encryption"]
            assert block["EncryptList"] == [] and block["TagList"] == [] and block["Iv"] is not None
            assert "EncryptedBody" not in case["output"]["wire"]


def test_acceptable_cases_are_the_vendor_demos_legacy_forms(committed):
    by_flag = {f: t for t in committed["tests"] if t["result"] == "acceptable" for f in t["flags"]}
    assert "Algorithm" not in by_flag["DefaultAlgorithm"]["output"]["wire"]["Encryption"]
    assert "EncryptionBody" in by_flag["EncryptionBodySpelling"]["output"]["wire"]
    assert by_flag["NullTagList"]["output"]["wire"]["Encryption"]["TagList"] is None
    assert by_flag["NullIv"]["output"]["wire"]["Encryption"]["Iv"] is None and by_flag["NullIv"]["input"]["iv"] is None
    assert by_flag["NullEncryptList"]["output"]["wire"]["Encryption"]["EncryptList"] is None
    assert "EncryptList" not in by_flag["AbsentEncryptList"]["output"]["wire"]["Encryption"]
    assert by_flag["BodyNameWithoutBody"]["output"]["wire"]["Encryption"]["EncryptList"] == ["EncryptionBody"]


def test_key_vector_coverage(key_vectors):
    tests = key_vectors["tests"]
    flags = Counter(f for t in tests for f in t["flags"])
    assert set(flags) == set(vectors.KEY_NOTES) == set(key_vectors["notes"])
    combos = Counter((t["operation"], t["result"]) for t in tests)
    for operation in ("load_public_key", "load_private_key"):
        assert combos[(operation, "valid")] >= 15 and combos[(operation, "invalid")] >= 15
    assert {t["error"] for t in tests if t["result"] == "invalid"} == {"KeyFormatError"}
    assert any("binary" in t["input"] for t in tests) and any("text" in t["input"] for t in tests)


def test_key_vectors_name_the_test_keys(committed, key_vectors):
    """The valid key vectors are the vectors file's test keys (or keys derived in the open)."""
    points = {k["public"]["hex"] for k in committed["keys"].values() if k["type"] == "SM2"}
    for case in key_vectors["tests"]:
        if case["result"] == "valid" and case["key"]["type"] == "SM2" and "ShortHexD" not in case["flags"] and "Compressed" not in case["flags"]:
            assert case["key"]["point"] in points, case["comment"]


def test_manifest_coverage(manifest, committed):
    tests = manifest["tests"]
    assert set(manifest["sources"]) == {"go-emmansun", "go-tjfoc", "java", "node", "vendor-demo-node", "vendor-demo-go"}
    combos = Counter((t["source"], t["operation"], t["mode"], t["algorithm"]) for t in tests)
    for source in ("go-emmansun", "java", "node"):
        for algorithm in ("AES-256-CBC", "SM4-GCM"):
            for mode in ("body", "fields", "response-only"):
                assert combos[(source, "decrypt", mode, algorithm)] == 1
            for mode in ("body", "fields"):
                assert combos[(source, "decrypt-response", mode, algorithm)] == 1
    for mode in ("body", "fields", "response-only"):
        assert combos[("go-tjfoc", "decrypt", mode, "SM4-GCM")] == 1
    assert sum(v for k, v in combos.items() if k[0].startswith("vendor-demo")) == 4
    assert combos[("vendor-demo-go", "symmetric-decrypt", "primitive", "AES-256-CBC")] == 1
    assert manifest["keys"] == {name: committed["keys"][name] for name in ("rsa-1024", "sm2")}
    assert manifest["sources"]["go-tjfoc"]["libraries"]["github.com/tjfoc/gmsm"] == "v1.4.1"
    assert set(f for t in tests for f in t["flags"]) == set(vectors.MANIFEST_NOTES) == set(manifest["notes"])


def test_manifest_vendor_demos_match_the_shared_examples(manifest):
    demos = json.loads(Path("/work/shared/vectors/vendor-demos/vendor_demo_examples.json").read_text(encoding="utf-8")) \
        if Path("/work/shared/vectors/vendor-demos/vendor_demo_examples.json").exists() else None
    if demos is None:
        pytest.skip("the shared vendor demo examples are not on this machine")
    cases = [t for t in manifest["tests"] if "VendorDemo" in t["flags"]]
    responses = [e for e in demos["examples"] if "response" in e]
    assert [c["input"]["wire"] for c in cases if c["operation"] == "decrypt-response"] == [e["response"] for e in responses]
    for case, example in zip([c for c in cases if c["operation"] == "decrypt-response"], responses):
        text = case["expected"]["response"]["Response"]["Text"]
        assert {f"Response.Text.{k}": text[k] for k in ("IdCard", "Name")} == example["expected"]


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
    with pytest.raises(ocrcrypto.errors.EnvelopeFormatError, match="RSA padding string: expected 93 non-zero bytes"):
        vectors.rsa_wrap_with_padding(rsa_private.public_key(), b"k" * 32, ps[:-1] + b"\x00")


# -- tamper evidence: every case of every file, one alteration at a time ---------------------------


def _flip_b64(value: str) -> str:
    raw = bytearray(base64.b64decode(value))
    raw[len(raw) // 2] ^= 1
    return base64.b64encode(bytes(raw)).decode()


def _flip_hex(value: str) -> str:
    return value[:-1] + format(int(value[-1], 16) ^ 1, "x")


def _other_error(case: Dict[str, Any]) -> None:
    case["error"] = "EnvelopeFormatError" if case["error"] == "DecryptionError" else "DecryptionError"


def _change_ciphertext(case: Dict[str, Any]) -> None:
    """Flip a byte of what the case encrypts (or of the value standing for it)."""
    wire, inputs = case["output"].get("wire"), case["input"]
    if case["mode"] == "body" and "large" in inputs:
        case["output"]["encrypted_body_sha256"] = _flip_hex(case["output"]["encrypted_body_sha256"])
    elif case["mode"] == "body":
        body_field = "EncryptedBody" if "EncryptedBody" in wire else "EncryptionBody"
        wire[body_field] = _flip_b64(wire[body_field])
    elif case["mode"] == "fields" and wire[inputs["fields"][0]]:
        wire[inputs["fields"][0]] = _flip_b64(wire[inputs["fields"][0]])
    elif case["mode"] == "fields":  # an empty GCM ciphertext: its tag stands for it
        wire["Encryption"]["TagList"][0] = _flip_b64(wire["Encryption"]["TagList"][0])
    else:
        wire["Encryption"]["CiphertextBlob"] = _flip_b64(wire["Encryption"]["CiphertextBlob"])


def _vector_alteration(case: Dict[str, Any]) -> Tuple[str, Callable[[Dict[str, Any]], None]]:
    if case["result"] == "invalid":
        return "error class", _other_error
    if case["result"] == "acceptable":
        return "expected params", lambda c: c["input"]["params"].__setitem__("Altered", "x")
    if case["mode"] == "primitive":
        return "ciphertext", lambda c: c["output"].__setitem__("ciphertext", _flip_hex(c["output"]["ciphertext"]))
    if case["mode"] == "response":
        return "expected response", lambda c: c["input"]["response"].__setitem__("Altered", "x")
    return "ciphertext byte", _change_ciphertext


def _key_alteration(case: Dict[str, Any]) -> Tuple[str, Callable[[Dict[str, Any]], None]]:
    if case["result"] == "invalid":
        return "error class", lambda c: c.__setitem__("error", "DecryptionError")
    name = "n" if case["key"]["type"] == "RSA" else "point"
    return f"expected {name}", lambda c: c["key"].__setitem__(name, _flip_hex(c["key"][name]))


def _manifest_alteration(case: Dict[str, Any]) -> Tuple[str, Callable[[Dict[str, Any]], None]]:
    if case["operation"] == "symmetric-decrypt":
        return "expected plaintext", lambda c: c["expected"].__setitem__("plaintext", _flip_hex(c["expected"]["plaintext"]))
    if case["operation"] == "decrypt":
        return "expected session key", lambda c: c["expected"]["session"].__setitem__("Key", _flip_b64(c["expected"]["session"]["Key"]))
    return "expected response", lambda c: c["expected"]["response"].__setitem__("Altered", "x")


def _remove_a_field(case: Dict[str, Any]) -> None:
    container = case["input"] if case.get("input") else case["output"] if case.get("output") else case["expected"]
    del container[next(iter(container))]


ALTERATIONS = {vectors.FILE_NAME: _vector_alteration, vectors.KEY_FILE_NAME: _key_alteration, vectors.MANIFEST_FILE_NAME: _manifest_alteration}


def _single(document: Dict[str, Any], case: Dict[str, Any]) -> Dict[str, Any]:
    out = {k: v for k, v in document.items() if k != "tests"}
    out["tests"], out["numberOfTests"] = [{**case, "id": 1}], 1
    return out


def tamper_report(name: str) -> Tuple[int, List[str]]:
    """Alter every case of the committed file ``name`` twice (its content, and a removed field),
    each time alone in a one-case document; returns (alterations made, those that still verified)."""
    document = _load(name)
    made, undetected = 0, []
    for case in document["tests"]:
        single = _single(document, case)
        checked, failures = vectors.verify_data(single, name)
        if failures:
            undetected.append(f"#{case['id']} does not verify unaltered: {failures}")
            continue
        what, alter = ALTERATIONS[name](case)
        for label, mutate in ((what, alter), ("a removed field", _remove_a_field)):
            altered = copy.deepcopy(single)
            mutate(altered["tests"][0])
            made += 1
            checked, failures = vectors.verify_data(altered, name)
            if len(failures) != 1 or not failures[0].startswith(f"{name} #1 "):
                undetected.append(f"#{case['id']} ({case['comment']}) altered ({label}): {failures}")
    return made, undetected


@pytest.mark.parametrize("name", NAMES)
def test_altering_any_case_fails_verification(name):
    made, undetected = tamper_report(name)
    assert undetected == []
    assert made == 2 * _load(name)["numberOfTests"]


def test_altering_any_case_fails_verification_under_python_O():
    script = (
        "import sys, json\n"
        "from tests.test_vectors import tamper_report, NAMES, VECTORS\n"
        "from ocrcrypto import vectors\n"
        "out = {'optimize': sys.flags.optimize, 'verify': vectors.verify(VECTORS)}\n"
        "out.update({n: tamper_report(n) for n in NAMES})\n"
        "print(json.dumps(out))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-O", "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=600, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["optimize"] == 1
    assert out["verify"][1] == [] and out["verify"][0] == sum(_load(n)["numberOfTests"] for n in NAMES)
    for name in NAMES:
        made, undetected = out[name]
        assert undetected == [] and made == 2 * _load(name)["numberOfTests"], name


def test_the_verifier_has_no_assert_statements():
    import ast

    for path in Path(vectors.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert not [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Assert)], path.name


# -- strictness: malformed cases and files fail by name, never crash -------------------------------


def _one(name: str, index: int = 0) -> Dict[str, Any]:
    document = _load(name)
    return _single(document, document["tests"][index])


def _first_index(name: str, **match: Any) -> int:
    return next(i for i, t in enumerate(_load(name)["tests"]) if all(t.get(k) == v for k, v in match.items()))


STRICT = [
    ("unknown result", vectors.FILE_NAME, {}, lambda c: c.__setitem__("result", "maybe"), "unknown value 'maybe'"),
    ("unknown mode", vectors.FILE_NAME, {}, lambda c: c.__setitem__("mode", "stream"), "case.mode: unknown value"),
    ("unknown flag", vectors.FILE_NAME, {}, lambda c: c["flags"].append("Shiny"), "unknown flag 'Shiny'"),
    ("ReaderOnly is gone", vectors.FILE_NAME, {}, lambda c: c["flags"].append("ReaderOnly"), "unknown flag 'ReaderOnly'"),
    ("unknown error class", vectors.FILE_NAME, {"result": "invalid"}, lambda c: c.__setitem__("error", "Oops"), "case.error: unknown value 'Oops'"),
    ("error class not a string", vectors.FILE_NAME, {"result": "invalid"}, lambda c: c.__setitem__("error", 3), "expected a string"),
    ("unknown field", vectors.FILE_NAME, {}, lambda c: c.__setitem__("extra", 1), "unknown field(s) extra"),
    ("unknown input field", vectors.FILE_NAME, {}, lambda c: c["input"].__setitem__("extra", 1), "case.input: unknown field(s) extra"),
    ("missing field", vectors.FILE_NAME, {}, lambda c: c.pop("algorithm"), "missing field(s) algorithm"),
    ("missing result", vectors.FILE_NAME, {}, lambda c: c.pop("result"), "missing field result"),
    ("error on a valid case", vectors.FILE_NAME, {}, lambda c: c.__setitem__("error", "DecryptionError"), "unknown field(s) error"),
    ("input not an object", vectors.FILE_NAME, {}, lambda c: c.__setitem__("input", []), "case.input: expected an object"),
    ("wire not an object", vectors.FILE_NAME, {"result": "invalid"}, lambda c: c["output"].__setitem__("wire", "x"), "expected an object"),
    ("key not in keys", vectors.FILE_NAME, {}, lambda c: c.__setitem__("key", "nope"), "'nope' is not in keys"),
    ("unknown algorithm", vectors.FILE_NAME, {}, lambda c: c.__setitem__("algorithm", "ROT13"), "case.algorithm: unknown value"),
    ("ocrcrypto_result unknown", vectors.FILE_NAME, {"result": "acceptable"}, lambda c: c.__setitem__("ocrcrypto_result", "maybe"), "case.ocrcrypto_result: unknown value"),
    ("ocrcrypto_result wrong", vectors.FILE_NAME, {"result": "acceptable"}, lambda c: c.__setitem__("ocrcrypto_result", "invalid"), "but decryption succeeded"),
    ("acceptable with key-wrap randomness", vectors.FILE_NAME, {"result": "acceptable"}, lambda c: c["input"].__setitem__("sm2_k", "00" * 32), "unknown field(s) sm2_k"),
    ("a Large size over 64 MiB", vectors.FILE_NAME, {"flags": ["Large"]}, lambda c: c["input"]["large"].__setitem__("size", 64 * 1024 * 1024 + 1), "outside [1, 67108864]"),
    ("a Large size that is a boolean", vectors.FILE_NAME, {"flags": ["Large"]}, lambda c: c["input"]["large"].__setitem__("size", True), "expected an integer"),
    ("uppercase hex", vectors.FILE_NAME, {"mode": "body"}, lambda c: c["input"].__setitem__("iv", c["input"]["iv"].upper()), "expected lowercase hex"),
    ("flags not a list", vectors.FILE_NAME, {}, lambda c: c.__setitem__("flags", "Typical"), "expected an array of strings"),
    ("unknown key operation", vectors.KEY_FILE_NAME, {}, lambda c: c.__setitem__("operation", "load_any_key"), "unknown value 'load_any_key'"),
    ("key error other than KeyFormatError", vectors.KEY_FILE_NAME, {"result": "invalid"}, lambda c: c.__setitem__("error", "DecryptionError"), "unknown value 'DecryptionError'"),
    ("key input with both forms", vectors.KEY_FILE_NAME, {}, lambda c: c["input"].update(text="x", binary="00"), "exactly one of text, binary"),
    ("key with an unknown field", vectors.KEY_FILE_NAME, {"result": "valid"}, lambda c: c["key"].__setitem__("q", "01"), "unknown field(s) q"),
    ("key n not minimal", vectors.KEY_FILE_NAME, {"result": "valid", "operation": "load_public_key"},
     lambda c: c["key"].__setitem__("n", "00" + c["key"]["n"]) if c["key"]["type"] == "RSA" else None, "minimal big-endian"),
    ("unknown manifest operation", vectors.MANIFEST_FILE_NAME, {}, lambda c: c.__setitem__("operation", "encrypt"), "unknown value 'encrypt'"),
    ("unknown manifest source", vectors.MANIFEST_FILE_NAME, {}, lambda c: c.__setitem__("source", "rust"), "'rust' is not in sources"),
    ("manifest result invalid", vectors.MANIFEST_FILE_NAME, {}, lambda c: c.__setitem__("result", "invalid"), "case.result: unknown value"),
    ("manifest mode that does not match", vectors.MANIFEST_FILE_NAME, {"operation": "decrypt", "mode": "body"},
     lambda c: c.__setitem__("mode", "fields"), "the wire is in body mode"),
]


@pytest.mark.parametrize("what,name,match,mutate,message", STRICT, ids=[s[0] for s in STRICT])
def test_a_malformed_case_is_a_failure_naming_it(what, name, match, mutate, message):
    document = _one(name, _first_index(name, **match))
    mutate(document["tests"][0])
    checked, failures = vectors.verify_data(document, name)
    assert checked == 1 and len(failures) == 1, failures
    assert failures[0].startswith(f"{name} #1 (") and message in failures[0], failures


@pytest.mark.parametrize("case", [None, 3, "x", [], True])
def test_a_non_object_case_is_a_failure(case):
    document = _one(vectors.FILE_NAME)
    document["tests"].append(case)
    document["numberOfTests"] = 2
    checked, failures = vectors.verify_data(document, "f.json")
    assert checked == 2 and failures == ["f.json #2: case: expected an object, got " + ocrcrypto.wire.json_type(case)]


def test_ids_must_count_from_one():
    document = _one(vectors.FILE_NAME)
    document["tests"][0]["id"] = 7
    assert vectors.verify_data(document, "f.json")[1] == ["f.json #1 (" + document["tests"][0]["comment"] + "): case: id must be 1"]


FILE_ERRORS = [
    ("not an object", lambda d: [], "file: expected an object"),
    ("no schema", lambda d: {k: v for k, v in d.items() if k != "schema"}, "missing field schema"),
    ("unknown schema", lambda d: {**d, "schema": "ocrcrypto-vectors-1"}, "unknown schema 'ocrcrypto-vectors-1'"),
    ("unknown top-level field", lambda d: {**d, "extra": 1}, "unknown field(s) extra"),
    ("keys not an object", lambda d: {**d, "keys": []}, "keys: expected an object"),
    ("a key not an object", lambda d: {**d, "keys": {**d["keys"], "sm2": "pem"}}, "keys.sm2: expected an object"),
    ("a key that does not load", lambda d: {**d, "keys": {**d["keys"], "sm2": {**d["keys"]["sm2"], "private": {"pkcs8_pem": "junk"}}}}, "keys.sm2: private key does not load"),
    ("numberOfTests off", lambda d: {**d, "numberOfTests": d["numberOfTests"] + 1}, "numberOfTests is"),
    ("numberOfTests a string", lambda d: {**d, "numberOfTests": "57"}, "expected an integer"),
    ("tests not an array", lambda d: {**d, "tests": {}}, "tests: expected a non-empty array"),
    ("notes not strings", lambda d: {**d, "notes": {"Typical": 1}}, "every note must be a string"),
    ("a huge string", lambda d: {**d, "generator": {"seed": "x" * (1024 * 1024 + 1), "command": ""}}, "a string of 1048577 characters"),
]


@pytest.mark.parametrize("what,mutate,message", FILE_ERRORS, ids=[f[0] for f in FILE_ERRORS])
def test_a_malformed_file_is_one_clear_failure(committed, what, mutate, message):
    checked, failures = vectors.verify_data(mutate(copy.deepcopy(committed)), "f.json")
    assert checked == 0 and len(failures) == 1 and failures[0].startswith("f.json: ") and message in failures[0], failures


def test_verify_reports_unreadable_and_empty_directories(tmp_path):
    assert vectors.verify(tmp_path)[1] == [f"{tmp_path}: no vector files"]
    (tmp_path / "broken.json").write_text("{")
    assert vectors.verify(tmp_path)[1][0].startswith("broken.json: unreadable (EnvelopeFormatError")
    (tmp_path / "broken.json").write_text('{"schema": "ocrcrypto-vectors-2", "schema": "x"}')
    assert "duplicate key 'schema'" in vectors.verify(tmp_path)[1][0]
    (tmp_path / "broken.json").write_text("[" * 1000 + "]" * 1000)
    assert vectors.verify(tmp_path)[1][0].startswith("broken.json: unreadable (EnvelopeFormatError")


def test_one_bad_file_does_not_hide_the_others(tmp_path):
    shutil.copytree(VECTORS, tmp_path / "v")
    (tmp_path / "v" / "zz.json").write_text("[]")
    checked, failures = vectors.verify(tmp_path / "v")
    assert failures == ["zz.json: file: expected an object, got an array"]
    assert checked == sum(_load(n)["numberOfTests"] for n in NAMES)


# -- the command line -----------------------------------------------------------------------------


def test_cli_generate_and_verify(tmp_path):
    runner = CliRunner()
    r = runner.invoke(main, ["vectors", "generate", str(tmp_path)])
    assert r.exit_code == 0 and "wrote" in r.stderr
    r = runner.invoke(main, ["vectors", "verify", str(tmp_path)])
    total = sum(_load(n)["numberOfTests"] for n in (vectors.FILE_NAME, vectors.KEY_FILE_NAME))
    assert r.exit_code == 0 and r.stdout.strip() == f"{total} vectors verified"
    data = json.loads((tmp_path / vectors.FILE_NAME).read_text())
    case = data["tests"][0]
    case["output"]["wire"]["EncryptedBody"] = _flip_b64(case["output"]["wire"]["EncryptedBody"])
    (tmp_path / vectors.FILE_NAME).write_text(json.dumps(data))
    r = runner.invoke(main, ["vectors", "verify", str(tmp_path)])
    assert r.exit_code == 1 and "FAIL ocrcrypto_vectors.json #1 " in r.stderr and r.stderr.strip().endswith(f"error: 1 of {total} vectors failed")


def test_cli_verify_of_a_copy_of_the_committed_directory(tmp_path):
    shutil.copytree(VECTORS, tmp_path / "v")
    r = CliRunner().invoke(main, ["vectors", "verify", str(tmp_path / "v")])
    assert r.exit_code == 0
    assert r.stdout.strip() == f"{sum(_load(n)['numberOfTests'] for n in NAMES)} vectors verified"
