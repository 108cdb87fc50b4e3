"""The catalogue of the vendor's actions that carry the envelope: data only, one entry per action.

For each action: its product and version, its mode (``body``, ``field``, ``response-only``, or
the unsupported legacy ``kms``), the request fields that may be encrypted, the params a call
needs, how its response comes back (whole body, named fields, or in clear) and the request flags
that ask for that, and a clearly fake answer for the emulator. Every fact comes from
``PROTOCOL.md``, section "Actions and modes" (read from the official Python SDK models
tencentcloud-sdk-python-ocr 3.1.193 and -faceid 3.1.179); ``source`` says which line, and
``required`` is inferred from each action's documentation where the models do not say.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from .errors import EnvelopeFormatError, UnsupportedActionError, printable

__all__ = ["Action", "ResponseEncryption", "catalogue", "get", "names", "supported", "BODY", "FIELD", "RESPONSE_ONLY", "KMS"]

BODY, FIELD, RESPONSE_ONLY, KMS = "body", "field", "response-only", "kms"

_SOURCE = "PROTOCOL.md, Actions and modes"
_FAKE = "ocrcrypto emulator: not a real result"


@dataclass(frozen=True)
class ResponseEncryption:
    """How a response comes back encrypted: the whole body (``fields`` empty) or the fields at
    these dotted paths, when the request sets ``flag`` to true (``flag`` None: always)."""

    flag: Optional[str]
    fields: Tuple[str, ...] = ()


@dataclass(frozen=True)
class Action:
    """One encrypted action of the vendor's API, as the catalogue knows it."""

    name: str
    product: str
    version: str
    mode: str
    fields: Tuple[str, ...]
    """Field mode: the request fields that may be encrypted. Body mode: the params that go in the body."""
    params: Tuple[str, ...] = ()
    """Every param the action takes (its SDK request model's fields but the envelope's own)."""
    required: Tuple[Tuple[str, ...], ...] = ()
    """Each inner tuple: at least one of these params must be given (non-empty)."""
    responses: Tuple[ResponseEncryption, ...] = ()
    """The ways the response can come back encrypted; empty: always in clear."""
    result: Mapping[str, Any] = field(default_factory=dict)
    """A clearly fake answer in the action's response shape, for the emulator."""
    source: str = _SOURCE
    unsupported: str = ""
    """Why ocrcrypto cannot serve this action, or empty."""

    @property
    def supported(self) -> bool:
        return not self.unsupported

    @property
    def response_flags(self) -> Tuple[str, ...]:
        """The request flags that ask for an encrypted response, e.g. ``IsEncryptResponse``."""
        return tuple(r.flag for r in self.responses if r.flag is not None)

    def request_plan(self, params: Mapping[str, Any], fields: Optional[Sequence[str]] = None) -> Tuple[Dict[str, Any], Optional[List[str]]]:
        """(the params to send, the ``fields`` argument of :func:`ocrcrypto.encrypt_request`) for a
        call of this action: body mode encrypts the body; field mode the catalogued sensitive
        fields present in ``params`` (or exactly ``fields``, which must be among them);
        response-only nothing, and the params ask for an encrypted response unless they already
        set one of the action's flags."""
        out = dict(params)
        if self.mode == BODY or self.mode == RESPONSE_ONLY:
            if fields:
                raise EnvelopeFormatError(f"fields: {self.name} is a {self.mode} action; it names no fields to encrypt")
            if self.mode == BODY:
                return out, None
            if not any(params.get(flag) is True for flag in self.response_flags):
                out[self.response_flags[0]] = True
            return out, []
        if isinstance(fields, (str, bytes)):
            raise EnvelopeFormatError("fields: expected a list of field names, not a single string")
        if fields is None:
            return out, [name for name in self.fields if isinstance(params.get(name), str)]
        chosen = list(fields)
        for name in chosen:
            if name not in self.fields:
                raise EnvelopeFormatError(f"fields: {self.name} takes encrypted {', '.join(self.fields)}, not '{printable(name)}'")
        return out, chosen

    def response_encryption(self, params: Mapping[str, Any]) -> Optional[ResponseEncryption]:
        """How the answer to ``params`` is encrypted (the first flag set wins), or None: in clear."""
        for way in self.responses:
            if way.flag is None or params.get(way.flag) is True:
                return way
        return None


def _faceid(name: str, mode: str, fields: Tuple[str, ...], required: Tuple[Tuple[str, ...], ...], result: Dict[str, Any],
            responses: Tuple[ResponseEncryption, ...] = (), unsupported: str = "") -> Action:
    return Action(name, "faceid", "2018-03-01", mode, fields, tuple(_PARAMS[name].split()), required, responses, result,
                  f"{_SOURCE}: {name}", unsupported)


_PARAMS = {  # the fields of each SDK request model, but Encryption and EncryptedBody
    "RecognizeEncryptedIDCardOCR": "ImageBase64 ImageUrl CardSide Config EnableRecognitionRectify EnableReflectDetail CardWarnType",
    "DetectAIFakeFaces": "FaceInput FaceInputType",
    "GetDetectInfoEnhanced": "BizToken RuleId InfoType BestFramesCount IsCutIdCardImage IsNeedIdCardAvatar IsEncrypt IsEncryptResponse IsReturnAllVideo",
    "GetFaceIdResult": "FaceIdToken IsNeedVideo IsNeedBestFrame IsEncryptResponse",
    "CheckIdCardInformation": "ImageBase64 ImageUrl Config IsEncrypt IsEncryptResponse",
    "BankCard2EVerification": "Name BankCard",
    "BankCard4EVerification": "Name BankCard Phone IdCard CertType",
    "BankCardVerification": "IdCard Name BankCard CertType",
    "CheckBankCardInformation": "BankCard",
    "CheckIdNameDate": "Name IdCard ValidityBegin ValidityEnd",
    "CheckPhoneAndName": "Mobile Name",
    "DetectAuth": "RuleId TerminalType IdCard Name RedirectUrl Extra ImageBase64 IntentionVerifyText IntentionQuestions IntentionActions Config",
    "GetEidToken": "MerchantId IdCard Name Extra Config RedirectUrl",
    "GetFaceIdToken": "CompareLib IdCard Name ImageBase64 Meta Extra UseCos RuleId MetaData",
    "IdCardOCRVerification": "IdCard Name ImageBase64 ImageUrl Config",
    "IdCardVerification": "IdCard Name",
    "ImageRecognitionV2": "IdCard Name ImageBase64 Optional Extra",
    "LivenessRecognition": "IdCard Name LivenessType VideoBase64 VideoUrl ValidateData Optional",
    "MinorsVerification": "Type Mobile IdCard Name",
    "MobileNetworkTimeVerification": "Mobile",
    "MobileStatus": "Mobile",
    "PhoneVerificationCMCC": "IdCard Name Phone",
    "PhoneVerificationCTCC": "IdCard Name Phone",
    "PhoneVerificationCUCC": "IdCard Name Phone",
    "PhoneVerification": "IdCard Name Phone VerifyMode CiphertextBlob EncryptList Iv",
}


def _verdict(**extra: Any) -> Dict[str, Any]:
    return {"Result": "0", "Description": _FAKE, **extra}


_NAME_ID = ("Name", "IdCard")
_WHOLE = ResponseEncryption("IsEncryptResponse")

_CATALOGUE: Tuple[Action, ...] = (
    Action(
        "RecognizeEncryptedIDCardOCR", "ocr", "2018-11-19", BODY,
        ("ImageBase64", "ImageUrl", "CardSide", "Config", "EnableRecognitionRectify", "EnableReflectDetail", "CardWarnType"),
        tuple(_PARAMS["RecognizeEncryptedIDCardOCR"].split()),
        (("ImageBase64", "ImageUrl"),),
        (ResponseEncryption(None),),
        {"Name": "EMULATOR TEST", "Sex": "-", "Nation": "-", "Birth": "1900/1/1", "Address": _FAKE,
         "IdNum": "000000190001010000", "Authority": "", "ValidDate": "", "AdvancedInfo": "{}"},
        f"{_SOURCE}: RecognizeEncryptedIDCardOCR (body mode only; the body's params inferred)",
    ),
    _faceid("DetectAIFakeFaces", BODY, ("FaceInput", "FaceInputType"), (("FaceInput",), ("FaceInputType",)),
            {"AttackRiskLevel": "Low", "AttackRiskDetailList": [], "ExtraInfo": None}),
    _faceid("GetDetectInfoEnhanced", RESPONSE_ONLY, (), (("BizToken",), ("RuleId",)),
            {"Text": {"ErrCode": 0, "ErrMsg": _FAKE, "IdCard": "000000190001010000", "Name": "EMULATOR TEST",
                      "OcrIdCard": "000000190001010000", "OcrName": "EMULATOR TEST", "Mobile": ""},
             "IdCardData": None, "BestFrame": None, "VideoData": None},
            (_WHOLE, ResponseEncryption("IsEncrypt", ("Response.Text.IdCard", "Response.Text.Name", "Response.Text.OcrIdCard", "Response.Text.OcrName")))),
    _faceid("GetFaceIdResult", RESPONSE_ONLY, (), (("FaceIdToken",),),
            _verdict(IdCard="000000190001010000", Name="EMULATOR TEST", Similarity=0.0), (_WHOLE,)),
    _faceid("CheckIdCardInformation", RESPONSE_ONLY, (), (("ImageBase64", "ImageUrl"),),
            _verdict(Sim=0.0, Name="EMULATOR TEST", Sex="-", Nation="-", Birth="1900/1/1", Address=_FAKE,
                     IdNum="000000190001010000", Portrait="", Warnings="", Quality=0.0),
            (_WHOLE, ResponseEncryption("IsEncrypt", ("Response.IdNum", "Response.Name")))),
    _faceid("BankCard2EVerification", FIELD, ("Name", "BankCard"), (("Name",), ("BankCard",)), _verdict()),
    _faceid("BankCard4EVerification", FIELD, ("Name", "IdCard", "Phone", "BankCard"),
            (("Name",), ("IdCard",), ("Phone",), ("BankCard",)), _verdict()),
    _faceid("BankCardVerification", FIELD, ("Name", "IdCard", "BankCard"), (("Name",), ("IdCard",), ("BankCard",)), _verdict()),
    _faceid("CheckBankCardInformation", FIELD, ("BankCard",), (("BankCard",),), _verdict(AccountBank="EMULATOR BANK", AccountType=1)),
    _faceid("CheckIdNameDate", FIELD, _NAME_ID, (("Name",), ("IdCard",)), _verdict()),
    _faceid("CheckPhoneAndName", FIELD, ("Name", "Mobile"), (("Name",), ("Mobile",)), _verdict()),
    _faceid("DetectAuth", FIELD, _NAME_ID, (("RuleId",),), {"Url": "https://example.com/ocrcrypto-emulator", "BizToken": "EMULATOR-BIZTOKEN"}),
    _faceid("GetEidToken", FIELD, _NAME_ID, (("MerchantId",),), {"EidToken": "EMULATOR-EIDTOKEN", "Url": "https://example.com/ocrcrypto-emulator"}),
    _faceid("GetFaceIdToken", FIELD, ("Name", "IdCard", "ImageBase64"), (("CompareLib",),), {"FaceIdToken": "EMULATOR-FACEIDTOKEN", "ClientConfig": ""}),
    _faceid("IdCardOCRVerification", FIELD, _NAME_ID, (("ImageBase64", "ImageUrl", "IdCard"),),
            _verdict(Name="EMULATOR TEST", IdCard="000000190001010000", Sex="-", Nation="-", Birth="1900/1/1", Address=_FAKE)),
    _faceid("IdCardVerification", FIELD, _NAME_ID, (("Name",), ("IdCard",)), _verdict()),
    _faceid("ImageRecognitionV2", FIELD, _NAME_ID, (("Name",), ("IdCard",), ("ImageBase64",)), _verdict(Sim=0.0)),
    _faceid("LivenessRecognition", FIELD, _NAME_ID, (("Name",), ("IdCard",), ("LivenessType",)), _verdict(Sim=0.0, BestFrameBase64="")),
    _faceid("MinorsVerification", FIELD, ("Name", "IdCard", "Mobile"), (("Type",),), _verdict(AgeRange="")),
    _faceid("MobileNetworkTimeVerification", FIELD, ("Mobile",), (("Mobile",),), _verdict(Range="")),
    _faceid("MobileStatus", FIELD, ("Mobile",), (("Mobile",),), _verdict(StatusCode=0)),
    _faceid("PhoneVerificationCMCC", FIELD, ("Name", "IdCard", "Phone"), (("Name",), ("IdCard",), ("Phone",)), _verdict(Isp="EMULATOR")),
    _faceid("PhoneVerificationCTCC", FIELD, ("Name", "IdCard", "Phone"), (("Name",), ("IdCard",), ("Phone",)), _verdict(Isp="EMULATOR")),
    _faceid("PhoneVerificationCUCC", FIELD, ("Name", "IdCard", "Phone"), (("Name",), ("IdCard",), ("Phone",)), _verdict(Isp="EMULATOR")),
    _faceid("PhoneVerification", KMS, ("IdCard", "Name", "Phone"), (("Name",), ("IdCard",), ("Phone",)), _verdict(Isp="EMULATOR"),
            unsupported="the legacy KMS mode: its top-level CiphertextBlob is a data key from the vendor's KMS "
                        "GenerateDataKey, which only KMS can make or open; use PhoneVerificationCMCC/CTCC/CUCC"),
)

_BY_NAME: Dict[str, Action] = {action.name: action for action in _CATALOGUE}


def catalogue() -> List[Action]:
    """Every entry, the unsupported one included, in the catalogue's order."""
    return list(_CATALOGUE)


def names() -> List[str]:
    """The 25 actions whose request carries the envelope (or, for PhoneVerification, its KMS form)."""
    return [action.name for action in _CATALOGUE]


def supported() -> List[str]:
    """The actions ocrcrypto can encrypt, call and emulate (all but the legacy KMS one)."""
    return [action.name for action in _CATALOGUE if action.supported]


def get(name: str) -> Action:
    """The catalogue entry of an action; an unknown or unsupported one is UnsupportedActionError."""
    action = _BY_NAME.get(name) if isinstance(name, str) else None
    if action is None:
        raise UnsupportedActionError(f"action '{printable(name)}' carries no envelope (known: {', '.join(names())})")
    if not action.supported:
        raise UnsupportedActionError(f"action {name} is not supported: {action.unsupported}")
    return action
