"""Fuzz the key loaders: load_public_key and load_private_key, on bytes and on text.

Only OcrCryptoError may escape; a key that loads must also write out and load back the same.
"""


import fuzzlib

with fuzzlib.instrument():
    import ocrcrypto
    from ocrcrypto.keys import key_type


def _round_trip(key, public: bool) -> None:
    if public:
        again = ocrcrypto.load_public_key(ocrcrypto.public_key_pem(key))
        same = ocrcrypto.public_key_pem(again) == ocrcrypto.public_key_pem(key)
    else:
        again = ocrcrypto.load_private_key(ocrcrypto.private_key_pem(key))
        same = ocrcrypto.private_key_pem(again) == ocrcrypto.private_key_pem(key)
    if not same or key_type(again) != key_type(key):
        raise fuzzlib.Finding(f"{'public' if public else 'private'} key does not survive PEM write and load")


def TestOneInput(data: bytes) -> None:
    if not data:
        return
    mode, rest = data[0], data[1:]
    public = bool(mode & 1)
    loader = ocrcrypto.load_public_key if public else ocrcrypto.load_private_key
    form = (mode >> 1) % 4
    if form == 0:
        value = rest
    elif form == 1:
        value = rest.decode("latin-1")
    elif form == 2:
        value = rest.decode("utf-8", "surrogateescape")
    else:
        value = bytearray(rest)
    ok, key = fuzzlib.allowed(lambda: loader(value))
    if ok:
        _round_trip(key, public)


if __name__ == "__main__":
    fuzzlib.fuzz(TestOneInput)
