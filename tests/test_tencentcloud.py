"""The official-SDK helper: what it refuses before calling, and whose errors come back as what."""

from __future__ import annotations

import base64

import pytest

pytest.importorskip("tencentcloud.ocr.v20181119", reason="the official SDK is not installed (pip install -e '.[test]')")
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException  # noqa: E402

from ocrcrypto import emulator  # noqa: E402
from ocrcrypto.errors import DecryptionError, EnvelopeFormatError, KeyFormatError  # noqa: E402
from ocrcrypto.tencentcloud import encrypted_call  # noqa: E402

from .conftest import sdk_client  # noqa: E402

ACTION = "RecognizeEncryptedIDCardOCR"


@pytest.mark.parametrize(
    "action, params, message",
    [
        ("RecognizeNothing", {"ImageUrl": "https://x/a.jpg"}, "action: 'RecognizeNothing' is not an action of OcrClient"),
        (ACTION, {"ImageUrl": "https://x/a.jpg", "Colour": "red"}, "params.Colour: not a field of RecognizeEncryptedIDCardOCRRequest"),
        ("IDCardOCR", {"ImageUrl": "https://x/a.jpg"}, "action: IDCardOCRRequest has no EncryptedBody field; IDCardOCR takes no encrypted input"),
    ],
)
def test_refused_before_calling(keypairs, action, params, message):
    client = sdk_client("127.0.0.1:9")  # nothing listens there: a call would fail differently
    with pytest.raises(EnvelopeFormatError) as info:
        encrypted_call(client, action, params, keypairs["SM4-GCM"][0], "SM4-GCM")
    assert str(info.value) == message


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


def test_field_mode_passes_through(emulator_server, keypairs):
    """Field mode is the FaceID shape; the OCR emulator answers it with its parameter check."""
    _, endpoint = emulator_server()
    with pytest.raises(TencentCloudSDKException) as info:
        encrypted_call(sdk_client(endpoint), ACTION, {"ImageUrl": "https://x/a.jpg"}, keypairs["SM4-GCM"][0], "SM4-GCM", fields=["ImageUrl"])
    assert info.value.code == "MissingParameter"
