"""Call an encrypted API action through the vendor's official Python SDK (extra ``ocrcrypto[tencentcloud]``).

:func:`encrypted_call` wraps the params with :func:`ocrcrypto.encrypt_request`, fills the SDK's own
request model for the action from the wire JSON, calls the action on the client the user built
(credentials, region, ``ClientProfile``, ``HttpProfile`` as usual), and returns the response as a
dict with the encrypted part decrypted and merged. SDK failures stay the SDK's
``TencentCloudSDKException``; decryption failures are ocrcrypto's errors.
"""

from __future__ import annotations

import importlib
import json
from typing import Any, Dict, Mapping, Optional, Sequence

from .errors import EnvelopeFormatError
from .keys import PublicKey
from .request import encrypt_request

__all__ = ["encrypted_call"]


def _models_of(client: Any) -> Any:
    """The ``models`` module next to the client's module (e.g. tencentcloud.ocr.v20181119.models)."""
    package = type(client).__module__.rsplit(".", 1)[0]
    try:
        return importlib.import_module(f"{package}.models")
    except ImportError:
        raise EnvelopeFormatError(f"client: {type(client).__name__} is not a client of the official SDK (no {package}.models)") from None


def encrypted_call(
    client: Any,
    action: str,
    params: Mapping[str, Any],
    public_key: PublicKey,
    algorithm: str = "AES-256-CBC",
    *,
    fields: Optional[Sequence[str]] = None,
) -> Dict[str, Any]:
    """Call ``action`` (e.g. ``"RecognizeEncryptedIDCardOCR"``) with ``params`` encrypted.

    Returns the response fields (what the SDK's response model holds, as a dict), decrypted
    and merged, without ``EncryptedBody`` and ``Encryption``.
    """
    models = _models_of(client)
    request_class = getattr(models, f"{action}Request", None)
    method = getattr(client, action, None)
    if request_class is None or method is None:
        raise EnvelopeFormatError(f"action: {action!r} is not an action of {type(client).__name__}")
    request = request_class()
    known = {name[1:] for name in vars(request) if name.startswith("_") and name != "_headers"}
    unknown = sorted(set(params) - known)
    if unknown:
        raise EnvelopeFormatError(f"params.{unknown[0]}: not a field of {request_class.__name__}")
    for name in ("EncryptedBody", "Encryption"):
        if name not in known:
            raise EnvelopeFormatError(f"action: {request_class.__name__} has no {name} field; {action} takes no encrypted input")
    wire, session = encrypt_request(params, public_key, algorithm, fields)
    request.from_json_string(json.dumps(wire))
    response = method(request)
    return session.decrypt_response(json.loads(response.to_json_string()))
