"""The action catalogue, checked against the official SDK's request and response models."""

from __future__ import annotations

import importlib

import pytest

import ocrcrypto
from ocrcrypto import actions

pytest.importorskip("tencentcloud.faceid.v20180301", reason="the official FaceID SDK is not installed (pip install -e '.[test]')")
pytest.importorskip("tencentcloud.ocr.v20181119", reason="the official OCR SDK is not installed (pip install -e '.[test]')")

MODELS = {
    "ocr": importlib.import_module("tencentcloud.ocr.v20181119.models"),
    "faceid": importlib.import_module("tencentcloud.faceid.v20180301.models"),
}


def _fields(model_class) -> set:
    return {name[1:] for name in vars(model_class()) if name.startswith("_") and name != "_headers"}


def _encrypted_request_models():
    for product, module in MODELS.items():
        for name, cls in vars(module).items():
            if name.endswith("Request") and isinstance(cls, type) and name != "Request":
                try:
                    fields = _fields(cls)
                except TypeError:
                    continue
                if fields & {"Encryption", "EncryptedBody", "CiphertextBlob"}:
                    yield product, name[: -len("Request")], fields


def test_every_sdk_request_with_an_envelope_is_catalogued_and_nothing_else():
    in_sdk = {name for _, name, _ in _encrypted_request_models()}
    assert len(in_sdk) == 25
    assert set(actions.names()) == in_sdk
    assert len(actions.names()) == 25 and len(actions.supported()) == 24


@pytest.mark.parametrize("name", actions.names())
def test_every_catalogued_field_exists_in_the_sdk_models(name):
    action = {a.name: a for a in actions.catalogue()}[name]
    module = MODELS[action.product]
    request_fields = _fields(getattr(module, f"{name}Request"))
    response_fields = _fields(getattr(module, f"{name}Response"))
    assert set(action.fields) <= request_fields
    assert set(action.params) == request_fields - {"Encryption", "EncryptedBody"}
    assert {param for group in action.required for param in group} <= request_fields
    assert set(action.response_flags) <= request_fields
    assert set(action.result) <= response_fields
    if action.mode == actions.BODY:
        assert "EncryptedBody" in request_fields
    elif action.mode != actions.KMS:
        assert "Encryption" in request_fields
    if any(not way.fields for way in action.responses):
        assert {"EncryptedBody", "Encryption"} <= response_fields
    for way in action.responses:
        for path in way.fields:
            top = path.split(".")[1]
            assert top in response_fields
            found, _ = ocrcrypto.wire.get_path(dict(action.result), path)
            assert found, path


def test_modes_and_versions_match_the_protocol_table():
    by_mode = {}
    for name in actions.names():
        by_mode.setdefault({a.name: a for a in actions.catalogue()}[name].mode, []).append(name)
    assert sorted(by_mode[actions.BODY]) == ["DetectAIFakeFaces", "RecognizeEncryptedIDCardOCR"]
    assert sorted(by_mode[actions.RESPONSE_ONLY]) == ["CheckIdCardInformation", "GetDetectInfoEnhanced", "GetFaceIdResult"]
    assert by_mode[actions.KMS] == ["PhoneVerification"]
    assert len(by_mode[actions.FIELD]) == 19
    assert actions.get("RecognizeEncryptedIDCardOCR").version == "2018-11-19"
    assert {actions.get(n).version for n in actions.supported() if n != "RecognizeEncryptedIDCardOCR"} == {"2018-03-01"}


def test_response_encryption_follows_the_request_flags():
    enhanced = actions.get("GetDetectInfoEnhanced")
    assert enhanced.response_encryption({}) is None
    assert enhanced.response_encryption({"IsEncryptResponse": True}).fields == ()
    assert enhanced.response_encryption({"IsEncrypt": True}).fields[0] == "Response.Text.IdCard"
    assert actions.get("RecognizeEncryptedIDCardOCR").response_encryption({}).fields == ()
    assert actions.get("IdCardVerification").response_encryption({"IsEncryptResponse": True}) is None


@pytest.mark.parametrize("name, message", [
    ("PhoneVerification", "action PhoneVerification is not supported: the legacy KMS mode"),
    ("EncryptedPhoneVerification", "action 'EncryptedPhoneVerification' carries no envelope"),
    ("Bad\nName", "action 'Bad\\nName' carries no envelope"),
    (None, "action 'None' carries no envelope"),
])
def test_unknown_and_unsupported_actions(name, message):
    with pytest.raises(ocrcrypto.UnsupportedActionError) as info:
        actions.get(name)
    assert str(info.value).startswith(message) and "\n" not in str(info.value)
