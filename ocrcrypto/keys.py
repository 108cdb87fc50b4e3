"""Key loading, writing and generation, for RSA and SM2, in every form users paste.

This is the one place that knows key formats. Public keys: the vendor's base64-of-PEM, PEM
(PKCS#1 ``RSA PUBLIC KEY`` or SubjectPublicKeyInfo), DER, and for SM2 raw hex ``04||X||Y``,
``X||Y`` or compressed ``02/03||X`` (compressed points also inside SubjectPublicKeyInfo). Private
keys: PKCS#1 and PKCS#8 for RSA; PKCS#8, SEC1 and raw hex ``d`` (up to 64 digits) for SM2.
pyca/cryptography cannot read SM2 keys, so their DER is parsed with asn1crypto. Every reader runs
in time linear in its input (no backtracking regex), since keys come from users' pastes.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any, Callable, FrozenSet, List, Optional, Tuple, TypeVar, Union, cast

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from .errors import KeyFormatError, printable
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
    "check_key_strength",
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

_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
_TEXT_BYTES = bytes(range(32, 127)) + b"\t\r\n"
_PEM_BEGIN = "-----BEGIN"
_PEM_DASHES = "-----"
_PEM_LABEL_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ")
_PEM_LABEL_SHOWN = 40
_MAX_DER_BYTES = 65536
"""Far above any key's DER (RSA-16384 PKCS#8 is about 9.3 KB); bounds the parser's work on garbage."""


def key_type(key: Union[PublicKey, PrivateKey]) -> str:
    """``"RSA"`` or ``"SM2"``: the family a loaded key belongs to."""
    if isinstance(key, (rsa.RSAPublicKey, rsa.RSAPrivateKey)):
        return "RSA"
    if isinstance(key, (Sm2PublicKey, Sm2PrivateKey)):
        return "SM2"
    raise KeyFormatError(f"not an ocrcrypto key: {printable(type(key).__name__)}")


def check_key_strength(key: Union[PublicKey, PrivateKey], role: str = "key") -> None:
    """Refuse an RSA key (public or private) below MIN_RSA_BITS, and anything that is no key.

    The loaders already do this; call it for key objects that arrive already built. ``role``
    (e.g. ``"public key"``) starts the error message.
    """
    if key_type(key) == "RSA":
        size = cast(Union[rsa.RSAPublicKey, rsa.RSAPrivateKey], key).key_size
        if size < MIN_RSA_BITS:
            raise KeyFormatError(f"{role}: RSA-{size} is too small (minimum {MIN_RSA_BITS} bits)")


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


def _parameters_der(value: Any) -> Optional[bytes]:
    """The DER of an optional parameters field (an Any or an EcParameters choice), None if absent."""
    from . import _asn1 as asn1
    if isinstance(value, asn1.core.Void):
        return None
    if isinstance(value, asn1.core.Choice):
        return value.chosen.dump()
    return value.dump()


def _sm2_curve_oid(parameters: Optional[bytes], what: str) -> None:
    """Accept absent/NULL parameters or the sm2p256v1 OID; name any other curve."""
    from . import _asn1 as asn1
    if parameters is None or parameters == asn1.core.Null().dump():
        return
    try:
        oid = asn1.core.ObjectIdentifier.load(parameters).dotted
    except ValueError:
        raise KeyFormatError(f"{what}: EC parameters are not a named curve (explicit curves are not supported)") from None
    if oid != _OID_SM2:
        raise KeyFormatError(f"{what}: EC curve {printable(oid)} is not SM2 (sm2p256v1, {_OID_SM2})")


def _checked_rsa(key: _T, what: str) -> _T:
    check_key_strength(key, what)  # type: ignore[arg-type]
    return key


def _check_der(der: bytes, what: str) -> None:
    """Refuse what cannot be a key's DER before asn1crypto spends time on it."""
    if not der or der[0] != 0x30:
        raise KeyFormatError(f"{what}: DER must start with a SEQUENCE (0x30)")
    if len(der) > _MAX_DER_BYTES:
        raise KeyFormatError(f"{what}: {len(der)} bytes of DER, more than any key has (at most {_MAX_DER_BYTES})")


def _public_from_der(der: bytes) -> PublicKey:
    from . import _asn1 as asn1
    what = "public key"
    _check_der(der, what)
    try:
        spki = asn1.SubjectPublicKeyInfo.load(der, strict=True)
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
        if not (len(point) == 65 and point[:1] == b"\x04" or len(point) == 33 and point[:1] in (b"\x02", b"\x03")):
            raise KeyFormatError(
                f"{what}: SM2 point must be uncompressed 04||X||Y (65 bytes) or compressed 02/03||X (33 bytes),"
                f" got {len(point)} bytes"
            )
        return Sm2PublicKey.from_bytes(point)
    raise KeyFormatError(f"{what}: algorithm OID {printable(oid)} is neither RSA nor SM2")


def _sm2_from_ec_private_key(der: bytes, what: str) -> Sm2PrivateKey:
    from . import _asn1 as asn1
    def parse() -> Tuple[bytes, Optional[bytes], Optional[bytes]]:
        ec = asn1.EcPrivateKey.load(der, strict=True)
        if ec["version"].native != 1:
            raise KeyFormatError(f"{what}: ECPrivateKey version must be 1")
        public = ec["public_key"]
        point = None if isinstance(public, asn1.core.Void) else bytes(public.native)
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
    from . import _asn1 as asn1
    what = "private key"
    _check_der(der, what)
    try:
        info = asn1.PrivateKeyInfo.load(der, strict=True)
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
        raise KeyFormatError(f"{what}: algorithm OID {printable(oid)} is neither RSA nor SM2")
    try:
        ec_version = asn1.EcPrivateKey.load(der, strict=True)["version"].native
    except (ValueError, TypeError):
        ec_version = None
    if ec_version == 1:
        return _sm2_from_ec_private_key(der, f"{what} (SEC1)")
    loaded = _asn1(f"{what} (PKCS#1 RSA)", lambda: serialization.load_der_private_key(der, None))
    if not isinstance(loaded, rsa.RSAPrivateKey):
        raise KeyFormatError(f"{what}: not an RSA or SM2 key")
    return _checked_rsa(loaded, what)


_PUBLIC_LABELS = frozenset({"PUBLIC KEY", "RSA PUBLIC KEY"})
_PRIVATE_LABELS = frozenset({"PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "SM2 PRIVATE KEY"})


def _pem_block(text: str, what: str) -> Tuple[str, str]:
    """The label and body of the first PEM block in text (which holds -----BEGIN), found with
    str.find so that time stays linear.

    The first -----BEGIN line decides: a block without its -----END line is an error even when
    another block follows (a backtracking search for one with an END would be quadratic).
    """
    start = text.find(_PEM_BEGIN) + len(_PEM_BEGIN)
    label_end = text.find(_PEM_DASHES, start)
    if label_end < 0:
        raise KeyFormatError(f"{what}: PEM -----BEGIN line is not closed by -----")
    label = text[start:label_end]
    if not (label[:1] == " " and len(label) > 1 and set(label) <= _PEM_LABEL_CHARS):
        # not shown: in a mangled one-line paste the "label" can run into the key's base64
        raise KeyFormatError(f"{what}: PEM -----BEGIN line without a label of capitals, digits and spaces")
    label = label[1:]
    body_start = label_end + len(_PEM_DASHES)
    body_end = text.find(f"-----END {label}-----", body_start)
    if body_end < 0:
        raise KeyFormatError(f"{what}: PEM text without a matching -----END line")
    return label, text[body_start:body_end]


def _pem_to_der(text: str, labels: FrozenSet[str], what: str) -> bytes:
    label, body = _pem_block(text.replace("\\n", "\n").replace("\\r", "\r"), what)
    if label == "ENCRYPTED PRIVATE KEY" or "Proc-Type:" in body:
        raise KeyFormatError(f"{what}: encrypted PEM is not supported; decrypt the key first")
    if label not in labels:
        shown = printable(label, _PEM_LABEL_SHOWN)
        raise KeyFormatError(f"{what}: PEM label '{shown}' is not one of {', '.join(sorted(labels))}")
    try:
        der = base64.b64decode("".join(body.split()), validate=True)
    except (binascii.Error, ValueError):
        raise KeyFormatError(f"{what}: PEM body is not valid base64") from None
    return der


def _is_text(data: bytes) -> bool:
    """True if every byte is printable ASCII or a tab or line break (bytes.translate: C speed)."""
    return not data.translate(None, _TEXT_BYTES)


def _load(data: KeyData, what: str, labels: FrozenSet[str], from_der: Callable[[bytes], _T], raw_hex: Callable[[str], Optional[_T]]) -> _T:
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
        raise KeyFormatError(f"{what}: expected str or bytes, got {printable(type(data).__name__)}")
    text = data.strip().lstrip("\ufeff")
    if not text:
        raise KeyFormatError(f"{what}: empty")
    if _PEM_BEGIN in text:
        return from_der(_pem_to_der(text, labels, what))
    compact = "".join(text.split())
    if set(compact) <= _HEX_DIGITS:  # never base64 DER (starts "M") or base64-of-PEM ("LS0t")
        key = raw_hex(compact)
        if key is not None:
            return key
    try:
        decoded = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        decoded = b""
    if decoded.lstrip().startswith(_PEM_BEGIN.encode("ascii")):
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
    """Hex ``04||X||Y``, ``X||Y`` or ``02/03||X``; None for any other length or prefix."""
    prefix = compact[:2]
    if len(compact) == 130 and prefix == "04" or len(compact) == 128 or len(compact) == 66 and prefix in ("02", "03"):
        return Sm2PublicKey.from_bytes(bytes.fromhex(compact))
    return None


def _raw_sm2_private(compact: str) -> Sm2PrivateKey:
    """Hex d of 1 to 64 digits: tools often print it without its leading zeros."""
    if len(compact) > 64:
        raise KeyFormatError(f"private key: raw SM2 hex d has {len(compact)} digits, more than 64")
    return Sm2PrivateKey.from_bytes(bytes.fromhex(compact.rjust(64, "0")))


def load_public_key(data: KeyData) -> PublicKey:
    """Read an RSA or SM2 public key from any supported form (text or bytes, whitespace tolerated)."""
    return _load(data, "public key", _PUBLIC_LABELS, _public_from_der, _raw_sm2_public)


def load_private_key(data: KeyData) -> PrivateKey:
    """Read an RSA or SM2 private key (unencrypted) from any supported form."""
    return _load(data, "private key", _PRIVATE_LABELS, _private_from_der, _raw_sm2_private)


# -- writing and generating --------------------------------------------------------------------


def _sm2_algorithm() -> Any:
    from . import _asn1 as asn1
    return asn1.AlgorithmIdentifier({"algorithm": _OID_EC, "parameters": asn1.core.ObjectIdentifier(_OID_SM2)})


def public_key_der(key: PublicKey, *, spki: bool = False) -> bytes:
    """DER: PKCS#1 ``RSAPublicKey`` for RSA (the vendor's form; SubjectPublicKeyInfo with
    ``spki``), SubjectPublicKeyInfo for SM2."""
    from . import _asn1 as asn1
    if isinstance(key, rsa.RSAPublicKey):
        fmt = serialization.PublicFormat.SubjectPublicKeyInfo if spki else serialization.PublicFormat.PKCS1
        return key.public_bytes(serialization.Encoding.DER, fmt)
    if isinstance(key, Sm2PublicKey):
        return asn1.SubjectPublicKeyInfo({"algorithm": _sm2_algorithm(), "public_key": key.to_bytes()}).dump()
    raise KeyFormatError(f"public key: not an RSA or SM2 public key ({printable(type(key).__name__)})")


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
    from . import _asn1 as asn1
    if isinstance(key, rsa.RSAPrivateKey):
        fmt = serialization.PrivateFormat.TraditionalOpenSSL if traditional else serialization.PrivateFormat.PKCS8
        return key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption()).decode("ascii")
    if isinstance(key, Sm2PrivateKey):
        value = {"version": 1, "private_key": key.private_bytes(), "public_key": key.public_key.to_bytes()}
        if traditional:
            value["parameters"] = asn1.EcParameters(name="named", value=_OID_SM2)
            return _pem("EC PRIVATE KEY", asn1.EcPrivateKey(value).dump())
        info = asn1.PrivateKeyInfo({"version": 0, "private_key_algorithm": _sm2_algorithm(), "private_key": asn1.EcPrivateKey(value).dump()})
        return _pem("PRIVATE KEY", info.dump())
    raise KeyFormatError(f"private key: not an RSA or SM2 private key ({printable(type(key).__name__)})")


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
    raise KeyFormatError(f"private key: not an RSA or SM2 private key ({printable(type(private_key).__name__)})")


def generate_private_key(kind: str, *, rsa_bits: int = 2048) -> PrivateKey:
    """A new test key pair: ``"RSA"`` (e = 65537) or ``"SM2"``, from the OS CSPRNG."""
    if kind == "RSA":
        if rsa_bits < MIN_RSA_BITS:
            raise KeyFormatError(f"RSA key size: {rsa_bits} is below the minimum of {MIN_RSA_BITS} bits")
        return rsa.generate_private_key(public_exponent=65537, key_size=rsa_bits)
    if kind == "SM2":
        return sm2.generate_private_key()
    raise KeyFormatError(f"key type: expected 'RSA' or 'SM2', got {printable(repr(kind))}")
