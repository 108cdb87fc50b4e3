"""A pytest plugin: the ``ocrcrypto_emulator`` fixture, the emulator on a free local port per test.

Registered as the ``pytest11`` entry point ``ocrcrypto`` (or load it with ``-p ocrcrypto.testing``
or ``pytest_plugins = ["ocrcrypto.testing"]``). The fixture starts :mod:`ocrcrypto.emulator` on
127.0.0.1 with test keys (one RSA key for AES-256-CBC, one SM2 key for SM4-GCM, made once per
test session), yields an :class:`EmulatorHandle`, and stops the server after the test::

    def test_my_integration(ocrcrypto_emulator):
        ocrcrypto_emulator.set_fixture("IdCardVerification", {"Result": "-1"})
        my_code(endpoint=ocrcrypto_emulator.endpoint,
                secret_id=ocrcrypto_emulator.secret_id, secret_key=ocrcrypto_emulator.secret_key,
                public_key=ocrcrypto_emulator.public_key("SM4-GCM"))
        (request,) = ocrcrypto_emulator.received
        assert request.action == "IdCardVerification" and request.params["Name"] == "..."

Its log lines (one per request, and for a signature failure the canonical request the emulator
computed) go to stderr, which pytest shows with a failing test.
"""

from __future__ import annotations

import hashlib
from typing import Any, Dict, Iterator, List, Mapping, Optional, Union

import pytest

from .emulator import DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, Emulator, EmulatorServer, Received, check_fixtures, make_server
from .envelopes import get_envelope
from .keys import PrivateKey, PublicKey, generate_private_key, public_key_of

__all__ = ["EmulatorHandle", "Received", "start_emulator", "emulator_keys", "ocrcrypto_emulator"]

_KEYS: Dict[str, PrivateKey] = {}


def emulator_keys() -> Dict[str, PrivateKey]:
    """The test private key per suite, made on first use and kept for the process (RSA-1024, the
    vendor's size, for AES-256-CBC; SM2 for SM4-GCM)."""
    if not _KEYS:
        _KEYS["AES-256-CBC"] = generate_private_key("RSA", rsa_bits=1024)
        _KEYS["SM4-GCM"] = generate_private_key("SM2")
    return dict(_KEYS)


class EmulatorHandle:
    """A running emulator, as the fixture yields it.

    ``endpoint`` ("127.0.0.1:PORT", what the SDKs' ``HttpProfile(endpoint=...)`` takes),
    ``secret_id`` and ``secret_key`` (the test credentials it checks), ``public_key(algorithm)``,
    ``received`` (a :class:`~ocrcrypto.emulator.Received` per request it opened, in order:
    ``.action``, ``.params`` as decrypted, ``.algorithm`` or None for a request in clear,
    ``.encrypt_list``, ``.error``), ``set_fixture`` and ``fixtures``.
    """

    def __init__(self, server: EmulatorServer, keys: Mapping[str, PrivateKey]) -> None:
        self.server = server
        self.emulator: Emulator = server.emulator
        self._keys = dict(keys)

    @property
    def endpoint(self) -> str:
        return self.server.endpoint

    @property
    def url(self) -> str:
        return f"http://{self.endpoint}/"

    @property
    def secret_id(self) -> str:
        return self.emulator.secret_id

    @property
    def secret_key(self) -> str:
        return self.emulator.secret_key

    @property
    def received(self) -> List[Received]:
        assert self.emulator.received is not None
        return self.emulator.received

    @property
    def fixtures(self) -> Dict[str, Dict[str, Any]]:
        """The live fixtures table (see :func:`ocrcrypto.emulator.check_fixtures`)."""
        return self.emulator.fixtures  # type: ignore[return-value]

    def public_key(self, algorithm: str = "AES-256-CBC") -> PublicKey:
        """The emulator's public key for ``algorithm`` (a loaded key: pass it to encrypt_request)."""
        get_envelope(algorithm)  # an unknown name is UnsupportedAlgorithmError
        if algorithm not in self._keys:
            raise KeyError(f"the emulator holds no key for {algorithm}")
        return public_key_of(self._keys[algorithm])

    def set_fixture(self, key: Union[str, bytes], fields: Mapping[str, Any]) -> None:
        """Answer with ``fields``: ``key`` an action name (merged over its fake result), or, for
        the OCR action, an ImageUrl or the image's bytes (that image's result)."""
        name = hashlib.sha256(key).hexdigest() if isinstance(key, (bytes, bytearray)) else key
        self.fixtures.update(check_fixtures({name: fields}))

    def sdk_client(self, product: str, region: str = "ap-guangzhou") -> Any:
        """The official Python SDK's client for ``product`` ("ocr" or "faceid") pointed at the
        emulator, built the way users build it (needs the tencentcloud SDK packages)."""
        from tencentcloud.common import credential  # type: ignore[import-untyped]
        from tencentcloud.common.profile.client_profile import ClientProfile  # type: ignore[import-untyped]
        from tencentcloud.common.profile.http_profile import HttpProfile  # type: ignore[import-untyped]

        if product == "ocr":
            from tencentcloud.ocr.v20181119 import ocr_client as module  # type: ignore[import-untyped]

            client_class: Any = module.OcrClient
        elif product == "faceid":
            from tencentcloud.faceid.v20180301 import faceid_client as module2  # type: ignore[import-untyped]

            client_class = module2.FaceidClient
        else:
            raise ValueError(f"product: expected 'ocr' or 'faceid', got {product!r}")
        profile = ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint=self.endpoint, reqTimeout=30))
        return client_class(credential.Credential(self.secret_id, self.secret_key), region, profile)

    def __repr__(self) -> str:
        return f"EmulatorHandle(endpoint={self.endpoint!r}, received={len(self.received)})"


def start_emulator(
    keys: Optional[Mapping[str, PrivateKey]] = None,
    *,
    secret_id: str = DEFAULT_SECRET_ID,
    secret_key: str = DEFAULT_SECRET_KEY,
    fixtures: Optional[Mapping[str, Mapping[str, Any]]] = None,
    **server_options: Any,
) -> EmulatorHandle:
    """Start an emulator on a free port of 127.0.0.1 in a thread; stop it with ``handle.server.stop()``.

    ``server_options`` go to :func:`ocrcrypto.emulator.make_server` (``idle_timeout``, ...).
    """
    keys = dict(keys if keys is not None else emulator_keys())
    emulator = Emulator(list(keys.values()), secret_id=secret_id, secret_key=secret_key,
                        fixtures=check_fixtures(fixtures or {}), verbose=True, received=[])
    server_options.setdefault("quiet", False)
    server = make_server(emulator, "127.0.0.1", 0, **server_options)
    return EmulatorHandle(server.start(), keys)


@pytest.fixture
def ocrcrypto_emulator() -> Iterator[EmulatorHandle]:
    """The ocrcrypto emulator on a free port of 127.0.0.1 for this test; stopped after it."""
    handle = start_emulator()
    try:
        yield handle
    finally:
        handle.server.stop()
