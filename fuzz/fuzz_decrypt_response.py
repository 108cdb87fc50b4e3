"""Fuzz Session.decrypt_response (the client side), with the fuzzer's JSON and with valid
responses of both suites (body mode with the request's or a fresh IV, field mode at dotted
paths) whose envelope the fuzzer mutates.

Only OcrCryptoError may escape. A mutated SM4-GCM response that still decrypts must use the
original IV, ciphertexts and tags and give back the original response.
"""

import fuzzlib

with fuzzlib.instrument():
    from ocrcrypto import wire


def TestOneInput(data: bytes) -> None:
    if not data:
        return
    if data[0] & 1 == 0:  # the fuzzer's own JSON, with the session of either suite
        session = fuzzlib.RESPONSES[0 if data[0] & 2 else -1].session
        ok, value = fuzzlib.allowed(lambda: wire.loads(data[1:], "Response"))
        if ok:
            fuzzlib.allowed(lambda: session.decrypt_response(value))
        return
    fdp = fuzzlib.provider(data[1:])
    sample = fdp.PickValueInList(fuzzlib.RESPONSES)
    mutated = fuzzlib.mutate(fdp, sample)
    ok, plain = fuzzlib.allowed(lambda: sample.session.decrypt_response(mutated))
    if ok:
        fuzzlib.check_decrypted(sample, mutated, plain)


if __name__ == "__main__":
    fuzzlib.fuzz(TestOneInput)
