"""The ``ocrcrypto`` command line: click commands that parse arguments, call the library, print.

Output is JSON on stdout (or ``-o FILE``), diagnostics on stderr; ``-`` means stdin or stdout.
Errors are one line ``error: ...`` on stderr (``--debug``, anywhere on the line, shows the
traceback). Exit codes: 0 ok; 1 the input failed (a format, key or crypto error, a doctor
problem, an API error in a response); 2 the command line is wrong (an unknown option, a missing
or unreadable file, an output that exists without ``--force``). Key material is printed only
with ``--show-key``; files that hold a key or decrypted data are created 0600, atomically,
never through a symlink.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import traceback
from importlib import resources
from pathlib import Path
from typing import IO, Any, List, Optional, Sequence, Tuple

import click

from . import __version__, emulator, wire
from . import vectors as vector_files
from .envelopes import algorithm_for_key, algorithms, get_envelope
from .errors import OcrCryptoError, printable
from .keys import (
    generate_private_key,
    load_private_key,
    load_public_key,
    private_key_pem,
    public_key_of,
    public_key_pem,
    vendor_public_key,
)
from .request import decrypt_request, encrypt_request
from .session import Session

EXIT_FAILURE = 1
EXIT_USAGE = 2


class CliError(Exception):
    """The input failed, and the message says why (exit 1)."""


class PathError(Exception):
    """A file named on the command line cannot be used (exit 2)."""


class _Main(click.Group):
    """Turns every expected failure into one ``error:`` line and the documented exit code."""

    def main(self, args: Optional[Sequence[str]] = None, prog_name: Optional[str] = None, **extra: Any) -> Any:  # type: ignore[override]
        argv = list(sys.argv[1:] if args is None else args)
        debug = "--debug" in argv[: argv.index("--")] if "--" in argv else "--debug" in argv
        argv = [a for a in argv if a != "--debug"] if debug else argv
        try:
            code = super().main(argv, prog_name, standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:
            click.echo(exc.ctx.get_help() if exc.ctx else str(exc))
            sys.exit(0)
        except click.UsageError as exc:
            hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx else ""
            _fail(f"{exc.format_message()}{hint}", EXIT_USAGE, debug)
        except click.ClickException as exc:
            _fail(exc.format_message(), EXIT_USAGE if exc.exit_code == EXIT_USAGE else EXIT_FAILURE, debug)
        except click.Abort:
            _fail("aborted", EXIT_FAILURE, debug)
        except (OcrCryptoError, CliError) as exc:
            _fail(str(exc), EXIT_FAILURE, debug)
        except PathError as exc:
            _fail(str(exc), EXIT_USAGE, debug)
        except OSError as exc:
            name = f": {_shown(exc.filename)}" if exc.filename else ""
            _fail(f"{exc.strerror or exc}{name}", EXIT_USAGE, debug)
        sys.exit(code if isinstance(code, int) else 0)


def _fail(message: str, code: int, debug: bool) -> None:
    if debug:
        traceback.print_exc()
    click.echo(f"error: {' '.join(message.splitlines())}", err=True)
    sys.exit(code)


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show the full traceback of an error (anywhere on the command line).")
@click.version_option(__version__, prog_name="ocrcrypto")
def main(debug: bool) -> None:
    """Encrypt and decrypt the sensitive data of the OCR / identity-verification API.

    \b
    Try it:  ocrcrypto demo
    Docs:    ocrcrypto COMMAND --help
    """


# -- input and output ----------------------------------------------------------------------------


def read_json(stream: IO[bytes]) -> Any:
    """Parse the JSON document of INPUT; errors name the file (or stdin) and the position."""
    name = getattr(stream, "name", "-")
    shown = "stdin" if name in ("-", "<stdin>") else _shown(name)
    if shown == "stdin" and stream.isatty():
        click.echo("reading JSON from the terminal; end it with Ctrl-D (or pass a file name)", err=True)
    data = stream.read()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return wire.loads(data, shown)
    except OcrCryptoError as exc:
        raise CliError(str(exc)) from None


def dumps(value: Any) -> str:
    """The JSON the commands print: indented, UTF-8 as is."""
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def _shown(path: Any) -> str:
    return printable(path, 400)


def check_writable(path: str, option: str, *, force: bool = True) -> Path:
    """Refuse, before any work, an output path that cannot be written: a directory, a missing
    parent directory, or an existing file without ``--force``."""
    target = Path(path)
    if target.is_dir():
        raise PathError(f"{option} {_shown(path)}: is a directory")
    if not force and (target.exists() or target.is_symlink()):
        raise PathError(f"{option} {_shown(path)}: already exists; pass --force to replace it")
    if not target.parent.is_dir():
        raise PathError(f"{option} {_shown(path)}: no such directory {_shown(target.parent)}")
    return target


def write_file(path: str, text: str, *, secret: bool, force: bool = True, option: str = "-o") -> None:
    """Write ``text`` to ``path`` atomically: a new file in the same directory (0600 for a
    ``secret``, else as the umask allows), renamed over the old one, so that no reader ever sees
    half a file or the old file rewritten, and a symlink at ``path`` is replaced, not followed."""
    target = check_writable(path, option, force=force)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        if not secret:
            umask = os.umask(0)
            os.umask(umask)
            os.fchmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def emit(value: Any, output: str, *, secret: bool) -> None:
    """Print JSON to stdout, or write it to the ``-o`` file (0600 when it holds decrypted data)."""
    if output == "-":
        click.echo(dumps(value), nl=False)
    else:
        write_file(output, dumps(value), secret=secret)


def _check_outputs(output: str, session_out: Optional[str], force: bool) -> None:
    if output != "-":
        check_writable(output, "-o")
    if session_out:
        check_writable(session_out, "--session-out", force=force)


def _read_key(path: str, option: str, loader: Any) -> Any:
    try:
        return loader(Path(path).read_bytes())
    except OcrCryptoError as exc:
        raise CliError(f"{option} {_shown(path)}: {exc}") from None


def _read_session(path: str) -> Session:
    with open(path, "rb") as handle:
        return Session.from_dict(read_json(handle))


def _save_session(session: Session, path: Optional[str], show_key: bool, force: bool) -> None:
    if path:
        write_file(path, json.dumps(session.to_dict(), indent=2) + "\n", secret=True, force=force, option="--session-out")
        click.echo(f"session saved to {_shown(path)} (mode 0600; it holds the key)", err=True)
    if show_key:
        click.echo(f"session (contains the key): {json.dumps(session.to_dict())}", err=True)


input_argument = click.argument("input", type=click.File("rb"), default="-", metavar="[INPUT]")
output_option = click.option("-o", "--output", default="-", show_default=True, metavar="FILE", help="Where to write the JSON (- for stdout).")
session_out_option = click.option("--session-out", metavar="FILE", help="Save the session (Algorithm, Key, Iv) here, mode 0600.")
force_option = click.option("--force", is_flag=True, help="Replace an existing --session-out file.")


class AlgorithmType(click.ParamType):
    """An ``Algorithm`` name of the registry, so that a suite added with register_envelope is offered too."""

    name = "algorithm"

    def get_metavar(self, param: click.Parameter, ctx: Optional[click.Context] = None) -> str:
        return "[" + "|".join(algorithms()) + "]"

    def convert(self, value: Any, param: Optional[click.Parameter], ctx: Optional[click.Context]) -> str:
        if value not in algorithms():
            self.fail(f"{value!r} is not one of {', '.join(map(repr, algorithms()))}", param, ctx)
        return str(value)


ALGORITHM = AlgorithmType()


# -- commands ------------------------------------------------------------------------------------


@main.command()
@input_argument
@click.option("--public-key", "-k", "public_key", required=True, type=click.Path(exists=True, dir_okay=False), help="The service's public key, in any format (vendor base64, PEM, DER, hex).")
@click.option("--algorithm", "-a", type=ALGORITHM, help="The envelope suite. Default: the one the key implies (RSA: AES-256-CBC, SM2: SM4-GCM).")
@click.option("--action", metavar="NAME", help="An API action (see `ocrcrypto actions`): its mode and fields come from the catalogue.")
@click.option("--field", "fields", multiple=True, metavar="NAME", help="Field mode: encrypt this field (a name or dotted path) in place (repeatable). Default: body mode.")
@click.option("--response-only", is_flag=True, help="Encrypt nothing; send only the wrapped key so that the response comes back encrypted.")
@click.option("--clear", "clear", multiple=True, metavar="NAME", help="Body mode: keep this param in the clear too (besides Action, Version, Region).")
@session_out_option
@force_option
@output_option
@click.option("--show-key", is_flag=True, help="Also print the session (with its key) on stderr.")
def encrypt(input: IO[bytes], public_key: str, algorithm: Optional[str], action: Optional[str], fields: Tuple[str, ...], response_only: bool,
            clear: Tuple[str, ...], session_out: Optional[str], force: bool, output: str, show_key: bool) -> None:
    """Wrap request params (a JSON object) for the API and print the wire JSON.

    \b
    Examples:
      echo '{"ImageUrl":"https://example.com/id.jpg","CardSide":"FRONT"}' \\
        | ocrcrypto encrypt --public-key public.txt --session-out session.json
      echo '{"IdCard":"11010119900101001X","Name":"李明"}' \\
        | ocrcrypto encrypt --action IdCardVerification --public-key public.txt
    """
    if response_only and (fields or clear):
        raise click.UsageError("--response-only encrypts nothing: it takes no --field or --clear")
    if fields and clear:
        raise click.UsageError("--clear is for body mode; with --field only the named fields are encrypted")
    if action and (response_only or clear):
        raise click.UsageError("--action takes its mode from the catalogue: drop --response-only and --clear")
    _check_outputs(output, session_out, force)
    params = read_json(input)
    key = _read_key(public_key, "--public-key", load_public_key)
    wire_fields: Optional[List[str]] = [] if response_only else (list(fields) or None)
    if action:
        from . import actions

        if not isinstance(params, dict):
            raise CliError(f"params: expected a JSON object, got {wire.json_type(params)}")
        params, wire_fields = actions.get(action).request_plan(params, wire_fields)
    request, session = encrypt_request(params, key, algorithm or algorithm_for_key(key), wire_fields, clear=clear)
    _save_session(session, session_out, show_key, force)
    emit(request, output, secret=False)


@main.command()
@input_argument
@click.option("--private-key", "-k", "private_keys", required=True, multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="The service's private key (PKCS#1/PKCS#8/SEC1 PEM or DER, or raw SM2 hex); repeat it for a keyring.")
@session_out_option
@force_option
@output_option
@click.option("--show-key", is_flag=True, help="Also print the session (with its key) on stderr.")
def decrypt(input: IO[bytes], private_keys: Tuple[str, ...], session_out: Optional[str], force: bool, output: str, show_key: bool) -> None:
    """Play the service: decrypt a wire request and print the original params (-o: mode 0600).

    \b
    Example:
      ocrcrypto decrypt wire.json --private-key private.pem --session-out server-session.json
    """
    _check_outputs(output, session_out, force)
    request = read_json(input)
    keys = [_read_key(path, "--private-key", load_private_key) for path in private_keys]
    params, session = decrypt_request(request, keys)
    _save_session(session, session_out, show_key, force)
    emit(params, output, secret=True)


@main.command("encrypt-response")
@input_argument
@click.option("--session", "session_path", required=True, type=click.Path(exists=True, dir_okay=False), help="The request's session file.")
@click.option("--field", "fields", multiple=True, metavar="PATH", help="Encrypt this field (a name or dotted path) in place (repeatable). Default: the whole body.")
@click.option("--fresh-iv", is_flag=True, help="Use a new IV for the response instead of the request's (it is sent in the block).")
@output_option
def encrypt_response(input: IO[bytes], session_path: str, fields: Tuple[str, ...], fresh_iv: bool, output: str) -> None:
    """Play the service: encrypt a response (with or without its {"Response": ...} wrapper).

    \b
    Example:
      echo '{"Response":{"Name":"DEMO","IdNum":"000000","RequestId":"r1"}}' \\
        | ocrcrypto encrypt-response --session server-session.json
    """
    _check_outputs(output, None, True)
    response = read_json(input)
    session = _read_session(session_path)
    emit(session.encrypt_response(response, fields=list(fields) or None, fresh_iv=fresh_iv), output, secret=False)


@main.command("decrypt-response")
@input_argument
@click.option("--session", "session_path", required=True, type=click.Path(exists=True, dir_okay=False), help="The session saved by `encrypt --session-out`.")
@output_option
def decrypt_response(input: IO[bytes], session_path: str, output: str) -> None:
    """Decrypt an API response with the request's session; same shape out, envelope removed.

    An API error (a response with Error) is printed and exits 1; a response that carries no
    encryption is printed with a note on stderr. -o writes mode 0600.

    \b
    Example:
      ocrcrypto decrypt-response response.json --session session.json
    """
    _check_outputs(output, None, True)
    response = read_json(input)
    session = _read_session(session_path)
    plain = session.decrypt_response(response)
    emit(plain, output, secret=True)
    _, inner = wire.split_response(response)
    error = inner.get("Error")
    if error is not None:
        code = error.get("Code") if isinstance(error, dict) else None
        message = error.get("Message") if isinstance(error, dict) else None
        raise CliError(f"the API answered an error: {printable(code)}: {printable(message, 200)}")
    if inner.get("Encryption") is None:
        click.echo("note: this response carries no encryption; it is printed as it came", err=True)


@main.command()
@click.option("--algorithm", "-a", type=ALGORITHM, default="AES-256-CBC", show_default=True, help="The suite the key is for.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Directory for public.txt, public.pem and private.pem.")
@click.option("--force", is_flag=True, help="Replace existing key files.")
@click.option("--rsa-bits", type=click.IntRange(1024, 8192), default=2048, show_default=True, help="RSA modulus size (the vendor's own key is 1024).")
def keygen(algorithm: str, out_dir: str, force: bool, rsa_bits: int) -> None:
    """Make a TEST key pair: public.txt (the vendor's base64-of-PEM form), public.pem
    (SubjectPublicKeyInfo, which every language reads) and private.pem (PKCS#8, mode 0600).

    \b
    Example:
      ocrcrypto keygen --algorithm SM4-GCM --out keys/
    """
    directory = Path(out_dir)
    names = ("public.txt", "public.pem", "private.pem")
    existing = [_shown(directory / n) for n in names if (directory / n).exists() or (directory / n).is_symlink()]
    if existing and not force:
        raise PathError(f"{', '.join(existing)} already exist(s); pass --force to replace them")
    directory.mkdir(parents=True, exist_ok=True)
    private = generate_private_key(get_envelope(algorithm).key_type, rsa_bits=rsa_bits)
    public = public_key_of(private)
    write_file(str(directory / "private.pem"), private_key_pem(private), secret=True, option="--out")
    write_file(str(directory / "public.txt"), vendor_public_key(public) + "\n", secret=False, option="--out")
    write_file(str(directory / "public.pem"), public_key_pem(public, spki=True), secret=False, option="--out")
    for name in names:
        click.echo(f"wrote {_shown(directory / name)}", err=True)


@main.command()
@input_argument
@click.option("--private-key", "-k", "private_key", type=click.Path(exists=True, dir_okay=False), help="The service's private key: also unwrap and decrypt.")
@click.option("--session", "session_path", type=click.Path(exists=True, dir_okay=False), help="The request's session: also decrypt.")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as a JSON array.")
def doctor(input: IO[bytes], private_key: Optional[str], session_path: Optional[str], as_json: bool) -> None:
    """Explain what is right and wrong in a wire request or response (exit 1 on a problem).

    Without keys it checks shape, base64, lengths and names; with --private-key or --session it
    also decrypts and names the usual mistakes (SM2 blob without 04, C1C2C3, DER, raw IV text...).

    \b
    Example:
      ocrcrypto doctor wire.json --private-key private.pem
    """
    message = read_json(input)
    key = _read_key(private_key, "--private-key", load_private_key) if private_key else None
    session = _read_session(session_path) if session_path else None
    from .doctor import diagnose

    findings = diagnose(message, private_key=key, session=session)
    problems = [f for f in findings if not f.ok]
    if as_json:
        click.echo(dumps([{"ok": f.ok, "where": f.where, "message": f.message, "fix": f.fix} for f in findings]), nl=False)
    else:
        for finding in findings:
            click.echo(str(finding))
        click.echo(f"{len(problems)} problem(s), {len(findings) - len(problems)} check(s) passed")
    sys.exit(EXIT_FAILURE if problems else 0)


@main.command("actions")
@click.option("--json", "as_json", is_flag=True, help="Print the catalogue as a JSON array.")
def list_actions(as_json: bool) -> None:
    """List the vendor's encrypted actions: product, version, mode and encryptable fields.

    \b
    Example:
      ocrcrypto actions
    """
    from . import actions

    entries = actions.catalogue()
    if as_json:
        click.echo(dumps([{"Action": a.name, "Product": a.product, "Version": a.version, "Mode": a.mode, "Fields": list(a.fields),
                           "ResponseFlags": list(a.response_flags), "Supported": a.supported, "Unsupported": a.unsupported or None}
                          for a in entries]), nl=False)
        return
    for a in entries:
        what = ", ".join(a.fields) if a.mode == actions.FIELD else "the body" if a.mode == actions.BODY else "nothing"
        flags = f"; encrypted answer with {' or '.join(a.response_flags)}" if a.response_flags else ""
        note = "" if a.supported else f" (not supported: {a.unsupported})"
        click.echo(f"{a.name:32} {a.product} {a.version}  {a.mode}: {what}{flags}{note}")


@main.group()
def vectors() -> None:
    """Generate or verify the cross-language test vectors (see vectors/README.md)."""


@vectors.command("generate")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--seed", default=vector_files.DEFAULT_SEED, show_default=True, help="Everything random in the vectors derives from this.")
def vectors_generate(directory: str, seed: str) -> None:
    """Write DIRECTORY/ocrcrypto_vectors.json and ocrcrypto_key_vectors.json, deterministically
    from the seed (the decrypt manifest comes from vectors/make_manifest.py).

    \b
    Example:
      ocrcrypto vectors generate vectors/
    """
    path = vector_files.write(Path(directory), seed)
    click.echo(f"wrote {path}", err=True)


@vectors.command("verify")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
def vectors_verify(directory: str) -> None:
    """Check every vector in DIRECTORY strictly: valid ones decrypt and re-encrypt byte for byte,
    invalid ones fail with the named error class.

    \b
    Example:
      ocrcrypto vectors verify vectors/
    """
    checked, failures = vector_files.verify(Path(directory))
    for failure in failures:
        click.echo(f"FAIL {failure}", err=True)
    if failures:
        raise CliError(f"{len(failures)} of {checked} vectors failed")
    click.echo(f"{checked} vectors verified")


@main.command()
@click.option("--private-key", "-k", "private_keys", required=True, multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="The service's private key; repeat it: one RSA and one SM2 key serve both suites, several of a suite make a keyring (key rotation).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535), help="Port (0 picks a free one).")
@click.option("--secret-id", default=emulator.DEFAULT_SECRET_ID, show_default=True, help="The test SecretId clients must sign with.")
@click.option("--secret-key", default=emulator.DEFAULT_SECRET_KEY, help="The test SecretKey clients must sign with.")
@click.option("--fixtures", type=click.Path(exists=True, dir_okay=False), help="JSON: {action name, ImageUrl or image SHA-256: {response fields}}.")
@click.option("--qps", type=click.FloatRange(min=0, min_open=True), help="Answer RequestLimitExceeded above this many requests per second.")
@click.option("--idle-timeout", type=click.FloatRange(min=0, min_open=True), default=emulator.DEFAULT_IDLE_TIMEOUT, show_default=True,
              help="Seconds a connection may stay idle before it is closed.")
@click.option("--max-connections", type=click.IntRange(min=1), default=emulator.DEFAULT_MAX_CONNECTIONS, show_default=True,
              help="Connections served at once; more get RequestLimitExceeded.")
@click.option("--max-inflight-mb", type=click.IntRange(min=1), default=emulator.DEFAULT_MAX_INFLIGHT_BYTES // 2**20, show_default=True,
              help="MB of request bodies handled at once; more get RequestLimitExceeded.")
@click.option("--max-body-mb", type=click.IntRange(min=1), default=emulator.MAX_BODY // 2**20, show_default=True,
              help="MB of one request body; more get RequestSizeLimitExceeded before it is read.")
@click.option("--verbose", "-v", is_flag=True, help="Log, for a signature failure, the canonical request and string-to-sign computed (never the secret).")
@click.option("--quiet", is_flag=True, help="No line per request on stderr.")
def serve(private_keys: Tuple[str, ...], host: str, port: int, secret_id: str, secret_key: str, fixtures: Optional[str], qps: Optional[float],
          idle_timeout: float, max_connections: int, max_inflight_mb: int, max_body_mb: int, verbose: bool, quiet: bool) -> None:
    """Run a local emulator of every encrypted OCR and FaceID action (see ocrcrypto.actions).

    It checks TC3-HMAC-SHA256 signatures against the test credentials as each official SDK
    computes them, opens the envelope in the action's mode, checks the parameters and answers a
    clearly fake result (or --fixtures) in the action's shape, encrypted as the vendor encrypts
    it. It emulates transport and crypto, not recognition. Point the official SDK at it with
    HttpProfile(protocol="http", endpoint="127.0.0.1:PORT").

    \b
    Example:
      ocrcrypto keygen --algorithm SM4-GCM --out keys
      ocrcrypto serve --private-key keys/private.pem --port 8080
    """
    keys = [_read_key(path, "--private-key", load_private_key) for path in private_keys]
    table = {}
    if fixtures:
        try:
            table = emulator.load_fixtures(Path(fixtures).read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise CliError(f"--fixtures {_shown(fixtures)}: {printable(str(exc), 300)}") from None
    service = emulator.Emulator(keys, secret_id=secret_id, secret_key=secret_key, fixtures=table, qps=qps, verbose=verbose)
    try:
        server = emulator.make_server(service, host, port, quiet=quiet, idle_timeout=idle_timeout, max_connections=max_connections,
                                      max_inflight_bytes=max_inflight_mb * 2**20, max_body=max_body_mb * 2**20)
    except OSError as exc:
        raise CliError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    emulator.print_banner(service, server.endpoint)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopped", err=True)
    finally:
        server.server_close()


DEMO_PARAMS = {
    "Action": "RecognizeEncryptedIDCardOCR",
    "Version": "2018-11-19",
    "Region": "ap-guangzhou",
    "ImageUrl": "https://example.com/demo/id-card-front.jpg",
    "CardSide": "FRONT",
    "Config": '{"TempIdWarn":true}',
}
DEMO_RESPONSE = {
    "Response": {
        "Name": "DEMO PERSON",
        "Sex": "F",
        "Nation": "DEMO",
        "Birth": "1990/1/1",
        "Address": "1 Demo Street, Example City",
        "IdNum": "000000199001010000",
        "Authority": "",
        "ValidDate": "",
        "AdvancedInfo": "{}",
        "RequestId": "00000000-0000-0000-0000-000000000000",
    }
}


def demo_private_key(algorithm: str) -> Any:
    """The bundled PUBLIC TEST private key for ``algorithm``: for demos only, never production."""
    name = "demo_rsa_private.pem" if get_envelope(algorithm).key_type == "RSA" else "demo_sm2_private.pem"
    return load_private_key(resources.files("ocrcrypto").joinpath("data", name).read_bytes())


@main.command()
@click.option("--algorithm", "-a", type=ALGORITHM, help="Only this suite (default: both).")
@click.option("--show-key", is_flag=True, help="Also print the session (with its key) on stderr.")
def demo(algorithm: Optional[str], show_key: bool) -> None:
    """Walk one sample ID-card request through the envelope, with bundled test keys.

    Shows the wire request, what the service decrypts, the encrypted response and what the
    client decrypts. The bundled keys are public test keys: never use them in production.

    \b
    Example:
      ocrcrypto demo --algorithm SM4-GCM
    """
    click.echo("Demo keys: public test keys bundled with ocrcrypto. NEVER use them in production.\n")
    for suite in [algorithm] if algorithm else algorithms():
        private = demo_private_key(suite)
        public = public_key_of(private)
        click.echo(f"=== {suite} ===")
        request, session = encrypt_request(DEMO_PARAMS, public, suite)
        if show_key:
            click.echo(f"session (contains the key): {json.dumps(session.to_dict())}", err=True)
        click.echo("1. The wire request your client sends:")
        click.echo(dumps(request), nl=False)
        params, server = decrypt_request(request, private)
        click.echo("2. What the service decrypts:")
        click.echo(dumps(params), nl=False)
        response = server.encrypt_response(DEMO_RESPONSE)
        click.echo("3. The encrypted response it sends back:")
        click.echo(dumps(response), nl=False)
        click.echo("4. What your client decrypts with its session:")
        click.echo(dumps(session.decrypt_response(response)), nl=False)
        click.echo("")


if __name__ == "__main__":  # pragma: no cover
    main()
