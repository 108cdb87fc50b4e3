"""ocrcrypto: the sensitive-data envelope of the cloud OCR / identity-verification API, done right.

Wrap request params with :func:`encrypt_request`, decrypt the response with the returned
:class:`Session`; play the service with :func:`decrypt_request`. Keys in every form users paste
load with :func:`load_public_key` and :func:`load_private_key`.
"""

from . import doctor, hazmat
from .block import EncryptionBlock
from .envelopes import Envelope, algorithms, get_envelope, register_envelope
from .errors import (
    DecryptionError,
    EnvelopeFormatError,
    KeyFormatError,
    OcrCryptoError,
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
from .request import PROTOCOL_PARAMS, decrypt_request, encrypt_request
from .session import Session

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
    "Session",
]
