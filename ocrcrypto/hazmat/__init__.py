"""Raw primitives under the recipes: SM2 encryption and the two body ciphers.

Functions here take bytes and integers, never JSON, and do exactly one cryptographic job. Prefer
the envelope and request layer above unless you are building a new suite or checking vectors.
"""

import importlib
from typing import Any

from . import ciphers, sm2

__all__ = ["ciphers", "sm2", "sm2_encodings"]


def __getattr__(name: str) -> Any:
    """``sm2_encodings`` (the layouts other tools write, over asn1crypto) loads on first use."""
    if name == "sm2_encodings":
        return importlib.import_module(".sm2_encodings", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
