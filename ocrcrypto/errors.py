"""The exceptions ocrcrypto raises: one base class, one subclass per kind of fault.

Every failure on bad input is an :class:`OcrCryptoError`, so callers can catch one class; the
subclass says whether a key, the wire format, the decryption or the algorithm name was at fault.
Messages are one line, name the field, and never contain key material.
"""

from __future__ import annotations

__all__ = [
    "OcrCryptoError",
    "KeyFormatError",
    "EnvelopeFormatError",
    "DecryptionError",
    "UnsupportedAlgorithmError",
    "UnsupportedActionError",
    "DECRYPTION_FAILED",
    "printable",
]


class OcrCryptoError(Exception):
    """Base class of every error ocrcrypto raises on bad input."""


class KeyFormatError(OcrCryptoError):
    """A key could not be read, fails validation, or does not fit the algorithm."""


class EnvelopeFormatError(OcrCryptoError):
    """The wire JSON, the ``Encryption`` block or a decrypted body has the wrong shape."""


class DecryptionError(OcrCryptoError):
    """Decryption failed; on the service side always with the same message, whatever failed."""


class UnsupportedAlgorithmError(OcrCryptoError):
    """No envelope suite is registered under the requested ``Algorithm`` name."""


class UnsupportedActionError(OcrCryptoError):
    """The action carries no envelope, or only the legacy KMS form ocrcrypto cannot make."""


DECRYPTION_FAILED = "decryption failed"
"""The one message of every service-side decryption failure, so that no padding or tag oracle exists."""


def printable(text: object, limit: int = 80) -> str:
    """Text from the input made fit for a one-line message: as it is when printable and short,
    else with control characters escaped and cut to ``limit`` characters."""
    shown = str(text)
    if not shown.isprintable():
        shown = repr(shown)[1:-1]
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."
