"""The ``Encryption`` block's old import path; the wire format now lives in :mod:`ocrcrypto.wire`."""

from .wire import BLOCK_FIELDS as FIELD_NAMES
from .wire import BODY_NAME, BODY_NAME_ALIASES, DEFAULT_ALGORITHM, EncryptionBlock, b64decode, b64encode

__all__ = ["EncryptionBlock", "b64decode", "b64encode", "DEFAULT_ALGORITHM", "BODY_NAME", "BODY_NAME_ALIASES", "FIELD_NAMES"]
