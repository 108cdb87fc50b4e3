"""Fuzz SM2 decryption and the SM2 ciphertext converters (ocrcrypto.hazmat).

hazmat raises OcrCryptoError subclasses for bad data (DecryptionError, EnvelopeFormatError):
nothing else may escape. A changed valid ciphertext must not decrypt; the converters must
round-trip (C1C2C3 and DER back to C1C3C2).
"""

import fuzzlib

with fuzzlib.instrument():
    from ocrcrypto.hazmat import sm2, sm2_encodings

KEY = fuzzlib.SM2_PRIVATE
PLAINTEXT = bytes(range(16))
VALID = sm2.encrypt(KEY.public_key, PLAINTEXT)
CONVERTERS = [sm2_encodings.to_c1c2c3, sm2_encodings.from_c1c2c3, sm2_encodings.strip_prefix, sm2_encodings.to_der, sm2_encodings.from_der]


def _decrypt(blob: bytes, tampered: bool) -> None:
    ok, plain = fuzzlib.allowed(lambda: sm2.decrypt(KEY, blob))
    if ok and tampered and blob != VALID:
        raise fuzzlib.Finding(f"a changed SM2 ciphertext decrypts: {blob.hex()} -> {plain.hex()}")
    if ok and blob == VALID and plain != PLAINTEXT:
        raise fuzzlib.Finding("the valid ciphertext decrypts to something else")


def TestOneInput(data: bytes) -> None:
    if not data:
        return
    mode, rest = data[0] % 4, data[1:]
    if mode == 0:
        _decrypt(rest, False)
    elif mode == 1:  # a valid ciphertext, changed
        fdp = fuzzlib.provider(rest)
        blob = fuzzlib._tamper_bytes(fdp, VALID)
        _decrypt(blob, True)
    elif mode == 2:  # every converter, and the decryption of what it gives
        for convert in CONVERTERS:
            ok, out = fuzzlib.allowed(lambda: convert(rest))
            if ok:
                _decrypt(out, False)
    else:  # round trips of a well-formed C1C3C2 layout with fuzzer bytes
        blob = b"\x04" + rest
        ok, swapped = fuzzlib.allowed(lambda: sm2_encodings.to_c1c2c3(blob))
        if ok and sm2_encodings.from_c1c2c3(swapped) != blob:
            raise fuzzlib.Finding(f"from_c1c2c3(to_c1c2c3(b)) != b for {blob.hex()}")
        ok, der = fuzzlib.allowed(lambda: sm2_encodings.to_der(blob))
        if ok and sm2_encodings.from_der(der) != blob:
            raise fuzzlib.Finding(f"from_der(to_der(b)) != b for {blob.hex()}")
        ok, stripped = fuzzlib.allowed(lambda: sm2_encodings.strip_prefix(blob))
        if ok and b"\x04" + stripped != blob:
            raise fuzzlib.Finding(f"strip_prefix({blob.hex()}) = {stripped.hex()}")


if __name__ == "__main__":
    fuzzlib.fuzz(TestOneInput)
