"""The pytest plugin ocrcrypto.testing, run as users run it: a test file of theirs in pytester."""

from __future__ import annotations

from importlib.metadata import entry_points

import pytest

pytest.importorskip("tencentcloud.ocr.v20181119", reason="the official SDK is not installed (pip install -e '.[test]')")
pytest.importorskip("tencentcloud.faceid.v20180301", reason="the official FaceID SDK is not installed (pip install -e '.[test]')")

pytest_plugins = ["pytester"]

# Installed, the plugin loads through its pytest11 entry point, as users get it; from a bare
# checkout it has to be named (naming it when the entry point loads it too would register it twice).
_EPS = entry_points()
_PYTEST11 = _EPS.select(group="pytest11") if hasattr(_EPS, "select") else _EPS.get("pytest11", ())  # Python 3.9 has no select
INSTALLED = any(ep.name == "ocrcrypto" and ep.value == "ocrcrypto.testing" for ep in _PYTEST11)
PLUGIN = () if INSTALLED else ("-p", "ocrcrypto.testing")

USER_TESTS = '''
import json

import pytest
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.faceid.v20180301 import faceid_client, models
from tencentcloud.ocr.v20181119 import ocr_client

import ocrcrypto
from ocrcrypto.tencentcloud import encrypted_call

SEEN = []


def profile(endpoint):
    return ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint=endpoint))


@pytest.mark.parametrize("algorithm", ["AES-256-CBC", "SM4-GCM"])
def test_ocr(ocrcrypto_emulator, algorithm):
    ocrcrypto_emulator.set_fixture("https://example.com/id.jpg", {"Name": "FIXTURE"})
    cred = credential.Credential(ocrcrypto_emulator.secret_id, ocrcrypto_emulator.secret_key)
    client = ocr_client.OcrClient(cred, "ap-guangzhou", profile(ocrcrypto_emulator.endpoint))
    result = encrypted_call(client, "RecognizeEncryptedIDCardOCR", {"ImageUrl": "https://example.com/id.jpg", "CardSide": "FRONT"},
                            ocrcrypto_emulator.public_key(algorithm), algorithm=algorithm)
    assert result["Name"] == "FIXTURE"
    (request,) = ocrcrypto_emulator.received
    assert request.action == "RecognizeEncryptedIDCardOCR" and request.algorithm == algorithm
    assert request.params == {"ImageUrl": "https://example.com/id.jpg", "CardSide": "FRONT"} and request.error is None
    SEEN.append(ocrcrypto_emulator.endpoint)


def test_faceid_field_mode(ocrcrypto_emulator):
    ocrcrypto_emulator.set_fixture("IdCardVerification", {"Result": "-1", "Description": "mismatch"})
    wire, _ = ocrcrypto.encrypt_request({"Name": "张三", "IdCard": "11010119900101123X"},
                                        ocrcrypto_emulator.public_key("SM4-GCM"), "SM4-GCM", ["Name", "IdCard"])
    request = models.IdCardVerificationRequest()
    request.from_json_string(json.dumps(wire))
    client = ocrcrypto_emulator.sdk_client("faceid")
    answer = client.IdCardVerification(request)
    assert (answer.Result, answer.Description) == ("-1", "mismatch")
    (seen,) = ocrcrypto_emulator.received
    assert seen.action == "IdCardVerification" and seen.algorithm == "SM4-GCM" and seen.encrypt_list == ("Name", "IdCard")
    assert seen.params == {"Name": "张三", "IdCard": "11010119900101123X"}
    SEEN.append(ocrcrypto_emulator.endpoint)


def test_errors_are_recorded(ocrcrypto_emulator):
    client = faceid_client.FaceidClient(credential.Credential(ocrcrypto_emulator.secret_id, ocrcrypto_emulator.secret_key),
                                        "ap-guangzhou", profile(ocrcrypto_emulator.endpoint))
    request = models.IdCardVerificationRequest()
    request.from_json_string(json.dumps({"Name": "A"}))
    with pytest.raises(TencentCloudSDKException) as info:
        client.IdCardVerification(request)
    assert info.value.code == "MissingParameter"
    assert [(r.action, r.algorithm, r.error) for r in ocrcrypto_emulator.received] == [("IdCardVerification", None, "MissingParameter")]


def test_each_test_gets_its_own_server_and_the_same_keys(ocrcrypto_emulator):
    assert len(set(SEEN)) == len(SEEN) == 3 and ocrcrypto_emulator.endpoint not in SEEN
    assert ocrcrypto_emulator.received == []
    from ocrcrypto.testing import emulator_keys
    assert ocrcrypto.public_key_pem(ocrcrypto_emulator.public_key("AES-256-CBC")) == \\
        ocrcrypto.public_key_pem(ocrcrypto.public_key_of(emulator_keys()["AES-256-CBC"]))
'''


def test_the_fixture_in_a_user_test_file(pytester):
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest_subprocess(*PLUGIN, "-q")
    result.assert_outcomes(passed=5)


def test_the_server_stops_after_the_test(pytester):
    pytester.makepyfile(test_user='''
import socket

ENDPOINTS = []


def test_one(ocrcrypto_emulator):
    host, port = ocrcrypto_emulator.endpoint.split(":")
    assert host == "127.0.0.1"
    socket.create_connection((host, int(port)), timeout=5).close()
    ENDPOINTS.append((host, int(port)))


def test_two():
    import pytest
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(ENDPOINTS[0], timeout=5)
''')
    result = pytester.runpytest_subprocess(*PLUGIN, "-q")
    result.assert_outcomes(passed=2)


def test_a_signature_failure_shows_what_the_emulator_computed(pytester):
    pytester.makepyfile(test_user='''
import json
from tencentcloud.common import credential
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.ocr.v20181119 import ocr_client
from ocrcrypto.tencentcloud import encrypted_call


def test_wrong_secret(ocrcrypto_emulator):
    cred = credential.Credential(ocrcrypto_emulator.secret_id, "not the secret")
    client = ocr_client.OcrClient(cred, "ap-guangzhou", ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint=ocrcrypto_emulator.endpoint)))
    encrypted_call(client, "RecognizeEncryptedIDCardOCR", {"ImageUrl": "https://example.com/id.jpg"}, ocrcrypto_emulator.public_key())
''')
    result = pytester.runpytest_subprocess(*PLUGIN, "-q")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*AuthFailure.SignatureFailure*", "*Captured stderr call*", "*host form '127.0.0.1:*': canonical request \"POST\\n/\\n*"])


def test_handle_api(pytester):
    pytester.makepyfile(test_user='''
import hashlib

import pytest
import ocrcrypto


def test_api(ocrcrypto_emulator):
    assert ocrcrypto_emulator.url == f"http://{ocrcrypto_emulator.endpoint}/"
    with pytest.raises(ocrcrypto.UnsupportedAlgorithmError):
        ocrcrypto_emulator.public_key("ROT13")
    with pytest.raises(ValueError):
        ocrcrypto_emulator.set_fixture("NoSuchAction", {})
    ocrcrypto_emulator.set_fixture(b"image bytes", {"Name": "X"})
    assert list(ocrcrypto_emulator.fixtures) == [hashlib.sha256(b"image bytes").hexdigest()]
    with pytest.raises(ValueError):
        ocrcrypto_emulator.sdk_client("cvm")
    assert "endpoint" in repr(ocrcrypto_emulator)
''')
    result = pytester.runpytest_subprocess(*PLUGIN, "-q")
    result.assert_outcomes(passed=1)
