"""Fuzz decrypt_request (the service side), with the fuzzer's JSON and with valid requests of
both suites (body mode, field mode, response-only) whose envelope the fuzzer mutates.

Only OcrCryptoError may escape. A mutated SM4-GCM request that still decrypts must use the
original key, IV, ciphertexts and tags and give back the original params (see fuzzlib.STRICT
for requests whose EncryptList lost entries).
"""

import fuzzlib

with fuzzlib.instrument():
    import ocrcrypto
    from ocrcrypto import wire


def TestOneInput(data: bytes) -> None:
    if not data:
        return
    if data[0] & 1 == 0:  # the fuzzer's own JSON
        ok, value = fuzzlib.allowed(lambda: wire.loads(data[1:], "request"))
        if ok:
            keys = [fuzzlib.KEYRING, [fuzzlib.SM2_PRIVATE], fuzzlib.RSA_PRIVATE][data[0] >> 1 & 3 if data[0] >> 1 & 3 < 3 else 0]
            fuzzlib.allowed(lambda: ocrcrypto.decrypt_request(value, keys))
        return
    fdp = fuzzlib.provider(data[1:])
    sample = fdp.PickValueInList(fuzzlib.REQUESTS)
    mutated = fuzzlib.mutate(fdp, sample)
    ok, result = fuzzlib.allowed(lambda: ocrcrypto.decrypt_request(mutated, fuzzlib.KEYRING))
    if ok:
        fuzzlib.check_decrypted(sample, mutated, result[0])


if __name__ == "__main__":
    fuzzlib.fuzz(TestOneInput)
