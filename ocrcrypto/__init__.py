"""ocrcrypto: the sensitive-data envelope of the cloud OCR / identity-verification API, done right.

Wrap request params with :func:`encrypt_request`, decrypt the response with the returned
:class:`Session`; play the service with :func:`decrypt_request`. Keys in every form users paste
load with :func:`load_public_key` and :func:`load_private_key`.
"""

import importlib
from typing import Any

from . import hazmat
from .envelopes import Envelope, algorithms, get_envelope, register_envelope
from .errors import (
    DecryptionError,
    EnvelopeFormatError,
    KeyFormatError,
    OcrCryptoError,
    UnsupportedActionError,
    UnsupportedAlgorithmError,
)
from .keys import (
    PrivateKey,
    PublicKey,
    generate_private_key,
    load_private_key,
    load_public_key,
    private_key_pem,
    public_key_of,
    public_key_pem,
    vendor_public_key,
)
from .request import PROTOCOL_PARAMS, decrypt_request, encrypt_request, encrypt_request_with
from .session import Session
from .wire import EncryptionBlock

__version__ = "0.1.0"

__all__ = [
    "doctor",
    "hazmat",
    "EncryptionBlock",
    "Envelope",
    "algorithms",
    "get_envelope",
    "register_envelope",
    "OcrCryptoError",
    "KeyFormatError",
    "EnvelopeFormatError",
    "DecryptionError",
    "UnsupportedAlgorithmError",
    "UnsupportedActionError",
    "PublicKey",
    "PrivateKey",
    "generate_private_key",
    "load_private_key",
    "load_public_key",
    "private_key_pem",
    "public_key_of",
    "public_key_pem",
    "vendor_public_key",
    "PROTOCOL_PARAMS",
    "decrypt_request",
    "encrypt_request",
    "encrypt_request_with",
    "Session",
]

_TOOLS = ("actions", "doctor", "emulator", "tencentcloud", "vectors", "cli")


def __getattr__(name: str) -> Any:
    """The tools (``ocrcrypto.doctor``, ...) load on first use, so that ``import ocrcrypto`` stays light."""
    if name in _TOOLS:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
