"""Fuzz the emulator's handler with correctly signed requests (fixed clock), for every action
of its catalogue (ocrcrypto.actions).

Bodies: the fuzzer's bytes; a valid encrypted OCR request of either suite with its envelope
mutated; or params the fuzzer chose, encrypted properly in the action's mode (or sent in clear)
to reach the parameter checks. Sometimes the transport changes too (method, path, content type,
timestamp, scope, one header), still signed. Every answer must be a {"Response": {...}} dict
that JSON can write, and never the InternalError code (an exception inside the emulator).
"""

import json

import fuzzlib

with fuzzlib.instrument():
    import ocrcrypto
    from ocrcrypto import emulator  # noqa: F401 (imported here to be instrumented)

try:
    from ocrcrypto import actions
except ImportError:  # an emulator of the OCR action only
    actions = None

LOGGED = []
EMULATOR = fuzzlib.make_emulator()
EMULATOR.log = LOGGED.append
if actions is not None:
    ACTIONS = [actions.get(name) for name in actions.supported()]
    NAMES = [a.name for a in ACTIONS] + list(set(actions.names()) - set(actions.supported())) + ["Nope", ""]
else:
    ACTIONS, NAMES = [], ["RecognizeEncryptedIDCardOCR", "Nope", ""]
OCR_PARAMS = {"ImageUrl": "https://example.com/id.jpg", "CardSide": "FRONT", "Config": '{"TempIdWarn":true}'}
VALUES = ["https://example.com/a.jpg", "FRONT", "BACK", '{"TempIdWarn":true}', '{"Nope":1}', '{"CropIdCard":1}', "[]", "aGVsbG8=",
          "data:image/png;base64,aGk=", "a\nb", "", None, 0, 1, True, False, [], {}, "张三", "110101199001011234"]


def _samples() -> list:
    out = []
    for algorithm in ("SM4-GCM", "AES-256-CBC"):
        label = f"{algorithm} OCR request"
        message, session = fuzzlib._encrypt(OCR_PARAMS, algorithm, None, label)
        out.append(fuzzlib.Sample(label, algorithm, message, dict(OCR_PARAMS), session))
    return out


SAMPLES = _samples()


def _params(fdp, action) -> dict:
    names = ["ImageUrl", "ImageBase64", "CardSide", "Config", "Other", "Action", "IsEncrypt", "IsEncryptResponse"]
    if action is not None:
        names += list(action.fields) + [n for group in action.required for n in group]
    params = {}
    for _ in range(fdp.ConsumeIntInRange(1, 5)):
        name = fdp.PickValueInList(names)
        params[name] = fdp.PickValueInList(VALUES) if fdp.ConsumeIntInRange(0, 3) else fuzzlib.json_value(fdp)
    return params


def _encrypted(fdp, action):
    params = _params(fdp, action)
    algorithm = fdp.PickValueInList(["SM4-GCM", "AES-256-CBC"])
    mode = action.mode if action is not None else "body"
    how = fdp.ConsumeIntInRange(0, 4)
    if how == 0:
        return params  # sent in clear
    if mode == "body" or how == 1:
        fields = None
    elif mode == "field" and how != 2:
        fields = [n for n in action.fields if isinstance(params.get(n), str)]
    else:
        fields = []
    ok, sealed = fuzzlib.allowed(lambda: ocrcrypto.encrypt_request(params, fuzzlib.PUBLIC_KEYS[algorithm], algorithm, fields))
    return sealed[0] if ok else params


def TestOneInput(data: bytes) -> None:
    if not data:
        return
    mode = data[0] % 4
    fdp = fuzzlib.provider(data[1:])
    name = fdp.PickValueInList(NAMES)
    action = next((a for a in ACTIONS if a.name == name), None)
    version = action.version if action is not None else "2018-11-19"
    if mode == 0:
        body = data[1:]
        name, version = "RecognizeEncryptedIDCardOCR", "2018-11-19"
    elif mode == 1:
        body = fuzzlib.dumps(fuzzlib.mutate(fdp, fdp.PickValueInList(SAMPLES)))
        name, version = "RecognizeEncryptedIDCardOCR", "2018-11-19"
    else:
        body = fuzzlib.dumps(_encrypted(fdp, action))
    method, path, extra, kwargs = "POST", "/", {}, {}
    if mode == 3:  # transport variations, still signed
        kwargs = {
            "content_type": fdp.PickValueInList(["application/json", "application/json; charset=utf-8", "text/plain", "APPLICATION/JSON"]),
            "timestamp": fuzzlib.EMULATOR_NOW + fdp.ConsumeIntInRange(-400, 400),
            "service": fdp.PickValueInList(["ocr", "faceid", "o/cr"]),
        }
        method = fdp.PickValueInList(["POST", "GET", "PUT"])
        path = fdp.PickValueInList(["/", "/?a=b", "/x", "//", "/?"])
        version = fdp.PickValueInList([version, "2018-03-01", "", "2018-11-19"])
        if fdp.ConsumeBool():
            extra = {fdp.PickValueInList(["X-TC-Content-SHA256", "X-TC-Timestamp", "Host", "Authorization", "X-TC-Version"]):
                     fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 30))}
    headers = fuzzlib.signed_headers(body, method=method, path=path, action=name, version=version, extra=extra, **kwargs)
    del LOGGED[:]
    with fuzzlib.captured_stderr() as err:
        answer = EMULATOR.handle(method, path, headers, body)
    if not isinstance(answer, dict) or set(answer) != {"Response"} or not isinstance(answer["Response"], dict):
        raise fuzzlib.Finding(f"emulator answered {answer!r}")
    error = answer["Response"].get("Error")
    if error is not None and error.get("Code") == "InternalError":
        raise fuzzlib.Finding(f"emulator InternalError for {name} body {body[:400]!r}:\n{err.getvalue()}{''.join(LOGGED)}")
    json.dumps(answer)


if __name__ == "__main__":
    fuzzlib.fuzz(TestOneInput)
