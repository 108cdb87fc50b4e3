"""The doctor names each common integration mistake, with and without keys, and passes clean input."""

from __future__ import annotations

import base64
import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ocrcrypto
from ocrcrypto.doctor import Finding, diagnose
from ocrcrypto.hazmat import sm2, sm2_encodings

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
    wire["Encryption"]["CiphertextBlob"] = _b64(_gmssl(private, 1).encrypt(session.key))
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
    assert "must be a non-empty array" in _problems(diagnose(wire))[0]


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
    assert "does not unwrap with this private key even with 04 added" in problems[1]


def test_rsa_blob_for_another_key(cbc_request):
    wire, _ = cbc_request
    other = ocrcrypto.generate_private_key("RSA", rsa_bits=1024)
    assert "does not unwrap with this private key" in _problems(diagnose(wire, private_key=other))[0]
