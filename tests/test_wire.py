"""The Encryption block: exact writing, strict parsing, and an error naming the field for each fault."""

from __future__ import annotations

import pytest

import ocrcrypto
from ocrcrypto import wire
from ocrcrypto.wire import EncryptionBlock, b64decode
from ocrcrypto.errors import EnvelopeFormatError

GOOD = {
    "EncryptList": ["EncryptedBody"],
    "CiphertextBlob": "AAEC",
    "Iv": "AAAAAAAAAAAAAAAA",
    "Algorithm": "SM4-GCM",
    "TagList": ["AAAAAAAAAAAAAAAAAAAAAA=="],
}


def test_round_trip_is_exact():
    assert EncryptionBlock.parse(GOOD).to_dict() == GOOD
    assert list(EncryptionBlock.parse(GOOD).to_dict()) == ["EncryptList", "CiphertextBlob", "Iv", "Algorithm", "TagList"]


def test_absent_algorithm_means_aes_256_cbc():
    block = EncryptionBlock.parse({"EncryptList": ["EncryptedBody"], "CiphertextBlob": "AA==", "Iv": "AA=="})
    assert block.algorithm == "AES-256-CBC"
    assert block.tag_list is None
    assert EncryptionBlock.parse({**GOOD, "Algorithm": None}).algorithm == "AES-256-CBC"


def test_null_fields_are_kept_as_none():
    block = EncryptionBlock.parse({"EncryptList": ["A"], "CiphertextBlob": None, "Iv": None, "TagList": None})
    assert (block.ciphertext_blob, block.iv, block.tag_list) == (None, None, None)
    assert block.to_dict()["TagList"] is None


def test_empty_tag_list_is_written_as_empty_array():
    block = EncryptionBlock(("EncryptedBody",), b"\x01", b"\x02", "AES-256-CBC", ())
    assert block.to_dict()["TagList"] == []


def test_tags_alignment():
    block = EncryptionBlock.parse({**GOOD, "EncryptList": ["A", "B"], "TagList": ["AA==", "AQ=="]})
    assert block.tags(required=True) == (b"\x00", b"\x01")
    cbc = EncryptionBlock.parse({**GOOD, "Algorithm": "AES-256-CBC", "TagList": []})
    assert cbc.tags(required=False) == (None,)


@pytest.mark.parametrize(
    "tags, required, message",
    [
        (None, True, "Encryption.TagList: SM4-GCM needs 1 tag(s), one per EncryptList entry, got null"),
        ([], True, "Encryption.TagList: SM4-GCM needs 1 tag(s), one per EncryptList entry, got 0"),
        (["AA==", "AA=="], True, "Encryption.TagList: SM4-GCM needs 1 tag(s), one per EncryptList entry, got 2"),
        (["AA=="], False, "Encryption.TagList: SM4-GCM carries no tags, got 1"),
    ],
)
def test_tag_count_errors(tags, required, message):
    block = EncryptionBlock.parse({**GOOD, "TagList": tags})
    with pytest.raises(EnvelopeFormatError) as info:
        block.tags(required=required)
    assert str(info.value) == message


@pytest.mark.parametrize(
    "change, message",
    [
        ({"EncryptList": "EncryptedBody"}, "Encryption.EncryptList: expected an array of names, got a string"),
        ({"EncryptList": ["Text..IdCard"]}, "path 'Text..IdCard': '' is not a name with optional [index]es"),
        ({"EncryptList": ["A[01]"]}, "path 'A[01]': 'A[01]' is not a name with optional [index]es"),
        ({"EncryptList": ["A", 3]}, "Encryption.EncryptList[1]: expected a non-empty string, got a number"),
        ({"EncryptList": [""]}, "Encryption.EncryptList[0]: expected a non-empty string, got a string"),
        ({"EncryptList": ["A", "A"]}, "Encryption.EncryptList: names a field more than once"),
        ({"Algorithm": 7}, "Encryption.Algorithm: expected a string, got a number"),
        ({"CiphertextBlob": "not base64!"}, "Encryption.CiphertextBlob: not valid standard base64 (with padding)"),
        ({"CiphertextBlob": "AAE"}, "Encryption.CiphertextBlob: not valid standard base64 (with padding)"),
        ({"CiphertextBlob": "AA-_"}, "Encryption.CiphertextBlob: not valid standard base64 (with padding)"),
        ({"Iv": 5}, "Encryption.Iv: expected a base64 string, got a number"),
        ({"Iv": True}, "Encryption.Iv: expected a base64 string, got a boolean"),
        ({"TagList": "AA=="}, "Encryption.TagList: expected an array or null, got a string"),
        ({"TagList": ["AA==", {}]}, "Encryption.TagList[1]: expected a base64 string, got an object"),
        ({"Tags": []}, "Encryption: unknown field 'Tags' (expected EncryptList, CiphertextBlob, Iv, Algorithm, TagList)"),
    ],
)
def test_parse_errors_name_the_field(change, message):
    with pytest.raises(EnvelopeFormatError) as info:
        EncryptionBlock.parse({**GOOD, **change})
    assert str(info.value) == message


@pytest.mark.parametrize("value", [None, [], "x", 3])
def test_parse_needs_an_object(value):
    with pytest.raises(EnvelopeFormatError, match="Encryption: expected an object"):
        EncryptionBlock.parse(value)


def test_b64decode_strict():
    assert b64decode("AQI=", "f") == b"\x01\x02"
    with pytest.raises(EnvelopeFormatError, match="^f: not valid"):
        b64decode("AQI", "f")


def test_repr_shows_no_bytes():
    block = EncryptionBlock.parse(GOOD)
    assert "AAEC" not in repr(block) and "<3 bytes>" in repr(block)


@pytest.mark.parametrize("names", [None, [], KeyError])
def test_an_empty_encrypt_list_is_a_response_only_block(names):
    value = dict(GOOD)
    if names is KeyError:
        del value["EncryptList"]
    else:
        value["EncryptList"] = names
    assert EncryptionBlock.parse(value).encrypt_list == ()


@pytest.mark.parametrize(
    "path, parts",
    [
        ("IdCard", ("IdCard",)),
        ("Response.Text.IdCard", ("Response", "Text", "IdCard")),
        ("Response.Text.LivenessDetail[0].Idcard", ("Response", "Text", "LivenessDetail", 0, "Idcard")),
        ("A[1][20].B", ("A", 1, 20, "B")),
        ("名字", ("名字",)),
    ],
)
def test_parse_path(path, parts):
    assert wire.parse_path(path) == parts


@pytest.mark.parametrize("path", ["", ".A", "A.", "A..B", "A[", "A[]", "A[-1]", "A[01]", "[0]", "A[0]x", "A]", 3, None])
def test_parse_path_refuses_what_the_grammar_does_not_allow(path):
    with pytest.raises(EnvelopeFormatError, match="path"):
        wire.parse_path(path)


def test_get_path_follows_objects_and_arrays_and_an_optional_response_prefix():
    inner = {"Text": {"L": [{"Id": "a"}, {"Id": "b"}]}, "Name": "n"}
    assert wire.get_path(inner, "Response.Text.L[1].Id") == (True, "b")
    assert wire.get_path(inner, "Text.L[1].Id") == (True, "b")
    assert wire.get_path(inner, "Text.L[2].Id") == (False, None)
    assert wire.get_path(inner, "Name[0]") == (False, None)
    assert wire.get_path({"Response": {"Name": "x"}}, "Response.Name") == (True, "x")


def test_write_fields_copies_only_along_the_paths():
    shared = {"Untouched": [1, 2]}
    payload = {"Text": {"IdCard": "1", "Other": shared}, "L": [{"Id": "a"}], "Keep": shared}
    out = wire.write_fields(payload, [("Text.IdCard", b"\x01"), ("L[0].Id", b"\x02")], None)
    assert out == {"Text": {"IdCard": "AQ==", "Other": shared}, "L": [{"Id": "Ag=="}], "Keep": shared}
    assert payload["Text"]["IdCard"] == "1" and payload["L"][0]["Id"] == "a"
    assert out["Keep"] is shared


@pytest.mark.parametrize(
    "text, message",
    [
        ('{"a":1,"a":2}', "x: JSON has a duplicate key 'a'"),
        ('{"a":NaN}', "x: JSON has a non-standard number NaN"),
        ("[" * 201 + "]" * 201, "x: JSON nested more than 200 levels deep"),
        ('{"a":' * 5000 + "1" + "}" * 5000, "x: JSON nested more than 200 levels deep"),
        ("[" + "1" * 4301 + "]", "x: JSON has a number of 4301 digits"),
        ("", "x: empty, expected JSON"),
        ("  \n", "x: empty, expected JSON"),
        ("{", "x: not valid JSON (Expecting property name enclosed in double quotes at line 1 column 2)"),
        (b"\xff", "x: not UTF-8 text"),
    ],
)
def test_loads_is_strict_and_never_raises_anything_else(text, message):
    with pytest.raises(EnvelopeFormatError) as info:
        wire.loads(text, "x")
    assert str(info.value) == message
    assert info.value.__context__ is None or isinstance(info.value.__context__, EnvelopeFormatError)


def test_loads_keeps_brackets_inside_strings_out_of_the_depth():
    text = '{"a":"' + "[" * 10000 + '"}'
    assert wire.loads(text, "x") == {"a": "[" * 10000}
    assert wire.loads("[" * 200 + "]" * 200, "x") is not None


def test_dumps_compact_refuses_what_json_cannot_hold():
    deep: dict = {}
    node = deep
    for _ in range(5000):
        node["a"] = {}
        node = node["a"]
    for value in (deep, {"a": b"x"}, {"a": float("inf")}, {("t",): 1}):
        with pytest.raises(EnvelopeFormatError, match="^p: "):
            wire.dumps_compact(value, "p")


def test_messages_escape_control_characters():
    with pytest.raises(EnvelopeFormatError) as info:
        EncryptionBlock.parse({**GOOD, "Bad\nName\x1b[31m": 1})
    assert "\n" not in str(info.value) and "\x1b" not in str(info.value) and "Bad\\nName\\x1b[31m" in str(info.value)


def test_one_field_named_twice_by_two_spellings_is_refused():
    """Name and Response.Name are one place in a response: naming both is naming it twice (the
    fuzzer found that both decrypted the one ciphertext)."""
    session = ocrcrypto.Session.new("SM4-GCM")
    response = session.encrypt_response({"Response": {"Name": "n", "RequestId": "r"}}, ["Response.Name"])
    block = response["Response"]["Encryption"]
    block["EncryptList"].append("Name")
    block["TagList"].append(block["TagList"][0])
    with pytest.raises(EnvelopeFormatError, match="names a field more than once"):
        session.decrypt_response(response)
    with pytest.raises(EnvelopeFormatError, match="a field is named more than once"):
        session.encrypt_response({"Response": {"Name": "n"}}, ["Response.Name", "Name"])
