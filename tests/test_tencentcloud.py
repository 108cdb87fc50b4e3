"""The official-SDK helper: what it refuses before calling, and whose errors come back as what."""

from __future__ import annotations

import asyncio
import base64

import pytest

pytest.importorskip("tencentcloud.ocr.v20181119", reason="the official SDK is not installed (pip install -e '.[test]')")
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException  # noqa: E402

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
