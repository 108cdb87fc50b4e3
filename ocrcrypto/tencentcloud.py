"""Call an encrypted action through the vendor's official Python SDK (extra ``ocrcrypto[tencentcloud]``).

:func:`encrypted_call` (and :func:`encrypted_call_async` for the SDK's async clients) looks the
action up in :mod:`ocrcrypto.actions`, wraps the params in the action's mode (body, field or
response-only), fills the SDK's own request model, calls the action on the client the user built
(credentials, region, ``ClientProfile``, ``HttpProfile`` as usual), and returns the response as a
dict with the encrypted part decrypted and merged. SDK failures stay the SDK's
``TencentCloudSDKException``; everything else is an ocrcrypto error.
"""

from __future__ import annotations

import importlib
import inspect
import json
from typing import Any, Awaitable, Callable, Dict, Mapping, Optional, Sequence, Tuple

from . import actions
from .errors import EnvelopeFormatError, UnsupportedActionError
from .keys import PublicKey
from .request import encrypt_request
from .session import Session

__all__ = ["encrypted_call", "encrypted_call_async"]


def _client_api(client: Any) -> Tuple[str, str, Any]:
    """(product, version, models module) of an SDK client, e.g. ("faceid", "2018-03-01", ...)."""
    module = type(client).__module__  # tencentcloud.faceid.v20180301.faceid_client(_async)
    parts = module.split(".")
    if len(parts) != 4 or parts[0] != "tencentcloud" or not parts[2].startswith("v") or len(parts[2]) != 9:
        raise EnvelopeFormatError(f"client: {type(client).__name__} is not a client of the official SDK")
    version = f"{parts[2][1:5]}-{parts[2][5:7]}-{parts[2][7:9]}"
    try:
        models = importlib.import_module(".".join(parts[:3] + ["models"]))
    except ImportError:
        raise EnvelopeFormatError(f"client: {type(client).__name__} is not a client of the official SDK (no models module)") from None
    return parts[1], version, models


def _prepare(
    client: Any, action: str, params: Mapping[str, Any], public_key: PublicKey, algorithm: str, fields: Optional[Sequence[str]]
) -> Tuple[Callable[[Any], Any], Any, Session]:
    """The client's method, the filled request model, and the session to decrypt the answer."""
    entry = actions.get(action)
    product, version, models = _client_api(client)
    if (product, version) != (entry.product, entry.version):
        raise UnsupportedActionError(f"action {action} belongs to {entry.product} {entry.version}; this client is {product} {version}")
    request_class = getattr(models, f"{action}Request", None)
    method = getattr(client, action, None)
    if request_class is None or method is None:
        raise UnsupportedActionError(f"action {action} is not in this SDK's {type(client).__name__}; upgrade tencentcloud-sdk-python-{product}")
    if not isinstance(params, Mapping):
        raise EnvelopeFormatError(f"params: expected a mapping, got {type(params).__name__}")
    request = request_class()
    known = {name[1:] for name in vars(request) if name.startswith("_") and name != "_headers"}
    unknown = sorted(str(name) for name in params if name not in known)
    if unknown:
        raise EnvelopeFormatError(f"params.{unknown[0]}: not a field of {request_class.__name__}")
    to_send, wire_fields = entry.request_plan(params, fields)
    wire, session = encrypt_request(to_send, public_key, algorithm, wire_fields)
    request.from_json_string(json.dumps(wire))
    return method, request, session


def _finish(response: Any, session: Session) -> Dict[str, Any]:
    return session.decrypt_response(json.loads(response.to_json_string()))


def encrypted_call(
    client: Any,
    action: str,
    params: Mapping[str, Any],
    public_key: PublicKey,
    algorithm: str = "AES-256-CBC",
    *,
    fields: Optional[Sequence[str]] = None,
) -> Dict[str, Any]:
    """Call ``action`` on an ``OcrClient`` or ``FaceidClient`` with ``params`` encrypted as the
    action requires; returns the response fields, decrypted and merged, without ``EncryptedBody``
    and ``Encryption``. ``fields`` overrides which fields a field-mode action encrypts."""
    method, request, session = _prepare(client, action, params, public_key, algorithm, fields)
    if inspect.iscoroutinefunction(method):
        raise EnvelopeFormatError(f"client: {type(client).__name__} is an async client; use await encrypted_call_async(...)")
    return _finish(method(request), session)


async def encrypted_call_async(
    client: Any,
    action: str,
    params: Mapping[str, Any],
    public_key: PublicKey,
    algorithm: str = "AES-256-CBC",
    *,
    fields: Optional[Sequence[str]] = None,
) -> Dict[str, Any]:
    """:func:`encrypted_call` for the SDK's async clients (``ocr_client_async.OcrClient``,
    ``faceid_client_async.FaceidClient``)."""
    method, request, session = _prepare(client, action, params, public_key, algorithm, fields)
    if not inspect.iscoroutinefunction(method):
        raise EnvelopeFormatError(f"client: {type(client).__name__} is not an async client; use encrypted_call(...)")
    pending: Awaitable[Any] = method(request)
    return _finish(await pending, session)
