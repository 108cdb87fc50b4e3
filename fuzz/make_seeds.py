"""Write the small seed corpora of fuzz/corpus/ (deterministic: the samples of fuzzlib are).

    python fuzz/make_seeds.py
"""

import json
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fuzzlib  # noqa: E402
from ocrcrypto.hazmat import sm2, sm2_encodings  # noqa: E402

CORPUS = fuzzlib.FUZZ_DIR / "corpus"


def _dump(value) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def seeds():
    data = fuzzlib.TEST_DATA
    req, resp = fuzzlib.REQUESTS, fuzzlib.RESPONSES
    valid_sm2 = sm2.encrypt(fuzzlib.SM2_PUBLIC, bytes(range(16)), k=7)
    cmd = {"decrypt": 0, "decrypt-response": 2, "doctor": 5, "encrypt-sm2": 7, "encrypt-fields": 8}
    return {
        "keys": {
            "rsa_public_pkcs1_pem": b"\x01" + (data / "rsa1024_public_pkcs1.pem").read_bytes(),
            "rsa_public_spki_der": b"\x01" + (data / "rsa1024_public_spki.der").read_bytes(),
            "sm2_public_vendor_str": b"\x03" + (data / "sm2_public_vendor.txt").read_bytes(),
            "sm2_public_raw": b"\x05" + (data / "sm2_public_raw.txt").read_bytes(),
            "sm2_private_raw": b"\x00" + (data / "sm2_private_raw.txt").read_bytes(),
            "sm2_private_sec1_der": b"\x00" + (data / "sm2_private_sec1.der").read_bytes(),
            "sm2_private_pkcs8_str": b"\x02" + (data / "sm2_private_pkcs8.pem").read_bytes(),
        },
        "wire": {
            "request": b"\x01" + _dump(req[0].wire),
            "fields_request": b"\x02" + _dump(req[4].wire),
            "response": b"\x01" + _dump(resp[2].wire),
            "path": b"\x00Response.Text.LivenessDetail[0].IdCard",
            "nested": b"\x01" + b'{"a":[1,2.5,{"b":null,"c":"\\u00e9"}],"EncryptList":[]}',
        },
        "decrypt_request": {
            "sm4_body": b"\x00" + _dump(req[0].wire),
            "sm4_fields": b"\x00" + _dump(req[1].wire),
            "cbc_body": b"\x00" + _dump(req[3].wire),
            "mutate_a": b"\x01\x00\x00\x01\x05\x07",
            "mutate_b": b"\x01\x01\x03\x02\x06\x09\x04\x04",
        },
        "decrypt_response": {
            "sm4_body": b"\x02" + _dump(resp[0].wire),
            "cbc_fields": b"\x00" + _dump(resp[5].wire),
            "mutate_a": b"\x01\x02\x00\x01\x05\x07",
            "mutate_b": b"\x01\x05\x03\x02\x06\x09\x04\x04",
        },
        "doctor": {
            "sm4_request_sm2_key": b"\x02\x00" + _dump(req[0].wire),
            "cbc_request_rsa_key": b"\x01\x00" + _dump(req[3].wire),
            "sm4_response_session": b"\x03\x00" + _dump(resp[0].wire),
            "mutate": b"\x02\x01\x00\x01\x05\x07\x02",
        },
        "sm2": {
            "valid": b"\x00" + valid_sm2,
            "tamper": b"\x01\x00\x05\x07",
            "der": b"\x02" + sm2_encodings.to_der(valid_sm2),
            "round_trip": b"\x03" + valid_sm2[1:],
        },
        "emulator": {
            "sm4_ocr": b"\x00" + _dump(req[0].wire),
            "mutate": b"\x01\x00\x00\x01\x05\x07",
            "params": b"\x02\x00\x03\x01\x02\x05\x01\x00",
            "transport": b"\x03\x00\x03\x01\x02\x05\x01\x00\x07\x01",
        },
        "cli": {
            "decrypt": bytes([cmd["decrypt"]]) + _dump(req[0].wire),
            "decrypt_response": bytes([cmd["decrypt-response"]]) + _dump(resp[0].wire),
            "doctor": bytes([cmd["doctor"]]) + _dump(resp[0].wire),
            "encrypt": bytes([cmd["encrypt-sm2"]]) + _dump(fuzzlib.OCR_PARAMS),
            "encrypt_fields": bytes([cmd["encrypt-fields"]]) + b'{"Name":"a","Info":{"IdCard":"b"}}',
        },
    }


def main() -> None:
    for harness, files in seeds().items():
        directory = CORPUS / harness
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        for name, content in files.items():
            (directory / name).write_bytes(content)
        print(f"{directory}: {len(files)} seeds")


if __name__ == "__main__":
    main()
