"""The official-SDK helper: what it refuses before calling, and whose errors come back as what."""

from __future__ import annotations

import asyncio
import base64
import json

import pytest

pytest.importorskip("tencentcloud.ocr.v20181119", reason="the official SDK is not installed (pip install -e '.[test]')")
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException  # noqa: E402

import ocrcrypto  # noqa: E402
from ocrcrypto import emulator  # noqa: E402
from ocrcrypto.errors import DecryptionError, EnvelopeFormatError, KeyFormatError, UnsupportedActionError  # noqa: E402
from ocrcrypto.tencentcloud import encrypted_call, encrypted_call_async  # noqa: E402

from .conftest import faceid_client, sdk_client  # noqa: E402

ACTION = "RecognizeEncryptedIDCardOCR"


@pytest.mark.parametrize(
    "action, params, error, message",
    [
        ("RecognizeNothing", {"ImageUrl": "https://x/a.jpg"}, UnsupportedActionError, "action 'RecognizeNothing' carries no envelope"),
        (ACTION, {"ImageUrl": "https://x/a.jpg", "Colour": "red"}, EnvelopeFormatError, "params.Colour: not a field of RecognizeEncryptedIDCardOCRRequest"),
        ("IDCardOCR", {"ImageUrl": "https://x/a.jpg"}, UnsupportedActionError, "action 'IDCardOCR' carries no envelope"),
        ("IdCardVerification", {"IdCard": "1", "Name": "n"}, UnsupportedActionError, "action IdCardVerification belongs to faceid 2018-03-01; this client is ocr 2018-11-19"),
        ("PhoneVerification", {"IdCard": "1"}, UnsupportedActionError, "action PhoneVerification is not supported: the legacy KMS mode"),
        (ACTION, {"ImageUrl": "https://x/a.jpg"}, EnvelopeFormatError, "fields: RecognizeEncryptedIDCardOCR is a body action; it names no fields to encrypt"),
        (ACTION, ["ImageUrl"], EnvelopeFormatError, "params: expected a mapping, got list"),
    ],
)
def test_refused_before_calling(keypairs, action, params, error, message):
    client = sdk_client("127.0.0.1:9")  # nothing listens there: a call would fail differently
    fields = ["ImageUrl"] if message.startswith("fields:") else None
    with pytest.raises(error) as info:
        encrypted_call(client, action, params, keypairs["SM4-GCM"][0], "SM4-GCM", fields=fields)
    assert str(info.value).startswith(message), str(info.value)


@pytest.mark.parametrize(
    "fields, message",
    [
        (["Phone"], "fields: IdCardVerification takes encrypted Name, IdCard, not 'Phone'"),
        ("IdCard", "fields: expected a list of field names, not a single string"),
    ],
)
def test_faceid_field_choice_is_checked(keypairs, fields, message):
    with pytest.raises(EnvelopeFormatError) as info:
        encrypted_call(faceid_client("127.0.0.1:9"), "IdCardVerification", {"IdCard": "1", "Name": "n"}, keypairs["SM4-GCM"][0], "SM4-GCM", fields=fields)
    assert str(info.value) == message


def test_sync_and_async_clients_are_not_mixed_up(keypairs):
    public = keypairs["SM4-GCM"][0]
    with pytest.raises(EnvelopeFormatError, match="is an async client; use await encrypted_call_async"):
        encrypted_call(faceid_client("127.0.0.1:9", asynchronous=True), "IdCardVerification", {"IdCard": "1"}, public, "SM4-GCM")
    with pytest.raises(EnvelopeFormatError, match="is not an async client; use encrypted_call"):
        asyncio.run(encrypted_call_async(faceid_client("127.0.0.1:9"), "IdCardVerification", {"IdCard": "1"}, public, "SM4-GCM"))


def test_not_an_sdk_client(keypairs):
    class Client:
        pass

    with pytest.raises(EnvelopeFormatError, match="is not a client of the official SDK"):
        encrypted_call(Client(), ACTION, {"ImageUrl": "https://x/a.jpg"}, keypairs["SM4-GCM"][0])


def test_key_of_the_wrong_family(keypairs):
    with pytest.raises(KeyFormatError, match="SM4-GCM wraps its key with SM2"):
        encrypted_call(sdk_client("127.0.0.1:9"), ACTION, {"ImageUrl": "https://x/a.jpg"}, keypairs["AES-256-CBC"][0], "SM4-GCM")


def test_sdk_transport_errors_stay_sdk_exceptions(keypairs):
    with pytest.raises(TencentCloudSDKException):
        encrypted_call(sdk_client("127.0.0.1:9"), ACTION, {"ImageUrl": "https://x/a.jpg"}, keypairs["SM4-GCM"][0], "SM4-GCM")


class TamperingEmulator(emulator.Emulator):
    """The real emulator, whose answers get one bit of their EncryptedBody flipped on the way out."""

    def handle(self, method, path, headers, body):
        answer = super().handle(method, path, headers, body)
        raw = bytearray(base64.b64decode(answer["Response"]["EncryptedBody"]))
        raw[-1] ^= 1
        answer["Response"]["EncryptedBody"] = base64.b64encode(bytes(raw)).decode()
        return answer


@pytest.mark.parametrize("algorithm", ["AES-256-CBC", "SM4-GCM"])
def test_response_decryption_errors_are_ocrcrypto_errors(emulator_server, keypairs, algorithm):
    _, endpoint = emulator_server(TamperingEmulator)
    with pytest.raises(DecryptionError, match="Response.EncryptedBody: decryption failed"):
        encrypted_call(sdk_client(endpoint), ACTION, {"ImageUrl": "https://x/a.jpg"}, keypairs[algorithm][0], algorithm)


# -- every mode through the official FaceID and OCR clients, sync and async, against the emulator --

CALLS = [
    pytest.param("IdCardVerification", {"IdCard": "11010119900101001X", "Name": "李明"}, {"Result": "0"}, id="IdCardVerification-field"),
    pytest.param("BankCard4EVerification", {"Name": "李明", "IdCard": "11010119900101001X", "BankCard": "6222020000000000000",
                                            "Phone": "13800000000", "CertType": 0}, {"Result": "0"}, id="BankCard4EVerification-field"),
    pytest.param("DetectAIFakeFaces", {"FaceInput": "AAAA", "FaceInputType": 1}, {"AttackRiskLevel": "Low"}, id="DetectAIFakeFaces-body"),
    pytest.param("GetDetectInfoEnhanced", {"BizToken": "token", "RuleId": "1"}, {"Text": "whole"}, id="GetDetectInfoEnhanced-whole-body"),
    pytest.param("GetDetectInfoEnhanced", {"BizToken": "token", "RuleId": "1", "IsEncrypt": True}, {"Text": "fields"}, id="GetDetectInfoEnhanced-fields"),
    pytest.param("RecognizeEncryptedIDCardOCR", {"ImageUrl": "https://example.com/a.jpg", "CardSide": "FRONT"}, {"Name": "EMULATOR TEST"}, id="OCR-body"),
]


class Recording(emulator.Emulator):
    """The real emulator, keeping each raw request body and raw answer for the assertions."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.exchanges = []

    def handle(self, method, path, headers, body):
        answer = super().handle(method, path, headers, body)
        self.exchanges.append((json.loads(body), answer))
        return answer


def _client(endpoint, action, asynchronous):
    product = ocrcrypto.actions.get(action).product
    if product == "faceid":
        return faceid_client(endpoint, asynchronous=asynchronous)
    if asynchronous:
        from tencentcloud.common import credential
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        from tencentcloud.ocr.v20181119.ocr_client_async import OcrClient

        cred = credential.Credential(emulator.DEFAULT_SECRET_ID, emulator.DEFAULT_SECRET_KEY)
        return OcrClient(cred, "ap-guangzhou", ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint=endpoint, reqTimeout=30)))
    return sdk_client(endpoint)


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("algorithm", ["AES-256-CBC", "SM4-GCM"])
@pytest.mark.parametrize("action, params, expected", CALLS)
def test_every_mode_through_the_official_clients(emulator_server, keypairs, action, params, expected, algorithm, asynchronous):
    service, endpoint = emulator_server(Recording)
    client = _client(endpoint, action, asynchronous)
    call = encrypted_call_async(client, action, params, keypairs[algorithm][0], algorithm) if asynchronous else None
    result = asyncio.run(call) if asynchronous else encrypted_call(client, action, params, keypairs[algorithm][0], algorithm)
    (sent, answer), = service.exchanges
    block = sent["Encryption"]
    assert block["Algorithm"] == algorithm
    entry = ocrcrypto.actions.get(action)
    if entry.mode == ocrcrypto.actions.FIELD:
        assert block["EncryptList"] == [f for f in entry.fields if f in params]
        assert all(sent[f] != params[f] for f in block["EncryptList"])
    elif entry.mode == ocrcrypto.actions.BODY:
        assert block["EncryptList"] == ["EncryptedBody"] and all(sent.get(k, "") == "" for k in params)
    else:
        assert block["EncryptList"] == [] and (sent.get("IsEncryptResponse") is True or sent.get("IsEncrypt") is True)
    inner = answer["Response"]
    if expected.get("Text") == "whole":
        assert inner["EncryptedBody"] and "Text" not in inner
        assert result["Text"]["IdCard"] == "000000190001010000" and result["Text"]["Name"] == "EMULATOR TEST"
    elif expected.get("Text") == "fields":
        assert inner["Encryption"]["EncryptList"][0] == "Response.Text.IdCard" and inner["Text"]["IdCard"] != "000000190001010000"
        assert result["Text"]["IdCard"] == "000000190001010000" and result["Text"]["OcrName"] == "EMULATOR TEST"
    else:
        assert {k: result[k] for k in expected} == expected
    assert "Encryption" not in result and "EncryptedBody" not in result
