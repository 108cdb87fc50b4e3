"""Fuzz the doctor: diagnose() must never raise, whatever the message, key and session.

Input: the fuzzer's JSON, or a valid request or response of either suite with its envelope
mutated; with no key, the RSA or the SM2 private key, and with or without a session.
"""

import fuzzlib

with fuzzlib.instrument():
    from ocrcrypto import doctor, wire

SAMPLES = fuzzlib.REQUESTS + fuzzlib.RESPONSES
KEYS = [None, fuzzlib.RSA_PRIVATE, fuzzlib.SM2_PRIVATE]
SESSIONS = [None] + [s.session for s in fuzzlib.RESPONSES[:1] + fuzzlib.RESPONSES[-1:]]


def TestOneInput(data: bytes) -> None:
    if len(data) < 2:
        return
    key = KEYS[data[0] % 3]
    session = SESSIONS[data[0] // 3 % 3]
    if data[1] & 1 == 0:
        ok, value = fuzzlib.allowed(lambda: wire.loads(data[2:], "message"))
        if not ok:
            return
    else:
        fdp = fuzzlib.provider(data[2:])
        value = fuzzlib.mutate(fdp, fdp.PickValueInList(SAMPLES))
    findings = doctor.diagnose(value, private_key=key, session=session)
    if not isinstance(findings, list) or not all(isinstance(f, doctor.Finding) for f in findings):
        raise fuzzlib.Finding(f"diagnose returned {findings!r}")
    for finding in findings:
        str(finding)


if __name__ == "__main__":
    fuzzlib.fuzz(TestOneInput)
