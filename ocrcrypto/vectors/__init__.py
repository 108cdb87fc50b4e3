"""Cross-language test vectors: generated deterministically from a seed, verified strictly.

Three kinds of file (format in ``vectors/README.md`` and ``vectors/schema.json``):

- ``ocrcrypto_vectors.json`` (``ocrcrypto-vectors-2``): test keys and envelope cases in the spirit
  of Wycheproof. Valid ones carry every input (params, symmetric key, IV, SM2 k or RSA padding
  bytes) so that any implementation can re-encrypt them byte for byte; invalid ones name the error
  class; acceptable ones are legacy forms an implementation may decrypt or refuse.
- ``ocrcrypto_key_vectors.json`` (``ocrcrypto-key-vectors-1``): every key format the loaders read,
  valid and invalid, and what each valid one is.
- ``ocrcrypto_decrypt_manifest.json`` (``ocrcrypto-decrypt-manifest-1``): ciphertexts made by
  other implementations, frozen (written by ``vectors/make_manifest.py``; only verified here).

Generation goes through ocrcrypto's public deterministic path (:func:`encrypt_request_with` and
:meth:`Session.encrypt_response`); verification is strict and holds under ``python -O``: a
malformed file or case is a failure naming it, never a crash.
"""

from __future__ import annotations

from pathlib import Path

from ._common import (
    DEFAULT_SEED,
    FILE_NAME,
    KEY_FILE_NAME,
    KEY_NOTES,
    KEY_SCHEMA,
    MANIFEST_FILE_NAME,
    MANIFEST_NOTES,
    MANIFEST_SCHEMA,
    NOTES,
    SCHEMA,
    _dump,
    large_params,
    rsa_wrap_with_padding,
)
from ._generate import generate
from ._key_vectors import generate_key_vectors
from ._verify import verify, verify_data

__all__ = [
    "FILE_NAME",
    "KEY_FILE_NAME",
    "MANIFEST_FILE_NAME",
    "DEFAULT_SEED",
    "SCHEMA",
    "KEY_SCHEMA",
    "MANIFEST_SCHEMA",
    "NOTES",
    "KEY_NOTES",
    "MANIFEST_NOTES",
    "generate",
    "generate_key_vectors",
    "write",
    "verify",
    "verify_data",
    "large_params",
    "rsa_wrap_with_padding",
]


def write(directory: Path, seed: str = DEFAULT_SEED) -> Path:
    """Generate and write ``DIR/ocrcrypto_vectors.json`` and ``DIR/ocrcrypto_key_vectors.json``;
    returns the path of the first. (The decrypt manifest is written by vectors/make_manifest.py.)"""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / FILE_NAME
    path.write_text(_dump(generate(seed)), encoding="utf-8")
    (directory / KEY_FILE_NAME).write_text(_dump(generate_key_vectors(seed)), encoding="utf-8")
    return path
