"""The doctor names each common integration mistake, with and without keys, and passes clean input."""

from __future__ import annotations

import base64
import copy
import json
import re
from pathlib import Path
from typing import Dict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ocrcrypto
from ocrcrypto.doctor import Finding, diagnose
from ocrcrypto.hazmat import sm2, sm2_encodings

from .interop import JAVA_FLAGS, imitate

PARAMS = {"Action": "RecognizeEncryptedIDCardOCR", "ImageUrl": "https://example.com/a.jpg", "CardSide": "FRONT"}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _problems(findings):
    return [str(f) for f in findings if not f.ok]


def _seal_body(wire, session, body: bytes):
    ct, tag = session.envelope.seal(body, session.key, session.iv)
    wire["EncryptedBody"] = _b64(ct)
    if tag is not None:
        wire["Encryption"]["TagList"] = [_b64(tag)]
    return wire


@pytest.fixture
def sm2_request(keypairs):
    wire, session = ocrcrypto.encrypt_request(PARAMS, keypairs["SM4-GCM"][0], "SM4-GCM")
    return wire, session


@pytest.fixture
def cbc_request(keypairs):
    return ocrcrypto.encrypt_request(PARAMS, keypairs["AES-256-CBC"][0], "AES-256-CBC")


def test_clean_requests_have_no_problems(algorithm, keypairs):
    public, private = keypairs[algorithm]
    wire, session = ocrcrypto.encrypt_request(PARAMS, public, algorithm)
    for kwargs in ({}, {"private_key": private}, {"session": session}):
        findings = diagnose(wire, **kwargs)
        assert _problems(findings) == [], kwargs
        assert any("decrypts" in f.message for f in findings) == bool(kwargs)


def test_clean_response_with_session(algorithm, keypairs):
    public, private = keypairs[algorithm]
    wire, session = ocrcrypto.encrypt_request(PARAMS, public, algorithm)
    _, server = ocrcrypto.decrypt_request(wire, private)
    response = server.encrypt_response({"Response": {"Name": "x", "RequestId": "r"}}, fresh_iv=True)
    findings = diagnose(response, session=session)
    assert _problems(findings) == []
    assert any(f.where == "Response.EncryptedBody" and f.message == "decrypts" for f in findings)


def _gmssl(key: sm2.Sm2PrivateKey, mode: int):
    from gmssl import sm2 as gm

    return gm.CryptSM2(private_key=key.private_bytes().hex(), public_key=key.public_key.to_bytes()[1:].hex(), mode=mode)


def test_gmssl_blob_without_04(sm2_request, keypairs):
    wire, session = sm2_request
    private = keypairs["SM4-GCM"][1]
    blob = next(b for b in (_gmssl(private, 1).encrypt(session.key) for _ in range(20)) if b[0] != 4)  # 04 first: see the short-coordinate tests
    wire["Encryption"]["CiphertextBlob"] = _b64(blob)
    assert _problems(diagnose(wire)) == [
        "problem: Encryption.CiphertextBlob: 112 bytes: SM2 ciphertext without the 04 prefix (gmssl and sm-crypto write it so)"
        " Fix: prepend the byte 0x04 to C1"
    ]
    with_key = diagnose(wire, private_key=private)
    assert len(_problems(with_key)) == 1
    assert any(f.message == "decrypts" for f in with_key)  # the key it recovered opens the body


def test_gmssl_blob_without_04_in_c1c2c3(sm2_request, keypairs):
    wire, session = sm2_request
    private = keypairs["SM4-GCM"][1]
    wire["Encryption"]["CiphertextBlob"] = _b64(_gmssl(private, 0).encrypt(session.key))
    problems = _problems(diagnose(wire, private_key=private))
    assert "without the 04 prefix" in problems[0]
    assert "also in C1C2C3 order" in problems[1]


def test_c1c2c3_order(sm2_request, keypairs):
    wire, session = sm2_request
    blob = base64.b64decode(wire["Encryption"]["CiphertextBlob"])
    wire["Encryption"]["CiphertextBlob"] = _b64(sm2_encodings.to_c1c2c3(blob))
    assert _problems(diagnose(wire)) == []  # same length and prefix: only a key can tell
    problems = _problems(diagnose(wire, private_key=keypairs["SM4-GCM"][1]))
    assert problems == [
        "problem: Encryption.CiphertextBlob: SM2 ciphertext in C1C2C3 order (BouncyCastle's SM2Engine default, gmssl mode=0)"
        " Fix: encrypt in C1C3C2 mode"
    ]


def test_der_blob(sm2_request, keypairs):
    wire, session = sm2_request
    blob = base64.b64decode(wire["Encryption"]["CiphertextBlob"])
    wire["Encryption"]["CiphertextBlob"] = _b64(sm2_encodings.to_der(blob))
    for kwargs in ({}, {"private_key": keypairs["SM4-GCM"][1]}):
        problems = _problems(diagnose(wire, **kwargs))
        assert len(problems) == 1 and "DER-encoded (OpenSSL and GmSSL write it so)" in problems[0]


def test_hex_blob(sm2_request):
    wire, _ = sm2_request
    wire["Encryption"]["CiphertextBlob"] = base64.b64decode(wire["Encryption"]["CiphertextBlob"])[1:].hex()
    assert "is hex, not base64 (sm-crypto prints hex)" in _problems(diagnose(wire))[0]


def test_sm2_blob_for_another_key(sm2_request):
    wire, _ = sm2_request
    assert "does not unwrap with this private key" in _problems(diagnose(wire, private_key=sm2.generate_private_key()))[0]


def test_rsa_blob_length_does_not_fit_the_key(cbc_request, keypairs):
    wire, _ = cbc_request
    wire["Encryption"]["CiphertextBlob"] = _b64(b"\x01" * 256)
    assert _problems(diagnose(wire, private_key=keypairs["AES-256-CBC"][1])) == [
        "problem: Encryption.CiphertextBlob: 256 bytes, but the RSA-1024 key needs exactly 128"
        " Fix: wrap with RSA PKCS#1 v1.5 under the service's public key"
    ]
    wire["Encryption"]["CiphertextBlob"] = _b64(b"\x01" * 100)
    assert "100 bytes fits no RSA key size" in _problems(diagnose(wire))[0]


@pytest.mark.parametrize(
    "algorithm_name, iv, message",
    [
        ("SM4-GCM", "abcdefghijk!", "Encryption.Iv: is 12 characters of raw IV text, not base64"),
        ("SM4-GCM", "abcdefghijkl", "Encryption.Iv: decodes to 9 bytes: it looks like the 12-character IV text itself"),
        ("AES-256-CBC", "0123456789abcdef", "Encryption.Iv: decodes to 12 bytes: it looks like the 16-character IV text itself"),
        ("SM4-GCM", "%%%", "Encryption.Iv: not valid standard base64"),
        ("SM4-GCM", _b64(bytes(16)), "Encryption.Iv: decodes to 16 bytes; SM4-GCM needs 12"),
        ("AES-256-CBC", None, "Encryption.Iv: missing"),
    ],
)
def test_iv_mistakes(keypairs, algorithm_name, iv, message):
    wire, _ = ocrcrypto.encrypt_request(PARAMS, keypairs[algorithm_name][0], algorithm_name)
    wire["Encryption"]["Iv"] = iv
    assert any(message in p for p in _problems(diagnose(wire))), _problems(diagnose(wire))


@pytest.mark.parametrize(
    "tags, message",
    [
        (None, "Encryption.TagList: missing: SM4-GCM needs one tag per EncryptList entry"),
        ([], "Encryption.TagList: 0 tag(s) for 1 EncryptList entries"),
        (["AA==", "AA=="], "Encryption.TagList: 2 tag(s) for 1 EncryptList entries"),
        (["AAAA"], "Encryption.TagList[0]: not base64 of a 16-byte tag"),
    ],
)
def test_tag_list_mistakes(sm2_request, tags, message):
    wire, _ = sm2_request
    wire["Encryption"]["TagList"] = tags
    assert any(message in p for p in _problems(diagnose(wire)))


def test_cbc_with_tags(cbc_request):
    wire, _ = cbc_request
    wire["Encryption"]["TagList"] = ["AA=="]
    assert "Encryption.TagList: AES-256-CBC has no tags" in _problems(diagnose(wire))[0]


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("Algorithm", "SM4_GCM", "'SM4_GCM' is not a known algorithm (the checks below assume 'SM4-GCM') Fix: did you mean 'SM4-GCM'?"),
        ("Algorithm", "sm4-gcm", "did you mean 'SM4-GCM'?"),
        ("Algorithm", "AES256CBC", "did you mean 'AES-256-CBC'?"),
        ("Algorithm", "ROT13", "'ROT13' is not a known algorithm Fix: use one of AES-256-CBC, SM4-GCM"),
        ("Algorithm", 5, "Encryption.Algorithm: not a string"),
        ("CiphertextBlob", "@@@@", "not valid standard base64"),
        ("CiphertextBlob", _b64(b"\x30" + bytes(99)), "100 bytes; an SM2-wrapped 16-byte key is 113 bytes starting with 04"),
        ("CiphertextBlob", _b64(b"\x04" + bytes(49)), "50 bytes; an SM2-wrapped 16-byte key is 113 bytes starting with 04"),
    ],
)
def test_block_field_mistakes(sm2_request, field, value, message):
    """One wrong value in the Encryption block: the first problem names it."""
    wire, _ = sm2_request
    wire["Encryption"][field] = value
    assert message in _problems(diagnose(wire))[0]


def test_absent_algorithm_is_reported_as_cbc(cbc_request):
    wire, _ = cbc_request
    del wire["Encryption"]["Algorithm"]
    findings = diagnose(wire)
    assert _problems(findings) == [] and "absent, which means AES-256-CBC" in str(findings[0])


def test_encrypt_list_names_absent_fields(keypairs):
    wire, _ = ocrcrypto.encrypt_request({"IdCard": "1", "Name": "n"}, keypairs["SM4-GCM"][0], "SM4-GCM", fields=["IdCard", "Name"])
    del wire["Name"]
    assert "Encryption.EncryptList: names 'Name', which is absent from the top level" in _problems(diagnose(wire))[0]
    wire = {**wire, "Encryption": {**wire["Encryption"], "EncryptList": "IdCard"}}
    assert "must be an array of field names" in _problems(diagnose(wire))[0]


def test_encryption_body_spelling(sm2_request):
    wire, _ = sm2_request
    wire["EncryptionBody"] = wire.pop("EncryptedBody")
    wire["Encryption"]["EncryptList"] = ["EncryptionBody"]
    assert "the OCR API expects 'EncryptedBody'" in _problems(diagnose(wire))[0]


def test_sensitive_params_left_in_plaintext(sm2_request):
    wire, _ = sm2_request
    wire["ImageUrl"] = PARAMS["ImageUrl"]
    assert _problems(diagnose(wire)) == [
        'problem: ImageUrl: sensitive value left in plaintext next to the ciphertext Fix: send ImageUrl as "" (its value travels inside EncryptedBody)'
    ]


@pytest.mark.parametrize(
    "image, message",
    [
        ("data:image/jpeg;base64,/9j/4AAQ", "starts with a data: URL prefix"),
        ("/9j/4AAQ\n/9j/4AAQ", "contains line breaks or spaces"),
    ],
)
def test_image_base64_mistakes_inside_the_body(sm2_request, image, message):
    wire, session = sm2_request
    _seal_body(wire, session, json.dumps({"ImageBase64": image}).encode())
    problems = _problems(diagnose(wire, session=session))
    assert len(problems) == 1 and message in problems[0]


@pytest.mark.parametrize("body", [b"ImageUrl=https://x", b"[1,2]", b'{"a":1,"a":2}'])
def test_body_that_is_not_a_json_object(algorithm, keypairs, body):
    wire, session = ocrcrypto.encrypt_request(PARAMS, keypairs[algorithm][0], algorithm)
    _seal_body(wire, session, body)
    problems = _problems(diagnose(wire, private_key=keypairs[algorithm][1]))
    assert len(problems) == 1 and "the decrypted body is not a JSON object" in problems[0]


def test_body_that_does_not_decrypt(sm2_request):
    wire, session = sm2_request
    wire["Encryption"]["TagList"] = [_b64(bytes(16))]
    assert "EncryptedBody: does not decrypt with this key and IV" in _problems(diagnose(wire, session=session))[0]


def test_cbc_body_of_wrong_length(cbc_request):
    wire, _ = cbc_request
    wire["EncryptedBody"] = _b64(b"x" * 20)
    assert "20 bytes: AES-CBC ciphertext must be a non-zero multiple of 16" in _problems(diagnose(wire))[0]


def test_body_not_base64(sm2_request):
    wire, _ = sm2_request
    wire["EncryptedBody"] = "{not base64}"
    assert "EncryptedBody: not valid standard base64" in _problems(diagnose(wire))[0]


@pytest.mark.parametrize(
    "wire, message",
    [
        ([], "top level: not a JSON object"),
        ({"ImageUrl": "x"}, "Encryption: missing: this request is not encrypted"),
        ({"Response": {"Name": "x", "RequestId": "r"}}, "Response.Encryption: missing: this response is not encrypted"),
        ({"EncryptedBody": "AA=="}, "EncryptedBody: present, but there is no Encryption block"),
        ({"Encryption": "x"}, "Encryption: not a JSON object"),
    ],
)
def test_top_level_mistakes(wire, message):
    assert message in _problems(diagnose(wire))[0]


def test_unknown_block_field_suggests_the_name(sm2_request):
    wire, _ = sm2_request
    wire["Encryption"]["TagLists"] = wire["Encryption"].pop("TagList")
    problems = _problems(diagnose(wire))
    assert "Encryption.TagLists: not a field of the Encryption block Fix: rename it to TagList" in problems[0]


def test_session_for_another_algorithm(sm2_request):
    wire, _ = sm2_request
    problems = _problems(diagnose(wire, session=ocrcrypto.Session.new("AES-256-CBC")))
    assert "session: is for AES-256-CBC, but the message says SM4-GCM" in problems[0]


def test_missing_blob(sm2_request):
    wire, _ = sm2_request
    wire["Encryption"]["CiphertextBlob"] = None
    assert "Encryption.CiphertextBlob: missing" in _problems(diagnose(wire))[0]


def test_diagnose_never_raises_on_odd_input(sm2_request, keypairs):
    wire, session = sm2_request
    odd = copy.deepcopy(wire)
    odd["Encryption"]["TagList"] = [None, 3]
    odd["EncryptedBody"] = 12
    for key in (None, keypairs["SM4-GCM"][1], keypairs["AES-256-CBC"][1]):
        assert all(isinstance(f, Finding) for f in diagnose(odd, private_key=key, session=session))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30) | st.sampled_from(["AAAA", "AA==", "SM4-GCM", "AES-256-CBC", "EncryptedBody", "QUJD" * 30]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["EncryptList", "CiphertextBlob", "Iv", "Algorithm", "TagList", "EncryptedBody", "Encryption", "Response", "ImageUrl", "RequestId"]),
        inner, max_size=6),
    max_leaves=20,
))
def test_diagnose_never_raises_on_arbitrary_json(keypairs, value):
    for key in (None, keypairs["SM4-GCM"][1], keypairs["AES-256-CBC"][1]):
        assert all(isinstance(f, Finding) for f in diagnose(value, private_key=key, session=ocrcrypto.Session.new("SM4-GCM")))


def test_response_without_iv_uses_the_session_iv(keypairs):
    public, private = keypairs["SM4-GCM"]
    wire, session = ocrcrypto.encrypt_request(PARAMS, public, "SM4-GCM")
    _, server = ocrcrypto.decrypt_request(wire, private)
    response = server.encrypt_response({"Response": {"Name": "x", "RequestId": "r"}})
    response["Response"]["Encryption"]["Iv"] = None
    findings = diagnose(response, session=session)
    assert _problems(findings) == []
    assert "absent: the client uses the request's IV" in [f.message for f in findings]
    assert any(f.message == "decrypts" for f in findings)


def test_response_field_mode_with_dotted_paths(keypairs):
    public, private = keypairs["AES-256-CBC"]
    wire, session = ocrcrypto.encrypt_request(PARAMS, public)
    _, server = ocrcrypto.decrypt_request(wire, private)
    response = server.encrypt_response({"Response": {"Text": {"IdCard": "1"}, "RequestId": "r"}}, fields=["Response.Text.IdCard"])
    findings = diagnose(response, session=session)
    assert _problems(findings) == [] and any(f.where == "Response.Response.Text.IdCard" and f.message == "decrypts" for f in findings)


def test_body_named_but_absent(sm2_request):
    wire, _ = sm2_request
    del wire["EncryptedBody"]
    assert "names 'EncryptedBody', which is absent" in _problems(diagnose(wire))[0]


def test_sm2_blob_without_04_for_another_key(sm2_request):
    wire, _ = sm2_request
    wire["Encryption"]["CiphertextBlob"] = _b64(base64.b64decode(wire["Encryption"]["CiphertextBlob"])[1:])
    problems = _problems(diagnose(wire, private_key=sm2.generate_private_key()))
    # X starts with 04 in 1 of 256 blobs: then a short coordinate is as likely, and both are tried
    assert "does not unwrap with this private key" in problems[-1]
    assert "even with 04 added" in problems[-1] or "with 04 prepended or with X or Y padded" in problems[-1]


def test_rsa_blob_for_another_key(cbc_request):
    wire, _ = cbc_request
    other = ocrcrypto.generate_private_key("RSA", rsa_bits=1024)
    assert "does not unwrap with this private key" in _problems(diagnose(wire, private_key=other))[0]


# -- response-only requests in every demo SDK's shape, and other clean input (no false positives) --


def _response_only(keypairs, algorithm, shape):
    """A response-only request made by ocrcrypto, then put in the shape a vendor demo sends."""
    wire, session = ocrcrypto.encrypt_request({"Action": "GetDetectInfoEnhanced", "BizToken": "t"}, keypairs[algorithm][0], algorithm, fields=[])
    block = wire["Encryption"]
    if shape == "go":  # faceid/crypto.go BodyEncrypt with an empty body
        block.update(EncryptList=["EncryptionBody"], TagList=None)
    elif shape == "java":  # CryptoUtil.bodyEncrypt with a null body
        block.update(EncryptList=None, TagList=None)
    elif shape == "node":  # encrypt(req, [])
        block.update(EncryptList=[], Iv=None, TagList=[])
    return wire, session


@pytest.mark.parametrize("shape", ["ocrcrypto", "go", "java", "node"])
def test_response_only_requests_are_clean(algorithm, keypairs, shape):
    wire, session = _response_only(keypairs, algorithm, shape)
    for kwargs in ({}, {"private_key": keypairs[algorithm][1]}, {"session": session}):
        findings = diagnose(wire, **kwargs)
        assert _problems(findings) == [], (shape, kwargs)
        assert any("response-only request" in f.message for f in findings)
    assert any(f.message == "unwraps with the private key" for f in diagnose(wire, private_key=keypairs[algorithm][1]))


def test_response_only_with_tags(keypairs):
    wire, _ = _response_only(keypairs, "SM4-GCM", "node")
    wire["Encryption"]["TagList"] = [_b64(bytes(16))]
    assert _problems(diagnose(wire)) == ["problem: Encryption.TagList: has tags, but nothing is encrypted Fix: send [] when EncryptList is empty"]


def test_iv_null_outside_response_only_is_still_missing(sm2_request):
    wire, _ = sm2_request
    wire["Encryption"]["Iv"] = None
    assert "Encryption.Iv: missing" in _problems(diagnose(wire))[0]


def test_cbc_tag_list_null_and_response_with_its_own_iv(keypairs):
    public, private = keypairs["AES-256-CBC"]
    wire, session = ocrcrypto.encrypt_request(PARAMS, public, "AES-256-CBC")
    wire["Encryption"]["TagList"] = None
    assert _problems(diagnose(wire, private_key=private)) == []
    _, server = ocrcrypto.decrypt_request(wire, private)
    response = server.encrypt_response({"Response": {"Name": "x", "RequestId": "r"}}, fresh_iv=True)
    response["Response"]["Encryption"]["TagList"] = None
    assert response["Response"]["Encryption"]["Iv"] != wire["Encryption"]["Iv"]
    findings = diagnose(response, session=session)
    assert _problems(findings) == [] and any(f.message == "decrypts" for f in findings)


@pytest.mark.parametrize("bits", [1025, 1031, 1536])
def test_rsa_keys_of_odd_sizes(bits):
    private = ocrcrypto.generate_private_key("RSA", rsa_bits=bits)
    wire, session = ocrcrypto.encrypt_request(PARAMS, private.public_key(), "AES-256-CBC")
    size = len(base64.b64decode(wire["Encryption"]["CiphertextBlob"]))
    assert size == (bits + 7) // 8
    for kwargs in ({}, {"private_key": private}, {"session": session}):
        assert _problems(diagnose(wire, **kwargs)) == [], kwargs
    assert f"{size} bytes, the ciphertext size of this RSA-{bits} key" in [f.message for f in diagnose(wire, private_key=private)]


@pytest.mark.parametrize("size, fits", [(127, False), (128, True), (192, True), (1024, True), (1025, False)])
def test_rsa_blob_sizes_without_a_key(cbc_request, size, fits):
    wire, _ = cbc_request
    wire["Encryption"]["CiphertextBlob"] = _b64(b"\x01" * size)
    problems = _problems(diagnose(wire))
    assert (problems == []) == fits, problems
    if not fits:
        assert f"{size} bytes fits no RSA key size" in problems[0]


def test_findings_are_one_line_with_control_characters_escaped(keypairs):
    wire, _ = ocrcrypto.encrypt_request({"IdCard": "1"}, keypairs["SM4-GCM"][0], "SM4-GCM", fields=["IdCard"])
    wire["Encryption"]["EncryptList"] = ["Id\nCard\x1b[31m"]
    wire["Encryption"]["Bad\rField"] = 1
    findings = diagnose(wire)
    assert len(_problems(findings)) >= 2
    for finding in findings:
        assert str(finding).isprintable(), str(finding)
    assert any("Id\\nCard\\x1b[31m" in str(f) for f in findings)


def test_a_key_is_text_only_when_every_byte_is_alphanumeric(algorithm, keypairs):
    public, _ = keypairs[algorithm]
    envelope = ocrcrypto.get_envelope(algorithm)
    wire, _ = ocrcrypto.encrypt_request(PARAMS, public, algorithm)
    iv = base64.b64decode(wire["Encryption"]["Iv"])
    for key, text in ((b"a" * envelope.key_size, True), (b"a" * (envelope.key_size - 1) + b"\x00", False), (b"Z9" * (envelope.key_size // 2), True)):
        problems = _problems(diagnose(wire, session=ocrcrypto.Session(algorithm, key, iv)))
        assert any("alphanumeric characters, not random bytes" in p for p in problems) == text, (key, problems)


# -- legacy KMS mode (made by hand: KMS does not run here) ------------------------------------------

_KMS_BLOB = (
    _b64(bytes(range(1, 49))) + "-k-" + _b64(bytes(range(60, 80))) + "-k-" + _b64(b"kms-key-id-0123456789")
)
"""The shape of a KMS GenerateDataKey CiphertextBlob (PROTOCOL.md "Legacy KMS mode"); the bytes
are made up, since only KMS can make or open a real one."""


def _kms_fields(block_at_top: bool):
    session = ocrcrypto.Session("AES-256-CBC", bytes(range(32)), b"aabbccddeeffgghh")
    fields = {"IdCard": "110101199001011234", "Name": "n", "Phone": "13800000000"}
    wire = {"Action": "PhoneVerification"}
    for name, value in fields.items():
        ct, _ = session.envelope.seal(value.encode(), session.key, session.iv)
        wire[name] = _b64(ct)
    block = {"CiphertextBlob": _KMS_BLOB, "EncryptList": list(fields), "Iv": "aabbccddeeffgghh"}
    if block_at_top:
        wire.update(block)
    else:
        wire["Encryption"] = {**block, "Algorithm": "AES-256-CBC", "TagList": []}
    return wire, session


@pytest.mark.parametrize("block_at_top", [False, True])
def test_legacy_kms_mode_is_recognised(keypairs, block_at_top):
    wire, session = _kms_fields(block_at_top)
    findings = diagnose(wire)
    assert _problems(findings) == []
    kms = [f for f in findings if "legacy KMS-mode CiphertextBlob" in f.message]
    assert len(kms) == 1 and "only KMS can open it" in kms[0].message
    assert ("PhoneVerification's top-level form" in kms[0].message) == block_at_top
    assert _problems(diagnose(wire, private_key=keypairs["AES-256-CBC"][1])) == []
    with_session = diagnose(wire, session=session)
    assert _problems(with_session) == [] and sum(f.message == "decrypts" for f in with_session) == 3


def test_kms_blob_with_sm4_gcm(keypairs):
    wire, _ = _kms_fields(False)
    wire["Encryption"]["Algorithm"] = "SM4-GCM"
    assert any("the legacy KMS mode is AES-256-CBC" in p for p in _problems(diagnose(wire)))


def test_top_level_blob_that_is_not_kms(cbc_request):
    wire, _ = cbc_request
    wire.update(wire.pop("Encryption"))
    problems = _problems(diagnose(wire))
    assert len(problems) == 1 and "a top-level CiphertextBlob is PhoneVerification's legacy KMS form, but this is not a KMS blob" in problems[0]


# -- mistakes made by the independent references (interop/*: imitate) ------------------------------


@pytest.fixture(scope="session")
def doctor_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("doctor")


@pytest.fixture(scope="session")
def public_files(doctor_dir, keypairs) -> Dict[str, Path]:
    """The test keys' public halves as the vendor hands them out (base64 of the PEM)."""
    out = {}
    for algorithm, (public, _) in keypairs.items():
        path = doctor_dir / f"{algorithm}-public.txt"
        path.write_bytes(base64.b64encode(ocrcrypto.keys.public_key_pem(public).encode()))
        out[algorithm] = path
    return out


def _go(go_binary, mistake, params, algorithm, public_files, fields=()):
    wire, session = imitate([str(go_binary)], mistake, params, algorithm, public_files[algorithm], fields)
    return wire, ocrcrypto.Session.from_dict(session)


def _java(java_jar, mistake, params, algorithm, public_files, fields=()):
    wire, session = imitate(["java", *JAVA_FLAGS, "-jar", str(java_jar)], mistake, params, algorithm, public_files[algorithm], fields)
    return wire, ocrcrypto.Session.from_dict(session)


def _node(node_cli, mistake, params, algorithm, public_files, fields=()):
    wire, session = imitate(["node", str(node_cli)], mistake, params, algorithm, public_files[algorithm], fields)
    return wire, ocrcrypto.Session.from_dict(session)


FIELDS = {"Action": "IdCardVerification", "IdCard": "110101199001011234", "Name": "张三", "Phone": "13800000000"}
APPENDED = (
    "each ciphertext ends with its 16-byte GCM tag (Java's Cipher \"SM4/GCM/NoPadding\" and Go's gcm.Seal return ciphertext||tag;"
    " the vendor's Java demo sent it so until 2023)"
    " Fix: split the last 16 bytes off each ciphertext and send them, base64, in TagList, in EncryptList order"
)


def _keyed(keypairs, algorithm, session):
    return ({"private_key": keypairs[algorithm][1]}, {"session": session})


@pytest.mark.parametrize("tool, fields", [("go", ()), ("go", ("IdCard", "Name", "Phone")), ("java", ()), ("java", ("Name",))])
def test_tag_left_on_the_ciphertext(request, keypairs, public_files, tool, fields):
    make = _go if tool == "go" else _java
    binary = request.getfixturevalue("go_binary" if tool == "go" else "java_jar")
    wire, session = make(binary, "tag-appended", FIELDS if fields else PARAMS, "SM4-GCM", public_files, fields)
    assert wire["Encryption"]["TagList"] == []
    n = len(fields) or 1
    assert _problems(diagnose(wire)) == [
        f"problem: Encryption.TagList: 0 tag(s) for {n} EncryptList entries (a tag left on the end of the ciphertext is found with the key or the session)"
        " Fix: send exactly one tag per EncryptList entry, in the same order, separate from the ciphertext"
    ]
    for kwargs in _keyed(keypairs, "SM4-GCM", session):
        findings = diagnose(wire, **kwargs)
        assert _problems(findings) == [f"problem: Encryption.TagList: no tag for {'the' if n == 1 else 'any'} EncryptList entry: {APPENDED}"]
        assert sum(f.message == "decrypts" for f in findings) == n


def test_tag_left_on_the_ciphertext_and_a_wrong_tag_sent(keypairs, public_files, go_binary):
    wire, session = _go(go_binary, "tag-appended", PARAMS, "SM4-GCM", public_files)
    wire["Encryption"]["TagList"] = [_b64(bytes(16))]
    problems = _problems(diagnose(wire, session=session))
    assert problems == [
        "problem: EncryptedBody: ends with its 16-byte GCM tag, which opens it, while TagList[0] does not"
        " (Java's Cipher \"SM4/GCM/NoPadding\" and Go's gcm.Seal return ciphertext||tag; the vendor's Java demo sent it so until 2023)"
        " Fix: split the last 16 bytes off each ciphertext and send them, base64, in TagList, in EncryptList order"
    ]


def test_short_coordinate(keypairs, public_files, java_jar):
    wire, session = _java(java_jar, "short-coordinate", PARAMS, "SM4-GCM", public_files)
    blob = base64.b64decode(wire["Encryption"]["CiphertextBlob"])
    assert len(blob) == 112 and blob[0] == 4
    without = _problems(diagnose(wire))
    assert len(without) == 1
    assert "112 bytes starting with 04, one short of 113: either C1 without its 04 prefix (gmssl, sm-crypto) whose X happens to start with 04," in without[0]
    assert "or an 04-prefixed C1 with X or Y written without its leading zero byte (sm-crypto before its fix and Java's BigInteger.toByteArray drop it" in without[0]
    findings = diagnose(wire, private_key=keypairs["SM4-GCM"][1])
    problems = _problems(findings)
    assert len(problems) == 1
    assert re.search(r"112 bytes: C1's [XY] coordinate is 31 bytes, written without its leading zero byte", problems[0]), problems
    assert "Fix: write X and Y as exactly 32 bytes each, left-padded with zeros" in problems[0]
    coordinate = re.search(r"C1's ([XY])", problems[0]).group(1)
    offset = 1 if coordinate == "X" else 33
    padded = blob[:offset] + b"\x00" + blob[offset:]
    assert ocrcrypto.get_envelope("SM4-GCM").unwrap_key(padded, keypairs["SM4-GCM"][1]) == session.key
    assert any(f.message == "decrypts" for f in findings)  # the key it recovered opens the body
    other = _problems(diagnose(wire, private_key=sm2.generate_private_key()))
    assert "does not unwrap with this private key, with 04 prepended or with X or Y padded to 32 bytes" in other[0]


@pytest.mark.parametrize("tool", ["go", "java"])
def test_alphanumeric_key_and_iv(request, keypairs, public_files, algorithm, tool):
    make = _go if tool == "go" else _java
    binary = request.getfixturevalue("go_binary" if tool == "go" else "java_jar")
    wire, session = make(binary, "alphanumeric-key", PARAMS, algorithm, public_files)
    envelope = ocrcrypto.get_envelope(algorithm)
    iv_problem = (
        f"problem: Encryption.Iv: decodes to {envelope.iv_size} alphanumeric characters, not random bytes (a random IV is that with probability about"
    )
    key_problem = f"problem: Encryption key: the {envelope.key_size}-byte {algorithm} key is {envelope.key_size} alphanumeric characters, not random bytes"
    origin = "the vendor's Go and Java demos made key and IV this way, from a time-seeded math/rand or java.util.Random Fix: make key and IV from the operating system's CSPRNG"
    problems = _problems(diagnose(wire))
    assert len(problems) == 1 and problems[0].startswith(iv_problem) and origin in problems[0]
    for kwargs in _keyed(keypairs, algorithm, session):
        problems = _problems(diagnose(wire, **kwargs))
        assert len(problems) == 2 and problems[1].startswith(key_problem) and origin in problems[1], problems
    if algorithm == "AES-256-CBC":
        assert "(a random key is that with probability about 2^-65)" in problems[1]


def test_first_tag_for_every_field(keypairs, public_files, go_binary):
    wire, session = _go(go_binary, "tags-first-for-all", FIELDS, "SM4-GCM", public_files, ["IdCard", "Name", "Phone"])
    tags = wire["Encryption"]["TagList"]
    assert len(tags) == 3 and len(set(tags)) == 1
    assert _problems(diagnose(wire)) == [
        "problem: Encryption.TagList: the same tag for all 3 EncryptList entries, though their ciphertexts differ: at most the first can be right"
        " (the vendor's Go demo sent tags[0] for every field) Fix: send each field's own tag, in EncryptList order"
    ]
    for kwargs in _keyed(keypairs, "SM4-GCM", session):
        findings = diagnose(wire, **kwargs)
        problems = _problems(findings)
        assert problems[0] == (
            "problem: Encryption.TagList: repeats the first entry's tag for all 3 EncryptList entries: only IdCard decrypts"
            " (the vendor's Go demo sent tags[0] for every field) Fix: send each field's own tag, in EncryptList order"
        )
        assert [f.where for f in findings if f.message == "decrypts"] == ["IdCard"]


def test_tags_in_another_order(keypairs, public_files, go_binary):
    wire, session = _go(go_binary, "tags-reversed", FIELDS, "SM4-GCM", public_files, ["IdCard", "Name", "Phone"])
    assert _problems(diagnose(wire)) == []  # distinct, well-formed tags: only a key can tell
    for kwargs in _keyed(keypairs, "SM4-GCM", session):
        findings = diagnose(wire, **kwargs)
        assert _problems(findings) == [
            "problem: Encryption.TagList: not in EncryptList order: every tag fits, but the entries take TagList[2], TagList[1], TagList[0] in turn"
            " Fix: put the tag of EncryptList[i] at TagList[i]"
        ]
        assert sum(f.message == "decrypts" for f in findings) == 3


@pytest.mark.parametrize("algorithm_name", ["AES-256-CBC", "SM4-GCM"])
def test_gbk_body(keypairs, public_files, java_jar, algorithm_name):
    params = {"Action": "RecognizeEncryptedIDCardOCR", "ImageUrl": "https://example.com/身份证.jpg", "CardSide": "FRONT"}
    wire, session = _java(java_jar, "gbk-body", params, algorithm_name, public_files)
    body = session.envelope.open(base64.b64decode(wire["EncryptedBody"]), session.key, session.iv, _tag(wire))
    assert "身份证".encode("gbk") in body  # Java's own GBK bytes
    assert _problems(diagnose(wire)) == []
    for kwargs in _keyed(keypairs, algorithm_name, session):
        findings = diagnose(wire, **kwargs)
        assert _problems(findings) == [
            "problem: EncryptedBody: the decrypted body is GBK-encoded JSON, not UTF-8 (Java's String.getBytes() with a GBK platform charset,"
            " as the vendor's Java demo did until 2025) Fix: encode the JSON text as UTF-8 before encrypting (getBytes(StandardCharsets.UTF_8) in Java)"
        ]
        assert "decrypted body is a JSON object with ImageUrl, CardSide" in [f.message for f in findings]


def test_gbk_field(keypairs, public_files, java_jar):
    wire, session = _java(java_jar, "gbk-body", FIELDS, "AES-256-CBC", public_files, ["IdCard", "Name"])
    for kwargs in _keyed(keypairs, "AES-256-CBC", session):
        assert _problems(diagnose(wire, **kwargs)) == [
            "problem: Name: decrypts to GBK text, not UTF-8 (Java's String.getBytes() with a GBK platform charset, as the vendor's Java demo did until 2025)"
            " Fix: encrypt the UTF-8 bytes of the field's text (getBytes(StandardCharsets.UTF_8) in Java)"
        ]


def test_field_that_is_not_text(keypairs):
    public, private = keypairs["SM4-GCM"]
    wire, session = ocrcrypto.encrypt_request({"IdCard": "1"}, public, "SM4-GCM", fields=["IdCard"])
    ct, tag = session.envelope.seal(b"\xff\xfe\x00", session.key, session.iv)
    wire["IdCard"], wire["Encryption"]["TagList"] = _b64(ct), [_b64(tag)]
    assert _problems(diagnose(wire, session=session)) == ["problem: IdCard: decrypts, but not to UTF-8 text Fix: encrypt the UTF-8 bytes of the field's text"]


@pytest.mark.parametrize("mistake", ["hex-blob", "no-04-prefix"])
def test_sm_crypto_output(keypairs, public_files, node_cli, mistake):
    wire, session = _node(node_cli, mistake, PARAMS, "SM4-GCM", public_files)
    findings = diagnose(wire, private_key=keypairs["SM4-GCM"][1])
    problems = _problems(findings)
    if mistake == "hex-blob":
        assert problems.pop(0) == "problem: Encryption.CiphertextBlob: is hex, not base64 (sm-crypto prints hex) Fix: decode the hex and base64-encode the bytes"
    assert len(problems) == 1 and "112 bytes: SM2 ciphertext without the 04 prefix (gmssl and sm-crypto write it so)" in problems[0]
    assert any(f.message == "decrypts" for f in findings)


def _tag(wire):
    tags = wire["Encryption"]["TagList"]
    return base64.b64decode(tags[0]) if tags else None


def test_a_wrong_rsa_key_that_implicit_rejection_makes_look_right(cbc_request):
    """With a wrong RSA key, OpenSSL's implicit rejection returns a random message instead of an
    error, 32 bytes long about once in a hundred: the doctor checks the padding itself."""
    from ocrcrypto.hazmat import ciphers

    wire, _ = cbc_request
    right = ocrcrypto.generate_private_key("RSA", rsa_bits=1024)
    other = ocrcrypto.generate_private_key("RSA", rsa_bits=1024)
    for _ in range(5000):
        wire, _ = ocrcrypto.encrypt_request({"ImageUrl": "https://x/a.jpg"}, ocrcrypto.public_key_of(right), "AES-256-CBC")
        message, _ = ciphers.rsa_pkcs1v15_decrypt_unchecked(other, base64.b64decode(wire["Encryption"]["CiphertextBlob"]))
        if len(message) == 32:
            break
    else:
        pytest.skip("this OpenSSL build does not do implicit rejection")
    problems = _problems(diagnose(wire, private_key=other))
    assert "does not unwrap with this private key" in problems[0]
    assert _problems(diagnose(wire, private_key=right)) == []
