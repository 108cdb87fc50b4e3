"""Key loading, writing and generation, for RSA and SM2, in every form users paste.

This is the one place that knows key formats. Public keys: the vendor's base64-of-PEM, PEM
(PKCS#1 ``RSA PUBLIC KEY`` or SubjectPublicKeyInfo), DER, and for SM2 raw hex ``04||X||Y`` or
``X||Y``. Private keys: PKCS#1 and PKCS#8 for RSA; PKCS#8, SEC1 and raw 64-hex ``d`` for SM2.
pyca/cryptography cannot read SM2 keys, so their DER is parsed with asn1crypto.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Callable, List, Optional, Tuple, TypeVar, Union, cast

from asn1crypto import core
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from .errors import KeyFormatError
from .hazmat import sm2
from .hazmat.sm2 import Sm2PrivateKey, Sm2PublicKey

__all__ = [
    "PublicKey",
    "PrivateKey",
    "Sm2PublicKey",
    "Sm2PrivateKey",
    "load_public_key",
    "load_private_key",
    "generate_private_key",
    "public_key_pem",
    "public_key_der",
    "vendor_public_key",
    "private_key_pem",
    "key_type",
    "public_key_of",
    "MIN_RSA_BITS",
]

PublicKey = Union[rsa.RSAPublicKey, Sm2PublicKey]
PrivateKey = Union[rsa.RSAPrivateKey, Sm2PrivateKey]
KeyData = Union[str, bytes, bytearray, memoryview]

MIN_RSA_BITS = 1024
"""The vendor's own keys are RSA-1024; nothing smaller is accepted."""

_OID_RSA = "1.2.840.113549.1.1.1"
_OID_EC = "1.2.840.10045.2.1"
_OID_SM2 = "1.2.156.10197.1.301"

_PEM = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.DOTALL)
_HEX = re.compile(r"[0-9a-fA-F]+")


class _AlgorithmIdentifier(core.Sequence):
    _fields = [("algorithm", core.ObjectIdentifier), ("parameters", core.Any, {"optional": True})]


class _SubjectPublicKeyInfo(core.Sequence):
    _fields = [("algorithm", _AlgorithmIdentifier), ("public_key", core.OctetBitString)]


class _PrivateKeyInfo(core.Sequence):
    _fields = [
        ("version", core.Integer),
        ("private_key_algorithm", _AlgorithmIdentifier),
        ("private_key", core.OctetString),
        ("attributes", core.Any, {"implicit": 0, "optional": True}),
        ("public_key", core.Any, {"implicit": 1, "optional": True}),
    ]


class _EcParameters(core.Choice):
    _alternatives = [("named", core.ObjectIdentifier), ("implicit", core.Null), ("specified", core.Sequence)]


class _EcPrivateKey(core.Sequence):
    _fields = [
        ("version", core.Integer),
        ("private_key", core.OctetString),
        ("parameters", _EcParameters, {"explicit": 0, "optional": True}),
        ("public_key", core.OctetBitString, {"explicit": 1, "optional": True}),
    ]


def key_type(key: Union[PublicKey, PrivateKey]) -> str:
    """``"RSA"`` or ``"SM2"``: the family a loaded key belongs to."""
    if isinstance(key, (rsa.RSAPublicKey, rsa.RSAPrivateKey)):
        return "RSA"
    if isinstance(key, (Sm2PublicKey, Sm2PrivateKey)):
        return "SM2"
    raise KeyFormatError(f"not an ocrcrypto key: {type(key).__name__}")


# -- reading -----------------------------------------------------------------------------------

_T = TypeVar("_T")


def _asn1(what: str, parse: Callable[[], _T]) -> _T:
    """Run an asn1crypto or cryptography parse, turning its exceptions into KeyFormatError."""
    try:
        return parse()
    except KeyFormatError:
        raise
    except (ValueError, TypeError, IndexError, KeyError, OverflowError, AttributeError):
        raise KeyFormatError(f"{what}: malformed DER") from None
    except UnsupportedAlgorithm:  # what some cryptography releases say of DER they cannot place
        raise KeyFormatError(f"{what}: malformed DER or a key type ocrcrypto does not read") from None


def _parameters_der(value: core.Asn1Value) -> Optional[bytes]:
    """The DER of an optional parameters field (an Any or an _EcParameters choice), None if absent."""
    if isinstance(value, core.Void):
        return None
    if isinstance(value, core.Choice):
        return value.chosen.dump()
    return value.dump()


def _sm2_curve_oid(parameters: Optional[bytes], what: str) -> None:
    """Accept absent/NULL parameters or the sm2p256v1 OID; name any other curve."""
    if parameters is None or parameters == core.Null().dump():
        return
    try:
        oid = core.ObjectIdentifier.load(parameters).dotted
    except ValueError:
        raise KeyFormatError(f"{what}: EC parameters are not a named curve (explicit curves are not supported)") from None
    if oid != _OID_SM2:
        raise KeyFormatError(f"{what}: EC curve {oid} is not SM2 (sm2p256v1, {_OID_SM2})")


def _checked_rsa(key: _T, what: str) -> _T:
    size = key.key_size  # type: ignore[attr-defined]
    if size < MIN_RSA_BITS:
        raise KeyFormatError(f"{what}: RSA-{size} is too small (minimum {MIN_RSA_BITS} bits)")
    return key


def _public_from_der(der: bytes) -> PublicKey:
    what = "public key"
    if not der or der[0] != 0x30:
        raise KeyFormatError(f"{what}: DER must start with a SEQUENCE (0x30)")
    try:
        spki = _SubjectPublicKeyInfo.load(der, strict=True)
        oid = spki["algorithm"]["algorithm"].dotted
    except (ValueError, TypeError):
        spki = None
    if spki is None:  # not SubjectPublicKeyInfo: only the PKCS#1 RSAPublicKey form is left
        loaded = _asn1(f"{what} (PKCS#1 RSA)", lambda: serialization.load_der_public_key(der))
        return _checked_rsa(cast(rsa.RSAPublicKey, loaded), what)
    if oid == _OID_RSA:
        loaded = _asn1(f"{what} (RSA SubjectPublicKeyInfo)", lambda: serialization.load_der_public_key(der))
        return _checked_rsa(loaded, what)  # type: ignore[return-value]
    if oid in (_OID_EC, _OID_SM2):
        _sm2_curve_oid(_asn1(what, lambda: _parameters_der(spki["algorithm"]["parameters"])), what)
        point = _asn1(what, lambda: bytes(spki["public_key"].native))
        if len(point) != 65 or point[0] != 4:
            raise KeyFormatError(f"{what}: SM2 point must be uncompressed 04||X||Y (65 bytes), got {len(point)} bytes")
        return Sm2PublicKey.from_bytes(point)
    raise KeyFormatError(f"{what}: algorithm OID {oid} is neither RSA nor SM2")


def _sm2_from_ec_private_key(der: bytes, what: str) -> Sm2PrivateKey:
    def parse() -> Tuple[bytes, Optional[bytes], Optional[bytes]]:
        ec = _EcPrivateKey.load(der, strict=True)
        if ec["version"].native != 1:
            raise KeyFormatError(f"{what}: ECPrivateKey version must be 1")
        public = ec["public_key"]
        point = None if isinstance(public, core.Void) else bytes(public.native)
        return ec["private_key"].native, point, _parameters_der(ec["parameters"])

    scalar, public, parameters = _asn1(what, parse)
    _sm2_curve_oid(parameters, what)
    if len(scalar) > 32:
        raise KeyFormatError(f"{what}: SM2 private scalar longer than 32 bytes")
    key = Sm2PrivateKey(int.from_bytes(scalar, "big"))
    if public is not None and public != key.public_key.to_bytes():
        raise KeyFormatError(f"{what}: the embedded public key does not match the private scalar")
    return key


def _private_from_der(der: bytes) -> PrivateKey:
    what = "private key"
    if not der or der[0] != 0x30:
        raise KeyFormatError(f"{what}: DER must start with a SEQUENCE (0x30)")
    try:
        info = _PrivateKeyInfo.load(der, strict=True)
        oid = info["private_key_algorithm"]["algorithm"].dotted
        inner = info["private_key"].native
    except (ValueError, TypeError):
        info = None
    if info is not None:
        if oid == _OID_RSA:
            loaded = _asn1(f"{what} (RSA PKCS#8)", lambda: serialization.load_der_private_key(der, None))
            return _checked_rsa(loaded, what)  # type: ignore[return-value]
        if oid in (_OID_EC, _OID_SM2):
            _sm2_curve_oid(_asn1(what, lambda: _parameters_der(info["private_key_algorithm"]["parameters"])), what)
            return _sm2_from_ec_private_key(inner, f"{what} (SM2 PKCS#8)")
        raise KeyFormatError(f"{what}: algorithm OID {oid} is neither RSA nor SM2")
    try:
        ec_version = _EcPrivateKey.load(der, strict=True)["version"].native
    except (ValueError, TypeError):
        ec_version = None
    if ec_version == 1:
        return _sm2_from_ec_private_key(der, f"{what} (SEC1)")
    loaded = _asn1(f"{what} (PKCS#1 RSA)", lambda: serialization.load_der_private_key(der, None))
    if not isinstance(loaded, rsa.RSAPrivateKey):
        raise KeyFormatError(f"{what}: not an RSA or SM2 key")
    return _checked_rsa(loaded, what)


_PUBLIC_LABELS = {"PUBLIC KEY", "RSA PUBLIC KEY"}
_PRIVATE_LABELS = {"PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "SM2 PRIVATE KEY"}


def _pem_to_der(text: str, labels: set, what: str) -> bytes:
    text = text.replace("\\n", "\n").replace("\\r", "\r")
    match = _PEM.search(text)
    if match is None:
        raise KeyFormatError(f"{what}: PEM text without a matching -----END line")
    label, body = match.group(1), match.group(2)
    if label == "ENCRYPTED PRIVATE KEY" or "Proc-Type:" in body:
        raise KeyFormatError(f"{what}: encrypted PEM is not supported; decrypt the key first")
    if label not in labels:
        raise KeyFormatError(f"{what}: PEM label {label!r} is not one of {', '.join(sorted(labels))}")
    try:
        der = base64.b64decode("".join(body.split()), validate=True)
    except (binascii.Error, ValueError):
        raise KeyFormatError(f"{what}: PEM body is not valid base64") from None
    return der


def _is_text(data: bytes) -> bool:
    return all(32 <= b < 127 or b in b"\t\r\n" for b in data)


def _load(data: KeyData, what: str, labels: set, from_der: Callable[[bytes], _T], raw_hex: Callable[[str], Optional[_T]]) -> _T:
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    if isinstance(data, bytes):
        data = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
        if not _is_text(data):
            if data[:1] == b"\x30":
                return from_der(data)
            raise KeyFormatError(f"{what}: neither DER (starts with 0x30) nor ASCII text")
        data = data.decode("ascii")
    if not isinstance(data, str):
        raise KeyFormatError(f"{what}: expected str or bytes, got {type(data).__name__}")
    text = data.strip().lstrip("\ufeff")
    if not text:
        raise KeyFormatError(f"{what}: empty")
    if "-----BEGIN" in text:
        return from_der(_pem_to_der(text, labels, what))
    compact = "".join(text.split())
    if _HEX.fullmatch(compact):
        key = raw_hex(compact)
        if key is not None:
            return key
    try:
        decoded = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        decoded = b""
    if decoded.lstrip().startswith(b"-----BEGIN"):
        try:
            pem = decoded.decode("ascii")
        except UnicodeDecodeError:
            raise KeyFormatError(f"{what}: base64-of-PEM decodes to non-ASCII text") from None
        return from_der(_pem_to_der(pem, labels, what))
    if decoded[:1] == b"\x30":
        return from_der(decoded)
    raise KeyFormatError(
        f"{what}: not a recognised format (tried PEM, the vendor's base64-of-PEM, base64 DER, DER"
        f"{', raw SM2 hex' if what.startswith('public') else ', raw SM2 hex d'})"
    )


def _raw_sm2_public(compact: str) -> Optional[Sm2PublicKey]:
    if len(compact) == 130 and compact[:2] == "04" or len(compact) == 128:
        return Sm2PublicKey.from_bytes(bytes.fromhex(compact))
    return None


def _raw_sm2_private(compact: str) -> Optional[Sm2PrivateKey]:
    if len(compact) == 64:
        return Sm2PrivateKey.from_bytes(bytes.fromhex(compact))
    return None


def load_public_key(data: KeyData) -> PublicKey:
    """Read an RSA or SM2 public key from any supported form (text or bytes, whitespace tolerated)."""
    return _load(data, "public key", _PUBLIC_LABELS, _public_from_der, _raw_sm2_public)


def load_private_key(data: KeyData) -> PrivateKey:
    """Read an RSA or SM2 private key (unencrypted) from any supported form."""
    return _load(data, "private key", _PRIVATE_LABELS, _private_from_der, _raw_sm2_private)


# -- writing and generating --------------------------------------------------------------------


def _sm2_algorithm() -> _AlgorithmIdentifier:
    return _AlgorithmIdentifier({"algorithm": _OID_EC, "parameters": core.ObjectIdentifier(_OID_SM2)})


def public_key_der(key: PublicKey, *, spki: bool = False) -> bytes:
    """DER: PKCS#1 ``RSAPublicKey`` for RSA (the vendor's form; SubjectPublicKeyInfo with
    ``spki``), SubjectPublicKeyInfo for SM2."""
    if isinstance(key, rsa.RSAPublicKey):
        fmt = serialization.PublicFormat.SubjectPublicKeyInfo if spki else serialization.PublicFormat.PKCS1
        return key.public_bytes(serialization.Encoding.DER, fmt)
    if isinstance(key, Sm2PublicKey):
        return _SubjectPublicKeyInfo({"algorithm": _sm2_algorithm(), "public_key": key.to_bytes()}).dump()
    raise KeyFormatError(f"public key: not an RSA or SM2 public key ({type(key).__name__})")


def public_key_pem(key: PublicKey, *, spki: bool = False) -> str:
    """PEM text of :func:`public_key_der` (``RSA PUBLIC KEY`` or ``PUBLIC KEY``)."""
    label = "RSA PUBLIC KEY" if isinstance(key, rsa.RSAPublicKey) and not spki else "PUBLIC KEY"
    return _pem(label, public_key_der(key, spki=spki))


def vendor_public_key(key: PublicKey) -> str:
    """The form the vendor hands out: base64 of the PEM text, on one line."""
    return base64.b64encode(public_key_pem(key).encode("ascii")).decode("ascii")


def private_key_pem(key: PrivateKey, *, traditional: bool = False) -> str:
    """PKCS#8 ``PRIVATE KEY`` PEM, or with ``traditional`` PKCS#1 ``RSA PRIVATE KEY`` / SEC1
    ``EC PRIVATE KEY``; for SM2 the ECPrivateKey carries the public point."""
    if isinstance(key, rsa.RSAPrivateKey):
        fmt = serialization.PrivateFormat.TraditionalOpenSSL if traditional else serialization.PrivateFormat.PKCS8
        return key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption()).decode("ascii")
    if isinstance(key, Sm2PrivateKey):
        value = {"version": 1, "private_key": key.private_bytes(), "public_key": key.public_key.to_bytes()}
        if traditional:
            value["parameters"] = _EcParameters(name="named", value=_OID_SM2)
            return _pem("EC PRIVATE KEY", _EcPrivateKey(value).dump())
        info = _PrivateKeyInfo({"version": 0, "private_key_algorithm": _sm2_algorithm(), "private_key": _EcPrivateKey(value).dump()})
        return _pem("PRIVATE KEY", info.dump())
    raise KeyFormatError(f"private key: not an RSA or SM2 private key ({type(key).__name__})")


def _pem(label: str, der: bytes) -> str:
    body = base64.b64encode(der).decode("ascii")
    lines: List[str] = [body[i:i + 64] for i in range(0, len(body), 64)]
    return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----\n"


def public_key_of(private_key: PrivateKey) -> PublicKey:
    """The public half of an RSA or SM2 private key."""
    if isinstance(private_key, rsa.RSAPrivateKey):
        return private_key.public_key()
    if isinstance(private_key, Sm2PrivateKey):
        return private_key.public_key
    raise KeyFormatError(f"private key: not an RSA or SM2 private key ({type(private_key).__name__})")


def generate_private_key(kind: str, *, rsa_bits: int = 2048) -> PrivateKey:
    """A new test key pair: ``"RSA"`` (e = 65537) or ``"SM2"``, from the OS CSPRNG."""
    if kind == "RSA":
        if rsa_bits < MIN_RSA_BITS:
            raise KeyFormatError(f"RSA key size: {rsa_bits} is below the minimum of {MIN_RSA_BITS} bits")
        return rsa.generate_private_key(public_exponent=65537, key_size=rsa_bits)
    if kind == "SM2":
        return sm2.generate_private_key()
    raise KeyFormatError(f"key type: expected 'RSA' or 'SM2', got {kind!r}")
