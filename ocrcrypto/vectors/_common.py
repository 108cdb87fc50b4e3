"""The vector files' names, schemas, notes and bounds, and the deterministic inputs they share."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any, Dict


from ..hazmat import ciphers, sm2


FILE_NAME = "ocrcrypto_vectors.json"
KEY_FILE_NAME = "ocrcrypto_key_vectors.json"
MANIFEST_FILE_NAME = "ocrcrypto_decrypt_manifest.json"
DEFAULT_SEED = "ocrcrypto-vectors-1"
SCHEMA = "ocrcrypto-vectors-2"
KEY_SCHEMA = "ocrcrypto-key-vectors-1"
MANIFEST_SCHEMA = "ocrcrypto-decrypt-manifest-1"

NOTES = {
    "Ktv": "A known-answer vector from a published standard.",
    "Typical": "The request shape of the vendor's own example.",
    "Unicode": "Non-ASCII text in the plaintext (UTF-8 JSON, not \\u escapes).",
    "BlockBoundary": "The body is one byte short of, exactly at, or one byte past a 16-byte block.",
    "EmptyPlaintext": "A field whose value is the empty string.",
    "OneByte": "A one-byte plaintext.",
    "Large": "A multi-megabyte body described by size and seed; see large_params in the README.",
    "Rsa2048": "The key is wrapped with RSA-2048 instead of the vendor's RSA-1024.",
    "FieldMode": "Named fields encrypted in place with the same key and IV (FaceID APIs).",
    "ResponseOnly": "A request that encrypts nothing and only hands over the wrapped key (EncryptList [], TagList []).",
    "EchoedIv": "The response reuses the request's IV, as the protocol does.",
    "FreshIv": "The response carries an IV of its own in its Encryption block.",
    "DottedPath": "EncryptList names a nested response field by its dotted path.",
    "ArrayIndexPath": "A dotted path with an array index (Response.Text.LivenessDetail[1].Idcard).",
    "NoSessionIv": "The session has no IV (its response-only request sent Iv null): the response carries its own.",
    "Sm2C1xLeadingZero": "C1's X coordinate starts with a zero byte: it must still take 32 bytes.",
    "Sm2C1yLeadingZero": "C1's Y coordinate starts with a zero byte: it must still take 32 bytes.",
    "Sm2X2LeadingZero": "The shared point's x2 starts with a zero byte: the KDF and C3 use it padded to 32 bytes.",
    "DefaultAlgorithm": "Acceptable: no Algorithm in the block, which the vendor documents as AES-256-CBC.",
    "EncryptionBodySpelling": "Acceptable: the vendor demos' 'EncryptionBody' spelling of the body field and its EncryptList entry.",
    "NullTagList": "Acceptable: TagList null on an AES-256-CBC request (the vendor demos).",
    "NullIv": "Acceptable: a response-only request with Iv null (the Node demo); the session has no IV.",
    "NullEncryptList": "Acceptable: a response-only request with EncryptList null and TagList null (the Java demo).",
    "AbsentEncryptList": "Acceptable: a response-only request without EncryptList.",
    "BodyNameWithoutBody": "Acceptable: a response-only request naming EncryptionBody with no body and TagList null (the Go demo).",
    "TruncatedBlob": "CiphertextBlob lost its last byte.",
    "ModifiedTag": "One bit of the GCM tag is flipped.",
    "ModifiedC3": "One bit of the SM2 C3 hash is flipped.",
    "ModifiedBody": "One bit of the body ciphertext is flipped.",
    "WrongKey": "The symmetric key was wrapped to another public key.",
    "C1OffCurve": "C1 is not a point on sm2p256v1.",
    "Missing04": "The SM2 ciphertext lacks its 04 prefix (gmssl, sm-crypto).",
    "C1C2C3": "The SM2 ciphertext is in C1C2C3 order (BouncyCastle's default).",
    "Der": "The SM2 ciphertext is DER (OpenSSL, GmSSL).",
    "BadPadding": "The CBC body decrypts to bytes without valid PKCS#7 padding.",
    "WrongIvLength": "The IV has the wrong length for the algorithm.",
    "TagCountMismatch": "TagList does not have one tag per EncryptList entry.",
    "TagOrder": "Field mode with the tags in the wrong order: each tag belongs to another field.",
    "TagAppended": "The GCM tag is appended to the ciphertext instead of sent in TagList (TagList []).",
    "UnknownAlgorithm": "Algorithm names no supported suite.",
    "MissingPath": "The response's EncryptList names a path that is not in the response.",
}

KEY_NOTES = {
    "Rsa": "An RSA key.",
    "Sm2": "An SM2 key (curve sm2p256v1).",
    "Vendor": "The vendor's distribution form: base64 of the PEM text.",
    "Pem": "PEM text.",
    "Der": "Binary DER.",
    "Base64Der": "Base64 of the DER, no PEM armour.",
    "Hex": "Raw hex: an SM2 point, or an SM2 private scalar d.",
    "Compressed": "An SM2 point in compressed form 02/03||X.",
    "Whitespace": "Surrounding whitespace or line breaks inside base64.",
    "Bom": "A leading byte order mark (U+FEFF in text, EF BB BF in bytes).",
    "EscapedNewlines": "One-line PEM with literal backslash-n escapes, as pasted from JSON or env files.",
    "Crlf": "PEM with CRLF line ends.",
    "Pkcs1": "PKCS#1 RSAPublicKey / RSAPrivateKey.",
    "Pkcs8": "PKCS#8 PrivateKeyInfo.",
    "Spki": "SubjectPublicKeyInfo.",
    "Sec1": "SEC 1 ECPrivateKey.",
    "CurveOidInAlgorithm": "The SM2 OID 1.2.156.10197.1.301 in the algorithm slot instead of id-ecPublicKey.",
    "NoCurveParameters": "id-ecPublicKey with absent or NULL parameters (taken as SM2).",
    "NoEmbeddedPublic": "An ECPrivateKey without its optional public key and parameters.",
    "ShortHexD": "Hex d with its leading zeros dropped (left-padded to 64 digits).",
    "WrongCurve": "An EC key on another curve (P-256).",
    "OffCurve": "An SM2 point that is not on the curve.",
    "NoSquareRoot": "A compressed SM2 X for which no Y exists.",
    "CoordinateTooLarge": "A coordinate not below the field prime p.",
    "Truncated": "DER cut short.",
    "TrailingData": "Bytes after the DER structure.",
    "WrongLabel": "A PEM label the loader does not take.",
    "WrongKind": "A private key given to the public loader, or the reverse.",
    "SmallRsa": "RSA below 1024 bits.",
    "WrongHexLength": "Hex of a length that is no key form.",
    "ScalarOutOfRange": "SM2 d outside [1, n-2].",
    "PublicMismatch": "The embedded public point does not belong to d.",
    "Encrypted": "Password-encrypted PEM (the loaders refuse it; the password is 'test').",
    "NoEndLine": "PEM without its -----END line.",
    "OtherAlgorithm": "A key of another algorithm (Ed25519).",
    "Empty": "Empty input or only whitespace.",
    "Garbage": "Text that is no key form.",
}

MANIFEST_NOTES = {
    "FieldMode": "Named fields encrypted in place.",
    "ResponseOnly": "A response-only request: nothing encrypted, only the wrapped key.",
    "EchoedIv": "The response reuses the request's IV.",
    "FreshIv": "The response carries an IV of its own.",
    "DottedPath": "Response fields named by dotted paths.",
    "ArrayIndexPath": "A dotted path with an array index.",
    "Unicode": "Non-ASCII text in the plaintext.",
    "VendorDemo": "An example ciphertext from the vendor's public demo SDKs.",
    "RawTextKey": "The vendor demo's key is alphanumeric text used as bytes.",
    "NullFields": "The response has many null fields, as the SDK models write them.",
}

_ERRORS = ("DecryptionError", "EnvelopeFormatError", "UnsupportedAlgorithmError", "KeyFormatError")
_ALGORITHMS = ("AES-256-CBC", "SM4-GCM")
_MAX_FILE_BYTES = 64 * 1024 * 1024
_MAX_STRING = 1024 * 1024
_MAX_LARGE = 64 * 1024 * 1024
_MAX_TESTS = 100_000

_KEY_FILES = {
    "rsa-1024": "vector_rsa1024.pem",
    "rsa-2048": "vector_rsa2048.pem",
    "rsa-1024-other": "vector_rsa1024_other.pem",
    "sm2": "vector_sm2.pem",
    "sm2-other": "vector_sm2_other.pem",
}
_GBT_D = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8"
_GBT_K = "59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21"
_OCR_PARAMS = {
    "Action": "RecognizeEncryptedIDCardOCR",
    "Version": "2018-11-19",
    "Region": "ap-guangzhou",
    "ImageUrl": "https://example.com/id-card/front.jpg",
    "Config": '{"TempIdWarn":true,"CropIdCard":true}',
    "CardSide": "FRONT",
}
_OCR_RESPONSE = {
    "Name": "测试",
    "Sex": "女",
    "Nation": "汉",
    "Birth": "1990/1/1",
    "Address": "示例市示例路1号",
    "IdNum": "000000199001010000",
    "Authority": "",
    "ValidDate": "",
    "AdvancedInfo": "{}",
    "RequestId": "00000000-0000-4000-8000-000000000001",
}
_RESPONSE_ONLY_PARAMS = {
    "Action": "GetDetectInfoEnhanced",
    "Version": "2018-03-01",
    "Region": "ap-guangzhou",
    "BizToken": "00000000-0000-4000-8000-00000000000b",
    "RuleId": "1",
    "IsEncryptResponse": True,
}
_LIVENESS_RESPONSE = {
    "Response": {
        "Text": {
            "ErrCode": 0,
            "IdCard": "11010119900101001X",
            "Name": "李明",
            "LivenessDetail": [
                {"ReqTime": "1700000000", "Idcard": "11010119900101001X", "Name": "李明"},
                {"ReqTime": "1700000060", "Idcard": "11010119900101001X", "Name": "李明"},
            ],
        },
        "RequestId": "00000000-0000-4000-8000-000000000002",
    }
}


# -- deterministic inputs ------------------------------------------------------------------------


class _Stream:
    """Bytes from SHA-256(seed || label || counter): every case draws from its own label."""

    def __init__(self, seed: bytes, label: str) -> None:
        self._prefix = seed + b"|" + label.encode() + b"|"
        self._counter = 0

    def take(self, n: int) -> bytes:
        out = bytearray()
        while len(out) < n:
            out += hashlib.sha256(self._prefix + self._counter.to_bytes(4, "big")).digest()
            self._counter += 1
        return bytes(out[:n])

    def nonzero(self, n: int) -> bytes:
        out = bytearray()
        while len(out) < n:
            out += bytes(b for b in self.take(n) if b)
        return bytes(out[:n])

    def scalar(self) -> int:
        return int.from_bytes(self.take(40), "big") % (sm2.N - 1) + 1


def large_params(size: int, seed: bytes) -> Dict[str, Any]:
    """The params of a Large case: ``ImageBase64`` is base64 of the first ``size`` bytes of the
    stream SHA-256(seed || counter as 4 big-endian bytes), counter = 0, 1, 2, ..."""
    raw = bytearray()
    counter = 0
    while len(raw) < size:
        raw += hashlib.sha256(seed + counter.to_bytes(4, "big")).digest()
        counter += 1
    return {"ImageBase64": base64.b64encode(bytes(raw[:size])).decode("ascii"), "CardSide": "FRONT"}


rsa_wrap_with_padding = ciphers.rsa_pkcs1v15_encrypt_with_padding
"""RSAES-PKCS1-v1_5 with a given padding string, so that a vector's key wrap is reproducible."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _flip(data: bytes, index: int) -> bytes:
    out = bytearray(data)
    out[index] ^= 0x01
    return bytes(out)


def _int_hex(value: int) -> str:
    """Minimal big-endian bytes of a positive integer, as lowercase hex."""
    return value.to_bytes((value.bit_length() + 7) // 8, "big").hex()


def _dump(data: Dict[str, Any]) -> str:
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"
