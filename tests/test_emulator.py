"""The local emulator: every catalogued action end to end through the official SDKs' OCR and FaceID
clients, raw HTTP for what the SDKs never send, the server's keep-alive, caps, timeouts and faults,
the diagnostics, and the `ocrcrypto serve` command."""

from __future__ import annotations

import base64
import errno
import hashlib
import http.client
import io
import json
import re
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import pytest

pytest.importorskip("tencentcloud.ocr.v20181119", reason="the official SDK is not installed (pip install -e '.[test]')")
pytest.importorskip("tencentcloud.faceid.v20180301", reason="the official FaceID SDK is not installed (pip install -e '.[test]')")
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException  # noqa: E402
from tencentcloud.faceid.v20180301 import models as faceid_models  # noqa: E402
from tencentcloud.ocr.v20181119 import models  # noqa: E402

import ocrcrypto  # noqa: E402
from ocrcrypto import actions, emulator  # noqa: E402
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
        ({"CardSide": "FRONT"}, "MissingParameter"),
        ({"ImageUrl": FIXTURE_URL, "CardSide": "LEFT"}, "FailedOperation.CardSideError"),
        ({"ImageUrl": FIXTURE_URL, "Config": "{not json"}, "InvalidParameter.ConfigFormatError"),
        ({"ImageUrl": FIXTURE_URL, "Config": '["TempIdWarn"]'}, "InvalidParameter.ConfigFormatError"),
        ({"ImageUrl": FIXTURE_URL, "Config": '{"NoSuchWarn":true}'}, "InvalidParameterValue"),
        ({"ImageUrl": FIXTURE_URL, "Config": '{"TempIdWarn":"yes"}'}, "InvalidParameterValue"),
        ({"ImageUrl": "ftp://example.com/a.jpg"}, "InvalidParameterValue"),
        ({"ImageBase64": "data:image/jpeg;base64,/9j/4AAQ"}, "FailedOperation.ImageDecodeFailed"),
        ({"ImageBase64": "/9j/\n4AAQ"}, "FailedOperation.ImageDecodeFailed"),
        ({"ImageBase64": "A" * (10 * 1024 * 1024 + 4)}, "LimitExceeded.TooLargeFileError"),
    ],
    ids=["no-image", "card-side", "config-not-json", "config-array", "config-flag", "config-value", "ftp-url",
         "data-prefix", "line-break", "over-10MB"],
)
def test_parameter_checks(emulator_server, keypairs, params, code):
    _, endpoint = emulator_server()
    with pytest.raises(TencentCloudSDKException) as info:
        encrypted_call(sdk_client(endpoint), ACTION, params, _public(keypairs, "AES-256-CBC"))
    assert info.value.code == code


def test_ocr_fidelity_to_the_current_docs(emulator_server, keypairs):
    """ImageBase64 up to 10 MB; both ImageUrl and ImageBase64: the URL is used; CardSide optional (front)."""
    _, endpoint = emulator_server(fixtures=FIXTURES)
    client, key = sdk_client(endpoint), _public(keypairs, "AES-256-CBC")
    both = encrypted_call(client, ACTION, {"ImageUrl": FIXTURE_URL, "ImageBase64": "not even base64"}, key)
    assert both["Name"] == "FIXTURE URL"
    big = base64.b64encode(b"\0" * (10 * 1024 * 1024 // 4 * 3)).decode()
    assert len(big) == 10 * 1024 * 1024
    assert encrypted_call(client, ACTION, {"ImageBase64": big}, key)["Name"] == "EMULATOR TEST"
    assert encrypted_call(client, ACTION, {"ImageUrl": "https://example.com/x.jpg"}, key)["IdNum"] == "000000190001010000"


# -- every catalogued action, each mode through the official FaceID client ------------------------------------


def faceid_client(endpoint, secret_id=None, secret_key=None):
    """The official SDK's FaceID client, pointed at an emulator like sdk_client does for OCR."""
    from tencentcloud.common import credential
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile
    from tencentcloud.faceid.v20180301 import faceid_client as module

    cred = credential.Credential(secret_id or emulator.DEFAULT_SECRET_ID, secret_key or emulator.DEFAULT_SECRET_KEY)
    return module.FaceidClient(cred, "ap-guangzhou", ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint=endpoint, reqTimeout=30)))


def faceid_call(endpoint, action, wire):
    """Fill the SDK's request model with the wire JSON, call the action, return the response as a dict."""
    request = getattr(faceid_models, f"{action}Request")()
    request.from_json_string(json.dumps(wire))
    return json.loads(getattr(faceid_client(endpoint), action)(request).to_json_string())


def _minimal_params(action):
    """Params that satisfy the action's required groups, plus every encryptable field (strings)."""
    params = {group[0]: "1" for group in action.required}
    if action.mode == actions.FIELD:
        params.update({name: f"value of {name}" for name in action.fields})
    return params


@pytest.mark.parametrize("name", actions.supported())
@pytest.mark.parametrize("algorithm", ["AES-256-CBC", "SM4-GCM"])
def test_every_supported_action_is_served(emulator_server, keypairs, name, algorithm):
    action = actions.get(name)
    _, endpoint = emulator_server()
    params = {"ImageUrl": FIXTURE_URL} if name == ACTION else _minimal_params(action)
    fields = {actions.BODY: None, actions.FIELD: list(action.fields), actions.RESPONSE_ONLY: []}[action.mode]
    if action.response_flags:
        params[action.response_flags[0]] = True
    wire, session = ocrcrypto.encrypt_request(params, _public(keypairs, algorithm), algorithm, fields)
    answer = _signed(endpoint, json.dumps(wire).encode(), action=name, version=action.version, service=action.product)
    assert "Error" not in answer, answer
    way = action.response_encryption(params)
    if way is None:
        assert answer == {**action.result, "RequestId": answer["RequestId"]}
    else:
        assert answer["Encryption"]["Algorithm"] == algorithm
        opened = session.decrypt_response(answer)
        assert {k: opened[k] for k in action.result} == dict(action.result)


@pytest.mark.parametrize("algorithm", ["AES-256-CBC", "SM4-GCM"])
def test_body_mode_through_the_faceid_client(emulator_server, keypairs, algorithm):
    em, endpoint = emulator_server(received=[])
    wire, _ = ocrcrypto.encrypt_request({"FaceInput": "AAAA", "FaceInputType": 1}, _public(keypairs, algorithm), algorithm)
    answer = faceid_call(endpoint, "DetectAIFakeFaces", wire)
    assert answer["AttackRiskLevel"] == "Low" and "EncryptedBody" not in answer  # its answer comes in clear
    (received,) = em.received
    assert (received.action, received.params, received.algorithm) == ("DetectAIFakeFaces", {"FaceInput": "AAAA", "FaceInputType": 1}, algorithm)


def test_body_mode_must_be_encrypted(emulator_server, keypairs):
    _, endpoint = emulator_server()
    with pytest.raises(TencentCloudSDKException) as info:
        faceid_call(endpoint, "DetectAIFakeFaces", {"FaceInput": "AAAA", "FaceInputType": 1})
    assert info.value.code == "MissingParameter"
    wire, _ = ocrcrypto.encrypt_request({"FaceInput": "AAAA", "FaceInputType": 1}, _public(keypairs, "SM4-GCM"), "SM4-GCM", ["FaceInput"])
    with pytest.raises(TencentCloudSDKException) as info:
        faceid_call(endpoint, "DetectAIFakeFaces", wire)
    assert info.value.code == "MissingParameter"


@pytest.mark.parametrize("algorithm", ["AES-256-CBC", "SM4-GCM"])
def test_field_mode_through_the_faceid_client(emulator_server, keypairs, algorithm):
    em, endpoint = emulator_server(received=[], fixtures={"IdCardVerification": {"Result": "-1", "Description": "FIXTURE"}})
    params = {"Name": "张三", "IdCard": "11010119900101123X"}
    wire, _ = ocrcrypto.encrypt_request(params, _public(keypairs, algorithm), algorithm, ["Name", "IdCard"])
    assert wire["Name"] != params["Name"]
    answer = faceid_call(endpoint, "IdCardVerification", wire)
    assert (answer["Result"], answer["Description"]) == ("-1", "FIXTURE")
    (received,) = em.received
    assert received.params == params and received.encrypt_list == ("Name", "IdCard") and received.algorithm == algorithm


def test_field_mode_in_clear_and_partly_encrypted(emulator_server, keypairs):
    em, endpoint = emulator_server(received=[])
    params = {"Name": "张三", "IdCard": "11010119900101123X"}
    assert faceid_call(endpoint, "IdCardVerification", params)["Result"] == "0"  # the vendor takes these in clear too
    wire, _ = ocrcrypto.encrypt_request(params, _public(keypairs, "SM4-GCM"), "SM4-GCM", ["IdCard"])
    assert faceid_call(endpoint, "IdCardVerification", wire)["Result"] == "0"
    assert [(r.params, r.algorithm, r.encrypt_list) for r in em.received] == [(params, None, ()), (params, "SM4-GCM", ("IdCard",))]


@pytest.mark.parametrize(
    "action, params, fields, code",
    [
        ("DetectAuth", {"RuleId": "1", "Name": "A"}, ["RuleId"], "InvalidParameterValue"),  # RuleId is not encryptable
        ("IdCardVerification", {"Name": "A"}, ["Name"], "MissingParameter"),
        ("GetFaceIdResult", {"FaceIdToken": "t"}, ["FaceIdToken"], "InvalidParameterValue"),  # response-only: nothing encrypted
        ("GetFaceIdResult", {"IsEncryptResponse": True}, [], "MissingParameter"),
    ],
    ids=["field-not-encryptable", "field-missing-required", "response-only-encrypted-field", "response-only-missing-required"],
)
def test_mode_and_param_errors_through_the_faceid_client(emulator_server, keypairs, action, params, fields, code):
    em, endpoint = emulator_server(received=[])
    wire, _ = ocrcrypto.encrypt_request(params, _public(keypairs, "SM4-GCM"), "SM4-GCM", fields)
    with pytest.raises(TencentCloudSDKException) as info:
        faceid_call(endpoint, action, wire)
    assert info.value.code == code
    assert [r.error for r in em.received] in ([], [code])  # recorded when it was opened, with its error


@pytest.mark.parametrize("algorithm", ["AES-256-CBC", "SM4-GCM"])
def test_response_only_through_the_faceid_client(emulator_server, keypairs, algorithm):
    em, endpoint = emulator_server(received=[], fixtures={"GetFaceIdResult": {"Name": "FIXTURE NAME"}})
    key = _public(keypairs, algorithm)
    wire, session = ocrcrypto.encrypt_request({"FaceIdToken": "tok", "IsEncryptResponse": True}, key, algorithm, [])
    raw = faceid_call(endpoint, "GetFaceIdResult", wire)
    assert raw["EncryptedBody"] and raw["Name"] == "" and raw["Encryption"]["Algorithm"] == algorithm
    opened = session.decrypt_response(raw)
    assert opened["Name"] == "FIXTURE NAME" and opened["IdCard"] == "000000190001010000"
    # IsEncrypt: only the named fields come back encrypted.
    wire, session = ocrcrypto.encrypt_request({"ImageUrl": "https://example.com/a.jpg", "IsEncrypt": True}, key, algorithm, [])
    raw = faceid_call(endpoint, "CheckIdCardInformation", wire)
    assert raw["Encryption"]["EncryptList"] == ["Response.IdNum", "Response.Name"] and raw["Sex"] == "-"
    assert raw["IdNum"] != "000000190001010000" and session.decrypt_response(raw)["IdNum"] == "000000190001010000"
    # Without a flag the answer is in clear, with or without the block; a flag without the block is an error.
    assert faceid_call(endpoint, "GetFaceIdResult", {"FaceIdToken": "tok"})["Name"] == "FIXTURE NAME"
    wire, _ = ocrcrypto.encrypt_request({"FaceIdToken": "tok"}, key, algorithm, [])
    assert faceid_call(endpoint, "GetFaceIdResult", wire)["Result"] == "0"
    with pytest.raises(TencentCloudSDKException) as info:
        faceid_call(endpoint, "GetFaceIdResult", {"FaceIdToken": "tok", "IsEncryptResponse": True})
    assert info.value.code == "MissingParameter" and "IsEncryptResponse" in info.value.message
    assert [r.algorithm for r in em.received] == [algorithm, algorithm, None, algorithm, None]


def test_a_fixture_that_breaks_the_answer_is_named(emulator_server, keypairs):
    _, endpoint = emulator_server(fixtures={"CheckIdCardInformation": {"IdNum": 12}})
    wire, _ = ocrcrypto.encrypt_request({"ImageUrl": "https://example.com/a.jpg", "IsEncrypt": True}, _public(keypairs, "SM4-GCM"), "SM4-GCM", [])
    with pytest.raises(TencentCloudSDKException) as info:
        faceid_call(endpoint, "CheckIdCardInformation", wire)
    assert info.value.code == "FailedOperation" and "fixtures of CheckIdCardInformation" in info.value.message


def test_actions_outside_the_catalogue(emulator_server):
    _, endpoint = emulator_server()
    assert _signed(endpoint, b"{}", action="PhoneVerification", version="2018-03-01", service="faceid")["Error"]["Code"] == "UnsupportedOperation"
    assert _signed(endpoint, b"{}", action="IdCardVerification", version="2018-11-19", service="faceid")["Error"]["Code"] == "NoSuchVersion"
    assert _signed(endpoint, b"{}", action="IdCardVerificationV9", service="faceid")["Error"]["Code"] == "InvalidAction"


def test_unknown_parameters(emulator_server, keypairs, monkeypatch):
    _, endpoint = emulator_server()
    wire, _ = ocrcrypto.encrypt_request({"ImageUrl": FIXTURE_URL, "Color": "red"}, _public(keypairs, "SM4-GCM"), "SM4-GCM")
    error = _signed(endpoint, json.dumps(wire).encode())["Error"]
    assert error["Code"] == "UnknownParameter" and "Color" in error["Message"]
    # Field and response-only actions: the allowed params are the catalogue's Action.params (the SDK
    # request model's fields); until the catalogue has them, only the body-mode actions are checked.
    action = actions.get("IdCardVerification")
    if not hasattr(action, "params"):
        class WithParams:
            def __init__(self, inner):
                self._inner = inner
                self.params = ("Name", "IdCard", "Encryption")

            def __getattr__(self, name):
                return getattr(self._inner, name)

        real_get = actions.get
        monkeypatch.setattr(actions, "get", lambda name: WithParams(real_get(name)) if name == "IdCardVerification" else real_get(name))
    wire = {"Name": "A", "IdCard": "1", "Color": "red"}
    assert _signed(endpoint, json.dumps(wire).encode(), action="IdCardVerification", version="2018-03-01", service="faceid")["Error"]["Code"] == "UnknownParameter"


def test_fixture_table():
    sha = hashlib.sha256(b"x").hexdigest()
    good = {"https://x/a.jpg": {"Name": "A"}, sha: {"Name": "B"}, "GetFaceIdResult": {"Name": "C"}}
    assert emulator.load_fixtures(json.dumps(good)) == good
    for bad in ('["x"]', '{"https://x/a.jpg": 1}', "{", '{"NoSuchAction": {}}', '{"ABCDEF": {}}', '{"PhoneVerification": {}}'):
        with pytest.raises(ValueError):
            emulator.load_fixtures(bad)


# -- raw HTTP: what the SDK never sends --------------------------------------------------------------


def _signed_request(endpoint, body: bytes, *, action=ACTION, version=None, secret_key=emulator.DEFAULT_SECRET_KEY, timestamp=None,
                    content_type="application/json", method="POST", authorization=None, service="ocr", signed_host=None):
    """(headers, body) of a request signed like the SDKs sign it."""
    if version is None:
        version = actions.get(action).version if action in actions.supported() else "2018-11-19"
    timestamp = int(time.time()) if timestamp is None else timestamp
    date = datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%d")
    canonical = (f"{method}\n/\n\ncontent-type:{content_type}\nhost:{signed_host or endpoint}\n\ncontent-type;host\n"
                 f"{hashlib.sha256(body).hexdigest()}")
    to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{date}/{service}/tc3_request\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    signature = emulator.tc3_signature(secret_key, date, service, to_sign)
    headers = {
        "Content-Type": content_type, "Host": endpoint, "X-TC-Action": action, "X-TC-Version": version,
        "X-TC-Timestamp": str(timestamp), "X-TC-Region": "ap-guangzhou",
        "Authorization": authorization or f"TC3-HMAC-SHA256 Credential={emulator.DEFAULT_SECRET_ID}/{date}/{service}/tc3_request, "
                                          f"SignedHeaders=content-type;host, Signature={signature}",
    }
    return headers, body


def _signed(endpoint, body: bytes, *, send_body=None, **kwargs):
    headers, body = _signed_request(endpoint, body, **kwargs)
    method = kwargs.get("method", "POST")
    connection = http.client.HTTPConnection(endpoint, timeout=30)
    try:
        connection.request(method, "/", body=send_body if send_body is not None else body if method == "POST" else None, headers=headers)
        response = connection.getresponse()
        assert response.status == 200 and response.headers["Content-Type"] == "application/json"
        return json.loads(response.read())["Response"]
    finally:
        connection.close()


def test_signing_in_the_test_matches_the_sdk(emulator_server, keypairs):
    """The raw-request helper signs like the SDK: a valid request passes."""
    _, endpoint = emulator_server()
    wire, session = ocrcrypto.encrypt_request({"ImageUrl": FIXTURE_URL}, _public(keypairs, "SM4-GCM"), "SM4-GCM")
    answer = _signed(endpoint, json.dumps(wire).encode())
    assert session.decrypt_response(answer)["Name"] == "EMULATOR TEST"


def test_signature_scope_and_host_forms(emulator_server, keypairs):
    """The scope's service as signed (Node and Java sign "127"), the host with or without its port;
    a wrong secret, a changed body or an expired timestamp still fail."""
    _, endpoint = emulator_server()
    wire, _ = ocrcrypto.encrypt_request({"ImageUrl": FIXTURE_URL}, _public(keypairs, "AES-256-CBC"))
    body = json.dumps(wire).encode()
    assert "Error" not in _signed(endpoint, body, service="127")
    assert "Error" not in _signed(endpoint, body, signed_host=endpoint.split(":")[0])
    assert _signed(endpoint, body, signed_host="127.0.0.2")["Error"]["Code"] == "AuthFailure.SignatureFailure"
    assert _signed(endpoint, body, secret_key="wrong")["Error"]["Code"] == "AuthFailure.SignatureFailure"
    assert _signed(endpoint, body, send_body=body.replace(b'"Iv"', b' "Iv"'))["Error"]["Code"] == "AuthFailure.SignatureFailure"
    assert _signed(endpoint, body, timestamp=int(time.time()) - 301)["Error"]["Code"] == "AuthFailure.SignatureExpire"


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
        ({"action": "IdCardVerification"}, b'{"Name": "A", "IdCard": "1", "Encryption": []}', "InvalidParameterValue"),
        ({"action": "GetFaceIdResult"}, b'{"FaceIdToken": "t", "Encryption": {"EncryptList": [], "Algorithm": "AES-256-CBC"}}', "InvalidParameterValue"),
    ],
)
def test_transport_and_shape_errors(emulator_server, kwargs, body, code):
    _, endpoint = emulator_server()
    assert _signed(endpoint, body, **kwargs)["Error"]["Code"] == code


def test_missing_key_of_a_suite(emulator_server, keypairs, rsa_private):
    _, rsa_only = emulator_server(private_keys=[rsa_private])
    wire, _ = ocrcrypto.encrypt_request({"ImageUrl": FIXTURE_URL}, _public(keypairs, "SM4-GCM"), "SM4-GCM")
    error = _signed(rsa_only, json.dumps(wire).encode())["Error"]
    assert error["Code"] == "InvalidParameterValue" and "no SM2 private key" in error["Message"]


def _raw_answer(endpoint, headers, body) -> bytes:
    """The whole HTTP answer, read until the server closes (Connection: close asked)."""
    host, port = endpoint.split(":")
    head = "".join(f"{k}: {v}\r\n" for k, v in {**headers, "Content-Length": str(len(body)), "Connection": "close"}.items())
    with socket.create_connection((host, int(port)), timeout=30) as s:
        s.sendall(f"POST / HTTP/1.1\r\n{head}\r\n".encode() + body)
        chunks = []
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)


def test_every_undecryptable_request_gets_the_same_bytes(emulator_server, keypairs):
    _, endpoint = emulator_server()
    answers = set()
    for algorithm in ("AES-256-CBC", "SM4-GCM"):
        for tamper in TAMPERINGS:
            wire, _ = ocrcrypto.encrypt_request({"ImageUrl": FIXTURE_URL}, _public(keypairs, algorithm), algorithm)
            TAMPERINGS[tamper](wire)
            answers.add(_raw_answer(endpoint, *_signed_request(endpoint, json.dumps(wire).encode())))
        wire, _ = ocrcrypto.encrypt_request({"Name": "A", "IdCard": "1"}, _public(keypairs, algorithm), algorithm, ["Name", "IdCard"])
        wire["IdCard"] = _flip_b64(wire["IdCard"])
        answers.add(_raw_answer(endpoint, *_signed_request(endpoint, json.dumps(wire).encode(), action="IdCardVerification", service="faceid")))
        wire, _ = ocrcrypto.encrypt_request({"FaceIdToken": "t"}, ocrcrypto.public_key_of(ocrcrypto.generate_private_key(
            "RSA", rsa_bits=1024) if algorithm == "AES-256-CBC" else ocrcrypto.generate_private_key("SM2")), algorithm, [])
        answers.add(_raw_answer(endpoint, *_signed_request(endpoint, json.dumps(wire).encode(), action="GetFaceIdResult", service="faceid")))
    normalised = {re.sub(rb'"RequestId": "[0-9a-f-]{36}"', b'"RequestId": "-"', a) for a in answers}
    assert len(answers) == 2 * (len(TAMPERINGS) + 2) and len(normalised) == 1
    assert emulator.UNDECRYPTABLE.encode() in normalised.pop()


def test_no_internal_error_for_anything_a_client_sends(rsa_private, sm2_private):
    """Odd shapes in every mode: each gets a vendor error code, never InternalError."""
    lines = []
    em = emulator.Emulator(private_keys=[rsa_private, sm2_private], log=lines.append)
    em._check_signature = lambda *a: None  # type: ignore[assignment]
    blocks = [None, [], "x", 1, {}, {"EncryptList": None}, {"EncryptList": "Name"}, {"EncryptList": [1]}, {"EncryptList": [None]},
              {"EncryptList": ["Name"], "CiphertextBlob": "AA==", "Iv": "AA==", "Algorithm": "AES-256-CBC"},
              {"EncryptList": ["A.B[0]"], "CiphertextBlob": "AA==", "Iv": "AAAAAAAAAAAAAAAAAAAAAA==", "TagList": [None]},
              {"EncryptList": ["EncryptedBody"], "CiphertextBlob": "", "Iv": "", "Algorithm": None, "TagList": {}}]
    values = [None, True, 1.5, -1, "", "x" * 3, [], {}, [{}], {"a": [None]}]
    bodies = [b"", b"{}", b"null", b"[" * 5000, b'{"a": ' * 300 + b"1" + b"}" * 300, b'{"a": NaN}', b'{"a": 1e999}', b'{"\\ud800": 1}']
    for block in blocks:
        for value in values:
            bodies.append(json.dumps({"Encryption": block, "EncryptedBody": value, "Name": value, "IdCard": value, "ImageUrl": value,
                                      "FaceIdToken": value, "IsEncryptResponse": value, "Config": value, "CardSide": value}).encode())
    for name in ["RecognizeEncryptedIDCardOCR", "DetectAIFakeFaces", "IdCardVerification", "GetFaceIdResult", "CheckIdCardInformation"]:
        headers = {"Content-Type": "application/json", "X-TC-Action": name, "X-TC-Version": actions.get(name).version}
        for body in bodies:
            code = em.handle("POST", "/", headers, body)["Response"].get("Error", {}).get("Code")
            assert code != "InternalError", (name, body[:200])
    assert lines == []


def test_handle_survives_an_internal_fault(rsa_private):
    class Broken(emulator.Emulator):
        def _serve(self, *args):
            raise RuntimeError("boom\nsecond line")

    lines = []
    em = Broken(private_keys=[rsa_private], log=lines.append)
    em._check_signature = lambda *a: None  # type: ignore[assignment]
    answer = em.handle("POST", "/", {"Content-Type": "application/json", "X-TC-Action": ACTION, "X-TC-Version": "2018-11-19"}, b"{}")
    assert answer["Response"]["Error"] == {"Code": "InternalError", "Message": "Internal error."}
    (line,) = lines
    assert "boom\\nsecond line" in line and "RuntimeError" in line and "\n" not in line


def test_repr_shows_no_secret(rsa_private):
    em = emulator.Emulator(private_keys=[rsa_private], secret_key="s3cr3t-value")
    assert "s3cr3t-value" not in repr(em)


# -- the server: keep-alive, caps, timeouts, faults ------------------------------------------------------


@pytest.fixture
def start_server(rsa_private, sm2_private):
    """make_server with options, started; returns (server, log lines)."""
    started = []

    def start(**options):
        lines = []
        em = emulator.Emulator(private_keys=[rsa_private, sm2_private], log=lines.append, received=[])
        options.setdefault("quiet", False)
        server = emulator.make_server(em, "127.0.0.1", 0, **options).start()
        started.append(server)
        return server, lines

    yield start
    for server in started:
        server.stop()


def _ok_request(endpoint, keypairs, **kwargs):
    wire, _ = ocrcrypto.encrypt_request({"ImageUrl": FIXTURE_URL}, _public(keypairs, "AES-256-CBC"))
    return _signed_request(endpoint, json.dumps(wire).encode(), **kwargs)


def _wait(predicate, what, seconds=20.0):
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def test_defaults(start_server):
    server, _ = start_server()
    assert server.request_queue_size >= 128 and server.idle_timeout == 15 and server.max_connections == 256
    assert server.max_inflight_bytes == 64 * 1024 * 1024 and server.max_body >= 14 * 1024 * 1024
    with pytest.raises(ValueError):
        emulator.make_server(server.emulator, "127.0.0.1", 0, max_connections=0)


def test_keep_alive(start_server, keypairs):
    server, _ = start_server()
    connection = http.client.HTTPConnection(server.endpoint, timeout=30)
    ports = set()
    for _ in range(3):
        headers, body = _ok_request(server.endpoint, keypairs)
        connection.request("POST", "/", body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        assert response.version == 11 and response.headers["Connection"] == "keep-alive"
        assert int(response.headers["Content-Length"]) == len(data) and "Error" not in json.loads(data)["Response"]
        ports.add(connection.sock.getsockname()[1])
    assert len(ports) == 1 and len(server.emulator.received) == 3
    headers, body = _ok_request(server.endpoint, keypairs)
    connection.request("POST", "/", body=body, headers={**headers, "Connection": "close"})
    response = connection.getresponse()
    assert response.headers["Connection"] == "close" and "Error" not in json.loads(response.read())["Response"]
    connection.close()


def test_http_1_0_gets_one_answer_and_a_close(start_server, keypairs):
    server, _ = start_server()
    headers, body = _ok_request(server.endpoint, keypairs)
    host, port = server.endpoint.split(":")
    head = "".join(f"{k}: {v}\r\n" for k, v in {**headers, "Content-Length": str(len(body))}.items())
    with socket.create_connection((host, int(port)), timeout=30) as s:
        s.sendall(f"POST / HTTP/1.0\r\n{head}\r\n".encode() + body)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    assert b"Connection: close" in data and b'"RequestId"' in data


def test_idle_timeout_closes_the_connection(start_server):
    server, lines = start_server(idle_timeout=0.3)
    host, port = server.endpoint.split(":")
    with socket.create_connection((host, int(port)), timeout=30) as s:
        assert s.recv(1) == b""  # the server closed it; no answer, no reset
    _wait(lambda: server.connections == 0, "the connection to be released")
    assert lines == []


def _read_answer(s):
    """One HTTP answer from a raw socket: (head, JSON)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        assert chunk, data
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    length = int(re.search(rb"Content-Length: (\d+)", head)[1])
    while len(rest) < length:
        rest += s.recv(65536)
    return head.decode(), json.loads(rest[:length])


def _connect(endpoint):
    host, port = endpoint.split(":")
    return socket.create_connection((host, int(port)), timeout=30)


def _head(headers, **extra) -> bytes:
    """A POST request head with these headers (``extra`` names use _ for -)."""
    fields = {**headers, **{k.replace("_", "-"): v for k, v in extra.items()}}
    return ("POST / HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields.items()) + "\r\n").encode()


def _send(s, endpoint, headers, body):
    s.sendall(_head(headers, Content_Length=len(body)) + body)


def _assert_closed_cleanly(s):
    assert s.recv(65536) == b""  # EOF: a reset would raise ConnectionResetError


def test_connection_cap(start_server, keypairs):
    server, lines = start_server(max_connections=2)
    held = [_connect(server.endpoint) for _ in range(2)]
    for s in held:  # both are being served (keep-alive): the cap is reached
        _send(s, server.endpoint, *_ok_request(server.endpoint, keypairs))
        assert "Error" not in _read_answer(s)[1]["Response"]
    with _connect(server.endpoint) as third:
        _send(third, server.endpoint, *_ok_request(server.endpoint, keypairs))
        head, answer = _read_answer(third)
        assert answer["Response"]["Error"]["Code"] == "RequestLimitExceeded" and "Connection: close" in head
        _assert_closed_cleanly(third)
    held.pop().close()
    _wait(lambda: server.connections < 2, "a connection to be released")
    with _connect(server.endpoint) as fourth:
        _send(fourth, server.endpoint, *_ok_request(server.endpoint, keypairs))
        assert "Error" not in _read_answer(fourth)[1]["Response"]
    held.pop().close()
    assert any("connection refused past the cap -> RequestLimitExceeded" in line for line in lines)


def test_inflight_bytes_cap(start_server, keypairs):
    server, _ = start_server(max_inflight_bytes=1000)
    headers, body = _ok_request(server.endpoint, keypairs)
    assert 200 < len(body) < 1000
    with _connect(server.endpoint) as slow, _connect(server.endpoint) as other:
        slow.sendall(_head(headers, Content_Length=len(body)) + body[:10])  # its bytes are reserved while it is read
        _wait(lambda: server.inflight_bytes == len(body), "the first body's reservation")
        padded = body + b" " * (1000 - len(body) - 10)  # fits the budget alone, not next to the first
        headers2, _ = _signed_request(server.endpoint, padded)
        _send(other, server.endpoint, headers2, padded)
        head2, answer = _read_answer(other)
        assert answer["Response"]["Error"]["Code"] == "RequestLimitExceeded" and "Connection: close" in head2
        _assert_closed_cleanly(other)
        slow.sendall(body[10:])
        assert "Error" not in _read_answer(slow)[1]["Response"]
    _wait(lambda: server.inflight_bytes == 0, "the budget to be released")


def test_oversized_body_refused_before_it_is_read(start_server, keypairs):
    server, _ = start_server(max_body=2000)
    headers, body = _ok_request(server.endpoint, keypairs)
    with _connect(server.endpoint) as s:
        s.sendall(_head(headers, Content_Length=500000))
        head, answer = _read_answer(s)  # answered before a single body byte was sent
        assert answer["Response"]["Error"]["Code"] == "RequestSizeLimitExceeded" and "Connection: close" in head
        s.sendall(b"x" * 500000)  # the client sends its body anyway: drained, then a clean close
        _assert_closed_cleanly(s)
    with _connect(server.endpoint) as s:  # Expect: 100-continue gets the final answer instead of 100
        s.sendall(_head(headers, Content_Length=500000, Expect="100-continue"))
        head, answer = _read_answer(s)
        assert head.startswith("HTTP/1.1 200") and answer["Response"]["Error"]["Code"] == "RequestSizeLimitExceeded"
        _assert_closed_cleanly(s)
    with _connect(server.endpoint) as s:  # within the limit, Expect: 100-continue works
        s.sendall(_head(headers, Content_Length=len(body), Expect="100-continue"))
        assert s.recv(100) == b"HTTP/1.1 100 Continue\r\n\r\n"
        s.sendall(body)
        assert "Error" not in _read_answer(s)[1]["Response"]


@pytest.mark.parametrize(
    "raw, code, status",
    [
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", "InvalidParameter", 200),
        (b"POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n", "InvalidParameter", 200),
        (b"POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\nhello", "InvalidParameter", 200),
        (b"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", "InvalidParameter", 200),
        (b"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n", "InvalidParameter", 200),
        (b"GARBAGE\r\n\r\n", "InvalidParameter", 400),
        (b"POST / HTTP/2.0\r\n\r\n", "InvalidParameter", 505),
        (b"PUT / HTTP/1.1\r\nContent-Length: 0\r\n\r\n", "UnsupportedOperation", 501),
        (b"POST / HTTP/1.1\r\nX-Long: " + b"a" * 70000 + b"\r\n\r\n", "RequestSizeLimitExceeded", 431),
        (b"POST /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n", "RequestSizeLimitExceeded", 414),
    ],
    ids=["chunked", "length-not-a-number", "length-with-sign", "two-lengths", "length-huge", "garbage", "http2", "put",
         "header-too-long", "uri-too-long"],
)
def test_http_faults_get_vendor_shaped_answers(start_server, raw, code, status):
    server, lines = start_server()
    with _connect(server.endpoint) as s:
        s.sendall(raw)
        head, answer = _read_answer(s)
        assert head.startswith(f"HTTP/1.1 {status} ") or head.startswith(f"HTTP/1.0 {status} ")
        assert answer["Response"]["Error"]["Code"] == code and "Connection: close" in head
        assert "Content-Type: application/json" in head
    assert lines and all("\n" not in line and "\r" not in line for line in lines)


def test_accept_loop_pauses_when_descriptors_run_out(start_server):
    server, lines = start_server()
    server.shutdown()  # stop the real loop; drive the accept step by hand
    pauses = []
    server.sleep = pauses.append

    class Exhausted:
        def accept(self):
            raise OSError(errno.EMFILE, "Too many open files")

        def fileno(self):
            return -1

    real = server.socket
    server.socket = Exhausted()
    try:
        for _ in range(3):
            server._handle_request_noblock()
    finally:
        server.socket = real
    assert pauses == [server.accept_backoff] * 3 and server.accept_backoff > 0
    assert len([line for line in lines if "accept failed (Too many open files" in line]) == 1


def test_log_lines_are_single_and_escaped(start_server, keypairs):
    server, lines = start_server()
    headers, body = _ok_request(server.endpoint, keypairs)
    with _connect(server.endpoint) as s:  # an obsolete folded header continues X-TC-Action on a second line
        headers = {"X-TC-Action": "Recognize\r\n \tEvil", **{k: v for k, v in headers.items() if k != "X-TC-Action"}}
        _send(s, server.endpoint, headers, body)
        assert _read_answer(s)[1]["Response"]["Error"]["Code"] == "InvalidAction"
    (line,) = lines
    assert "\n" not in line and "\r" not in line and "Recognize\\r\\n \\tEvil -> InvalidAction" in line
    assert emulator.escape_log("a\\n\x1b\u2028b") == "a\\\\n\\x1b\\u2028b"


def test_stop_closes_idle_keep_alive_connections(start_server, keypairs):
    server, _ = start_server()
    s = _connect(server.endpoint)
    _send(s, server.endpoint, *_ok_request(server.endpoint, keypairs))
    _read_answer(s)
    server.stop()
    _assert_closed_cleanly(s)
    s.close()
    _wait(lambda: server.connections == 0, "the handler thread to end")


# -- diagnostics ------------------------------------------------------------------------------------------


def test_banner(rsa_private, sm2_private):
    em = emulator.Emulator(private_keys=[rsa_private, sm2_private])
    out = io.StringIO()
    emulator.print_banner(em, "127.0.0.1:8080", file=out)
    text = out.getvalue()
    assert text.splitlines()[0].startswith("ocrcrypto emulator listening on http://127.0.0.1:8080 ")
    assert emulator.DEFAULT_SECRET_ID in text and emulator.DEFAULT_SECRET_KEY in text
    from ocrcrypto.keys import public_key_der

    for key, suite in ((rsa_private, "AES-256-CBC (RSA-1024)"), (sm2_private, "SM4-GCM (SM2)")):
        fingerprint = hashlib.sha256(public_key_der(ocrcrypto.public_key_of(key))).hexdigest()[:16]
        assert f"key: {suite}, public key fingerprint {fingerprint}" in text
        assert emulator.key_fingerprint(ocrcrypto.public_key_of(key)) == fingerprint


def test_verbose_signature_failure_shows_what_was_computed(emulator_server, keypairs):
    lines = []
    _, endpoint = emulator_server(verbose=True, log=lines.append, secret_key="the-server-secret")
    wire, _ = ocrcrypto.encrypt_request({"ImageUrl": FIXTURE_URL}, _public(keypairs, "AES-256-CBC"))
    body = json.dumps(wire).encode()
    assert _signed(endpoint, body, secret_key="the-client-secret", service="127")["Error"]["Code"] == "AuthFailure.SignatureFailure"
    summary, with_port, without_port = lines
    assert "scope " in summary and "/127/tc3_request" in summary and "SignedHeaders content-type;host" in summary
    canonical = f"POST\\n/\\n\\ncontent-type:application/json\\nhost:{endpoint}\\n\\ncontent-type;host\\n{hashlib.sha256(body).hexdigest()}"
    assert f"host form '{endpoint}'" in with_port and canonical in with_port and 'string to sign "TC3-HMAC-SHA256\\n' in with_port
    assert f"host form '{endpoint.split(':')[0]}'" in without_port
    assert all("\n" not in line and "the-server-secret" not in line for line in lines)
    lines.clear()
    _, quiet_endpoint = emulator_server(log=lines.append, secret_key="x")
    _signed(quiet_endpoint, body, secret_key="y")
    assert lines == []


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
        seen = [process.stderr.readline()]  # the banner's first line names the endpoint
        match = re.search(r"http://(127\.0\.0\.1:\d+)", seen[0])
        assert match, seen
        client = sdk_client(match.group(1), "AKIDcli", "cli-key")
        result = encrypted_call(client, ACTION, {"ImageUrl": FIXTURE_URL}, _public(keypairs, "SM4-GCM"), "SM4-GCM")
        assert result["Name"] == "FROM FILE"
        while "POST RecognizeEncryptedIDCardOCR -> OK" not in seen[-1]:  # past the rest of the banner
            seen.append(process.stderr.readline())
            assert seen[-1] and len(seen) < 50, seen
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
