"""Fuzz the command line (decrypt, decrypt-response, doctor, encrypt) with the fuzzer's stdin.

Through click's CliRunner, in process. Every run must exit 0, 1 or 2, print no traceback, and
write at most one line on stderr: an ``error: ...`` one (or, on success, a ``note: ...`` one).
"""

import os
import tempfile

import fuzzlib

with fuzzlib.instrument():
    from click.testing import CliRunner

    import ocrcrypto
    from ocrcrypto import cli

_DIR = tempfile.mkdtemp(prefix="ocrcrypto-fuzz-cli-")


def _file(name: str, text: str) -> str:
    path = os.path.join(_DIR, name)
    with open(path, "w") as handle:
        handle.write(text)
    return path


RSA_KEY = str(fuzzlib.TEST_DATA / "rsa1024_private_pkcs1.pem")
SM2_KEY = str(fuzzlib.TEST_DATA / "sm2_private_pkcs8.pem")
RSA_PUBLIC = _file("rsa_public.txt", ocrcrypto.vendor_public_key(fuzzlib.RSA_PUBLIC))
SM2_PUBLIC = _file("sm2_public.pem", ocrcrypto.public_key_pem(fuzzlib.SM2_PUBLIC))
import json as _json  # noqa: E402

SESSIONS = [_file(f"session{i}.json", _json.dumps(s.session.to_dict())) for i, s in enumerate(fuzzlib.RESPONSES[:1] + fuzzlib.RESPONSES[-1:])]
COMMANDS = [
    ["decrypt", "-k", RSA_KEY, "-k", SM2_KEY],
    ["decrypt", "-k", SM2_KEY],
    ["decrypt-response", "--session", SESSIONS[0]],
    ["decrypt-response", "--session", SESSIONS[1]],
    ["doctor"],
    ["doctor", "--json", "-k", SM2_KEY, "--session", SESSIONS[0]],
    ["doctor", "-k", RSA_KEY],
    ["encrypt", "-k", SM2_PUBLIC, "-a", "SM4-GCM"],
    ["encrypt", "-k", RSA_PUBLIC, "--field", "Name", "--field", "Info.IdCard"],
    ["encrypt", "-k", SM2_PUBLIC, "-a", "SM4-GCM", "--response-only"],
    ["encrypt", "-k", RSA_PUBLIC, "--clear", "RuleId"],
]
RUNNER = CliRunner()


def TestOneInput(data: bytes) -> None:
    if not data:
        return
    args = COMMANDS[data[0] % len(COMMANDS)]
    result = RUNNER.invoke(cli.main, args, input=data[1:], catch_exceptions=True)
    stderr = result.stderr
    exception = result.exception
    if exception is not None and not isinstance(exception, SystemExit):
        raise fuzzlib.Finding(f"{args[0]}: uncaught {type(exception).__name__}: {exception}") from exception
    if result.exit_code not in (0, 1, 2):
        raise fuzzlib.Finding(f"{args[0]}: exit code {result.exit_code}")
    lines = stderr.splitlines()
    # exit 0 may carry one "note:" line (decrypt-response says so when a response came in clear)
    prefixes = ("error: ",) if result.exit_code else ("error: ", "note: ", "warning: ")
    if "Traceback" in stderr or len(lines) > 1 or (lines and not lines[0].startswith(prefixes)):
        raise fuzzlib.Finding(f"{args[0]}: stderr is not one 'error:' line: {stderr[:2000]!r}")
    if result.exit_code != 0 and args[0] != "doctor" and not lines:
        raise fuzzlib.Finding(f"{args[0]}: exit {result.exit_code} without an error line")


if __name__ == "__main__":
    fuzzlib.fuzz(TestOneInput)
