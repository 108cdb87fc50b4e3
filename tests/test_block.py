"""The Encryption block: exact writing, strict parsing, and an error naming the field for each fault."""

from __future__ import annotations

import pytest

from ocrcrypto.block import EncryptionBlock, b64decode
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
        ({"EncryptList": None}, "Encryption.EncryptList: expected a non-empty array of names, got null"),
        ({"EncryptList": []}, "Encryption.EncryptList: expected a non-empty array of names, got an array"),
        ({"EncryptList": "EncryptedBody"}, "Encryption.EncryptList: expected a non-empty array of names, got a string"),
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
