"""Cross-language test vectors: generated deterministically from a seed, verified strictly.

The vector file (``ocrcrypto_vectors.json``, format in ``vectors/README.md`` and
``vectors/schema.json``) holds test keys in the forms users paste and cases in the spirit of
Wycheproof: valid ones carry every input (params, symmetric key, IV, SM2 k or RSA padding bytes)
so that any implementation can re-encrypt them byte for byte; invalid ones name the error class.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

from cryptography.hazmat.primitives.asymmetric import rsa

from . import errors
from .envelopes import get_envelope
from .hazmat import ciphers, sm2, sm2_encodings
from .keys import PrivateKey, load_private_key, private_key_pem, public_key_of, public_key_pem, vendor_public_key
from .request import decrypt_request, encrypt_request_with
from .session import Session
from .wire import PROTOCOL_PARAMS, EncryptionBlock, dumps_compact

__all__ = ["FILE_NAME", "DEFAULT_SEED", "SCHEMA", "generate", "write", "verify", "large_params", "rsa_wrap_with_padding"]

FILE_NAME = "ocrcrypto_vectors.json"
DEFAULT_SEED = "ocrcrypto-vectors-1"
SCHEMA = "ocrcrypto-vectors-1"

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
    "EchoedIv": "The response reuses the request's IV, as the protocol does.",
    "FreshIv": "The response carries an IV of its own in its Encryption block.",
    "DottedPath": "EncryptList names a nested response field by its dotted path.",
    "Sm2C1xLeadingZero": "C1's X coordinate starts with a zero byte: it must still take 32 bytes.",
    "Sm2C1yLeadingZero": "C1's Y coordinate starts with a zero byte: it must still take 32 bytes.",
    "Sm2X2LeadingZero": "The shared point's x2 starts with a zero byte: the KDF and C3 use it padded to 32 bytes.",
    "ReaderOnly": "A form a reader must accept but a writer does not produce: decrypt only, no re-encryption.",
    "DefaultAlgorithm": "No Algorithm in the block, which means AES-256-CBC.",
    "EncryptionBodySpelling": "The vendor demo's 'EncryptionBody' spelling.",
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
    "UnknownAlgorithm": "Algorithm names no supported suite.",
}

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


# -- generation ----------------------------------------------------------------------------------


@dataclass
class _Keys:
    private: Dict[str, PrivateKey]

    @classmethod
    def load(cls) -> "_Keys":
        data = resources.files("ocrcrypto").joinpath("data")
        private = {name: load_private_key(data.joinpath(f).read_bytes()) for name, f in _KEY_FILES.items()}
        private["sm2-gbt"] = sm2.Sm2PrivateKey(int(_GBT_D, 16))
        return cls(private)

    def public(self, name: str) -> Any:
        return public_key_of(self.private[name])

    def section(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {}
        for name, private in self.private.items():
            public = public_key_of(private)
            if isinstance(private, rsa.RSAPrivateKey):
                out[name] = {
                    "type": "RSA",
                    "bits": private.key_size,
                    "public": {"vendor": vendor_public_key(public), "pkcs1_pem": public_key_pem(public), "spki_pem": public_key_pem(public, spki=True)},
                    "private": {"pkcs8_pem": private_key_pem(private), "pkcs1_pem": private_key_pem(private, traditional=True)},
                }
            else:
                assert isinstance(private, sm2.Sm2PrivateKey)
                out[name] = {
                    "type": "SM2",
                    "public": {"vendor": vendor_public_key(public), "spki_pem": public_key_pem(public), "hex": private.public_key.to_bytes().hex()},
                    "private": {"pkcs8_pem": private_key_pem(private), "sec1_pem": private_key_pem(private, traditional=True), "hex": private.private_bytes().hex()},
                }
        return out


class _Generator:
    def __init__(self, seed: str) -> None:
        self.seed = seed.encode()
        self.keys = _Keys.load()
        self.cases: List[Dict[str, Any]] = []

    def stream(self, label: str) -> _Stream:
        return _Stream(self.seed, label)

    def add(self, case: Dict[str, Any]) -> Dict[str, Any]:
        case = {"id": len(self.cases) + 1, **case}
        self.cases.append(case)
        return case

    # a deterministic request --------------------------------------------------------------------

    def wrap_randomness(self, algorithm: str, key_name: str, key: bytes, stream: _Stream, *, k: Optional[int] = None) -> Tuple[bytes, Dict[str, str]]:
        """The SM2 k or the RSA padding string of a deterministic wrap, and how the case records it."""
        if get_envelope(algorithm).key_type == "SM2":
            k = stream.scalar() if k is None else k
            return k.to_bytes(32, "big"), {"sm2_k": f"{k:064x}"}
        public = self.keys.public(key_name)
        ps = stream.nonzero((public.key_size + 7) // 8 - 3 - len(key))
        return ps, {"rsa_padding": ps.hex()}

    def request(
        self,
        comment: str,
        flags: List[str],
        algorithm: str,
        key_name: str,
        params: Dict[str, Any],
        *,
        fields: Optional[List[str]] = None,
        k: Optional[int] = None,
        large: Optional[Dict[str, Any]] = None,
    ) -> Dict[str, Any]:
        stream = self.stream(f"case-{len(self.cases) + 1}")
        envelope = get_envelope(algorithm)
        key, iv = stream.take(envelope.key_size), stream.take(envelope.iv_size)
        randomness, wrap_inputs = self.wrap_randomness(algorithm, key_name, key, stream, k=k)
        wire, _ = encrypt_request_with(params, self.keys.public(key_name), algorithm, fields, key=key, iv=iv, wrap_randomness=randomness)
        inputs: Dict[str, Any] = {"symmetric_key": key.hex(), "iv": iv.hex(), **wrap_inputs}
        output: Dict[str, Any] = {}
        if large is not None:
            inputs["large"] = large
            output["encrypted_body_sha256"] = hashlib.sha256(wire.pop("EncryptedBody").encode()).hexdigest()
        else:
            inputs["params"] = params
            if fields is None:
                inputs["body"] = dumps_compact({k2: v for k2, v in params.items() if k2 not in PROTOCOL_PARAMS}, "params").decode("utf-8")
            else:
                inputs["fields"] = fields
        output["wire"] = wire
        return self.add({
            "comment": comment, "flags": flags, "algorithm": algorithm, "mode": "fields" if fields else "body",
            "key": key_name, "input": inputs, "output": output, "result": "valid",
        })

    def response(self, comment: str, flags: List[str], request_case: Dict[str, Any], response: Dict[str, Any], *, fresh_iv: bool, fields: Optional[List[str]] = None) -> Dict[str, Any]:
        algorithm = request_case["algorithm"]
        inputs = request_case["input"]
        blob = base64.b64decode(request_case["output"]["wire"]["Encryption"]["CiphertextBlob"])
        session = Session(algorithm, bytes.fromhex(inputs["symmetric_key"]), bytes.fromhex(inputs["iv"]), ciphertext_blob=blob)
        iv = self.stream(f"case-{len(self.cases) + 1}").take(session.envelope.iv_size) if fresh_iv else session.iv
        wire = session.encrypt_response(response, fields=fields, iv=iv)
        case_input: Dict[str, Any] = {"session": session.to_dict(), "ciphertext_blob": _b64(blob), "response": response, "response_iv": iv.hex()}
        if fields:
            case_input["response_fields"] = fields
        return self.add({
            "comment": comment, "flags": flags, "algorithm": algorithm, "mode": "response", "key": request_case["key"],
            "input": case_input, "output": {"wire": wire}, "result": "valid",
        })

    def invalid(self, base: Dict[str, Any], comment: str, flags: List[str], error: type, mutate: Callable[[Dict[str, Any]], None]) -> None:
        wire = copy.deepcopy(base["output"]["wire"])
        mutate(wire)
        case: Dict[str, Any] = {
            "comment": comment, "flags": flags, "algorithm": base["algorithm"], "mode": base["mode"], "key": base["key"],
            "input": {"session": base["input"]["session"]} if base["mode"] == "response" else {},
            "output": {"wire": wire}, "result": "invalid", "error": error.__name__,
        }
        self.add(case)

    # the whole file ------------------------------------------------------------------------------

    def run(self) -> Dict[str, Any]:
        cbc, gcm = "AES-256-CBC", "SM4-GCM"
        typical = {}
        for algorithm, key_name in ((cbc, "rsa-1024"), (gcm, "sm2")):
            typical[algorithm] = self.request(f"{algorithm} body mode, the vendor's example request", ["Typical"], algorithm, key_name, _OCR_PARAMS)
        self.request("AES-256-CBC body mode, key wrapped with RSA-2048", ["Rsa2048"], cbc, "rsa-2048", _OCR_PARAMS)
        for algorithm, key_name in ((cbc, "rsa-1024"), (gcm, "sm2")):
            self.request(f"{algorithm} body mode, unicode params", ["Unicode"], algorithm, key_name,
                         {"ImageUrl": "https://example.com/证件/正面.jpg", "CardSide": "FRONT", "Config": '{"备注":"测试 ✓"}'})
            for size in (15, 16, 17, 32):
                self.request(f"{algorithm} body mode, {size}-byte body", ["BlockBoundary"], algorithm, key_name, {"A": "x" * (size - 8)})
            self.request(f"{algorithm} body mode, ImageBase64", [], algorithm, key_name, {"ImageBase64": _b64(bytes(range(256)) * 3), "CardSide": "BACK"})
            fields_case = self.request(f"{algorithm} field mode, IdCard and Name", ["FieldMode", "Unicode"], algorithm, key_name,
                                       {"Action": "DetectAuth", "IdCard": "11010119900101001X", "Name": "李明", "RuleId": "1"}, fields=["IdCard", "Name"])
            self.request(f"{algorithm} field mode, empty value", ["FieldMode", "EmptyPlaintext"], algorithm, key_name, {"IdCard": "", "Name": "x"}, fields=["IdCard"])
            self.request(f"{algorithm} field mode, one-byte value", ["FieldMode", "OneByte"], algorithm, key_name, {"Name": "a"}, fields=["Name"])
            size = 3 * 1024 * 1024
            seed = hashlib.sha256(self.seed + f"|large|{algorithm}".encode()).digest()[:16]
            self.request(f"{algorithm} body mode, {size} byte image (4 MiB of base64)", ["Large"], algorithm, key_name,
                         large_params(size, seed), large={"size": size, "seed": seed.hex()})
            base = typical[algorithm]
            echoed = self.response(f"{algorithm} response, echoed IV", ["EchoedIv", "Unicode"], base, {"Response": _OCR_RESPONSE}, fresh_iv=False)
            self.response(f"{algorithm} response, fresh IV, no Response wrapper", ["FreshIv"], base, _OCR_RESPONSE, fresh_iv=True)
            self.response(f"{algorithm} response, field mode with dotted paths", ["FieldMode", "DottedPath", "EchoedIv"], fields_case,
                          {"Response": {"Result": "0", "Text": {"IdCard": "11010119900101001X", "Name": "李明"}, "RequestId": "r-2"}},
                          fresh_iv=False, fields=["Response.Text.IdCard", "Response.Text.Name"])
            # The last byte: under CBC that garbles the padding block (a first-block flip would
            # decrypt, unauthenticated, to other bytes: CBC has no integrity).
            self.invalid(echoed, f"{algorithm} response, last body byte modified", ["ModifiedBody"], errors.DecryptionError,
                         lambda w: w["Response"].__setitem__("EncryptedBody", _b64(_flip(base64.b64decode(w["Response"]["EncryptedBody"]), -1))))

        for flag, test in (
            ("Sm2C1xLeadingZero", lambda c1, x2: c1[1] == 0),
            ("Sm2C1yLeadingZero", lambda c1, x2: c1[33] == 0),
            ("Sm2X2LeadingZero", lambda c1, x2: x2[0] == 0),
        ):
            stream = self.stream(flag)
            k = next(k for k in iter(stream.scalar, None) if test(*sm2.ephemeral_points(self.keys.public("sm2"), k)))
            self.request(f"SM4-GCM body mode, k chosen so that {NOTES[flag][:-1].lower()}", [flag], gcm, "sm2", {"ImageUrl": "https://example.com/a.jpg"}, k=k)

        reader = copy.deepcopy(typical[cbc])
        del reader["output"]["wire"]["Encryption"]["Algorithm"]
        self.add({**{k: v for k, v in reader.items() if k != "id"}, "comment": "AES-256-CBC request without Algorithm", "flags": ["ReaderOnly", "DefaultAlgorithm"]})
        reader = copy.deepcopy(typical[gcm])
        wire = reader["output"]["wire"]
        wire["EncryptionBody"] = wire.pop("EncryptedBody")
        wire["Encryption"]["EncryptList"] = ["EncryptionBody"]
        self.add({**{k: v for k, v in reader.items() if k != "id"}, "comment": "SM4-GCM request spelling EncryptionBody", "flags": ["ReaderOnly", "EncryptionBodySpelling"]})

        self.primitives()
        self.invalid_requests(typical)
        return {
            "schema": SCHEMA,
            "generator": {"seed": self.seed.decode(), "command": f"ocrcrypto vectors generate DIR --seed {self.seed.decode()}"},
            "notes": NOTES,
            "keys": self.keys.section(),
            "numberOfTests": len(self.cases),
            "tests": self.cases,
        }

    def primitives(self) -> None:
        gbt = self.keys.private["sm2-gbt"]
        assert isinstance(gbt, sm2.Sm2PrivateKey)
        message = b"encryption standard"
        self.add({
            "comment": "SM2 encryption, GB/T 32918.5 annex (C1C3C2)", "flags": ["Ktv"], "algorithm": "SM4-GCM", "mode": "primitive", "key": "sm2-gbt",
            "input": {"operation": "sm2_encrypt", "plaintext": message.hex(), "sm2_k": _GBT_K.lower()},
            "output": {"ciphertext": sm2.encrypt(gbt.public_key, message, k=int(_GBT_K, 16)).hex()}, "result": "valid",
        })
        key = bytes.fromhex("0123456789abcdeffedcba9876543210")
        iv = bytes.fromhex("00001234567800000000abcd")
        aad = bytes.fromhex("feedfacedeadbeeffeedfacedeadbeefabaddad2")
        pt = bytes.fromhex("aa" * 8 + "bb" * 16 + "cc" * 16 + "dd" * 16 + "ee" * 16 + "ff" * 16 + "ee" * 16 + "aa" * 8)
        ct, tag = ciphers.sm4_gcm_encrypt(key, iv, pt, aad)
        self.add({
            "comment": "SM4-GCM, RFC 8998 appendix A.1", "flags": ["Ktv"], "algorithm": "SM4-GCM", "mode": "primitive",
            "input": {"operation": "sm4_gcm_encrypt", "symmetric_key": key.hex(), "iv": iv.hex(), "aad": aad.hex(), "plaintext": pt.hex()},
            "output": {"ciphertext": ct.hex(), "tag": tag.hex()}, "result": "valid",
        })

    def invalid_requests(self, typical: Dict[str, Dict[str, Any]]) -> None:
        def set_block(name: str, value: Callable[[Any], Any]) -> Callable[[Dict[str, Any]], None]:
            return lambda w: w["Encryption"].__setitem__(name, value(w["Encryption"][name]))

        def blob(convert: Callable[[bytes], bytes]) -> Callable[[Dict[str, Any]], None]:
            return set_block("CiphertextBlob", lambda v: _b64(convert(base64.b64decode(v))))

        def body(convert: Callable[[bytes], bytes]) -> Callable[[Dict[str, Any]], None]:
            return lambda w: w.__setitem__("EncryptedBody", _b64(convert(base64.b64decode(w["EncryptedBody"]))))

        for algorithm, other in (("AES-256-CBC", "rsa-1024-other"), ("SM4-GCM", "sm2-other")):
            base = typical[algorithm]
            key, iv = bytes.fromhex(base["input"]["symmetric_key"]), bytes.fromhex(base["input"]["iv"])
            randomness, _ = self.wrap_randomness(algorithm, other, key, self.stream(f"wrong-{algorithm}"))
            wrong = encrypt_request_with({"A": "x"}, self.keys.public(other), algorithm, key=key, iv=iv, wrap_randomness=randomness)[1].ciphertext_blob
            self.invalid(base, f"{algorithm}: CiphertextBlob truncated", ["TruncatedBlob"], errors.DecryptionError, blob(lambda b: b[:-1]))
            self.invalid(base, f"{algorithm}: body modified", ["ModifiedBody"], errors.DecryptionError, body(lambda b: _flip(b, len(b) // 2)))
            self.invalid(base, f"{algorithm}: key wrapped to another public key", ["WrongKey"], errors.DecryptionError, set_block("CiphertextBlob", lambda v: _b64(wrong)))
            self.invalid(base, f"{algorithm}: 8-byte IV", ["WrongIvLength"], errors.EnvelopeFormatError, set_block("Iv", lambda v: _b64(base64.b64decode(v)[:8])))
            self.invalid(base, f"{algorithm}: Algorithm SM4-CBC", ["UnknownAlgorithm"], errors.UnsupportedAlgorithmError, set_block("Algorithm", lambda v: "SM4-CBC"))
        gcm = typical["SM4-GCM"]
        self.invalid(gcm, "SM4-GCM: tag modified", ["ModifiedTag"], errors.DecryptionError, set_block("TagList", lambda v: [_b64(_flip(base64.b64decode(v[0]), 15))]))
        self.invalid(gcm, "SM4-GCM: C3 modified", ["ModifiedC3"], errors.DecryptionError, blob(lambda b: _flip(b, 70)))
        self.invalid(gcm, "SM4-GCM: C1 off the curve", ["C1OffCurve"], errors.DecryptionError, blob(lambda b: _flip(b, 64)))
        self.invalid(gcm, "SM4-GCM: SM2 ciphertext without 04", ["Missing04"], errors.DecryptionError, blob(sm2_encodings.strip_prefix))
        self.invalid(gcm, "SM4-GCM: SM2 ciphertext in C1C2C3 order", ["C1C2C3"], errors.DecryptionError, blob(sm2_encodings.to_c1c2c3))
        self.invalid(gcm, "SM4-GCM: SM2 ciphertext in DER", ["Der"], errors.DecryptionError, blob(sm2_encodings.to_der))
        self.invalid(gcm, "SM4-GCM: no tag", ["TagCountMismatch"], errors.EnvelopeFormatError, set_block("TagList", lambda v: []))
        self.invalid(gcm, "SM4-GCM: two tags for one entry", ["TagCountMismatch"], errors.EnvelopeFormatError, set_block("TagList", lambda v: v + v))
        cbc = typical["AES-256-CBC"]
        key, iv = bytes.fromhex(cbc["input"]["symmetric_key"]), bytes.fromhex(cbc["input"]["iv"])
        unpadded = ciphers.aes_cbc_encrypt(key, iv, b'{"ImageUrl":"x"}' + b"\x00" * 16)[:-16]  # ends in 0x00: no valid padding
        self.invalid(cbc, "AES-256-CBC: body without valid PKCS#7 padding", ["BadPadding"], errors.DecryptionError, lambda w: w.__setitem__("EncryptedBody", _b64(unpadded)))


def generate(seed: str = DEFAULT_SEED) -> Dict[str, Any]:
    """The whole vector file as a JSON object; the same seed gives the same file."""
    return _Generator(seed).run()


def write(directory: Path, seed: str = DEFAULT_SEED) -> Path:
    """Generate and write ``DIR/ocrcrypto_vectors.json``."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / FILE_NAME
    path.write_text(json.dumps(generate(seed), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


# -- verification --------------------------------------------------------------------------------


def _expected_params(case: Dict[str, Any]) -> Dict[str, Any]:
    large = case["input"].get("large")
    if large:
        return large_params(large["size"], bytes.fromhex(large["seed"]))
    return case["input"]["params"]


def _reencrypt_request(case: Dict[str, Any], public: Any, params: Dict[str, Any]) -> Dict[str, Any]:
    inputs = case["input"]
    randomness = bytes.fromhex(inputs["sm2_k"] if "sm2_k" in inputs else inputs["rsa_padding"])
    key, iv = bytes.fromhex(inputs["symmetric_key"]), bytes.fromhex(inputs["iv"])
    wire, _ = encrypt_request_with(params, public, case["algorithm"], inputs.get("fields"), key=key, iv=iv, wrap_randomness=randomness)
    return wire


def _check_case(case: Dict[str, Any], private: Dict[str, PrivateKey]) -> None:
    """Raise AssertionError (or an OcrCryptoError) when the case does not hold."""
    mode, algorithm = case["mode"], case["algorithm"]
    wire = case["output"].get("wire")
    if case["result"] == "invalid":
        error = getattr(errors, case["error"])
        try:
            if mode == "response":
                Session.from_dict(case["input"]["session"]).decrypt_response(wire)
            else:
                decrypt_request(wire, private[case["key"]])
        except errors.OcrCryptoError as exc:
            assert type(exc) is error, f"expected {case['error']}, got {type(exc).__name__}: {exc}"
            return
        raise AssertionError(f"expected {case['error']}, but it decrypted")
    inputs = case["input"]
    if mode == "primitive":
        if inputs["operation"] == "sm2_encrypt":
            key = private[case["key"]]
            assert isinstance(key, sm2.Sm2PrivateKey)
            ct = sm2.encrypt(key.public_key, bytes.fromhex(inputs["plaintext"]), k=int(inputs["sm2_k"], 16))
            assert ct.hex() == case["output"]["ciphertext"], "SM2 ciphertext differs"
            assert sm2.decrypt(key, ct).hex() == inputs["plaintext"], "SM2 decryption differs"
        else:
            args = [bytes.fromhex(inputs[n]) for n in ("symmetric_key", "iv", "plaintext", "aad")]
            ct, tag = ciphers.sm4_gcm_encrypt(*args)
            assert (ct.hex(), tag.hex()) == (case["output"]["ciphertext"], case["output"]["tag"]), "SM4-GCM output differs"
        return
    if mode == "response":
        session = Session.from_dict(inputs["session"])
        assert session.decrypt_response(wire) == inputs["response"], "decrypted response differs"
        server = Session(algorithm, session.key, session.iv, ciphertext_blob=base64.b64decode(inputs["ciphertext_blob"]))
        again = server.encrypt_response(inputs["response"], fields=inputs.get("response_fields"), iv=bytes.fromhex(inputs["response_iv"]))
        assert again == wire, "re-encrypted response differs"
        return
    key = private[case["key"]]
    params = _expected_params(case)
    if "ReaderOnly" in case["flags"]:
        got, session = decrypt_request(wire, key)
        assert got == params, "decrypted params differ"
        return
    again = _reencrypt_request(case, public_key_of(key), params)
    if "large" in inputs:
        digest = hashlib.sha256(again["EncryptedBody"].encode()).hexdigest()
        assert digest == case["output"]["encrypted_body_sha256"], "EncryptedBody digest differs"
        assert {k: v for k, v in again.items() if k != "EncryptedBody"} == wire, "re-encrypted wire differs"
        wire = again
    assert again == wire, "re-encrypted wire differs"
    assert list(again) == list(wire), "wire key order differs"
    got, session = decrypt_request(wire, key)
    assert got == params, "decrypted params differ"
    assert (session.key.hex(), session.iv.hex()) == (inputs["symmetric_key"], inputs["iv"]), "unwrapped key or IV differs"
    if "body" in inputs:
        block = EncryptionBlock.parse(wire["Encryption"])
        body_tag = block.tags(required=session.envelope.tag_size is not None)[0]
        body = session.envelope.open(base64.b64decode(wire["EncryptedBody"]), session.key, session.iv, body_tag)
        assert body == inputs["body"].encode("utf-8"), "decrypted body text differs"


def _iter_files(directory: Path) -> Iterator[Path]:
    return iter(sorted(p for p in directory.glob("*.json") if p.name != "schema.json"))


def verify(directory: Path) -> Tuple[int, List[str]]:
    """Check every vector file in ``directory``; returns (cases checked, failure messages)."""
    failures: List[str] = []
    checked = 0
    files = list(_iter_files(directory))
    if not files:
        return 0, [f"{directory}: no vector files"]
    for path in files:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            private = {name: load_private_key(entry["private"]["pkcs8_pem"]) for name, entry in data["keys"].items()}
            tests = data["tests"]
        except (OSError, ValueError, KeyError, TypeError, errors.OcrCryptoError) as exc:
            failures.append(f"{path.name}: unreadable ({type(exc).__name__}: {exc})")
            continue
        if data.get("numberOfTests") != len(tests):
            failures.append(f"{path.name}: numberOfTests is {data.get('numberOfTests')}, but there are {len(tests)} tests")
        for case in tests:
            checked += 1
            try:
                _check_case(case, private)
            except (AssertionError, errors.OcrCryptoError, KeyError, TypeError, ValueError) as exc:
                failures.append(f"{path.name} #{case.get('id')} ({case.get('comment')}): {type(exc).__name__}: {exc}")
    return checked, failures
