"""Rewrite vectors/ocrcrypto_decrypt_manifest.json (schema ocrcrypto-decrypt-manifest-1).

Builds the three references (interop/go, interop/java, interop/node, as tests/interop.py does),
has each of them encrypt requests (``encrypt``, ``encrypt --field``, ``encrypt --response-only``)
to the vectors file's test keys and responses (``encrypt-response``), reads their library versions
from go.mod, pom.xml and package-lock.json, adds the vendor demo examples, checks every case with
ocrcrypto, and writes the manifest. Not run in CI (it needs go, mvn and node, and its output is
random); the committed JSON is what every implementation verifies. Run it when a reference or its
libraries change, then run every reference's ``verify vectors/`` and commit the file.

    .venv/bin/python vectors/make_manifest.py [--java-jar JAR] [--go-binary BIN] [--out FILE]
"""

from __future__ import annotations

import argparse
import base64
import copy
import json
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any, Dict, List, Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ocrcrypto import vectors  # noqa: E402
from tests.interop import JAVA_FLAGS, Command, build_go, build_java, build_node  # noqa: E402

VENDOR_DEMOS = Path("/work/shared/vectors/vendor-demos/vendor_demo_examples.json")
OUT = ROOT / "vectors" / vectors.MANIFEST_FILE_NAME

BODY_PARAMS = {
    "Action": "RecognizeEncryptedIDCardOCR",
    "Version": "2018-11-19",
    "Region": "ap-guangzhou",
    "ImageUrl": "https://example.com/证件/正面.jpg",
    "Config": '{"TempIdWarn":true}',
    "CardSide": "FRONT",
    "EnableReflectDetail": True,
}
FIELD_PARAMS = {"Action": "DetectAuth", "IdCard": "11010119900101001X", "Name": "李明", "RuleId": "1"}
FIELDS = ["IdCard", "Name"]
RESPONSE_ONLY_PARAMS = {"Action": "GetDetectInfoEnhanced", "BizToken": "00000000-0000-4000-8000-00000000000b", "RuleId": "1", "IsEncryptResponse": True}
RESPONSE = {"Response": {"Name": "李明", "Sex": "男", "IdNum": "11010119900101001X",
                         "Text": {"Address": "北京", "LivenessDetail": [{"Idcard": "x"}, {"Idcard": "11010119900101001X"}]},
                         "Score": 0.5, "RequestId": "r-1"}}
RESPONSE_FIELDS = ["Response.Name", "Response.Text.Address", "Response.Text.LivenessDetail[1].Idcard"]
KEYS = {"AES-256-CBC": "rsa-1024", "SM4-GCM": "sm2"}


def go_versions() -> Dict[str, str]:
    text = (ROOT / "interop" / "go" / "go.mod").read_text()
    out = {"go (go.mod)": re.search(r"^go (\S+)", text, re.M).group(1)}  # type: ignore[union-attr]
    for name, version in re.findall(r"^\s+(github\.com/\S+) (v\S+)", text, re.M):
        out[name] = version
    return out


def java_versions() -> Dict[str, str]:
    ns = {"m": "http://maven.apache.org/POM/4.0.0"}
    pom = ElementTree.parse(ROOT / "interop" / "java" / "pom.xml").getroot()
    properties = {child.tag.split("}")[1]: (child.text or "") for child in pom.find("m:properties", ns) or []}
    out = {"maven.compiler.release": properties.get("maven.compiler.release", "")}
    for dep in pom.findall("m:dependencies/m:dependency", ns):
        scope = dep.findtext("m:scope", default="", namespaces=ns)
        if scope == "test":
            continue
        version = dep.findtext("m:version", default="", namespaces=ns)
        version = re.sub(r"\$\{([^}]+)\}", lambda m: properties.get(m.group(1), m.group(0)), version)
        out[f"{dep.findtext('m:groupId', namespaces=ns)}:{dep.findtext('m:artifactId', namespaces=ns)}"] = version
    return out


def node_versions() -> Dict[str, str]:
    lock = json.loads((ROOT / "interop" / "node" / "package-lock.json").read_text())
    return {name.removeprefix("node_modules/"): entry["version"] for name, entry in lock["packages"].items() if name}


def runtime(command: List[str]) -> str:
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    return (result.stdout + result.stderr).strip().splitlines()[0]


def set_path(obj: Dict[str, Any], path: str, value: str) -> None:
    """Put value at a dotted path without array indices (all the vendor demos use)."""
    parts = path.split(".")
    for part in parts[:-1]:
        obj = obj[part]
    obj[parts[-1]] = value


class Builder:
    def __init__(self) -> None:
        self.tests: List[Dict[str, Any]] = []

    def add(self, case: Dict[str, Any]) -> None:
        self.tests.append({"id": len(self.tests) + 1, **case, "result": "valid"})

    def reference(self, source: str, impl: Command, public: Dict[str, Path], algorithms: List[str], responses: bool) -> None:
        for algorithm in algorithms:
            key = KEYS[algorithm]
            files = public[algorithm]
            for mode, params, fields, flags in (("body", BODY_PARAMS, None, ["Unicode"]), ("fields", FIELD_PARAMS, FIELDS, ["FieldMode", "Unicode"]),
                                                ("response-only", RESPONSE_ONLY_PARAMS, None, ["ResponseOnly"])):
                wire, session = impl.encrypt(params, algorithm, fields, files, response_only=mode == "response-only")  # type: ignore[arg-type]
                self.add({"comment": f"{source}: {algorithm} {mode} request", "flags": flags, "source": source, "algorithm": algorithm,
                          "operation": "decrypt", "mode": mode, "key": key, "input": {"wire": wire}, "expected": {"params": params, "session": session}})
                if mode == "body" and responses:
                    body = impl.encrypt_response(RESPONSE, session, None, False)
                    self.add({"comment": f"{source}: {algorithm} whole-body response, echoed IV", "flags": ["EchoedIv", "Unicode"], "source": source,
                              "algorithm": algorithm, "operation": "decrypt-response", "mode": "body",
                              "input": {"session": session, "wire": body}, "expected": {"response": RESPONSE}})
                    fields_wire = impl.encrypt_response(RESPONSE, session, RESPONSE_FIELDS, True)
                    self.add({"comment": f"{source}: {algorithm} field-mode response, dotted paths with an array index, fresh IV",
                              "flags": ["FieldMode", "DottedPath", "ArrayIndexPath", "FreshIv", "Unicode"], "source": source,
                              "algorithm": algorithm, "operation": "decrypt-response", "mode": "fields",
                              "input": {"session": session, "wire": fields_wire}, "expected": {"response": RESPONSE}})

    def vendor_demos(self, examples: List[Dict[str, Any]]) -> None:
        for example in examples:
            source = "vendor-demo-node" if example["source"]["repo"].endswith("-nodejs") else "vendor-demo-go"
            raw_text = example["key_encoding"] == "raw text"
            key = bytes.fromhex(example["key_hex"])
            where = f"{example['source']['repo']} {example['source']['path']} at {example['source']['commit'][:8]}"
            if "response" in example:
                response = example["response"]
                expected = copy.deepcopy(response)
                del expected["Response"]["Encryption"]
                for path, value in example["expected"].items():
                    set_path(expected, path, value)
                flags = ["VendorDemo", "FieldMode", "DottedPath"]
                if any(ord(c) > 127 for v in example["expected"].values() for c in v):
                    flags.append("Unicode")
                if raw_text:
                    flags.append("RawTextKey")
                if "BestFrame" in response["Response"]:
                    flags.append("NullFields")
                session = {"Algorithm": example["algorithm"], "Key": base64.b64encode(key).decode(), "Iv": None}
                self.add({"comment": f"{example['id']}: {where}; session without IV, the response's own Iv", "flags": flags, "source": source,
                          "algorithm": example["algorithm"], "operation": "decrypt-response", "mode": "fields",
                          "input": {"session": session, "wire": response}, "expected": {"response": expected}})
            else:
                self.add({"comment": f"{example['id']}: {where}", "flags": ["VendorDemo"] + (["RawTextKey"] if raw_text else []), "source": source,
                          "algorithm": example["algorithm"], "operation": "symmetric-decrypt", "mode": "primitive",
                          "input": {"symmetric_key": key.hex(), "iv": base64.b64decode(example["iv"]).hex(),
                                    "ciphertext": base64.b64decode(example["ciphertext"]).hex()},
                          "expected": {"plaintext": example["expected_plaintext"].encode().hex()}})


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--go-binary", type=Path, help="a built interop/go binary (default: build it)")
    parser.add_argument("--java-jar", type=Path, help="a built interop/java jar (default: mvn package)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)

    generated = json.loads((ROOT / "vectors" / vectors.FILE_NAME).read_text(encoding="utf-8"))
    keys = {name: generated["keys"][name] for name in KEYS.values()}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        go = args.go_binary or build_go(work)
        jar = args.java_jar or build_java()
        node = build_node()
        from tests.interop import KeyFiles

        public = {}
        for algorithm, name in KEYS.items():
            path = work / f"{name}-public.txt"
            path.write_text(keys[name]["public"]["vendor"])
            public[algorithm] = KeyFiles(path, path)
        impls = {
            "go-emmansun": Command("go-emmansun", [str(go)], ["--sm2-lib", "emmansun"], work),
            "go-tjfoc": Command("go-tjfoc", [str(go)], ["--sm2-lib", "tjfoc"], work),
            "java": Command("java", ["java", *JAVA_FLAGS, "-jar", str(jar)], [], work),
            "node": Command("node", ["node", str(node)], [], work),
        }
        builder = Builder()
        builder.reference("go-emmansun", impls["go-emmansun"], public, ["AES-256-CBC", "SM4-GCM"], True)
        builder.reference("go-tjfoc", impls["go-tjfoc"], public, ["SM4-GCM"], False)
        builder.reference("java", impls["java"], public, ["AES-256-CBC", "SM4-GCM"], True)
        builder.reference("node", impls["node"], public, ["AES-256-CBC", "SM4-GCM"], True)
    demos = json.loads(VENDOR_DEMOS.read_text(encoding="utf-8"))
    builder.vendor_demos(demos["examples"])

    go_libs, go_runtime = go_versions(), runtime(["go", "version"])
    sources = {
        "go-emmansun": {"implementation": "interop/go, encrypt --sm2-lib emmansun (RSA and AES-CBC from the Go standard library)",
                        "libraries": {"go runtime": go_runtime, **{k: v for k, v in go_libs.items() if "tjfoc" not in k}}},
        "go-tjfoc": {"implementation": "interop/go, encrypt --sm2-lib tjfoc (SM2 wrap by tjfoc/gmsm; SM4-GCM by emmansun/gmsm)",
                     "libraries": {"go runtime": go_runtime, **go_libs}},
        "java": {"implementation": "interop/java (BouncyCastle SM2Engine C1C3C2, GCM over SM4Engine; JCE RSA and AES)",
                 "libraries": {"java runtime": runtime(["java", "-version"]), **java_versions()}},
        "node": {"implementation": "interop/node (node:crypto RSA and AES-CBC; sm-crypto-v2 SM2 and SM4-GCM)",
                 "libraries": {"node runtime": runtime(["node", "--version"]), **node_versions()}},
        "vendor-demo-node": {"implementation": "TencentCloud/faceid-api-crypto-nodejs example ciphertexts (data only, Apache-2.0)",
                             "libraries": {"TencentCloud/faceid-api-crypto-nodejs": "5e41aefdf639eba4283b1dce49ebcf48748eeb76"}},
        "vendor-demo-go": {"implementation": "TencentCloud/faceid-api-crypto-golang example ciphertexts (data only, Apache-2.0)",
                           "libraries": {"TencentCloud/faceid-api-crypto-golang": "14815a5d51f4c7a79407ab22d1b38429f4b1826c"}},
    }
    manifest = {
        "schema": vectors.MANIFEST_SCHEMA,
        "generator": {"command": "python vectors/make_manifest.py"},
        "notes": vectors.MANIFEST_NOTES,
        "sources": sources,
        "keys": keys,
        "numberOfTests": len(builder.tests),
        "tests": builder.tests,
    }
    checked, failures = vectors.verify_data(manifest, args.out.name)
    for failure in failures:
        print(f"FAIL {failure}", file=sys.stderr)
    if failures:
        print(f"error: {len(failures)} of {checked} manifest cases do not decrypt with ocrcrypto; nothing written", file=sys.stderr)
        return 1
    args.out.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({checked} cases); now run every reference's verify on {args.out.parent}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
