"""The other SM2 ciphertext layouts people produce, and conversions to and from the protocol's.

The protocol wants ``04 || X || Y || C3 || C2`` (C1C3C2). gmssl and sm-crypto drop the ``04``;
BouncyCastle's default and gmssl's ``mode=0`` give C1C2C3; OpenSSL and GmSSL write DER
``SEQUENCE {INTEGER x, INTEGER y, OCTET STRING C3, OCTET STRING C2}`` with minimal integers.
The doctor uses these to name a mistake, the vector generator to make invalid cases.
"""

from __future__ import annotations

from asn1crypto import core

from ..errors import EnvelopeFormatError

__all__ = ["to_c1c2c3", "from_c1c2c3", "to_der", "from_der", "strip_prefix"]

_C1 = 65
_C3 = 32


class _Sm2Ciphertext(core.Sequence):
    _fields = [("x", core.Integer), ("y", core.Integer), ("hash", core.OctetString), ("cipher", core.OctetString)]


def _check(blob: bytes) -> None:
    if len(blob) <= _C1 + _C3 or blob[0] != 4:
        raise EnvelopeFormatError("SM2 ciphertext: expected 04 || X || Y || C3 || C2 with at least 1 byte of C2")


def to_c1c2c3(blob: bytes) -> bytes:
    """C1C3C2 to C1C2C3 (both with the 04 prefix)."""
    _check(blob)
    return blob[:_C1] + blob[_C1 + _C3:] + blob[_C1:_C1 + _C3]


def from_c1c2c3(blob: bytes) -> bytes:
    """C1C2C3 to C1C3C2 (both with the 04 prefix)."""
    _check(blob)
    return blob[:_C1] + blob[-_C3:] + blob[_C1:-_C3]


def strip_prefix(blob: bytes) -> bytes:
    """Drop the 04 prefix, as gmssl and sm-crypto write it."""
    _check(blob)
    return blob[1:]


def to_der(blob: bytes) -> bytes:
    """C1C3C2 to the DER SEQUENCE OpenSSL writes (minimal integers)."""
    _check(blob)
    return _Sm2Ciphertext(
        {
            "x": int.from_bytes(blob[1:33], "big"),
            "y": int.from_bytes(blob[33:65], "big"),
            "hash": blob[_C1:_C1 + _C3],
            "cipher": blob[_C1 + _C3:],
        }
    ).dump()


def from_der(der: bytes) -> bytes:
    """The DER SEQUENCE to C1C3C2, coordinates padded or trimmed to exactly 32 bytes."""
    try:
        parsed = _Sm2Ciphertext.load(der, strict=True)
        x, y = parsed["x"].native, parsed["y"].native
        c3, c2 = parsed["hash"].native, parsed["cipher"].native
    except (ValueError, TypeError):
        raise EnvelopeFormatError("SM2 ciphertext: not the DER SEQUENCE {x, y, C3, C2}") from None
    if not (0 <= x < 1 << 256 and 0 <= y < 1 << 256) or len(c3) != _C3 or not c2:
        raise EnvelopeFormatError("SM2 ciphertext: DER fields out of range")
    return b"\x04" + x.to_bytes(32, "big") + y.to_bytes(32, "big") + c3 + c2
