"""The local emulator, end to end through the official SDK, raw HTTP for what the SDK never sends,
under load, and as the `ocrcrypto serve` command."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import pytest

pytest.importorskip("tencentcloud.ocr.v20181119", reason="the official SDK is not installed (pip install -e '.[test]')")
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException  # noqa: E402
from tencentcloud.ocr.v20181119 import models  # noqa: E402

import ocrcrypto  # noqa: E402
from ocrcrypto import emulator  # noqa: E402
from ocrcrypto.tencentcloud import encrypted_call  # noqa: E402

from .conftest import DATA, sdk_client  # noqa: E402

ACTION = "RecognizeEncryptedIDCardOCR"
FIXTURE_URL = "https://example.com/fixture-front.jpg"
FIXTURE_IMAGE = b"\x89PNG fixture image bytes"
FIXTURES = {
    FIXTURE_URL: {"Name": "FIXTURE URL", "IdNum": "110101199001011234"},
    hashlib.sha256(FIXTURE_IMAGE).hexdigest(): {"Name": "FIXTURE IMAGE", "IdNum": "110101199001015678", "Authority": "X"},
}


def _public(keypairs, algorithm):
    return keypairs[algorithm][0]


@pytest.mark.parametrize("algorithm", ["AES-256-CBC", "SM4-GCM"])
@pytest.mark.parametrize("source", ["ImageUrl", "ImageBase64"])
@pytest.mark.parametrize("side", ["FRONT", "BACK"])
@pytest.mark.parametrize("fixture", [True, False], ids=["fixture", "default"])
def test_end_to_end_with_the_sdk(emulator_server, keypairs, algorithm, source, side, fixture):
    _, endpoint = emulator_server(fixtures=FIXTURES)
    if source == "ImageUrl":
        params = {"ImageUrl": FIXTURE_URL if fixture else "https://example.com/other.jpg"}
    else:
        params = {"ImageBase64": base64.b64encode(FIXTURE_IMAGE if fixture else b"other image").decode()}
    params.update(CardSide=side, Config='{"TempIdWarn":true,"CropIdCard":false}')
    result = encrypted_call(sdk_client(endpoint), ACTION, params, _public(keypairs, algorithm), algorithm=algorithm)
    assert "EncryptedBody" not in result and "Encryption" not in result
    assert re.fullmatch(r"[0-9a-f-]{36}", result["RequestId"])
    if fixture:
        expected = FIXTURES[FIXTURE_URL if source == "ImageUrl" else hashlib.sha256(FIXTURE_IMAGE).hexdigest()]
        assert {k: result[k] for k in expected} == expected
    elif side == "FRONT":
        assert result["Name"] == "EMULATOR TEST" and result["IdNum"] == "000000190001010000"
    else:
        assert result["Authority"].startswith("ocrcrypto emulator") and result["Name"] == ""


def test_response_is_in_the_vendor_shape_and_encrypted(emulator_server, keypairs):
    _, endpoint = emulator_server()
    wire, session = ocrcrypto.encrypt_request({"ImageUrl": "https://example.com/a.jpg"}, _public(keypairs, "SM4-GCM"), "SM4-GCM")
    request = models.RecognizeEncryptedIDCardOCRRequest()
    request.from_json_string(json.dumps(wire))
    raw = json.loads(sdk_client(endpoint).RecognizeEncryptedIDCardOCR(request).to_json_string())
    assert raw["Name"] == "" and raw["IdNum"] == "" and raw["EncryptedBody"]
    assert raw["Encryption"]["Algorithm"] == "SM4-GCM" and raw["Encryption"]["CiphertextBlob"] == wire["Encryption"]["CiphertextBlob"]
    assert session.decrypt_response(raw)["Name"] == "EMULATOR TEST"


@pytest.mark.parametrize(
    "secret_id, secret_key, code",
    [
        (None, "wrong secret key", "AuthFailure.SignatureFailure"),
        ("AKIDunknown", None, "AuthFailure.SecretIdNotFound"),
    ],
)
def test_wrong_credentials(emulator_server, keypairs, secret_id, secret_key, code):
    _, endpoint = emulator_server()
    with pytest.raises(TencentCloudSDKException) as info:
        encrypted_call(sdk_client(endpoint, secret_id, secret_key), ACTION, {"ImageUrl": FIXTURE_URL}, _public(keypairs, "SM4-GCM"), "SM4-GCM")
    assert info.value.code == code and info.value.requestId


def _flip_b64(value: str, index: int = -1) -> str:
    raw = bytearray(base64.b64decode(value))
    raw[index] ^= 1
    return base64.b64encode(bytes(raw)).decode()


TAMPERINGS = {
    "tag": lambda w: w["Encryption"].update(TagList=[_flip_b64(w["Encryption"]["TagList"][0])]) if w["Encryption"]["TagList"] else w["Encryption"].update(CiphertextBlob=_flip_b64(w["Encryption"]["CiphertextBlob"], 5)),
    "body-last-byte": lambda w: w.update(EncryptedBody=_flip_b64(w["EncryptedBody"])),
    "body-first-byte": lambda w: w.update(EncryptedBody=_flip_b64(w["EncryptedBody"], 0)),
    "blob": lambda w: w["Encryption"].update(CiphertextBlob=_flip_b64(w["Encryption"]["CiphertextBlob"], 20)),
    "iv": lambda w: w["Encryption"].update(Iv=_flip_b64(w["Encryption"]["Iv"], 0)),
}


@pytest.mark.parametrize("algorithm", ["AES-256-CBC", "SM4-GCM"])
@pytest.mark.parametrize("tamper", list(TAMPERINGS))
def test_tampered_envelope_gets_the_uniform_error(emulator_server, keypairs, algorithm, tamper):
    _, endpoint = emulator_server()
    wire, _ = ocrcrypto.encrypt_request({"ImageUrl": FIXTURE_URL, "CardSide": "FRONT"}, _public(keypairs, algorithm), algorithm)
    TAMPERINGS[tamper](wire)
    request = models.RecognizeEncryptedIDCardOCRRequest()
    request.from_json_string(json.dumps(wire))
    with pytest.raises(TencentCloudSDKException) as info:
        sdk_client(endpoint).RecognizeEncryptedIDCardOCR(request)
    assert (info.value.code, info.value.message) == ("FailedOperation", emulator.UNDECRYPTABLE)


def test_wrong_service_key_gets_the_uniform_error(emulator_server):
    _, endpoint = emulator_server()
    other = ocrcrypto.generate_private_key("SM2")
    with pytest.raises(TencentCloudSDKException) as info:
        encrypted_call(sdk_client(endpoint), ACTION, {"ImageUrl": FIXTURE_URL}, ocrcrypto.public_key_of(other), "SM4-GCM")
    assert (info.value.code, info.value.message) == ("FailedOperation", emulator.UNDECRYPTABLE)


def test_qps_limit(emulator_server, keypairs):
    now = time.time()
    _, endpoint = emulator_server(qps=3, clock=lambda: now)
    client = sdk_client(endpoint)
    codes = []
    for _ in range(5):
        try:
            encrypted_call(client, ACTION, {"ImageUrl": FIXTURE_URL}, _public(keypairs, "AES-256-CBC"))
            codes.append("OK")
        except TencentCloudSDKException as exc:
            codes.append(exc.code)
    assert codes == ["OK", "OK", "OK", "RequestLimitExceeded", "RequestLimitExceeded"]


def test_qps_window_moves_on(emulator_server, keypairs):
    clock = [time.time()]
    _, endpoint = emulator_server(qps=1, clock=lambda: clock[0])
    client = sdk_client(endpoint)
    encrypted_call(client, ACTION, {"ImageUrl": FIXTURE_URL}, _public(keypairs, "AES-256-CBC"))
    clock[0] += 1.0
    assert encrypted_call(client, ACTION, {"ImageUrl": FIXTURE_URL}, _public(keypairs, "AES-256-CBC"))["Name"] == "EMULATOR TEST"


@pytest.mark.parametrize(
    "params, code",
    [
        ({"ImageUrl": FIXTURE_URL, "ImageBase64": "AAAA"}, "InvalidParameterValue"),
        ({"CardSide": "FRONT"}, "InvalidParameterValue"),
        ({"ImageUrl": FIXTURE_URL, "CardSide": "LEFT"}, "FailedOperation.CardSideError"),
        ({"ImageUrl": FIXTURE_URL, "Config": "{not json"}, "InvalidParameter.ConfigFormatError"),
        ({"ImageUrl": FIXTURE_URL, "Config": '["TempIdWarn"]'}, "InvalidParameter.ConfigFormatError"),
        ({"ImageUrl": FIXTURE_URL, "Config": '{"NoSuchWarn":true}'}, "InvalidParameterValue"),
        ({"ImageUrl": FIXTURE_URL, "Config": '{"TempIdWarn":"yes"}'}, "InvalidParameterValue"),
        ({"ImageUrl": "ftp://example.com/a.jpg"}, "InvalidParameterValue"),
        ({"ImageBase64": "data:image/jpeg;base64,/9j/4AAQ"}, "FailedOperation.ImageDecodeFailed"),
        ({"ImageBase64": "/9j/\n4AAQ"}, "FailedOperation.ImageDecodeFailed"),
        ({"ImageBase64": "A" * (7 * 1024 * 1024 + 4)}, "LimitExceeded.TooLargeFileError"),
    ],
)
def test_parameter_checks(emulator_server, keypairs, params, code):
    _, endpoint = emulator_server()
    with pytest.raises(TencentCloudSDKException) as info:
        encrypted_call(sdk_client(endpoint), ACTION, params, _public(keypairs, "SM4-GCM"), "SM4-GCM")
    assert info.value.code == code


# -- raw HTTP: what the SDK never sends --------------------------------------------------------------


def _signed(endpoint, body: bytes, *, action=ACTION, version="2018-11-19", secret_key=emulator.DEFAULT_SECRET_KEY, timestamp=None,
            content_type="application/json", method="POST", authorization=None):
    timestamp = int(time.time()) if timestamp is None else timestamp
    date = datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%d")
    canonical = f"{method}\n/\n\ncontent-type:{content_type}\nhost:{endpoint}\n\ncontent-type;host\n{hashlib.sha256(body).hexdigest()}"
    to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{date}/ocr/tc3_request\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    signature = emulator.tc3_signature(secret_key, date, "ocr", to_sign)
    headers = {
        "Content-Type": content_type, "Host": endpoint, "X-TC-Action": action, "X-TC-Version": version,
        "X-TC-Timestamp": str(timestamp), "X-TC-Region": "ap-guangzhou",
        "Authorization": authorization or f"TC3-HMAC-SHA256 Credential={emulator.DEFAULT_SECRET_ID}/{date}/ocr/tc3_request, "
                                          f"SignedHeaders=content-type;host, Signature={signature}",
    }
    request = urllib.request.Request(f"http://{endpoint}/", data=body if method == "POST" else None, headers=headers, method=method)
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.headers["Content-Type"] == "application/json"
        return json.loads(response.read())["Response"]


def test_signing_in_the_test_matches_the_sdk(emulator_server, keypairs):
    """The raw-request helper signs like the SDK: a valid request passes."""
    _, endpoint = emulator_server()
    wire, session = ocrcrypto.encrypt_request({"ImageUrl": FIXTURE_URL}, _public(keypairs, "SM4-GCM"), "SM4-GCM")
    answer = _signed(endpoint, json.dumps(wire).encode())
    assert session.decrypt_response(answer)["Name"] == "EMULATOR TEST"


@pytest.mark.parametrize(
    "kwargs, body, code",
    [
        ({"action": "IDCardOCR"}, b"{}", "InvalidAction"),
        ({"version": "2017-01-01"}, b"{}", "NoSuchVersion"),
        ({"timestamp": int(time.time()) - 3600}, b"{}", "AuthFailure.SignatureExpire"),
        ({"authorization": "Basic dXNlcjpwYXNz"}, b"{}", "AuthFailure.InvalidAuthorization"),
        ({"secret_key": "nope"}, b"{}", "AuthFailure.SignatureFailure"),
        ({"content_type": "application/x-www-form-urlencoded"}, b"a=b", "InvalidParameter"),
        ({}, b"not json", "InvalidParameter"),
        ({}, b"[1, 2]", "InvalidParameter"),
        ({}, b'{"ImageUrl": "https://x/a.jpg"}', "MissingParameter"),
        ({}, b'{"EncryptedBody": "AA==", "Encryption": {"Algorithm": 5}}', "InvalidParameterValue"),
        ({}, b'{"EncryptedBody": "AA==", "Encryption": {"EncryptList": ["EncryptedBody"], "Algorithm": "SM4-CBC"}}', "InvalidParameterValue"),
        ({}, b'{"EncryptedBody": "%%", "Encryption": {"EncryptList": ["EncryptedBody"], "Algorithm": "SM4-GCM", "Iv": "AAAAAAAAAAAAAAAA", "CiphertextBlob": "AA==", "TagList": ["AA=="]}}', "InvalidParameterValue"),
        ({}, b"\xff\xfe", "InvalidParameter"),
        ({}, b'{"EncryptedBody": "AA==", "EncryptedBody": "AQ=="}', "InvalidParameter"),
    ],
)
def test_transport_and_shape_errors(emulator_server, kwargs, body, code):
    _, endpoint = emulator_server()
    assert _signed(endpoint, body, **kwargs)["Error"]["Code"] == code


def test_unknown_parameter_and_missing_key(emulator_server, keypairs, rsa_private):
    _, endpoint = emulator_server()
    wire, _ = ocrcrypto.encrypt_request({"ImageUrl": FIXTURE_URL, "Color": "red"}, _public(keypairs, "SM4-GCM"), "SM4-GCM")
    assert _signed(endpoint, json.dumps(wire).encode())["Error"]["Code"] == "UnknownParameter"
    _, rsa_only = emulator_server(private_keys=[rsa_private])
    wire, _ = ocrcrypto.encrypt_request({"ImageUrl": FIXTURE_URL}, _public(keypairs, "SM4-GCM"), "SM4-GCM")
    error = _signed(rsa_only, json.dumps(wire).encode())["Error"]
    assert error["Code"] == "InvalidParameterValue" and "no SM2 private key" in error["Message"]


def test_garbage_does_not_kill_it(emulator_server, keypairs):
    _, endpoint = emulator_server()
    host, port = endpoint.split(":")
    import socket

    for junk in (b"GARBAGE\r\n\r\n", b"POST / HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n", b"POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n", b""):
        with socket.create_connection((host, int(port)), timeout=10) as s:
            s.sendall(junk)
            s.shutdown(socket.SHUT_WR)
            s.recv(65536)
    wire, _ = ocrcrypto.encrypt_request({"ImageUrl": FIXTURE_URL}, _public(keypairs, "AES-256-CBC"))
    assert "Error" not in _signed(endpoint, json.dumps(wire).encode())


def test_handle_survives_an_internal_fault(rsa_private, capsys):
    class Broken(emulator.Emulator):
        def _recognize(self, body, request_id):
            raise RuntimeError("boom")

    em = Broken(private_keys=[rsa_private])
    em._check_signature = lambda *a: None  # type: ignore[assignment]
    answer = em.handle("POST", "/", {"Content-Type": "application/json", "X-TC-Action": ACTION, "X-TC-Version": "2018-11-19"}, b"{}")
    assert answer["Response"]["Error"] == {"Code": "InternalError", "Message": "Internal error."}
    assert "boom" in capsys.readouterr().err


def test_repr_shows_no_secret(rsa_private):
    em = emulator.Emulator(private_keys=[rsa_private], secret_key="s3cr3t-value")
    assert "s3cr3t-value" not in repr(em)


# -- under load ------------------------------------------------------------------------------------


def test_eight_concurrent_sdk_clients(emulator_server, keypairs):
    fixtures = {f"https://example.com/load/{i}.jpg": {"Name": f"PERSON {i}", "IdNum": f"{i:018d}"} for i in range(400)}
    _, endpoint = emulator_server(fixtures=fixtures)
    algorithms = ["AES-256-CBC", "SM4-GCM"]

    def worker(w: int):
        client = sdk_client(endpoint)
        results = []
        for i in range(w, 400, 8):
            algorithm = algorithms[i % 2]
            result = encrypted_call(client, ACTION, {"ImageUrl": f"https://example.com/load/{i}.jpg", "CardSide": "FRONT"},
                                    _public(keypairs, algorithm), algorithm)
            results.append((i, result["Name"], result["IdNum"]))
        return results

    stop = threading.Event()
    bad_answers = []

    def saboteur():
        client = sdk_client(endpoint, secret_key="wrong")
        tampered_client = sdk_client(endpoint)
        while not stop.is_set():
            for call in (
                lambda: encrypted_call(client, ACTION, {"ImageUrl": FIXTURE_URL}, _public(keypairs, "SM4-GCM"), "SM4-GCM"),
                lambda: _tampered_call(tampered_client, keypairs),
            ):
                try:
                    call()
                    bad_answers.append("accepted")
                except TencentCloudSDKException as exc:
                    bad_answers.append(exc.code)

    sabotage = threading.Thread(target=saboteur)
    sabotage.start()
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = [r for batch in pool.map(worker, range(8)) for r in batch]
    stop.set()
    sabotage.join(timeout=60)
    assert len(results) == 400
    assert all((name, idnum) == (f"PERSON {i}", f"{i:018d}") for i, name, idnum in results)
    assert bad_answers and set(bad_answers) <= {"AuthFailure.SignatureFailure", "FailedOperation"}


def _tampered_call(client, keypairs):
    wire, _ = ocrcrypto.encrypt_request({"ImageUrl": FIXTURE_URL}, _public(keypairs, "SM4-GCM"), "SM4-GCM")
    wire["EncryptedBody"] = _flip_b64(wire["EncryptedBody"])
    request = models.RecognizeEncryptedIDCardOCRRequest()
    request.from_json_string(json.dumps(wire))
    client.RecognizeEncryptedIDCardOCR(request)


# -- the command ---------------------------------------------------------------------------------


def test_serve_command(tmp_path, keypairs):
    fixtures = tmp_path / "fixtures.json"
    fixtures.write_text(json.dumps({FIXTURE_URL: {"Name": "FROM FILE"}}))
    process = subprocess.Popen(
        [sys.executable, "-m", "ocrcrypto", "serve", "--private-key", str(DATA / "sm2_private_pkcs8.pem"), "--port", "0",
         "--fixtures", str(fixtures), "--secret-id", "AKIDcli", "--secret-key", "cli-key"],
        stderr=subprocess.PIPE, text=True,
    )
    try:
        line = process.stderr.readline()
        match = re.search(r"http://(127\.0\.0\.1:\d+)", line)
        assert match, line
        client = sdk_client(match.group(1), "AKIDcli", "cli-key")
        result = encrypted_call(client, ACTION, {"ImageUrl": FIXTURE_URL}, _public(keypairs, "SM4-GCM"), "SM4-GCM")
        assert result["Name"] == "FROM FILE"
        assert "POST RecognizeEncryptedIDCardOCR -> OK" in process.stderr.readline()
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--fixtures", "{fixtures}"], "--fixtures"),
        (["--port", "99999"], "Invalid value for '--port'"),
        (["--qps", "0"], "Invalid value for '--qps'"),
    ],
)
def test_serve_argument_errors(tmp_path, args, message):
    bad = tmp_path / "bad.json"
    bad.write_text('{"a": 1}')
    from click.testing import CliRunner

    from ocrcrypto.cli import main

    args = [a.replace("{fixtures}", str(bad)) for a in args]
    r = CliRunner().invoke(main, ["serve", "--private-key", str(DATA / "sm2_private_pkcs8.pem"), *args])
    assert r.exit_code in (1, 2) and message in r.stderr


def test_serve_port_in_use(emulator_server):
    from click.testing import CliRunner

    from ocrcrypto.cli import main

    _, endpoint = emulator_server()
    r = CliRunner().invoke(main, ["serve", "--private-key", str(DATA / "sm2_private_pkcs8.pem"), "--port", endpoint.split(":")[1]])
    assert r.exit_code == 1 and r.stderr.startswith("error: cannot listen on 127.0.0.1:")


def test_load_fixtures():
    assert emulator.load_fixtures('{"https://x/a.jpg": {"Name": "A"}}') == {"https://x/a.jpg": {"Name": "A"}}
    for bad in ('["x"]', '{"a": 1}', "{"):
        with pytest.raises(ValueError):
            emulator.load_fixtures(bad)


def _bare_headers(**extra):
    headers = {"Content-Type": "application/json", "X-TC-Action": ACTION, "X-TC-Version": "2018-11-19"}
    headers.update(extra)
    return headers


@pytest.mark.parametrize(
    "path, headers, code",
    [
        ("/other", _bare_headers(), "InvalidParameter"),
        ("/", {"Content-Type": "application/json", "X-TC-Version": "2018-11-19"}, "MissingParameter"),
        ("/", _bare_headers(Authorization=f"TC3-HMAC-SHA256 Credential={emulator.DEFAULT_SECRET_ID}/2026-01-01/ocr/tc3_request, "
                                          f"SignedHeaders=content-type;host, Signature={'0' * 64}", **{"X-TC-Timestamp": "soon"}),
         "MissingParameter"),
        ("/", _bare_headers(Authorization=f"TC3-HMAC-SHA256 Credential={emulator.DEFAULT_SECRET_ID}/2026-01-01/ocr/tc3_request, "
                                          f"SignedHeaders=content-type, Signature={'0' * 64}", **{"X-TC-Timestamp": str(int(time.time()))}),
         "AuthFailure.InvalidAuthorization"),
    ],
    ids=["unknown-path", "no-action", "bad-timestamp", "host-not-signed"],
)
def test_handle_transport_errors(rsa_private, path, headers, code):
    answer = emulator.Emulator(private_keys=[rsa_private]).handle("POST", path, headers, b"{}")
    assert answer["Response"]["Error"]["Code"] == code


def test_request_log_line(emulator_server, keypairs, capfd):
    from ocrcrypto.emulator import Emulator, make_server

    server = make_server(Emulator(private_keys=[keypairs["AES-256-CBC"][1]]), "127.0.0.1", 0, quiet=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        encrypted_call(sdk_client(f"127.0.0.1:{server.server_address[1]}"), ACTION, {"ImageUrl": FIXTURE_URL}, _public(keypairs, "AES-256-CBC"))
    finally:
        server.shutdown()
        server.server_close()
    assert "POST RecognizeEncryptedIDCardOCR -> OK" in capfd.readouterr().err
