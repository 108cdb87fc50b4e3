"""The command line, through click's CliRunner and through a real subprocess of the installed script."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import ocrcrypto
from ocrcrypto.cli import main

from .conftest import DATA

PARAMS = {"Action": "RecognizeEncryptedIDCardOCR", "ImageUrl": "https://example.com/a.jpg", "CardSide": "FRONT"}
RESPONSE = {"Response": {"Name": "DEMO", "IdNum": "000", "RequestId": "r1"}}
KEYS = {
    "AES-256-CBC": (DATA / "rsa1024_public_vendor.txt", DATA / "rsa1024_private_pkcs1.pem"),
    "SM4-GCM": (DATA / "sm2_public_vendor.txt", DATA / "sm2_private_pkcs8.pem"),
}


def run(*args, input=None):
    result = CliRunner().invoke(main, [str(a) for a in args], input=input)
    return result


def test_full_exchange_through_files(tmp_path: Path, algorithm):
    public, private = KEYS[algorithm]
    (tmp_path / "params.json").write_text(json.dumps(PARAMS))
    r = run("encrypt", tmp_path / "params.json", "--public-key", public, "--algorithm", algorithm,
            "--session-out", tmp_path / "session.json", "-o", tmp_path / "wire.json")
    assert r.exit_code == 0, r.output
    assert stat.S_IMODE(os.stat(tmp_path / "session.json").st_mode) == 0o600
    wire = json.loads((tmp_path / "wire.json").read_text())
    assert wire["Encryption"]["Algorithm"] == algorithm
    r = run("decrypt", tmp_path / "wire.json", "--private-key", private, "--session-out", tmp_path / "server.json")
    assert r.exit_code == 0 and json.loads(r.stdout) == PARAMS
    r = run("encrypt-response", "--session", tmp_path / "server.json", input=json.dumps(RESPONSE))
    assert r.exit_code == 0
    encrypted = json.loads(r.stdout)
    assert encrypted["Response"]["Name"] == "" and "EncryptedBody" in encrypted["Response"]
    r = run("decrypt-response", "-", "--session", tmp_path / "session.json", input=json.dumps(encrypted))
    assert r.exit_code == 0 and json.loads(r.stdout) == RESPONSE


def test_field_mode_and_fresh_iv(tmp_path: Path):
    public, private = KEYS["SM4-GCM"]
    r = run("encrypt", "--public-key", public, "-a", "SM4-GCM", "--field", "IdCard", "--field", "Name",
            "--session-out", tmp_path / "s.json", input=json.dumps({"IdCard": "1", "Name": "李"}))
    wire = json.loads(r.stdout)
    assert wire["Encryption"]["EncryptList"] == ["IdCard", "Name"] and len(wire["Encryption"]["TagList"]) == 2
    r = run("decrypt", "--private-key", private, input=r.stdout)
    assert json.loads(r.stdout) == {"IdCard": "1", "Name": "李"}
    r = run("encrypt-response", "--session", tmp_path / "s.json", "--fresh-iv", "--field", "Name", input='{"Name":"x","RequestId":"r"}')
    out = json.loads(r.stdout)
    assert out["Encryption"]["Iv"] != wire["Encryption"]["Iv"]
    assert json.loads(run("decrypt-response", "--session", tmp_path / "s.json", input=r.stdout).stdout) == {"Name": "x", "RequestId": "r"}


def test_an_existing_session_file_is_replaced_only_with_force_and_atomically(tmp_path: Path):
    target = tmp_path / "session.json"
    target.write_text("old")
    target.chmod(0o644)
    r = run("encrypt", "--public-key", KEYS["SM4-GCM"][0], "--session-out", target, input=json.dumps(PARAMS))
    assert r.exit_code == 2 and r.stderr == f"error: --session-out {target}: already exists; pass --force to replace it\n"
    assert target.read_text() == "old"
    with open(target) as reader_of_the_old_file:
        r = run("encrypt", "--public-key", KEYS["SM4-GCM"][0], "--session-out", target, "--force", input=json.dumps(PARAMS))
        assert r.exit_code == 0
        assert reader_of_the_old_file.read() == "old"  # a new file was renamed over it, not rewritten in place
    assert stat.S_IMODE(target.stat().st_mode) == 0o600 and json.loads(target.read_text())["Algorithm"] == "SM4-GCM"
    assert [p.name for p in tmp_path.iterdir()] == ["session.json"]


@pytest.mark.parametrize("command", ["encrypt-session", "decrypt-output", "decrypt-session", "keygen"])
def test_secrets_are_never_written_through_a_symlink(tmp_path: Path, command):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    link = tmp_path / ("private.pem" if command == "keygen" else "out.json")
    link.symlink_to(victim)
    public, private = KEYS["SM4-GCM"]
    wire = run("encrypt", "--public-key", public, input=json.dumps(PARAMS)).stdout
    args = {
        "encrypt-session": ["encrypt", "--public-key", public, "--session-out", link, "--force"],
        "decrypt-output": ["decrypt", "--private-key", private, "-o", link],
        "decrypt-session": ["decrypt", "--private-key", private, "--session-out", link, "--force"],
        "keygen": ["keygen", "-a", "SM4-GCM", "--out", tmp_path, "--force"],
    }[command]
    r = run(*args, input=json.dumps(PARAMS) if command == "encrypt-session" else wire)
    assert r.exit_code == 0, r.stderr
    assert victim.read_text() == "precious"
    assert not link.is_symlink() and stat.S_IMODE(link.stat().st_mode) == 0o600


def test_decrypted_output_is_private(tmp_path: Path):
    public, private = KEYS["AES-256-CBC"]
    wire = run("encrypt", "--public-key", public, input=json.dumps(PARAMS)).stdout
    os.umask(0o022)
    assert run("decrypt", "--private-key", private, "-o", tmp_path / "params.json", input=wire).exit_code == 0
    assert stat.S_IMODE((tmp_path / "params.json").stat().st_mode) == 0o600
    assert run("encrypt", "--public-key", public, "-o", tmp_path / "wire.json", input=json.dumps(PARAMS)).exit_code == 0
    assert stat.S_IMODE((tmp_path / "wire.json").stat().st_mode) == 0o644


def test_key_is_printed_only_with_show_key(tmp_path: Path):
    r = run("encrypt", "--public-key", KEYS["SM4-GCM"][0], "-a", "SM4-GCM", "--session-out", tmp_path / "s.json", input=json.dumps(PARAMS))
    key = json.loads((tmp_path / "s.json").read_text())["Key"]
    assert key not in r.output and key not in r.stderr
    r = run("encrypt", "--public-key", KEYS["SM4-GCM"][0], "-a", "SM4-GCM", "--show-key", input=json.dumps(PARAMS))
    assert "session (contains the key):" in r.stderr
    shown = json.loads(r.stderr.split("session (contains the key): ", 1)[1])
    assert len(shown["Key"]) == 24 and shown["Key"] not in r.stdout


def test_keygen(tmp_path: Path, algorithm):
    out = tmp_path / "keys"
    r = run("keygen", "--algorithm", algorithm, "--out", out, "--rsa-bits", 1024)
    assert r.exit_code == 0, r.output
    assert stat.S_IMODE((out / "private.pem").stat().st_mode) == 0o600
    public = ocrcrypto.load_public_key((out / "public.txt").read_text())
    assert ocrcrypto.public_key_pem(public, spki=True) == (out / "public.pem").read_text()
    assert (out / "public.pem").read_text().startswith("-----BEGIN PUBLIC KEY-----")
    private = ocrcrypto.load_private_key((out / "private.pem").read_bytes())
    wire, _ = ocrcrypto.encrypt_request(PARAMS, public, algorithm)
    assert ocrcrypto.decrypt_request(wire, private)[0] == PARAMS
    before = (out / "private.pem").read_bytes()
    r = run("keygen", "--algorithm", algorithm, "--out", out)
    assert r.exit_code == 2 and "already exist(s); pass --force to replace them" in r.stderr
    assert (out / "private.pem").read_bytes() == before
    assert run("keygen", "--algorithm", algorithm, "--out", out, "--force").exit_code == 0
    assert (out / "private.pem").read_bytes() != before


def test_doctor_exit_codes(tmp_path: Path):
    public, private = KEYS["SM4-GCM"]
    wire = run("encrypt", "--public-key", public, "-a", "SM4-GCM", input=json.dumps(PARAMS)).stdout
    r = run("doctor", "--private-key", private, input=wire)
    assert r.exit_code == 0 and r.stdout.strip().endswith("0 problem(s), 9 check(s) passed")
    bad = json.loads(wire)
    bad["Encryption"]["Algorithm"] = "SM4_GCM"
    r = run("doctor", input=json.dumps(bad))
    assert r.exit_code == 1 and "did you mean 'SM4-GCM'?" in r.stdout
    r = run("doctor", "--json", input=json.dumps(bad))
    findings = json.loads(r.stdout)
    assert r.exit_code == 1 and findings[0]["ok"] is False and findings[0]["where"] == "Encryption.Algorithm"


def test_demo(algorithm):
    r = run("demo", "--algorithm", algorithm)
    assert r.exit_code == 0
    assert "public test keys" in r.stdout and "NEVER use them in production" in r.stdout
    for heading in ("1. The wire request", "2. What the service decrypts", "3. The encrypted response", "4. What your client decrypts"):
        assert heading in r.stdout
    assert f'"Algorithm": "{algorithm}"' in r.stdout and "DEMO PERSON" in r.stdout
    assert "session (contains the key)" not in r.stdout


def test_demo_both_suites_and_show_key():
    r = run("demo", "--show-key")
    assert r.exit_code == 0 and "=== AES-256-CBC ===" in r.stdout and "=== SM4-GCM ===" in r.stdout
    assert r.stderr.count("session (contains the key)") == 2 and "session (contains the key)" not in r.stdout


@pytest.mark.parametrize(
    "command",
    [["encrypt"], ["decrypt"], ["encrypt-response"], ["decrypt-response"], ["keygen"], ["doctor"], ["demo"], ["serve"], ["actions"],
     ["vectors", "generate"], ["vectors", "verify"]],
    ids=" ".join,
)
def test_help_has_an_example(command):
    r = run(*command, "--help")
    assert r.exit_code == 0 and "Usage: " in r.stdout and "Example" in r.stdout


# -- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, stdin, code, message",
    [
        (["encrypt"], "{}", 2, "error: Missing option '--public-key'"),
        (["encrypt", "--public-key", "/nonexistent"], "{}", 2, "error: Invalid value for '--public-key'"),
        (["encrypt", "--public-key", KEYS["SM4-GCM"][0], "-a", "SM4"], "{}", 2, "error: Invalid value for '--algorithm'"),
        (["frobnicate"], "", 2, "error: No such command 'frobnicate'"),
        (["encrypt", "--public-key", KEYS["SM4-GCM"][0]], "{not json", 1, "error: stdin: not valid JSON (Expecting property name enclosed in double quotes at line 1 column 2)"),
        (["encrypt", "--public-key", KEYS["SM4-GCM"][0]], '{"a":1,"a":2}', 1, "error: stdin: JSON has a duplicate key 'a'"),
        (["encrypt", "--public-key", KEYS["SM4-GCM"][0], "-a", "AES-256-CBC"], json.dumps(PARAMS), 1, "error: AES-256-CBC wraps its key with RSA: got an SM2 public key"),
        (["encrypt", "--public-key", KEYS["SM4-GCM"][0], "--action", "Nope"], json.dumps(PARAMS), 1, "error: action 'Nope' carries no envelope"),
        (["encrypt", "--public-key", KEYS["SM4-GCM"][0], "--action", "PhoneVerification"], json.dumps(PARAMS), 1, "error: action PhoneVerification is not supported"),
        (["encrypt", "--public-key", KEYS["SM4-GCM"][0], "--action", "IdCardVerification"], "[1]", 1, "error: params: expected a JSON object, got an array"),
        (["encrypt", "--public-key", KEYS["SM4-GCM"][0], "--response-only", "--field", "A"], "{}", 2, "error: --response-only encrypts nothing"),
        (["encrypt", "--public-key", KEYS["SM4-GCM"][0], "--field", "A", "--clear", "B"], "{}", 2, "error: --clear is for body mode"),
        (["encrypt", "--public-key", KEYS["SM4-GCM"][0], "--action", "MobileStatus", "--response-only"], "{}", 2, "error: --action takes its mode"),
        (["encrypt", "--public-key", KEYS["SM4-GCM"][0], "-o", DATA], "{}", 2, f"error: -o {DATA}: is a directory"),
        (["encrypt", "--public-key", KEYS["SM4-GCM"][0], "-o", DATA / "no" / "w.json"], json.dumps(PARAMS), 2, f"error: -o {DATA / 'no' / 'w.json'}: no such directory"),
        (["encrypt", "--public-key", KEYS["SM4-GCM"][0]], "", 1, "error: stdin: empty, expected JSON"),
        (["encrypt", "--public-key", DATA / "README.md"], json.dumps(PARAMS), 1, "error: --public-key "),
        (["encrypt", "--public-key", KEYS["SM4-GCM"][0], "-a", "SM4-GCM", "--field", "Nope"], json.dumps(PARAMS), 1,
         "error: params.Nope: named in fields, but not in the params"),
        (["decrypt", "--private-key", KEYS["SM4-GCM"][1]], '{"ImageUrl":"x"}', 1, "error: request.Encryption: missing"),
        (["decrypt", "--private-key", KEYS["SM4-GCM"][0]], "{}", 1, "error: --private-key "),
        (["doctor"], "[1", 1, "error: stdin: not valid JSON"),
        (["doctor"], '{"a": NaN}', 1, "error: stdin: JSON has a non-standard number NaN"),
        (["doctor"], "[" * 100000, 1, "error: stdin: JSON nested more than 200 levels deep"),
        (["doctor"], b"\xff\xfe{}", 1, "error: stdin: not UTF-8 text"),
    ],
)
def test_errors_are_one_line_with_exit_codes(args, stdin, code, message):
    r = run(*args, input=stdin)
    assert r.exit_code == code, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), r.stderr
    assert "Traceback" not in r.stderr


def test_unwritable_paths_are_usage_errors(tmp_path: Path):
    target = tmp_path / "missing-dir" / "session.json"
    r = run("encrypt", "--public-key", KEYS["SM4-GCM"][0], "-a", "SM4-GCM", "--session-out", target, input=json.dumps(PARAMS))
    assert r.exit_code == 2 and r.stderr == f"error: --session-out {target}: no such directory {target.parent}\n"
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = run("keygen", "--algorithm", "SM4-GCM", "--out", blocker / "keys")
    assert r.exit_code == 2 and r.stderr.startswith("error: ") and len(r.stderr.splitlines()) == 1
    r = run("decrypt-response", tmp_path / "absent.json", "--session", tmp_path / "absent.json")
    assert r.exit_code == 2 and "does not exist" in r.stderr


def test_service_side_tamper_is_the_uniform_error(tmp_path: Path):
    public, private = KEYS["AES-256-CBC"]
    wire = json.loads(run("encrypt", "--public-key", public, input=json.dumps(PARAMS)).stdout)
    wire["EncryptedBody"] = wire["EncryptedBody"][:-4] + "AAA="
    r = run("decrypt", "--private-key", private, input=json.dumps(wire))
    assert r.exit_code == 1 and r.stderr == "error: decryption failed\n"


def test_session_file_errors(tmp_path: Path):
    bad = tmp_path / "s.json"
    bad.write_text('{"Algorithm": "SM4-GCM"}')
    r = run("decrypt-response", "--session", bad, input="{}")
    assert r.exit_code == 1 and r.stderr.strip() == "error: session.Key: missing"
    bad.write_text("nope")
    r = run("decrypt-response", "--session", bad, input="{}")
    assert r.exit_code == 1 and r.stderr.startswith(f"error: {bad}: not valid JSON")
    r = run("decrypt-response", "--session", bad, tmp_path / "nope.json")
    assert r.exit_code == 2


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_shows_the_traceback_wherever_it_stands(where):
    args = ["decrypt", "--private-key", KEYS["SM4-GCM"][1]]
    args = ["--debug", *args] if where == "before" else [*args, "--debug"]
    r = run(*args, input='{"a":1}')
    assert r.exit_code == 1 and "Traceback" in r.stderr and r.stderr.strip().endswith("error: request.Encryption: missing; this request is not encrypted")


def test_no_arguments_prints_help():
    r = run()
    assert r.exit_code == 0 and "Commands:" in r.stdout


# -- a real subprocess ---------------------------------------------------------------------------


def _script() -> list:
    path = shutil.which("ocrcrypto")
    if path is None:
        pytest.skip("the ocrcrypto script is not installed (pip install -e .)")
    return [path]


def test_installed_script_round_trip(tmp_path: Path):
    public, private = KEYS["SM4-GCM"]
    enc = subprocess.run(_script() + ["encrypt", "-", "--public-key", str(public), "-a", "SM4-GCM", "--session-out", str(tmp_path / "s.json")],
                         input=json.dumps(PARAMS), capture_output=True, text=True, check=True)
    dec = subprocess.run(_script() + ["decrypt", "--private-key", str(private)], input=enc.stdout, capture_output=True, text=True, check=True)
    assert json.loads(dec.stdout) == PARAMS


def test_python_dash_m_and_exit_codes():
    ok = subprocess.run([sys.executable, "-m", "ocrcrypto", "demo", "-a", "SM4-GCM"], capture_output=True, text=True)
    assert ok.returncode == 0 and "4. What your client decrypts" in ok.stdout
    usage = subprocess.run([sys.executable, "-m", "ocrcrypto", "encrypt", "--bogus"], capture_output=True, text=True)
    assert usage.returncode == 2 and usage.stderr.startswith("error: No such option '--bogus'")
    failure = subprocess.run([sys.executable, "-m", "ocrcrypto", "decrypt", "--private-key", str(KEYS["SM4-GCM"][1])],
                             input="{}", capture_output=True, text=True)
    assert failure.returncode == 1 and failure.stderr == "error: request.Encryption: missing; this request is not encrypted\n"


def test_closed_stdout_is_quiet():
    """`ocrcrypto demo | head -0`: the reader is gone before the output; no traceback, exit 1
    (click itself turns EPIPE into a quiet exit 1)."""
    read_end, write_end = os.pipe()
    process = subprocess.Popen([sys.executable, "-m", "ocrcrypto", "demo"], stdout=write_end, stderr=subprocess.PIPE)
    os.close(write_end)
    os.close(read_end)
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=60) == 1
    assert stderr == ""


def test_debug_shows_the_traceback_of_a_file_error(tmp_path: Path):
    r = run("--debug", "encrypt", "--public-key", KEYS["SM4-GCM"][0], "-a", "SM4-GCM", "--session-out", tmp_path / "no" / "s.json", input=json.dumps(PARAMS))
    assert r.exit_code == 2 and "Traceback" in r.stderr and "PathError" in r.stderr


# -- the suite a key implies, actions, response-only, keyrings, responses -------------------------


def test_the_key_implies_the_suite(algorithm):
    public, private = KEYS[algorithm]
    r = run("encrypt", "--public-key", public, input=json.dumps(PARAMS))
    assert r.exit_code == 0 and json.loads(r.stdout)["Encryption"]["Algorithm"] == algorithm


@pytest.mark.parametrize(
    "action, params, encrypt_list, added",
    [
        ("IdCardVerification", {"IdCard": "11010119900101001X", "Name": "李明"}, ["Name", "IdCard"], {}),
        ("BankCard4EVerification", {"Name": "n", "BankCard": "6222", "IdCard": "1", "Phone": "138", "CertType": 0}, ["Name", "IdCard", "Phone", "BankCard"], {}),
        ("GetDetectInfoEnhanced", {"BizToken": "t", "RuleId": "1"}, [], {"IsEncryptResponse": True}),
        ("DetectAIFakeFaces", {"FaceInput": "AAAA", "FaceInputType": 1}, ["EncryptedBody"], {}),
    ],
)
def test_encrypt_takes_the_mode_from_the_action(tmp_path: Path, action, params, encrypt_list, added):
    public, private = KEYS["SM4-GCM"]
    r = run("encrypt", "--public-key", public, "--action", action, input=json.dumps(params))
    assert r.exit_code == 0, r.stderr
    wire = json.loads(r.stdout)
    assert wire["Encryption"]["EncryptList"] == encrypt_list
    r = run("decrypt", "--private-key", private, input=r.stdout)
    assert json.loads(r.stdout) == {**params, **added}


def test_response_only_and_a_keyring(tmp_path: Path):
    public = KEYS["SM4-GCM"][0]
    r = run("encrypt", "--public-key", public, "--response-only", "--session-out", tmp_path / "client.json", input='{"BizToken":"t","IsEncryptResponse":true}')
    wire = json.loads(r.stdout)
    assert wire["Encryption"]["EncryptList"] == [] and wire["BizToken"] == "t"
    r = run("decrypt", "--private-key", KEYS["AES-256-CBC"][1], "--private-key", KEYS["SM4-GCM"][1], "--session-out", tmp_path / "server.json", input=r.stdout)
    assert r.exit_code == 0 and json.loads(r.stdout) == {"BizToken": "t", "IsEncryptResponse": True}
    response = {"Response": {"Text": {"IdCard": "1", "Name": "n"}, "RequestId": "r"}}
    r = run("encrypt-response", "--session", tmp_path / "server.json", "--field", "Response.Text.IdCard", input=json.dumps(response))
    assert json.loads(r.stdout)["Response"]["Text"]["IdCard"] != "1"
    r = run("decrypt-response", "--session", tmp_path / "client.json", input=r.stdout)
    assert r.exit_code == 0 and json.loads(r.stdout) == response and r.stderr == ""


def test_decrypt_response_reports_an_api_error_and_notes_a_clear_response(tmp_path: Path):
    session = tmp_path / "s.json"
    session.write_text(json.dumps(ocrcrypto.Session.new("SM4-GCM").to_dict()))
    error = {"Response": {"Error": {"Code": "FailedOperation.ImageDecodeFailed", "Message": "bad\nimage"}, "RequestId": "r"}}
    r = run("decrypt-response", "--session", session, input=json.dumps(error))
    assert r.exit_code == 1 and json.loads(r.stdout) == error
    assert r.stderr == "error: the API answered an error: FailedOperation.ImageDecodeFailed: bad\\nimage\n"
    r = run("decrypt-response", "--session", session, input='{"Response":{"Result":"0","RequestId":"r"}}')
    assert r.exit_code == 0 and "note: this response carries no encryption" in r.stderr


def test_errors_name_the_input_file(tmp_path: Path):
    bad = tmp_path / "wire.json"
    bad.write_text("{")
    r = run("decrypt", bad, "--private-key", KEYS["SM4-GCM"][1])
    assert r.exit_code == 1 and r.stderr.startswith(f"error: {bad}: not valid JSON")


def test_reading_from_a_terminal_says_so(tmp_path: Path):
    import pty

    session = tmp_path / "s.json"
    session.write_text(json.dumps(ocrcrypto.Session.new("SM4-GCM").to_dict()))
    controller, terminal = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "ocrcrypto", "decrypt-response", "--session", str(session)],
                               stdin=terminal, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    os.close(terminal)
    os.write(controller, b'{"Response":{"RequestId":"r"}}\n\x04')
    out, err = process.communicate(timeout=60)
    os.close(controller)
    assert process.returncode == 0, err
    assert err.decode().startswith("reading JSON from the terminal; end it with Ctrl-D")
    assert json.loads(out) == {"Response": {"RequestId": "r"}}


def test_actions_lists_the_catalogue():
    r = run("actions")
    lines = r.stdout.strip().splitlines()
    assert r.exit_code == 0 and len(lines) == 25
    assert any(line.startswith("IdCardVerification") and "field: Name, IdCard" in line for line in lines)
    assert any(line.startswith("PhoneVerification ") and "not supported" in line for line in lines)
    listed = json.loads(run("actions", "--json").stdout)
    assert [a["Action"] for a in listed] == ocrcrypto.actions.names()
    assert {a["Mode"] for a in listed} == {"body", "field", "response-only", "kms"}
