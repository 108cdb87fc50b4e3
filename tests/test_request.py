"""Requests and responses end to end: wire shape, both modes, both suites, and every failure."""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ocrcrypto
from ocrcrypto.errors import (
    DECRYPTION_FAILED,
    DecryptionError,
    EnvelopeFormatError,
    KeyFormatError,
    OcrCryptoError,
    UnsupportedAlgorithmError,
)

PARAMS = {
    "Action": "RecognizeEncryptedIDCardOCR",
    "Version": "2018-11-19",
    "Region": "ap-guangzhou",
    "ImageUrl": "https://example.com/id.jpg",
    "Config": '{"TempIdWarn":true}',
    "CardSide": "FRONT",
}
SENSITIVE = {k: v for k, v in PARAMS.items() if k not in ocrcrypto.PROTOCOL_PARAMS}
RESPONSE = {"Name": "李明", "Sex": "男", "IdNum": "11010119900101001X", "Address": "北京市", "RequestId": "req-1"}


def _b64(value: str) -> bytes:
    return base64.b64decode(value)


def _open_body(session, wire, name="EncryptedBody") -> bytes:
    tags = wire["Encryption"]["TagList"] or [None]
    tag = _b64(tags[0]) if tags[0] else None
    return session.envelope.open(_b64(wire[name]), session.key, session.iv, tag)


# -- requests ------------------------------------------------------------------------------------


def test_body_mode_wire_shape(algorithm, keypairs):
    public, _ = keypairs[algorithm]
    wire, session = ocrcrypto.encrypt_request(PARAMS, public, algorithm)
    assert list(wire) == list(PARAMS) + ["EncryptedBody", "Encryption"]
    for name in ocrcrypto.PROTOCOL_PARAMS:
        assert wire[name] == PARAMS[name]
    assert all(wire[name] == "" for name in SENSITIVE)
    block = wire["Encryption"]
    assert list(block) == ["EncryptList", "CiphertextBlob", "Iv", "Algorithm", "TagList"]
    assert block["EncryptList"] == ["EncryptedBody"]
    assert block["Algorithm"] == algorithm
    env = ocrcrypto.get_envelope(algorithm)
    assert len(_b64(block["Iv"])) == env.iv_size
    assert len(_b64(block["CiphertextBlob"])) == (128 if algorithm == "AES-256-CBC" else 113)
    if algorithm == "SM4-GCM":
        assert len(block["TagList"]) == 1 and len(_b64(block["TagList"][0])) == 16
        assert _b64(block["CiphertextBlob"])[0] == 4
    else:
        assert block["TagList"] == []
    assert _open_body(session, wire) == json.dumps(SENSITIVE, separators=(",", ":"), ensure_ascii=False).encode()
    json.dumps(wire)  # the wire is plain JSON


def test_body_mode_round_trip(algorithm, keypairs):
    public, private = keypairs[algorithm]
    wire, session = ocrcrypto.encrypt_request(PARAMS, public, algorithm)
    params, server = ocrcrypto.decrypt_request(json.loads(json.dumps(wire)), private)
    assert params == PARAMS
    assert (server.key, server.iv, server.algorithm) == (session.key, session.iv, algorithm)


def test_fresh_key_and_iv_every_call(algorithm, keypairs):
    public, _ = keypairs[algorithm]
    sessions = [ocrcrypto.encrypt_request(PARAMS, public, algorithm)[1] for _ in range(4)]
    assert len({s.key for s in sessions}) == 4 and len({s.iv for s in sessions}) == 4


def test_default_algorithm_is_aes_256_cbc(keypairs):
    wire, session = ocrcrypto.encrypt_request(PARAMS, keypairs["AES-256-CBC"][0])
    assert session.algorithm == wire["Encryption"]["Algorithm"] == "AES-256-CBC"


def test_field_mode(algorithm, keypairs):
    public, private = keypairs[algorithm]
    params = {"Action": "X", "IdCard": "11010119900101001X", "Name": "李明", "Phone": "13800000000"}
    wire, session = ocrcrypto.encrypt_request(params, public, algorithm, fields=["IdCard", "Name"])
    assert wire["Phone"] == "13800000000" and wire["Action"] == "X"
    assert wire["Encryption"]["EncryptList"] == ["IdCard", "Name"]
    tags = wire["Encryption"]["TagList"]
    assert len(tags) == (2 if algorithm == "SM4-GCM" else 0)
    for i, name in enumerate(["IdCard", "Name"]):
        tag = _b64(tags[i]) if tags else None
        assert session.envelope.open(_b64(wire[name]), session.key, session.iv, tag) == params[name].encode()
    assert ocrcrypto.decrypt_request(wire, private)[0] == params


def test_vendor_demo_spelling_encryption_body_is_read(algorithm, keypairs):
    public, private = keypairs[algorithm]
    wire, _ = ocrcrypto.encrypt_request(PARAMS, public, algorithm)
    wire["EncryptionBody"] = wire.pop("EncryptedBody")
    wire["Encryption"]["EncryptList"] = ["EncryptionBody"]
    assert ocrcrypto.decrypt_request(wire, private)[0] == PARAMS


def test_absent_algorithm_is_read_as_aes_256_cbc(keypairs):
    public, private = keypairs["AES-256-CBC"]
    wire, _ = ocrcrypto.encrypt_request(PARAMS, public)
    del wire["Encryption"]["Algorithm"]
    assert ocrcrypto.decrypt_request(wire, private)[0] == PARAMS


unicode_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | unicode_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(unicode_text, inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(unicode_text.filter(lambda k: k not in ("Action", "Version", "Region", "Encryption", "EncryptedBody", "EncryptionBody")), json_values, min_size=1, max_size=5))
def test_round_trip_any_json_params(algorithm, keypairs, params):
    public, private = keypairs[algorithm]
    wire, session = ocrcrypto.encrypt_request(params, public, algorithm)
    got, server = ocrcrypto.decrypt_request(json.loads(json.dumps(wire)), private)
    assert got == params
    assert session.decrypt_response(json.loads(json.dumps(server.encrypt_response(params)))) == params


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(unicode_text, unicode_text)
def test_round_trip_fields_including_empty(algorithm, keypairs, idcard, name):
    public, private = keypairs[algorithm]
    params = {"IdCard": idcard, "Name": name}
    wire, _ = ocrcrypto.encrypt_request(params, public, algorithm, fields=["IdCard", "Name"])
    assert ocrcrypto.decrypt_request(json.loads(json.dumps(wire)), private)[0] == params


@pytest.mark.parametrize("size", [0, 1, 15, 16, 17, 3 * 1024 * 1024])
def test_round_trip_sizes(algorithm, keypairs, size):
    public, private = keypairs[algorithm]
    params = {"ImageBase64": "A" * size, "CardSide": "BACK"}
    wire, session = ocrcrypto.encrypt_request(params, public, algorithm)
    got, server = ocrcrypto.decrypt_request(wire, private)
    assert got == params
    assert session.decrypt_response(server.encrypt_response({"Response": {"Blob": "B" * size}})) == {"Response": {"Blob": "B" * size}}


# -- request errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params, fields, error, message",
    [
        ([1, 2], None, EnvelopeFormatError, "params: expected a JSON object, got an array"),
        ({"Action": "X", "Region": "r"}, None, EnvelopeFormatError, "params: nothing to encrypt"),
        ({"Name": "x", "Encryption": {}}, None, EnvelopeFormatError, "params.Encryption: already present"),
        ({"Name": "x", "EncryptedBody": "x"}, None, EnvelopeFormatError, "params.EncryptedBody: already present"),
        ({"Name": b"bytes"}, None, EnvelopeFormatError, "params: cannot be written as JSON"),
        ({"Score": float("nan")}, None, EnvelopeFormatError, "params: cannot be written as JSON"),
        ({"Name": "x"}, ["IdCard"], EnvelopeFormatError, "params.IdCard: named in fields, but not in the params"),
        ({"Name": 5}, ["Name"], EnvelopeFormatError, "params.Name: expected a string, got a number"),
        ({"Name": "x"}, "Name", EnvelopeFormatError, "fields: expected a list of field names, not a single string"),
        ({"Name": "x"}, [1], EnvelopeFormatError, "fields: every field name must be a non-empty string"),
        ({1: "x"}, None, EnvelopeFormatError, "params: names must be strings, got a key of type int"),
        ({"Name": "x", "Text": "y"}, ["Text.Inner"], EnvelopeFormatError, "params.Text.Inner: named in fields, but not in the params"),
        ({"Name": "x"}, ["Name", "Name"], EnvelopeFormatError, "fields: a field is named more than once"),
    ],
)
def test_encrypt_request_errors(keypairs, params, fields, error, message):
    with pytest.raises(error) as info:
        ocrcrypto.encrypt_request(params, keypairs["AES-256-CBC"][0], fields=fields)
    assert str(info.value).startswith(message), str(info.value)


def test_encrypt_request_unknown_algorithm(keypairs):
    with pytest.raises(UnsupportedAlgorithmError, match="did you mean 'SM4-GCM'"):
        ocrcrypto.encrypt_request(PARAMS, keypairs["SM4-GCM"][0], "SM4GCM")


def test_encrypt_request_key_of_the_wrong_family(keypairs):
    with pytest.raises(KeyFormatError, match="SM4-GCM wraps its key with SM2: got an RSA public key"):
        ocrcrypto.encrypt_request(PARAMS, keypairs["AES-256-CBC"][0], "SM4-GCM")


def _wire(algorithm, keypairs, **kwargs):
    return ocrcrypto.encrypt_request(PARAMS, keypairs[algorithm][0], algorithm, **kwargs)[0]


def _set(path, value):
    def mutate(wire):
        node = wire
        for part in path[:-1]:
            node = node[part]
        if value is KeyError:
            del node[path[-1]]
        else:
            node[path[-1]] = value(node[path[-1]]) if callable(value) else value
        return wire

    return mutate


@pytest.mark.parametrize(
    "mutate, error, message",
    [
        (lambda w: [w], EnvelopeFormatError, "request: expected a JSON object, got an array"),
        (_set(["Encryption"], KeyError), EnvelopeFormatError, "request.Encryption: missing; this request is not encrypted"),
        (_set(["Encryption", "CiphertextBlob"], None), EnvelopeFormatError, "Encryption.CiphertextBlob: missing"),
        (_set(["Encryption", "Iv"], KeyError), EnvelopeFormatError, "Encryption.Iv: missing"),
        (_set(["Encryption", "Iv"], "AAAA"), EnvelopeFormatError, "Encryption.Iv: SM4-GCM needs 12 bytes, got 3"),
        (_set(["Encryption", "Iv"], "MTIzNDU2Nzg5MDEy"[:-1]), EnvelopeFormatError, "Encryption.Iv: not valid standard base64"),
        (_set(["Encryption", "Algorithm"], "SM4-CBC"), UnsupportedAlgorithmError, "Algorithm: 'SM4-CBC' is not supported"),
        (_set(["Encryption", "TagList"], []), EnvelopeFormatError, "Encryption.TagList: SM4-GCM needs 1 tag(s)"),
        (_set(["EncryptedBody"], KeyError), EnvelopeFormatError, "request.EncryptedBody: named in Encryption.EncryptList, but not in the request"),
        (_set(["EncryptedBody"], "%%%"), EnvelopeFormatError, "request.EncryptedBody: not valid standard base64"),
        (_set(["Encryption", "EncryptList"], ["IdCard"]), EnvelopeFormatError, "request.IdCard: named in Encryption.EncryptList, but not in the request"),
    ],
)
def test_decrypt_request_shape_errors_name_the_field(keypairs, mutate, error, message):
    wire = mutate(_wire("SM4-GCM", keypairs))
    with pytest.raises(error) as info:
        ocrcrypto.decrypt_request(wire, keypairs["SM4-GCM"][1])
    assert str(info.value).startswith(message), str(info.value)


def _flip_b64(value: str, index: int = -1) -> str:
    raw = bytearray(_b64(value))
    raw[index] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


def _reseal(body: bytes):
    """Replace the body with another plaintext sealed under the same session (a valid ciphertext)."""

    def mutate(wire, session):
        ct, tag = session.envelope.seal(body, session.key, session.iv)
        wire["EncryptedBody"] = base64.b64encode(ct).decode()
        if tag is not None:
            wire["Encryption"]["TagList"] = [base64.b64encode(tag).decode()]
        return wire

    return mutate


def _rewrap(key_size_delta: int):
    def mutate(wire, session):
        env = session.envelope
        from ocrcrypto.hazmat import ciphers, sm2

        key = session.key + b"\x00" * key_size_delta if key_size_delta > 0 else session.key[:key_size_delta]
        pub = PUBLIC[session.algorithm]
        blob = sm2.encrypt(pub, key) if env.key_type == "SM2" else ciphers.rsa_pkcs1v15_encrypt(pub, key)
        wire["Encryption"]["CiphertextBlob"] = base64.b64encode(blob).decode()
        return wire

    return mutate


PUBLIC = {}

SERVICE_SIDE_FAILURES = [
    pytest.param(lambda w, s: _set(["Encryption", "CiphertextBlob"], _flip_b64)(w), id="blob-last-byte"),
    pytest.param(lambda w, s: _set(["Encryption", "CiphertextBlob"], lambda v: _flip_b64(v, 0))(w), id="blob-first-byte"),
    pytest.param(lambda w, s: _set(["Encryption", "CiphertextBlob"], lambda v: base64.b64encode(_b64(v)[:-1]).decode())(w), id="blob-truncated"),
    pytest.param(lambda w, s: _set(["EncryptedBody"], _flip_b64)(w), id="body-last-byte"),
    pytest.param(lambda w, s: _set(["EncryptedBody"], lambda v: _flip_b64(v, 0))(w), id="body-first-byte"),
    pytest.param(lambda w, s: _set(["EncryptedBody"], lambda v: base64.b64encode(_b64(v)[:-3]).decode())(w), id="body-truncated"),
    pytest.param(lambda w, s: _set(["EncryptedBody"], "")(w), id="body-empty"),
    pytest.param(lambda w, s: _set(["Encryption", "Iv"], lambda v: _flip_b64(v, 0))(w), id="iv-flipped"),
    pytest.param(_reseal(b'{"Name":"a","Name":"b"}'), id="duplicate-json-keys"),
    pytest.param(_reseal(b"[1,2]"), id="json-not-an-object"),
    pytest.param(_reseal(b"not json"), id="not-json"),
    pytest.param(_reseal(b'{"a":NaN}'), id="json-nan"),
    pytest.param(_reseal(b"\xff\xfe"), id="not-utf8"),
    pytest.param(_rewrap(+1), id="unwrapped-key-too-long"),
    pytest.param(_rewrap(-1), id="unwrapped-key-too-short"),
]


@pytest.mark.parametrize("mutate", SERVICE_SIDE_FAILURES)
def test_service_side_failures_are_uniform(algorithm, keypairs, mutate):
    public, private = keypairs[algorithm]
    PUBLIC[algorithm] = public
    wire, session = ocrcrypto.encrypt_request(PARAMS, public, algorithm)
    wire = mutate(copy.deepcopy(wire), session)
    with pytest.raises(DecryptionError) as info:
        ocrcrypto.decrypt_request(wire, private)
    assert str(info.value) == DECRYPTION_FAILED
    assert info.value.__cause__ is None and info.value.__context__ is None


def test_failed_unwrap_still_decrypts_the_body(keypairs):
    """A failed key unwrap does the same body decryption as a good one (no timing oracle)."""
    from ocrcrypto import envelopes

    opened = []

    class Recording(envelopes.AesCbcRsaEnvelope):
        algorithm = "TEST-RECORDING-CBC"

        def open_unchecked(self, ciphertext, key, iv, tag=None):
            opened.append(len(ciphertext))
            return super().open_unchecked(ciphertext, key, iv, tag)

    ocrcrypto.register_envelope(Recording())
    try:
        public, private = keypairs["AES-256-CBC"]
        wire, _ = ocrcrypto.encrypt_request(PARAMS, public, "TEST-RECORDING-CBC")
        wire["Encryption"]["CiphertextBlob"] = _flip_b64(wire["Encryption"]["CiphertextBlob"], 3)
        with pytest.raises(DecryptionError, match=f"^{DECRYPTION_FAILED}$"):
            ocrcrypto.decrypt_request(wire, private)
        assert opened == [len(_b64(wire["EncryptedBody"]))]
    finally:
        del envelopes._REGISTRY["TEST-RECORDING-CBC"]


def test_service_side_tag_flip_is_uniform(keypairs):
    wire = _wire("SM4-GCM", keypairs)
    wire["Encryption"]["TagList"] = [_flip_b64(wire["Encryption"]["TagList"][0])]
    with pytest.raises(DecryptionError, match=f"^{DECRYPTION_FAILED}$"):
        ocrcrypto.decrypt_request(wire, keypairs["SM4-GCM"][1])


def test_service_side_wrong_private_key_is_uniform(algorithm, keypairs):
    other = ocrcrypto.generate_private_key("RSA" if algorithm == "AES-256-CBC" else "SM2", rsa_bits=1024)
    with pytest.raises(DecryptionError, match=f"^{DECRYPTION_FAILED}$"):
        ocrcrypto.decrypt_request(_wire(algorithm, keypairs), other)


def test_service_side_field_mode_tamper_is_uniform(algorithm, keypairs):
    public, private = keypairs[algorithm]
    wire, _ = ocrcrypto.encrypt_request({"IdCard": "1" * 18, "Name": "x"}, public, algorithm, fields=["IdCard", "Name"])
    wire["Name"] = _flip_b64(wire["Name"])
    with pytest.raises(DecryptionError, match=f"^{DECRYPTION_FAILED}$"):
        ocrcrypto.decrypt_request(wire, private)


def test_service_side_key_of_the_wrong_family(keypairs):
    with pytest.raises(KeyFormatError, match="SM4-GCM wraps its key with SM2: no SM2 private key given"):
        ocrcrypto.decrypt_request(_wire("SM4-GCM", keypairs), keypairs["AES-256-CBC"][1])


wire_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20) | st.sampled_from(["AAAA", "AA==", "SM4-GCM", "EncryptedBody"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["EncryptList", "CiphertextBlob", "Iv", "Algorithm", "TagList", "EncryptedBody", "Encryption", "Response", "Name"]), inner, max_size=5),
    max_leaves=15,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(wire_like)
def test_arbitrary_input_only_raises_ocrcrypto_errors(keypairs, value):
    session = ocrcrypto.Session.new("SM4-GCM")
    for call in (
        lambda: ocrcrypto.decrypt_request(value, keypairs["SM4-GCM"][1]),
        lambda: ocrcrypto.decrypt_request(value, keypairs["AES-256-CBC"][1]),
        lambda: session.decrypt_response(value),
        lambda: ocrcrypto.Session.from_dict(value),
    ):
        try:
            call()
        except OcrCryptoError:
            pass


# -- sessions and responses ----------------------------------------------------------------------


@pytest.fixture
def exchange(algorithm, keypairs):
    public, private = keypairs[algorithm]
    wire, client = ocrcrypto.encrypt_request(PARAMS, public, algorithm)
    _, server = ocrcrypto.decrypt_request(wire, private)
    return client, server


@pytest.mark.parametrize("wrapped", [True, False])
@pytest.mark.parametrize("fresh_iv", [False, True])
def test_response_round_trip(exchange, wrapped, fresh_iv):
    client, server = exchange
    response = {"Response": RESPONSE} if wrapped else RESPONSE
    wire = json.loads(json.dumps(server.encrypt_response(response, fresh_iv=fresh_iv)))
    inner = wire["Response"] if wrapped else wire
    assert (_b64(inner["Encryption"]["Iv"]) == client.iv) is not fresh_iv
    assert inner["Encryption"]["CiphertextBlob"] == base64.b64encode(server.ciphertext_blob).decode()
    assert inner["RequestId"] == "req-1" and inner["Name"] == "" and list(inner)[-1] == "RequestId"
    assert inner["Encryption"]["TagList"] is None if client.algorithm == "AES-256-CBC" else len(inner["Encryption"]["TagList"]) == 1
    assert client.decrypt_response(wire) == response


def test_response_without_iv_uses_the_session_iv(exchange):
    client, server = exchange
    wire = server.encrypt_response(RESPONSE)
    wire["Encryption"]["Iv"] = None
    assert client.decrypt_response(wire) == RESPONSE


def test_response_from_a_restored_session(exchange):
    client, server = exchange
    restored = ocrcrypto.Session.from_dict(json.loads(json.dumps(client.to_dict())))
    assert restored.decrypt_response(server.encrypt_response({"Response": RESPONSE})) == {"Response": RESPONSE}


@pytest.mark.parametrize("paths", [["Text.IdCard", "Text.Name"], ["Response.Text.IdCard", "Response.Text.Name"]])
def test_response_field_mode_with_dotted_paths(exchange, paths):
    client, server = exchange
    response = {"Response": {"Text": {"IdCard": "110101", "Name": "李明", "Sex": "男"}, "RequestId": "r"}}
    wire = server.encrypt_response(response, fields=paths)
    assert wire["Response"]["Text"]["Sex"] == "男" and wire["Response"]["Text"]["IdCard"] != "110101"
    assert client.decrypt_response(wire) == response


def test_response_encryption_body_spelling(exchange):
    client, server = exchange
    wire = server.encrypt_response(RESPONSE)
    wire["EncryptionBody"] = wire.pop("EncryptedBody")
    assert client.decrypt_response(wire) == RESPONSE


def test_unencrypted_response_comes_back_unchanged(exchange):
    client, _ = exchange
    error = {"Response": {"Error": {"Code": "FailedOperation", "Message": "x"}, "RequestId": "r"}}
    assert client.decrypt_response(error) == error
    assert client.decrypt_response({"Response": {"Name": "a", "Encryption": None}}) == {"Response": {"Name": "a"}}
    sdk_style = {"Name": "a", "EncryptedBody": None, "Encryption": None, "RequestId": "r"}
    assert client.decrypt_response(sdk_style) == {"Name": "a", "RequestId": "r"}


def test_session_dict_and_repr():
    session = ocrcrypto.Session.new("SM4-GCM")
    d = session.to_dict()
    assert set(d) == {"Algorithm", "Key", "Iv"} and len(_b64(d["Key"])) == 16 and len(_b64(d["Iv"])) == 12
    assert d["Key"] not in repr(session) and session.key.hex() not in repr(session) and "hidden" in repr(session)


@pytest.mark.parametrize(
    "mutate, error, message",
    [
        (lambda w: w.pop("Encryption") and w, EnvelopeFormatError, "Response.EncryptedBody: present without an Encryption block"),
        (_set(["Encryption", "Algorithm"], "SM4-GCM-X"), EnvelopeFormatError, "Response.Encryption.Algorithm: 'SM4-GCM-X', but the session is"),
        (_set(["Encryption", "Iv"], "AAAA"), EnvelopeFormatError, "Response.Encryption.Iv:"),
        (_set(["Encryption", "EncryptList"], ["Missing"]), EnvelopeFormatError, "Response.Missing: named in Response.Encryption.EncryptList, but not in the response"),
        (_set(["EncryptedBody"], _flip_b64), DecryptionError, "Response.EncryptedBody: decryption failed (wrong key or IV, or the ciphertext was altered)"),
        (_set(["Encryption"], "x"), EnvelopeFormatError, "Response.Encryption: expected an object, got a string"),
        (lambda w: [w], EnvelopeFormatError, "Response: expected a JSON object, got an array"),
        (lambda w: {"Response": 5}, EnvelopeFormatError, "Response: expected an object, got a number"),
    ],
)
def test_response_errors_name_the_field(exchange, mutate, error, message):
    client, server = exchange
    wire = mutate(server.encrypt_response(RESPONSE))
    if message.startswith("Response.Encryption.Algorithm"):
        message += f" {client.algorithm!r}"
    if message == "Response.Encryption.Iv:":
        message += f" {client.algorithm} needs {client.envelope.iv_size} bytes, got 3"
    with pytest.raises(error) as info:
        client.decrypt_response(wire)
    assert str(info.value).startswith(message), str(info.value)


@pytest.mark.parametrize(
    "body, message",
    [
        (b'{"Name":"a","Name":"b"}', "Response.EncryptedBody (decrypted): JSON has a duplicate key 'Name'"),
        (b"[1]", "Response.EncryptedBody (decrypted): expected a JSON object, got an array"),
        (b"{", "Response.EncryptedBody (decrypted): not valid JSON (Expecting property name enclosed in double quotes at line 1 column 2)"),
        (b'{"a":Infinity}', "Response.EncryptedBody (decrypted): JSON has a non-standard number Infinity"),
        (b"\xc3\x28", "Response.EncryptedBody (decrypted): not UTF-8 text"),
    ],
)
def test_client_side_body_errors_are_specific(exchange, body, message):
    client, server = exchange
    wire = server.encrypt_response(RESPONSE)
    ct, tag = client.envelope.seal(body, client.key, client.iv)
    wire["EncryptedBody"] = base64.b64encode(ct).decode()
    if tag is not None:
        wire["Encryption"]["TagList"] = [base64.b64encode(tag).decode()]
    with pytest.raises(EnvelopeFormatError) as info:
        client.decrypt_response(wire)
    assert str(info.value) == message


def test_client_side_field_not_utf8(exchange):
    client, server = exchange
    wire = server.encrypt_response(RESPONSE, fields=["Name"])
    ct, tag = client.envelope.seal(b"\xff", client.key, client.iv)
    wire["Name"] = base64.b64encode(ct).decode()
    if tag is not None:
        wire["Encryption"]["TagList"] = [base64.b64encode(tag).decode()]
    with pytest.raises(EnvelopeFormatError, match="^Response.Name: decrypted bytes are not UTF-8$"):
        client.decrypt_response(wire)


@pytest.mark.parametrize(
    "data, message",
    [
        ("x", "session: expected an object with Algorithm, Key and Iv"),
        ({"Algorithm": "SM4-GCM", "Key": "AA=="}, "session.Iv: missing"),
        ({"Algorithm": 1, "Key": "AA==", "Iv": "AA=="}, "session.Algorithm: expected a string"),
        ({"Algorithm": "SM4-GCM", "Key": "AA==", "Iv": "AAAAAAAAAAAAAAAA"}, "Session Key: SM4-GCM needs 16 bytes"),
        ({"Algorithm": "SM4-GCM", "Key": "A" * 22 + "==", "Iv": "AA=="}, "Session Iv: SM4-GCM needs 12 bytes"),
        ({"Algorithm": "SM4-GCM", "Key": "!", "Iv": "AA=="}, "session.Key: not valid standard base64"),
    ],
)
def test_session_from_dict_errors(data, message):
    with pytest.raises(EnvelopeFormatError) as info:
        ocrcrypto.Session.from_dict(data)
    assert str(info.value).startswith(message)


def test_session_errors_never_show_the_key():
    key = "QUJDREVGR0hJSktMTU5PUA=="
    with pytest.raises(EnvelopeFormatError) as info:
        ocrcrypto.Session.from_dict({"Algorithm": "AES-256-CBC", "Key": key, "Iv": "AA=="})
    assert key not in str(info.value)


def test_encrypt_response_iv_arguments(exchange):
    client, server = exchange
    with pytest.raises(EnvelopeFormatError, match="iv: pass either fresh_iv or an iv of"):
        server.encrypt_response(RESPONSE, fresh_iv=True, iv=bytes(client.envelope.iv_size))
    with pytest.raises(EnvelopeFormatError, match="iv: pass either fresh_iv or an iv of"):
        server.encrypt_response(RESPONSE, iv=b"short")
    wire = server.encrypt_response(RESPONSE, iv=bytes(client.envelope.iv_size))
    assert _b64(wire["Encryption"]["Iv"]) == bytes(client.envelope.iv_size)
    assert client.decrypt_response(wire) == RESPONSE


def test_failed_unwrap_fails_even_if_the_body_opens(keypairs):
    """With a suite whose body cipher opens under any key, a failed unwrap still fails."""
    from ocrcrypto import envelopes

    class OpensAnything(envelopes.AesCbcRsaEnvelope):
        algorithm = "TEST-OPENS-ANYTHING"

        def seal(self, plaintext, key, iv):
            return plaintext, None

        def open(self, ciphertext, key, iv, tag=None):
            return ciphertext

        def open_unchecked(self, ciphertext, key, iv, tag=None):
            return ciphertext, True

    ocrcrypto.register_envelope(OpensAnything())
    try:
        public, private = keypairs["AES-256-CBC"]
        wire, _ = ocrcrypto.encrypt_request(PARAMS, public, "TEST-OPENS-ANYTHING")
        assert ocrcrypto.decrypt_request(wire, private)[0] == PARAMS
        wire["Encryption"]["CiphertextBlob"] = _flip_b64(wire["Encryption"]["CiphertextBlob"], 3)
        with pytest.raises(DecryptionError, match=f"^{DECRYPTION_FAILED}$"):
            ocrcrypto.decrypt_request(wire, private)
    finally:
        del envelopes._REGISTRY["TEST-OPENS-ANYTHING"]


# -- no crash class, nothing inside the error, the same steps for every failure -------------------


@pytest.fixture(scope="module")
def rsa512():
    from cryptography.hazmat.primitives import serialization

    from .conftest import data_file

    return serialization.load_pem_private_key(data_file("rsa512_private.pem"), None)


def test_rsa_keys_below_1024_bits_are_refused_as_objects_too(rsa512):
    with pytest.raises(KeyFormatError, match="RSA-512 is too small"):
        ocrcrypto.encrypt_request(PARAMS, rsa512.public_key(), "AES-256-CBC")
    with pytest.raises(KeyFormatError, match="RSA-512 is too small"):
        ocrcrypto.decrypt_request({"Encryption": {"EncryptList": [], "CiphertextBlob": "AAAA", "Iv": None}}, rsa512)


@pytest.mark.parametrize(
    "value",
    [{1: "x"}, {("t",): 1}, {None: []}],
    ids=["int-key", "tuple-key", "none-key"],
)
def test_mappings_with_non_string_keys_are_format_errors(keypairs, value):
    with pytest.raises(EnvelopeFormatError):
        ocrcrypto.EncryptionBlock.parse(value)
    with pytest.raises(EnvelopeFormatError):
        ocrcrypto.decrypt_request({**value, "Encryption": {"EncryptList": []}}, keypairs["SM4-GCM"][1])
    with pytest.raises(EnvelopeFormatError, match="names must be strings"):
        ocrcrypto.encrypt_request({"Name": "x", "Nested": value}, keypairs["SM4-GCM"][0], "SM4-GCM")
    with pytest.raises(EnvelopeFormatError):
        ocrcrypto.Session.new("SM4-GCM").decrypt_response({"Response": {**value, "Encryption": {"EncryptList": []}}})


def _nested(depth: int):
    value: dict = {"IdCard": "1"}
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.mark.parametrize("depth", [1000, 100000])
def test_any_depth_is_an_error_not_a_recursion(keypairs, depth):
    public, private = keypairs["SM4-GCM"]
    with pytest.raises(EnvelopeFormatError, match="nested more than 200 levels deep"):
        ocrcrypto.encrypt_request({"Name": "x", "Deep": _nested(depth)}, public, "SM4-GCM")
    deep = _nested(depth)
    wire, _ = ocrcrypto.encrypt_request({"Name": "x", "Deep": deep}, public, "SM4-GCM", fields=["Name"])
    assert wire["Deep"] is deep  # field mode copies only along the encrypted paths: nothing recurses
    deep_body = b'{"a":' * depth + b"1" + b"}" * depth
    wire, session = ocrcrypto.encrypt_request({"Name": "x"}, public, "SM4-GCM")
    ciphertext, tag = session.envelope.seal(deep_body, session.key, session.iv)
    wire["EncryptedBody"] = base64.b64encode(ciphertext).decode()
    wire["Encryption"]["TagList"] = [base64.b64encode(tag).decode()]
    with pytest.raises(DecryptionError):
        ocrcrypto.decrypt_request(wire, private)
    response = {"Response": {"Encryption": {"EncryptList": ["EncryptedBody"], "Iv": None, "Algorithm": "SM4-GCM",
                                            "TagList": [base64.b64encode(tag).decode()]},
                             "EncryptedBody": base64.b64encode(ciphertext).decode()}}
    with pytest.raises(EnvelopeFormatError, match="nested more than 200 levels deep"):
        session.decrypt_response(response)


def test_huge_integers_are_format_errors(keypairs):
    public, private = keypairs["AES-256-CBC"]
    wire, session = ocrcrypto.encrypt_request({"Name": "x"}, public)
    ciphertext, _ = session.envelope.seal(b'{"Name":' + b"9" * 5000 + b"}", session.key, session.iv)
    wire["EncryptedBody"] = base64.b64encode(ciphertext).decode()
    with pytest.raises(DecryptionError):
        ocrcrypto.decrypt_request(wire, private)
    with pytest.raises(EnvelopeFormatError, match="number of 5000 digits"):
        ocrcrypto.wire.loads('{"Name":' + "9" * 5000 + "}", "x")


@pytest.mark.parametrize("mutate", SERVICE_SIDE_FAILURES)
def test_the_uniform_error_holds_nothing(algorithm, keypairs, mutate):
    public, private = keypairs[algorithm]
    PUBLIC[algorithm] = public
    wire, session = ocrcrypto.encrypt_request(PARAMS, public, algorithm)
    with pytest.raises(DecryptionError) as info:
        ocrcrypto.decrypt_request(mutate(copy.deepcopy(wire), session), private)
    error = info.value
    assert error.args == (DECRYPTION_FAILED,) and vars(error) == {}
    assert error.__cause__ is None and error.__context__ is None


@pytest.mark.parametrize("mutate", SERVICE_SIDE_FAILURES)
def test_every_failure_still_decodes_and_parses(algorithm, keypairs, mutate, monkeypatch):
    """The same steps whatever fails: the body is decrypted, decoded and parsed every time."""
    public, private = keypairs[algorithm]
    PUBLIC[algorithm] = public
    wire, session = ocrcrypto.encrypt_request(PARAMS, public, algorithm)
    wire = mutate(copy.deepcopy(wire), session)
    parsed = []
    original = ocrcrypto.wire.parse_uniformly
    monkeypatch.setattr(ocrcrypto.wire, "parse_uniformly", lambda plaintext: parsed.append(len(plaintext)) or original(plaintext))
    with pytest.raises(DecryptionError):
        ocrcrypto.decrypt_request(wire, private)
    if _b64(wire.get("EncryptedBody", "")):  # an empty body has nothing to decode
        assert len(parsed) == 1


# -- what the vendor's own demo SDKs send and receive -------------------------------------------

DEMOS = Path(__file__).resolve().parent.parent.parent / "shared" / "vectors" / "vendor-demos" / "vendor_demo_examples.json"


def _demo_examples():
    if not DEMOS.is_file():
        pytest.skip(f"the vendor demo examples are not at {DEMOS} (the repository's ../shared)")
    return [e for e in json.loads(DEMOS.read_text(encoding="utf-8"))["examples"] if "response" in e]


@pytest.mark.parametrize("index", range(3), ids=["node-sm4gcm", "node-aes256cbc", "go-sm4gcm"])
def test_the_vendor_demo_responses_decrypt_to_what_the_demos_say(index):
    example = _demo_examples()[index]
    session = ocrcrypto.Session(example["algorithm"], bytes.fromhex(example["key_hex"]), None)
    plain = session.decrypt_response(example["response"])
    for path, expected in example["expected"].items():
        assert ocrcrypto.wire.get_path(plain, path) == (True, expected)
    assert "Encryption" not in plain["Response"]


@pytest.mark.parametrize(
    "demo, block",
    [
        ("go", {"EncryptList": ["EncryptionBody"], "TagList": None}),
        ("java", {"EncryptList": None, "TagList": None}),
        ("node", {"EncryptList": [], "Iv": None, "TagList": []}),
    ],
)
def test_response_only_requests_as_the_vendor_demos_send_them(algorithm, keypairs, demo, block):
    public, private = keypairs[algorithm]
    params = {"BizToken": "t", "RuleId": "1", "IsEncryptResponse": True}
    wire, client = ocrcrypto.encrypt_request(params, public, algorithm, fields=[])
    wire["Encryption"].update(block)
    got, server = ocrcrypto.decrypt_request(wire, [private])
    assert got == params and server.key == client.key and server.encrypt_list == ()
    assert (server.iv is None) is (demo == "node")
    response = server.encrypt_response({"Response": {"Text": {"IdCard": "1", "Name": "n"}, "RequestId": "r"}}, ["Response.Text.IdCard"])
    assert client.decrypt_response(response) == {"Response": {"Text": {"IdCard": "1", "Name": "n"}, "RequestId": "r"}}


def test_the_old_block_import_path_still_works():
    from ocrcrypto.block import FIELD_NAMES, EncryptionBlock

    assert EncryptionBlock is ocrcrypto.EncryptionBlock and FIELD_NAMES == ocrcrypto.wire.BLOCK_FIELDS


def _blob_a_wrong_rsa_key_unwraps_to_32_bytes(right, wrong, algorithm="AES-256-CBC", fields=None, params=None):
    """A request whose key blob the wrong RSA key 'unwraps' (implicit rejection) to 32 bytes."""
    from ocrcrypto.hazmat import ciphers

    for _ in range(5000):
        wire, session = ocrcrypto.encrypt_request(params or PARAMS, right.public_key(), algorithm, fields)
        message, ok = ciphers.rsa_pkcs1v15_decrypt_unchecked(wrong, _b64(wire["Encryption"]["CiphertextBlob"]))
        if ok and len(message) == 32:
            return wire, session
    pytest.skip("this OpenSSL build does not do implicit rejection: a wrong RSA key fails outright")


@pytest.mark.parametrize("fields", [None, ["Name"]], ids=["body", "field"])
def test_a_wrong_rsa_key_first_in_the_keyring_is_not_taken(keypairs, fields):
    """A wrong RSA key yields a random message instead of an error; when that message is 32 bytes
    long it looks like a key. The keyring takes only a key under which the request also opens."""
    right = keypairs["AES-256-CBC"][1]
    wrong = _other_rsa_key()
    params = {"Name": "李明", "ImageUrl": "https://example.com/a.jpg"}
    wire, client = _blob_a_wrong_rsa_key_unwraps_to_32_bytes(right, wrong, fields=fields, params=params)
    got, server = ocrcrypto.decrypt_request(wire, [wrong, right])
    assert got == params and server.key == client.key
    with pytest.raises(DecryptionError):
        ocrcrypto.decrypt_request(wire, [wrong])


_OTHER_RSA = []


def _other_rsa_key():
    if not _OTHER_RSA:
        _OTHER_RSA.append(ocrcrypto.generate_private_key("RSA", rsa_bits=1024))
    return _OTHER_RSA[0]
