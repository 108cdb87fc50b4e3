"""The implementations of the interop matrix: ocrcrypto in process, and the references in
interop/ driven through their common command-line contract (JSON on stdin and stdout)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import pytest

import ocrcrypto

ROOT = Path(__file__).parent.parent
REQUIRE = os.environ.get("OCRCRYPTO_REQUIRE_INTEROP") == "1"


def unavailable(reason: str) -> None:
    """Skip with the reason, or fail where CI requires the interop tests to run."""
    if REQUIRE:
        pytest.fail(f"OCRCRYPTO_REQUIRE_INTEROP=1, but {reason}")
    pytest.skip(reason)


@dataclass
class KeyFiles:
    """One key pair written the way users hold it (the vendor's public form and a private PEM),
    and the keyring the service side decrypts with: a wrong key of each suite before the right one."""

    public: Path
    private: Path
    keyring: Sequence[Path] = ()


@dataclass
class Implementation:
    name: str

    def encrypt(self, params: Dict[str, Any], algorithm: str, fields: Optional[List[str]], keys: KeyFiles, *, response_only: bool = False) -> Tuple[Dict[str, Any], Dict[str, Any]]:
        raise NotImplementedError

    def decrypt(self, wire: Dict[str, Any], keys: KeyFiles) -> Tuple[Dict[str, Any], Dict[str, Any]]:
        """(params, the service's session) with the keyring."""
        raise NotImplementedError

    def encrypt_response(self, response: Dict[str, Any], session: Dict[str, Any], fields: Optional[List[str]], fresh_iv: bool) -> Dict[str, Any]:
        raise NotImplementedError

    def decrypt_response(self, wire: Dict[str, Any], session: Dict[str, Any]) -> Dict[str, Any]:
        raise NotImplementedError


class Python(Implementation):
    def encrypt(self, params, algorithm, fields, keys, *, response_only=False):
        public = ocrcrypto.load_public_key(keys.public.read_bytes())
        wire, session = ocrcrypto.encrypt_request(params, public, algorithm, [] if response_only else fields)
        return wire, session.to_dict()

    def decrypt(self, wire, keys):
        ring = [ocrcrypto.load_private_key(path.read_bytes()) for path in keys.keyring or [keys.private]]
        params, session = ocrcrypto.decrypt_request(wire, ring)
        return params, session.to_dict()

    def encrypt_response(self, response, session, fields, fresh_iv):
        return ocrcrypto.Session.from_dict(session).encrypt_response(response, fields=fields, fresh_iv=fresh_iv)

    def decrypt_response(self, wire, session):
        return ocrcrypto.Session.from_dict(session).decrypt_response(wire)


@dataclass
class Command(Implementation):
    """A reference implementation behind the shared CLI contract."""

    command: Sequence[str] = ()
    library_args: Sequence[str] = ()
    """Passed to encrypt and decrypt: the library choice (Go's --sm2-lib) for wrap and unwrap."""
    workdir: Path = field(default_factory=Path)

    def run(self, args: Sequence[str], payload: Any) -> Any:
        result = subprocess.run(
            [*self.command, *args], input=json.dumps(payload, ensure_ascii=False).encode(), capture_output=True, timeout=120
        )
        if result.returncode != 0:
            raise AssertionError(f"{self.name} {args[0]} failed ({result.returncode}): {result.stderr.decode(errors='replace')[-2000:]}")
        return json.loads(result.stdout)

    def session_file(self, session: Dict[str, Any]) -> Path:
        path = self.workdir / f"session-{self.name}-{abs(hash(json.dumps(session, sort_keys=True)))}.json"
        path.write_text(json.dumps(session))
        return path

    def encrypt(self, params, algorithm, fields, keys, *, response_only=False):
        args = ["encrypt", "--public-key", str(keys.public), "--algorithm", algorithm, *self.library_args]
        for name in fields or ():
            args += ["--field", name]
        if response_only:
            args.append("--response-only")
        out = self.run(args, params)
        return out["wire"], out["session"]

    def decrypt(self, wire, keys):
        session_out = self.workdir / f"server-{self.name}-{os.getpid()}-{abs(hash(json.dumps(wire, sort_keys=True)))}.json"
        args = ["decrypt", "--session-out", str(session_out), *self.library_args]
        for path in keys.keyring or [keys.private]:
            args += ["--private-key", str(path)]
        params = self.run(args, wire)
        session = json.loads(session_out.read_text())
        session_out.unlink()
        return params, session

    def encrypt_response(self, response, session, fields, fresh_iv):
        args = ["encrypt-response", "--session", str(self.session_file(session))]
        for name in fields or ():
            args += ["--field", name]
        if fresh_iv:
            args.append("--fresh-iv")
        return self.run(args, response)

    def decrypt_response(self, wire, session):
        return self.run(["decrypt-response", "--session", str(self.session_file(session))], wire)


def build_go(out_dir: Path) -> Path:
    """Build interop/go once; its modules come from the Go module proxy (go.sum is committed)."""
    go = shutil.which("go")
    if go is None:
        unavailable("the go toolchain is not installed")
    binary = out_dir / "ocrcrypto-go"
    result = subprocess.run([go, "build", "-o", str(binary), "."], cwd=ROOT / "interop" / "go", capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        unavailable(f"the Go reference did not build: {result.stderr[-2000:]}")
    return binary


def build_java() -> Path:
    """Build interop/java once (Maven Central is reachable); BouncyCastle stays in target/lib."""
    mvn, java = shutil.which("mvn"), shutil.which("java")
    if mvn is None or java is None:
        unavailable("mvn or java is not installed")
    project = ROOT / "interop" / "java"
    result = subprocess.run([mvn, "-B", "-q", "-DskipTests", "package"], cwd=project, capture_output=True, text=True, timeout=1200)
    if result.returncode != 0:
        unavailable(f"the Java reference did not build: {(result.stdout + result.stderr)[-2000:]}")
    return project / "target" / "ocrcrypto-java.jar"


JAVA_FLAGS = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")
"""C1 only and the serial GC: a short-lived CLI starts faster (the references run hundreds of times)."""


def build_node() -> Path:
    """interop/node, installed from its lockfile (``npm ci``) unless .ci/run already did."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        unavailable("node or npm is not installed")
    project = ROOT / "interop" / "node"
    if not (project / "node_modules" / "sm-crypto-v2").is_dir():
        result = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=project, capture_output=True, text=True, timeout=900)
        if result.returncode != 0:
            unavailable(f"npm ci in interop/node failed: {(result.stdout + result.stderr)[-2000:]}")
    return project / "cli.js"


def imitate(command: Sequence[str], mistake: str, params: Dict[str, Any], algorithm: str, public: Path, fields: Sequence[str] = ()) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """(wire, session) from a reference's ``imitate MISTAKE``: a request with one real-world
    mistake, made by that language's own libraries."""
    args = [*command, "imitate", mistake, "--public-key", str(public), "--algorithm", algorithm]
    for name in fields:
        args += ["--field", name]
    result = subprocess.run(args, input=json.dumps(params, ensure_ascii=False).encode(), capture_output=True, timeout=120)
    if result.returncode != 0:
        raise AssertionError(f"{command[0]} imitate {mistake} failed ({result.returncode}): {result.stderr.decode(errors='replace')[-2000:]}")
    out = json.loads(result.stdout)
    return out["wire"], out["session"]
