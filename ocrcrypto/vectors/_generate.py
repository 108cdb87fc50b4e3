"""Generation of the envelope vectors (``ocrcrypto-vectors-2``) through ocrcrypto's deterministic path."""

from __future__ import annotations

import base64
import copy
import hashlib
from dataclasses import dataclass
from importlib import resources
from typing import Any, Callable, Dict, List, Optional, Tuple

from cryptography.hazmat.primitives.asymmetric import rsa

from .. import errors
from ..envelopes import get_envelope
from ..hazmat import ciphers, sm2, sm2_encodings
from ..keys import (
    PrivateKey,
    load_private_key,
    private_key_pem,
    public_key_of,
    public_key_pem,
    vendor_public_key,
)
from ..request import encrypt_request_with
from ..session import Session
from ..wire import PROTOCOL_PARAMS, dumps_compact
from ._common import (
    DEFAULT_SEED,
    SCHEMA,
    NOTES,
    _KEY_FILES,
    _GBT_D,
    _GBT_K,
    _OCR_PARAMS,
    _OCR_RESPONSE,
    _RESPONSE_ONLY_PARAMS,
    _LIVENESS_RESPONSE,
    _Stream,
    large_params,
    _b64,
    _flip,
)

# -- generation: the envelope vectors ------------------------------------------------------------


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
            elif isinstance(private, sm2.Sm2PrivateKey):
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
        """A valid request case; ``fields=[]`` makes a response-only request."""
        stream = self.stream(f"case-{len(self.cases) + 1}")
        envelope = get_envelope(algorithm)
        key, iv = stream.take(envelope.key_size), stream.take(envelope.iv_size)
        randomness, wrap_inputs = self.wrap_randomness(algorithm, key_name, key, stream, k=k)
        wire_request, _ = encrypt_request_with(params, self.keys.public(key_name), algorithm, fields, key=key, iv=iv, wrap_randomness=randomness)
        inputs: Dict[str, Any] = {"symmetric_key": key.hex(), "iv": iv.hex(), **wrap_inputs}
        output: Dict[str, Any] = {}
        if large is not None:
            inputs["large"] = large
            output["encrypted_body_sha256"] = hashlib.sha256(wire_request.pop("EncryptedBody").encode()).hexdigest()
        else:
            inputs["params"] = params
            if fields is None:
                inputs["body"] = dumps_compact({k2: v for k2, v in params.items() if k2 not in PROTOCOL_PARAMS}, "params").decode("utf-8")
            elif fields:
                inputs["fields"] = fields
        output["wire"] = wire_request
        mode = "body" if fields is None else "fields" if fields else "response-only"
        return self.add({
            "comment": comment, "flags": flags, "algorithm": algorithm, "mode": mode,
            "key": key_name, "input": inputs, "output": output, "result": "valid",
        })

    def response(
        self,
        comment: str,
        flags: List[str],
        request_case: Dict[str, Any],
        response: Dict[str, Any],
        *,
        fresh_iv: bool,
        fields: Optional[List[str]] = None,
        session_iv: Any = "request",
    ) -> Dict[str, Any]:
        """A valid response case to a request case; ``session_iv=None``: the session has no IV."""
        algorithm = request_case["algorithm"]
        inputs = request_case["input"]
        blob = base64.b64decode(request_case["output"]["wire"]["Encryption"]["CiphertextBlob"])
        iv0 = bytes.fromhex(inputs["iv"]) if session_iv == "request" else None
        session = Session(algorithm, bytes.fromhex(inputs["symmetric_key"]), iv0, ciphertext_blob=blob)
        iv = self.stream(f"case-{len(self.cases) + 1}").take(session.envelope.iv_size) if fresh_iv or iv0 is None else iv0
        wire_response = session.encrypt_response(response, fields=fields, iv=iv)
        case_input: Dict[str, Any] = {"session": session.to_dict(), "ciphertext_blob": _b64(blob), "response": response, "response_iv": iv.hex()}
        if fields:
            case_input["response_fields"] = fields
        return self.add({
            "comment": comment, "flags": flags, "algorithm": algorithm, "mode": "response", "key": request_case["key"],
            "input": case_input, "output": {"wire": wire_response}, "result": "valid",
        })

    def invalid(self, base: Dict[str, Any], comment: str, flags: List[str], error: type, mutate: Callable[[Dict[str, Any]], None]) -> Dict[str, Any]:
        wire_copy = copy.deepcopy(base["output"]["wire"])
        mutate(wire_copy)
        case: Dict[str, Any] = {
            "comment": comment, "flags": flags, "algorithm": base["algorithm"], "mode": base["mode"], "key": base["key"],
            "input": {"session": base["input"]["session"]} if base["mode"] == "response" else {},
            "output": {"wire": wire_copy}, "result": "invalid", "error": error.__name__,
        }
        return self.add(case)

    def acceptable(self, base: Dict[str, Any], comment: str, flags: List[str], error: type, mutate: Callable[[Dict[str, Any]], None], *, iv: Any = "request") -> Dict[str, Any]:
        """A legacy form of a valid request case: decrypts to the same params (ocrcrypto does)."""
        wire_copy = copy.deepcopy(base["output"]["wire"])
        mutate(wire_copy)
        source = base["input"]
        inputs: Dict[str, Any] = {"params": source["params"], "symmetric_key": source["symmetric_key"], "iv": source["iv"] if iv == "request" else iv}
        for name in ("body", "fields"):
            if name in source:
                inputs[name] = source[name]
        return self.add({
            "comment": comment, "flags": flags, "algorithm": base["algorithm"], "mode": base["mode"], "key": base["key"],
            "input": inputs, "output": {"wire": wire_copy}, "result": "acceptable", "error": error.__name__, "ocrcrypto_result": "valid",
        })

    # the whole file ------------------------------------------------------------------------------

    def run(self) -> Dict[str, Any]:
        cbc, gcm = "AES-256-CBC", "SM4-GCM"
        typical: Dict[str, Dict[str, Any]] = {}
        field_cases: Dict[str, Dict[str, Any]] = {}
        dotted: Dict[str, Dict[str, Any]] = {}
        for algorithm, key_name in ((cbc, "rsa-1024"), (gcm, "sm2")):
            typical[algorithm] = self.request(f"{algorithm} body mode, the vendor's example request", ["Typical"], algorithm, key_name, _OCR_PARAMS)
        self.request("AES-256-CBC body mode, key wrapped with RSA-2048", ["Rsa2048"], cbc, "rsa-2048", _OCR_PARAMS)
        for algorithm, key_name in ((cbc, "rsa-1024"), (gcm, "sm2")):
            self.request(f"{algorithm} body mode, unicode params", ["Unicode"], algorithm, key_name,
                         {"ImageUrl": "https://example.com/证件/正面.jpg", "CardSide": "FRONT", "Config": '{"备注":"测试 ✓"}'})
            for size in (15, 16, 17, 32):
                self.request(f"{algorithm} body mode, {size}-byte body", ["BlockBoundary"], algorithm, key_name, {"A": "x" * (size - 8)})
            self.request(f"{algorithm} body mode, ImageBase64", [], algorithm, key_name, {"ImageBase64": _b64(bytes(range(256)) * 3), "CardSide": "BACK"})
            field_cases[algorithm] = self.request(f"{algorithm} field mode, IdCard and Name", ["FieldMode", "Unicode"], algorithm, key_name,
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
            dotted[algorithm] = self.response(
                f"{algorithm} response, field mode with dotted paths", ["FieldMode", "DottedPath", "EchoedIv"], field_cases[algorithm],
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

        self.acceptable(typical[cbc], "AES-256-CBC request without Algorithm", ["DefaultAlgorithm"], errors.EnvelopeFormatError,
                        lambda w: w["Encryption"].pop("Algorithm"))
        self.acceptable(typical[gcm], "SM4-GCM request spelling EncryptionBody", ["EncryptionBodySpelling"], errors.EnvelopeFormatError, _body_spelling)

        self.primitives()
        self.invalid_requests(typical)
        self.additions(typical, field_cases, dotted)
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
        if not isinstance(gbt, sm2.Sm2PrivateKey):
            raise TypeError("sm2-gbt is not an SM2 key")
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
        for algorithm, other in (("AES-256-CBC", "rsa-1024-other"), ("SM4-GCM", "sm2-other")):
            base = typical[algorithm]
            key, iv = bytes.fromhex(base["input"]["symmetric_key"]), bytes.fromhex(base["input"]["iv"])
            randomness, _ = self.wrap_randomness(algorithm, other, key, self.stream(f"wrong-{algorithm}"))
            wrong = encrypt_request_with({"A": "x"}, self.keys.public(other), algorithm, key=key, iv=iv, wrap_randomness=randomness)[1].ciphertext_blob or b""
            self.invalid(base, f"{algorithm}: CiphertextBlob truncated", ["TruncatedBlob"], errors.DecryptionError, _blob(lambda b: b[:-1]))
            self.invalid(base, f"{algorithm}: body modified", ["ModifiedBody"], errors.DecryptionError, _body(lambda b: _flip(b, len(b) // 2)))
            self.invalid(base, f"{algorithm}: key wrapped to another public key", ["WrongKey"], errors.DecryptionError, _set_block("CiphertextBlob", lambda v: _b64(wrong)))
            self.invalid(base, f"{algorithm}: 8-byte IV", ["WrongIvLength"], errors.EnvelopeFormatError, _set_block("Iv", lambda v: _b64(base64.b64decode(v)[:8])))
            self.invalid(base, f"{algorithm}: Algorithm SM4-CBC", ["UnknownAlgorithm"], errors.UnsupportedAlgorithmError, _set_block("Algorithm", lambda v: "SM4-CBC"))
        gcm = typical["SM4-GCM"]
        self.invalid(gcm, "SM4-GCM: tag modified", ["ModifiedTag"], errors.DecryptionError, _set_block("TagList", lambda v: [_b64(_flip(base64.b64decode(v[0]), 15))]))
        self.invalid(gcm, "SM4-GCM: C3 modified", ["ModifiedC3"], errors.DecryptionError, _blob(lambda b: _flip(b, 70)))
        self.invalid(gcm, "SM4-GCM: C1 off the curve", ["C1OffCurve"], errors.DecryptionError, _blob(lambda b: _flip(b, 64)))
        self.invalid(gcm, "SM4-GCM: SM2 ciphertext without 04", ["Missing04"], errors.DecryptionError, _blob(sm2_encodings.strip_prefix))
        self.invalid(gcm, "SM4-GCM: SM2 ciphertext in C1C2C3 order", ["C1C2C3"], errors.DecryptionError, _blob(sm2_encodings.to_c1c2c3))
        self.invalid(gcm, "SM4-GCM: SM2 ciphertext in DER", ["Der"], errors.DecryptionError, _blob(sm2_encodings.to_der))
        self.invalid(gcm, "SM4-GCM: no tag", ["TagCountMismatch"], errors.EnvelopeFormatError, _set_block("TagList", lambda v: []))
        self.invalid(gcm, "SM4-GCM: two tags for one entry", ["TagCountMismatch"], errors.EnvelopeFormatError, _set_block("TagList", lambda v: v + v))
        cbc = typical["AES-256-CBC"]
        key, iv = bytes.fromhex(cbc["input"]["symmetric_key"]), bytes.fromhex(cbc["input"]["iv"])
        unpadded = ciphers.aes_cbc_encrypt(key, iv, b'{"ImageUrl":"x"}' + b"\x00" * 16)[:-16]  # ends in 0x00: no valid padding
        self.invalid(cbc, "AES-256-CBC: body without valid PKCS#7 padding", ["BadPadding"], errors.DecryptionError, lambda w: w.__setitem__("EncryptedBody", _b64(unpadded)))

    def additions(self, typical: Dict[str, Dict[str, Any]], field_cases: Dict[str, Dict[str, Any]], dotted: Dict[str, Dict[str, Any]]) -> None:
        """ocrcrypto-vectors-2: response-only requests, array-index paths, legacy forms, tag layouts."""
        cbc, gcm = "AES-256-CBC", "SM4-GCM"
        only: Dict[str, Dict[str, Any]] = {}
        for algorithm, key_name in ((cbc, "rsa-1024"), (gcm, "sm2")):
            only[algorithm] = self.request(f"{algorithm} response-only request (GetDetectInfoEnhanced, IsEncryptResponse)", ["ResponseOnly"],
                                           algorithm, key_name, _RESPONSE_ONLY_PARAMS, fields=[])
            self.response(f"{algorithm} response to a response-only request, fields at dotted paths with an array index, fresh IV",
                          ["FieldMode", "DottedPath", "ArrayIndexPath", "FreshIv", "Unicode"], only[algorithm], _LIVENESS_RESPONSE, fresh_iv=True,
                          fields=["Response.Text.IdCard", "Response.Text.LivenessDetail[1].Idcard", "Response.Text.LivenessDetail[0].Name"])
            self.response(f"{algorithm} whole-body response to a response-only request that sent no IV", ["NoSessionIv", "Unicode"], only[algorithm],
                          {"Response": _OCR_RESPONSE}, fresh_iv=True, session_iv=None)

        # legacy forms a reader may take
        self.acceptable(typical[cbc], "AES-256-CBC body mode, EncryptionBody spelling (the Go and Java demos)", ["EncryptionBodySpelling"],
                        errors.EnvelopeFormatError, _body_spelling)
        self.acceptable(typical[cbc], "AES-256-CBC body mode, TagList null", ["NullTagList"], errors.EnvelopeFormatError, _set_block("TagList", lambda v: None))
        self.acceptable(field_cases[cbc], "AES-256-CBC field mode, TagList null", ["NullTagList", "FieldMode"], errors.EnvelopeFormatError,
                        _set_block("TagList", lambda v: None))
        for algorithm in (cbc, gcm):
            base = only[algorithm]
            self.acceptable(base, f"{algorithm} response-only request with Iv null (the Node demo)", ["NullIv", "ResponseOnly"], errors.EnvelopeFormatError,
                            _set_block("Iv", lambda v: None), iv=None)
            self.acceptable(base, f"{algorithm} response-only request with EncryptList null and TagList null (the Java demo)",
                            ["NullEncryptList", "ResponseOnly"], errors.EnvelopeFormatError, _nulls("EncryptList", "TagList"))
            self.acceptable(base, f"{algorithm} response-only request without EncryptList", ["AbsentEncryptList", "ResponseOnly"], errors.EnvelopeFormatError,
                            lambda w: w["Encryption"].pop("EncryptList"))
            self.acceptable(base, f"{algorithm} response-only request naming EncryptionBody without a body, TagList null (the Go demo)",
                            ["BodyNameWithoutBody", "ResponseOnly"], errors.EnvelopeFormatError, _go_demo_response_only)

        # tags in the wrong place
        gcm_fields = field_cases[gcm]
        self.invalid(gcm_fields, "SM4-GCM field mode: the two tags swapped", ["TagOrder", "FieldMode"], errors.DecryptionError,
                     _set_block("TagList", lambda v: list(reversed(v))))
        self.invalid(gcm_fields, "SM4-GCM field mode: one tag for two fields", ["TagCountMismatch", "FieldMode"], errors.EnvelopeFormatError,
                     _set_block("TagList", lambda v: v[:1]))
        self.invalid(gcm_fields, "SM4-GCM field mode: three tags for two fields", ["TagCountMismatch", "FieldMode"], errors.EnvelopeFormatError,
                     _set_block("TagList", lambda v: v + v[:1]))
        self.invalid(gcm_fields, "SM4-GCM field mode: each tag appended to its field's ciphertext, TagList []", ["TagAppended", "FieldMode"],
                     errors.EnvelopeFormatError, _tags_appended_to_fields)
        self.invalid(typical[gcm], "SM4-GCM body mode: the tag appended to the body ciphertext, TagList []", ["TagAppended"], errors.EnvelopeFormatError,
                     _tag_appended_to_body)
        self.invalid(field_cases[cbc], "AES-256-CBC field mode: a tag for a suite without tags", ["TagCountMismatch", "FieldMode"], errors.EnvelopeFormatError,
                     _set_block("TagList", lambda v: [_b64(bytes(16)), _b64(bytes(16))]))
        # response-only requests that must fail
        self.invalid(only[cbc], "AES-256-CBC response-only request: CiphertextBlob truncated", ["TruncatedBlob", "ResponseOnly"], errors.DecryptionError,
                     _blob(lambda b: b[:-1]))
        self.invalid(only[gcm], "SM4-GCM response-only request: C3 modified", ["ModifiedC3", "ResponseOnly"], errors.DecryptionError, _blob(lambda b: _flip(b, 70)))
        self.invalid(only[gcm], "SM4-GCM response-only request: a tag with nothing encrypted", ["TagCountMismatch", "ResponseOnly"], errors.EnvelopeFormatError,
                     _set_block("TagList", lambda v: [_b64(bytes(16))]))
        # responses that must fail
        for algorithm in (cbc, gcm):
            self.invalid(dotted[algorithm], f"{algorithm} response: EncryptList names an array element that is not there", ["MissingPath", "DottedPath", "ArrayIndexPath"],
                         errors.EnvelopeFormatError, _response_block("EncryptList", lambda v: [v[0], "Response.Text.LivenessDetail[5].Idcard"]))
        self.invalid(dotted[gcm], "SM4-GCM response: the two tags swapped", ["TagOrder", "DottedPath"], errors.DecryptionError,
                     _response_block("TagList", lambda v: list(reversed(v))))


def _set_block(name: str, value: Callable[[Any], Any]) -> Callable[[Dict[str, Any]], None]:
    return lambda w: w["Encryption"].__setitem__(name, value(w["Encryption"][name]))


def _response_block(name: str, value: Callable[[Any], Any]) -> Callable[[Dict[str, Any]], None]:
    def mutate(w: Dict[str, Any]) -> None:
        block = w["Response"]["Encryption"]
        block[name] = value(block[name])
    return mutate


def _blob(convert: Callable[[bytes], bytes]) -> Callable[[Dict[str, Any]], None]:
    return _set_block("CiphertextBlob", lambda v: _b64(convert(base64.b64decode(v))))


def _body(convert: Callable[[bytes], bytes]) -> Callable[[Dict[str, Any]], None]:
    return lambda w: w.__setitem__("EncryptedBody", _b64(convert(base64.b64decode(w["EncryptedBody"]))))


def _nulls(*names: str) -> Callable[[Dict[str, Any]], None]:
    def mutate(w: Dict[str, Any]) -> None:
        for name in names:
            w["Encryption"][name] = None
    return mutate


def _body_spelling(w: Dict[str, Any]) -> None:
    """EncryptedBody renamed EncryptionBody in place (same position), and in EncryptList."""
    renamed = {("EncryptionBody" if k == "EncryptedBody" else k): v for k, v in w.items()}
    w.clear()
    w.update(renamed)
    w["Encryption"]["EncryptList"] = ["EncryptionBody"]


def _go_demo_response_only(w: Dict[str, Any]) -> None:
    w["Encryption"]["EncryptList"] = ["EncryptionBody"]
    w["Encryption"]["TagList"] = None


def _tag_appended_to_body(w: Dict[str, Any]) -> None:
    w["EncryptedBody"] = _b64(base64.b64decode(w["EncryptedBody"]) + base64.b64decode(w["Encryption"]["TagList"][0]))
    w["Encryption"]["TagList"] = []


def _tags_appended_to_fields(w: Dict[str, Any]) -> None:
    block = w["Encryption"]
    for name, tag in zip(block["EncryptList"], block["TagList"]):
        w[name] = _b64(base64.b64decode(w[name]) + base64.b64decode(tag))
    block["TagList"] = []



def generate(seed: str = DEFAULT_SEED) -> Dict[str, Any]:
    """The envelope vector file (``ocrcrypto-vectors-2``) as a JSON object; the same seed gives the same file."""
    return _Generator(seed).run()
