"""Check that a harness can find something: plant a bug in memory (the library files stay as
they are), fuzz for a bounded time, and expect a crash.

    python fuzz/plant_bugs.py NAME [libFuzzer flags]     # e.g. sm2 -max_total_time=60
    python fuzz/plant_bugs.py all                         # every harness, 60 s at most each

Exit 0 when the planted bug was found (libFuzzer stopped on a crash), 1 when it was not.
"""

import importlib
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _sm4_gcm_without_tag_check() -> None:
    """SM4-GCM that ignores the tag: a tampered ciphertext or tag must now be caught by the oracle."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    from ocrcrypto.hazmat import ciphers

    def unchecked(key, iv, ciphertext, tag, aad=b""):
        decryptor = Cipher(algorithms.SM4(bytes(key)), modes.CTR(bytes(iv) + b"\x00\x00\x00\x02")).decryptor()
        return decryptor.update(bytes(ciphertext)) + decryptor.finalize(), True

    ciphers.sm4_gcm_decrypt_unchecked = unchecked


def _raise_on(module, name, condition):
    original = getattr(module, name)

    def planted(*args, **kwargs):
        if condition(*args, **kwargs):
            raise KeyError("planted bug")
        return original(*args, **kwargs)

    setattr(module, name, planted)


def plant(name: str) -> None:
    import ocrcrypto
    from ocrcrypto import keys, wire
    from ocrcrypto.hazmat import sm2, sm2_encodings

    if name == "keys":  # a KeyError for a raw SM2 hex private key of fewer than 64 digits
        _raise_on(keys, "_raw_sm2_private", lambda compact: len(compact) < 64)
    elif name == "wire":  # a KeyError on an empty object key
        _raise_on(wire, "_object", lambda pairs: any(k == "" for k, _ in pairs))
    elif name in ("decrypt_request", "decrypt_response"):
        _sm4_gcm_without_tag_check()
    elif name == "doctor":  # a KeyError while the doctor tries the C1C2C3 variant
        _raise_on(sm2_encodings, "from_c1c2c3", lambda blob: True)
    elif name == "sm2":  # SM2 without the C3 check: a changed C2 now decrypts
        import hmac

        sm2.hmac = type("hmac", (), {"compare_digest": staticmethod(lambda a, b: True), "new": hmac.new})
    elif name == "emulator":  # an exception inside the emulator for CardSide BACK
        from ocrcrypto import emulator

        _raise_on(emulator.Emulator, "_check_params", lambda self, action, params: params.get("CardSide") == "BACK")
    elif name == "cli":  # a ValueError on a JSON array on stdin
        _raise_on(wire, "loads", lambda data, where: bytes(data).strip()[:1] == b"[")
    else:
        raise SystemExit(f"no planted bug for {name}")
    ocrcrypto  # noqa: B018


def main() -> int:
    name, flags = sys.argv[1], sys.argv[2:]
    if name == "all":
        names = sorted(p.stem[5:] for p in HERE.glob("fuzz_*.py"))
        missed = []
        for each in names:
            proc = subprocess.run([sys.executable, __file__, each, "-max_total_time=60", *flags],
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            found = proc.returncode == 0
            print(f"{each}: planted bug {'FOUND' if found else 'MISSED'}")
            if not found:
                missed.append(each)
        return 1 if missed else 0
    import atheris

    harness = importlib.import_module(f"fuzz_{name}")
    plant(name)
    work = HERE / ".work" / "planted"
    work.mkdir(parents=True, exist_ok=True)
    pid = os.fork()
    if pid == 0:
        seeds = str(HERE / "corpus" / name)
        atheris.Setup([sys.argv[0], f"-artifact_prefix={work}/{name}-", "-max_total_time=60", *flags, seeds], harness.TestOneInput)
        atheris.Fuzz()
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    crashed = os.waitstatus_to_exitcode(status) != 0
    print(f"{name}: planted bug {'FOUND' if crashed else 'MISSED'}")
    return 0 if crashed else 1


if __name__ == "__main__":
    sys.exit(main())
