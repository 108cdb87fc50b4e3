"""Raw primitives under the recipes: SM2 encryption and the two body ciphers.

Functions here take bytes and integers, never JSON, and do exactly one cryptographic job. Prefer
the envelope and request layer above unless you are building a new suite or checking vectors.
"""

from . import ciphers, sm2, sm2_encodings

__all__ = ["ciphers", "sm2", "sm2_encodings"]
