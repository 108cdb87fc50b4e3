"""Shared logic of the ocrcrypto fuzz harnesses: keys, valid messages, mutations, oracles.

Every harness imports this module (inside ``instrument()``, so that atheris instruments the
library), builds its fixtures once at start, and in ``TestOneInput`` turns the fuzzer's bytes
into a call of one parser. A *finding* is raised as :class:`Finding` (an AssertionError), and
any exception that is not an :class:`ocrcrypto.OcrCryptoError` propagates as it is: atheris
reports both as a crash. The module works without atheris (the pytest replay of the seed
corpora uses :class:`FuzzedDataProvider` below, a small pure-Python stand-in).
"""

from __future__ import annotations

import base64
import contextlib
import copy
import hashlib
import io
import json
import os
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

try:  # atheris is optional: the harnesses stay importable (and replayable) without it
    import atheris  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - depends on the environment
    atheris = None

FUZZ_DIR = Path(__file__).resolve().parent
REPO = FUZZ_DIR.parent
TEST_DATA = REPO / "tests" / "data"

STRICT = os.environ.get("OCRCRYPTO_FUZZ_STRICT", "") not in ("", "0")
"""With OCRCRYPTO_FUZZ_STRICT=1 two protocol limitations count as findings too: a request or
response whose EncryptList lost entries (so that a field or the body is read as clear text), and
fields whose ciphertexts and tags were swapped (one key and IV for all, no AAD). By default they
are accepted, since the protocol authenticates neither, but everything else must be authentic:
what is still named decrypts to exactly the original values, and no byte was changed."""


class Finding(AssertionError):
    """A wrong answer (not a crash): a tampered input that decrypts, a broken round trip, ..."""


def instrument() -> Any:
    """``with instrument(): import ...``: atheris' import instrumentation, or nothing without it."""
    if atheris is None or "pytest" in sys.modules:
        return contextlib.nullcontext()
    return atheris.instrument_imports(include=["ocrcrypto", "asn1crypto"])


def fuzz(test_one_input: Callable[[bytes], None]) -> None:
    """Run a harness under atheris (``python fuzz/fuzz_x.py [libFuzzer flags] [corpus dirs]``)."""
    if atheris is None:
        sys.exit("atheris is not installed: pip install atheris (see fuzz/README.md)")
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


with instrument():
    import ocrcrypto
    from ocrcrypto import emulator as emulator_module
    from ocrcrypto import wire
    from ocrcrypto.errors import OcrCryptoError


# -- the fuzzer's bytes -------------------------------------------------------------------------


class _PureProvider:
    """The subset of atheris.FuzzedDataProvider the harnesses use, in plain Python.

    Used only where atheris is missing (the pytest replay). It does not consume bytes exactly
    as atheris does, which is fine: a replay only has to exercise the same code paths.
    """

    def __init__(self, data: bytes) -> None:
        self._data = bytes(data)

    def remaining_bytes(self) -> int:
        return len(self._data)

    def _take(self, n: int) -> bytes:
        out, self._data = self._data[:n], self._data[n:]
        return out

    def ConsumeBytes(self, count: int) -> bytes:
        return self._take(max(0, count))

    def ConsumeIntInRange(self, low: int, high: int) -> int:
        span = high - low
        if span <= 0:
            return low
        size = (span.bit_length() + 7) // 8
        return low + int.from_bytes(self._take(size).rjust(size, b"\0"), "big") % (span + 1)

    def ConsumeBool(self) -> bool:
        return bool(self.ConsumeIntInRange(0, 1))

    def ConsumeUnicodeNoSurrogates(self, count: int) -> str:
        raw = self._take(max(0, count))
        return raw.decode("utf-8", "replace")

    def PickValueInList(self, values: Sequence[Any]) -> Any:
        return values[self.ConsumeIntInRange(0, len(values) - 1)]


def provider(data: bytes) -> Any:
    """A FuzzedDataProvider over ``data`` (atheris' own when available)."""
    if atheris is not None:
        return atheris.FuzzedDataProvider(data)
    return _PureProvider(data)


def allowed(call: Callable[[], Any]) -> Tuple[bool, Any]:
    """(True, result) or (False, error) for an OcrCryptoError; any other exception propagates."""
    try:
        return True, call()
    except OcrCryptoError as exc:
        return False, exc


def json_value(fdp: Any) -> Any:
    """A small JSON value of a fuzzer-chosen type."""
    kind = fdp.ConsumeIntInRange(0, 11)
    if kind == 0:
        return None
    if kind == 1:
        return fdp.ConsumeBool()
    if kind == 2:
        return fdp.ConsumeIntInRange(-(2**40), 2**40)
    if kind == 3:
        return 0.5
    if kind == 4:
        return ""
    if kind == 5:
        return fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 40))
    if kind == 6:
        return base64.b64encode(fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 140))).decode()
    if kind == 7:
        return []
    if kind == 8:
        return {}
    if kind == 9:
        return [fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 20)) for _ in range(fdp.ConsumeIntInRange(0, 3))]
    if kind == 10:
        return [base64.b64encode(fdp.ConsumeBytes(16)).decode() for _ in range(fdp.ConsumeIntInRange(0, 3))]
    return {fdp.ConsumeUnicodeNoSurrogates(8): fdp.ConsumeUnicodeNoSurrogates(8)}


# -- keys ----------------------------------------------------------------------------------------

RSA_PRIVATE = ocrcrypto.load_private_key((TEST_DATA / "rsa1024_private_pkcs1.pem").read_bytes())
SM2_PRIVATE = ocrcrypto.load_private_key((TEST_DATA / "sm2_private_pkcs8.pem").read_bytes())
RSA_PUBLIC = ocrcrypto.public_key_of(RSA_PRIVATE)
SM2_PUBLIC = ocrcrypto.public_key_of(SM2_PRIVATE)
KEYRING = [RSA_PRIVATE, SM2_PRIVATE]
PUBLIC_KEYS = {"AES-256-CBC": RSA_PUBLIC, "SM4-GCM": SM2_PUBLIC}


# -- valid requests and responses ----------------------------------------------------------------

OCR_PARAMS = {
    "Action": "RecognizeEncryptedIDCardOCR",
    "Version": "2018-11-19",
    "ImageUrl": "https://example.com/id.jpg",
    "CardSide": "FRONT",
    "Config": '{"TempIdWarn":true}',
}
FACE_PARAMS = {"Name": "Zhang San", "IdCard": "110101199001011234", "Info": {"Phone": ["13800000000"]}, "RuleId": "1"}
FACE_FIELDS = ["Name", "IdCard", "Info.Phone[0]"]
RESPONSE = {"Response": {"Name": "Zhang San", "IdNum": "110101199001011234", "Text": {"IdCard": "1101"}, "RequestId": "r-1"}}


class Sample:
    """A valid wire message, its expected plaintext, and what decrypts it."""

    def __init__(self, label: str, algorithm: str, wire_message: Dict[str, Any], expected: Dict[str, Any], session: Any) -> None:
        self.label = label
        self.algorithm = algorithm
        self.wire = wire_message
        self.expected = expected
        self.session = session
        self.is_response = "Response" in wire_message
        self.message = wire.parse_message(wire_message, "Response" if self.is_response else "request")

    @property
    def authenticated(self) -> bool:
        return self.algorithm == "SM4-GCM"


def _seed(label: str, size: int) -> bytes:
    """Fixed "random" bytes, so that the samples (and the seed corpora) are the same on every run."""
    out = b""
    while len(out) < size:
        out += hashlib.sha256(f"{label}/{len(out)}".encode()).digest()
    return out[:size]


def _encrypt(params: Mapping[str, Any], algorithm: str, fields: Optional[List[str]], label: str) -> Tuple[Dict[str, Any], Any]:
    envelope = ocrcrypto.get_envelope(algorithm)
    if algorithm == "SM4-GCM":
        randomness = _seed(label + "/k", 32)
    else:  # the PKCS#1 v1.5 padding string: non-zero bytes
        randomness = bytes(b | 1 for b in _seed(label + "/ps", RSA_PUBLIC.key_size // 8 - 3 - envelope.key_size))
    return ocrcrypto.encrypt_request_with(params, PUBLIC_KEYS[algorithm], algorithm, fields, key=_seed(label + "/key", envelope.key_size),
                                          iv=_seed(label + "/iv", envelope.iv_size), wrap_randomness=randomness)


def _requests() -> List[Sample]:
    out = []
    for algorithm in ("SM4-GCM", "AES-256-CBC"):
        for label, params, fields in (("body", OCR_PARAMS, None), ("fields", FACE_PARAMS, FACE_FIELDS), ("response-only", OCR_PARAMS, [])):
            name = f"{algorithm} {label} request"
            message, session = _encrypt(params, algorithm, fields, name)
            params_back, _ = ocrcrypto.decrypt_request(message, KEYRING)
            out.append(Sample(name, algorithm, message, params_back, session))
            if fields is None or fields:
                assert params_back == params, (label, params_back)
    return out


def _responses() -> List[Sample]:
    out = []
    for algorithm in ("SM4-GCM", "AES-256-CBC"):
        request, client = _encrypt(OCR_PARAMS, algorithm, None, f"{algorithm} response")
        _, service = ocrcrypto.decrypt_request(request, KEYRING)
        fresh = _seed(f"{algorithm} fresh iv", client.envelope.iv_size)
        for label, fields, iv in (("body", None, None), ("body fresh-iv", None, fresh), ("fields", ["Response.Name", "Response.Text.IdCard"], None)):
            message = service.encrypt_response(RESPONSE, fields=fields, iv=iv)
            plain = client.decrypt_response(message)
            assert plain == RESPONSE, (label, plain)
            out.append(Sample(f"{algorithm} {label} response", algorithm, message, plain, client))
    return out


REQUESTS = _requests()
RESPONSES = _responses()


# -- mutating a valid message --------------------------------------------------------------------

_ALGORITHMS = ["SM4-GCM", "AES-256-CBC", "sm4-gcm", "SM4-GCM ", "AES-256-GCM", "", "SM4_GCM"]


def _binary_fields(message: Dict[str, Any], sample: Sample) -> List[Tuple[Any, Any]]:
    """(container, key) of every base64 value of the message: blob, IV, tags, ciphertexts."""
    payload = message["Response"] if sample.is_response else message
    enc = payload.get("Encryption")
    places: List[Tuple[Any, Any]] = []
    if isinstance(enc, dict):
        for name in ("CiphertextBlob", "Iv"):
            if isinstance(enc.get(name), str):
                places.append((enc, name))
        if isinstance(enc.get("TagList"), list):
            places.extend((enc["TagList"], i) for i in range(len(enc["TagList"])))
    for name in wire.BODY_NAME_ALIASES:
        if isinstance(payload.get(name), str):
            places.append((payload, name))
    for part in sample.message.parts:
        if not part.is_body:
            container, key = _container_of(payload, part.name)
            if container is not None:
                places.append((container, key))
    return [(c, k) for c, k in places if isinstance(c[k], str)]


def _container_of(payload: Any, path: str) -> Tuple[Any, Any]:
    parts = wire.parse_path(path)
    if parts[0] == "Response" and "Response" not in payload:
        parts = parts[1:]
    node = payload
    for part in parts[:-1]:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None, None
    if isinstance(node, (dict, list)):
        try:
            node[parts[-1]]
        except (KeyError, IndexError, TypeError):
            return None, None
        return node, parts[-1]
    return None, None


def _tamper_bytes(fdp: Any, raw: bytes) -> bytes:
    op = fdp.ConsumeIntInRange(0, 5)
    if op == 0 and raw:  # flip one bit pattern at one position
        i = fdp.ConsumeIntInRange(0, len(raw) - 1)
        return raw[:i] + bytes([raw[i] ^ fdp.ConsumeIntInRange(1, 255)]) + raw[i + 1:]
    if op == 1:  # truncate
        return raw[: fdp.ConsumeIntInRange(0, max(0, len(raw) - 1))]
    if op == 2:  # append
        return raw + fdp.ConsumeBytes(fdp.ConsumeIntInRange(1, 8))
    if op == 3 and raw:  # overwrite a run
        i = fdp.ConsumeIntInRange(0, len(raw) - 1)
        chunk = fdp.ConsumeBytes(fdp.ConsumeIntInRange(1, 8))
        return raw[:i] + chunk + raw[i + len(chunk):]
    if op == 4:  # replace wholesale
        return fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 140))
    return raw[::-1]


def _tamper_text(fdp: Any, text: str) -> str:
    op = fdp.ConsumeIntInRange(0, 5)
    if op == 0:
        return text.rstrip("=")
    if op == 1:
        return text + "="
    if op == 2:
        i = fdp.ConsumeIntInRange(0, len(text))
        return text[:i] + fdp.PickValueInList([" ", "\n", "-", "_", "=", "\u0661", "%"]) + text[i:]
    if op == 3:
        return text.replace("+", "-").replace("/", "_")
    if op == 4:
        return base64.b16encode(base64.b64decode(text)).decode() if _is_b64(text) else text
    return fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 60))


def _is_b64(text: str) -> bool:
    try:
        base64.b64decode(text, validate=True)
        return True
    except ValueError:
        return False


def mutate(fdp: Any, sample: Sample) -> Dict[str, Any]:
    """A copy of the sample's wire message with 1 to 4 fuzzer-chosen mutations of its envelope.

    Only the envelope changes: the Encryption block, the body field and the encrypted fields.
    The clear params stay as they are, so that a successful decryption can be compared with
    the sample's expected plaintext.
    """
    message = copy.deepcopy(sample.wire)
    payload = message["Response"] if sample.is_response else message
    for _ in range(fdp.ConsumeIntInRange(1, 4)):
        enc = payload.get("Encryption")
        op = fdp.ConsumeIntInRange(0, 9)
        places = _binary_fields(message, sample)
        if op <= 2 and places:  # tamper with the bytes under one base64 value
            container, key = fdp.PickValueInList(places)
            value = container[key]
            if _is_b64(value):
                container[key] = base64.b64encode(_tamper_bytes(fdp, base64.b64decode(value))).decode()
        elif op == 3 and places:  # tamper with the base64 text itself
            container, key = fdp.PickValueInList(places)
            container[key] = _tamper_text(fdp, container[key])
        elif op == 4 and isinstance(enc, dict):  # set a block field to any JSON value
            enc[fdp.PickValueInList(list(wire.BLOCK_FIELDS) + ["Extra"])] = json_value(fdp)
        elif op == 5 and isinstance(enc, dict) and enc:  # drop a block field
            enc.pop(fdp.PickValueInList(sorted(enc)))
        elif op == 6 and isinstance(enc, dict):  # EncryptList / TagList surgery
            _lists(fdp, enc)
        elif op == 7 and isinstance(enc, dict):
            enc["Algorithm"] = fdp.PickValueInList(_ALGORITHMS)
        elif op == 8:  # the body field: rename, drop, null, add
            _body_field(fdp, payload)
        else:  # move a value from one base64 place to another (swap tags, blob <-> body, ...)
            if len(places) >= 2:
                (c1, k1), (c2, k2) = fdp.PickValueInList(places), fdp.PickValueInList(places)
                c1[k1], c2[k2] = c2[k2], c1[k1]
            elif enc is not None and fdp.ConsumeBool():
                payload["Encryption"] = json_value(fdp)
    return message


def _lists(fdp: Any, enc: Dict[str, Any]) -> None:
    name = fdp.PickValueInList(["EncryptList", "TagList"])
    items = enc.get(name)
    if not isinstance(items, list):
        enc[name] = [] if fdp.ConsumeBool() else None
        return
    op = fdp.ConsumeIntInRange(0, 4)
    if op == 0 and items:
        items.pop(fdp.ConsumeIntInRange(0, len(items) - 1))
    elif op == 1 and items:
        items.append(items[fdp.ConsumeIntInRange(0, len(items) - 1)])
    elif op == 2:
        items.reverse()
    elif op == 3 and name == "EncryptList":
        items.append(fdp.PickValueInList(["EncryptedBody", "EncryptionBody", "Name", "Response.Name", "a..b", "x[01]", "RequestId"]))
    elif items:  # same number of entries, the other spelling / another name
        i = fdp.ConsumeIntInRange(0, len(items) - 1)
        swap = {"EncryptedBody": "EncryptionBody", "EncryptionBody": "EncryptedBody"}
        items[i] = swap[items[i]] if isinstance(items[i], str) and items[i] in swap else json_value(fdp)


def _body_field(fdp: Any, payload: Dict[str, Any]) -> None:
    op = fdp.ConsumeIntInRange(0, 3)
    present = [n for n in wire.BODY_NAME_ALIASES if n in payload]
    if op == 0 and present:
        other = "EncryptionBody" if present[0] == "EncryptedBody" else "EncryptedBody"
        payload[other] = payload.pop(present[0])
    elif op == 1 and present:
        del payload[present[0]]
    elif op == 2:
        payload[fdp.PickValueInList(list(wire.BODY_NAME_ALIASES))] = json_value(fdp)
    elif present:
        payload[present[0]] = None


# -- the oracle for a mutated message that decrypted ---------------------------------------------


def _parts(message: Any, sample: Sample) -> Dict[str, Tuple[bytes, Optional[bytes]]]:
    """{normalised part name: (ciphertext, tag)} of a message that parsed."""
    parsed = wire.parse_message(message, "Response" if sample.is_response else "request")
    envelope = ocrcrypto.get_envelope(parsed.block.algorithm)
    tags = parsed.block.tags(required=envelope.tag_size is not None, count=len(parsed.parts))
    out = {}
    for part, tag in zip(parsed.parts, tags):
        out[wire.BODY_NAME if part.is_body else part.name] = (part.ciphertext, tag)
    return out


def _effective(block: Any, sample: Sample) -> Tuple[Optional[bytes], Optional[bytes]]:
    iv = block.iv
    if iv is None and sample.is_response:
        iv = sample.session.iv
    return block.ciphertext_blob, iv


def check_decrypted(sample: Sample, mutated: Dict[str, Any], plain: Dict[str, Any]) -> None:
    """Raise Finding when a mutated SM4-GCM message decrypted to a wrong answer.

    A message that decrypts must use exactly the original wrapped key, IV, ciphertexts and tags
    for every part it still names; and then its plaintext must be the original one (for a
    downgrade, see :data:`STRICT`: the parts still named must decrypt to the original values).
    """
    if not sample.authenticated:
        return
    where = "Response" if sample.is_response else "request"
    original = _parts(sample.wire, sample)
    if sample.is_response and wire.split_response(mutated)[1].get("Encryption") is None:
        # read as a response without encryption: the whole response is a downgrade
        if STRICT and plain != sample.expected:
            raise Finding(f"{sample.label}: without its Encryption block it reads as {plain!r}")
        return
    mutated_message = wire.parse_message(mutated, where)
    now = _parts(mutated, sample)
    if mutated_message.block.algorithm != sample.algorithm:
        raise Finding(f"{sample.label}: decrypted under Algorithm {mutated_message.block.algorithm!r}")
    blob_then, iv_then = _effective(sample.message.block, sample)
    blob_now, iv_now = _effective(mutated_message.block, sample)
    if not sample.is_response and blob_now != blob_then:
        raise Finding(f"{sample.label}: a changed CiphertextBlob still decrypts: {blob_now!r}")
    if now and iv_now != iv_then:
        raise Finding(f"{sample.label}: a changed Iv still decrypts: {iv_now!r}")
    moved = False
    for name, (ciphertext, tag) in now.items():
        if name not in original:
            raise Finding(f"{sample.label}: decrypted a part it never had: {name!r}")
        if (ciphertext, tag) != original[name]:
            if STRICT or (ciphertext, tag) not in original.values():
                raise Finding(f"{sample.label}: tampered ciphertext or tag of {name!r} still decrypts")
            moved = True
    if moved:
        # Another field's own ciphertext and tag, moved here: every field shares the key and IV and
        # GCM has no associated data naming the field, so the protocol cannot tell (README,
        # Security notes). Accepted unless STRICT; anything else moved or altered is a finding.
        return
    if set(now) == set(original) or STRICT:
        if plain != sample.expected:
            raise Finding(f"{sample.label}: decrypted to other params: {plain!r} != {sample.expected!r}")
        return
    # a downgrade (EncryptList lost entries): what is still named must be authentic
    inner_plain = plain.get("Response", plain) if sample.is_response else plain
    inner_expected = sample.expected.get("Response", sample.expected) if sample.is_response else sample.expected
    if wire.BODY_NAME in now:
        for key in _body_keys(sample):
            if inner_plain.get(key) != inner_expected.get(key):
                raise Finding(f"{sample.label}: body field {key!r} decrypted to {inner_plain.get(key)!r}")
    for name in now:
        if name != wire.BODY_NAME:
            found, value = wire.get_path(inner_plain, name)
            ok, expected_value = wire.get_path(inner_expected, name)
            if not found or value != expected_value:
                raise Finding(f"{sample.label}: field {name!r} decrypted to {value!r}")


def _body_keys(sample: Sample) -> List[str]:
    """The keys that travel inside the body of the sample."""
    key = sample.session.key
    parts = sample.message.parts
    body = next(p for p in parts if p.is_body)
    tags = sample.message.block.tags(required=True, count=len(parts))
    tag = tags[parts.index(body)]
    iv = sample.message.block.iv or sample.session.iv
    plaintext = ocrcrypto.get_envelope(sample.algorithm).open(body.ciphertext, key, iv, tag)
    return list(json.loads(plaintext))


# -- the emulator ---------------------------------------------------------------------------------

EMULATOR_NOW = 1767225600  # 2026-01-01T00:00:00Z: a fixed clock, so that runs are reproducible
HOST = "ocr.tencentcloudapi.com"


def make_emulator() -> Any:
    return emulator_module.Emulator(private_keys=list(KEYRING), clock=lambda: float(EMULATOR_NOW))


def signed_headers(body: bytes, *, method: str = "POST", path: str = "/", content_type: str = "application/json",
                   timestamp: int = EMULATOR_NOW, action: str = "RecognizeEncryptedIDCardOCR", version: str = "2018-11-19",
                   service: str = "ocr", extra: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """Headers with a correct TC3-HMAC-SHA256 signature of ``body``, as the official SDK signs."""
    date = datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%d")
    canonical = "\n".join([
        method, path.split("?", 1)[0], "", f"content-type:{content_type.strip()}\nhost:{HOST}\n", "content-type;host",
        hashlib.sha256(body).hexdigest(),
    ])
    scope = f"{date}/{service}/tc3_request"
    to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    signature = emulator_module.tc3_signature(emulator_module.DEFAULT_SECRET_KEY, date, service, to_sign)
    headers = {
        "Content-Type": content_type, "Host": HOST, "X-TC-Action": action, "X-TC-Version": version,
        "X-TC-Timestamp": str(timestamp), "X-TC-Region": "ap-guangzhou",
        "Authorization": f"TC3-HMAC-SHA256 Credential={emulator_module.DEFAULT_SECRET_ID}/{scope}, "
                         f"SignedHeaders=content-type;host, Signature={signature}",
    }
    headers.update(extra or {})
    return headers


def dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


@contextlib.contextmanager
def captured_stderr() -> Iterator[io.StringIO]:
    """What the code under test prints on stderr (the emulator's traceback of an InternalError),
    kept for the finding's message instead of flooding the fuzzer's output."""
    saved, sys.stderr = sys.stderr, io.StringIO()
    try:
        yield sys.stderr
    finally:
        sys.stderr = saved
