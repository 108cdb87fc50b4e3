"""Fuzz the wire format: the strict JSON reader, EncryptionBlock.parse and parse_path.

Only OcrCryptoError may escape. A block that parses must write out (to_dict) and parse back
equal; a path that parses must be made of non-empty names and non-negative indices.
"""

import fuzzlib

with fuzzlib.instrument():
    from ocrcrypto import EncryptionBlock, wire


def _block(value) -> None:
    ok, block = fuzzlib.allowed(lambda: EncryptionBlock.parse(value))
    if not ok:
        return
    again = EncryptionBlock.parse(block.to_dict())
    if again != block:
        raise fuzzlib.Finding(f"EncryptionBlock does not survive to_dict/parse: {block!r} -> {again!r}")
    repr(block)


def TestOneInput(data: bytes) -> None:
    if not data:
        return
    mode, rest = data[0] % 3, data[1:]
    if mode == 0:
        text = rest.decode("utf-8", "replace")
        ok, parts = fuzzlib.allowed(lambda: wire.parse_path(text))
        if ok:
            if not parts or not all((isinstance(p, str) and p) or (isinstance(p, int) and p >= 0) for p in parts):
                raise fuzzlib.Finding(f"parse_path({text!r}) = {parts!r}")
        return
    source = rest if mode == 1 else rest.decode("latin-1")
    ok, value = fuzzlib.allowed(lambda: wire.loads(source, "x"))
    if not ok:
        return
    _block(value)
    if isinstance(value, dict):
        for inner in (value.get("Encryption"), (value.get("Response") or {}).get("Encryption") if isinstance(value.get("Response"), dict) else None):
            if inner is not None:
                _block(inner)
        fuzzlib.allowed(lambda: wire.parse_message(value, "request"))
        fuzzlib.allowed(lambda: wire.parse_message(value, "Response"))
    fuzzlib.allowed(lambda: wire.dumps_compact(value, "x"))


if __name__ == "__main__":
    fuzzlib.fuzz(TestOneInput)
