"""The ``ocrcrypto`` command line: click commands that parse arguments, call the library, print.

Output is JSON on stdout, diagnostics on stderr; ``-`` means stdin or stdout. Errors are one line
``error: ...`` on stderr (``--debug`` shows the traceback); exit 0 ok, 1 a crypto or format
failure, 2 a usage error. Key material is printed only with ``--show-key``.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from importlib import resources
from pathlib import Path
from typing import IO, Any, Dict, List, Optional, Sequence, Tuple

import click

from . import __version__, emulator, wire
from . import vectors as vector_files
from .envelopes import algorithms, get_envelope
from .errors import OcrCryptoError
from .keys import (
    generate_private_key,
    key_type,
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
    """A failure the user can fix from the message alone (exit 1)."""


class _Main(click.Group):
    """Turns every expected failure into one ``error:`` line and the documented exit code."""

    def main(self, args: Optional[Sequence[str]] = None, prog_name: Optional[str] = None, **extra: Any) -> Any:  # type: ignore[override]
        argv = list(sys.argv[1:] if args is None else args)
        debug = "--debug" in argv
        try:
            code = super().main(argv, prog_name, standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:
            click.echo(exc.ctx.get_help() if exc.ctx else str(exc))
            sys.exit(0)
        except click.UsageError as exc:
            hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx else ""
            click.echo(f"error: {exc.format_message()}{hint}", err=True)
            sys.exit(EXIT_USAGE)
        except click.ClickException as exc:
            click.echo(f"error: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("error: aborted", err=True)
            sys.exit(EXIT_FAILURE)
        except (OcrCryptoError, CliError) as exc:
            if debug:
                traceback.print_exc()
            click.echo(f"error: {exc}", err=True)
            sys.exit(EXIT_FAILURE)
        except OSError as exc:  # a file the user named could not be written or read
            if debug:
                traceback.print_exc()
            click.echo(f"error: {exc.strerror or exc}: {exc.filename}" if exc.filename else f"error: {exc.strerror or exc}", err=True)
            sys.exit(EXIT_FAILURE)
        sys.exit(code if isinstance(code, int) else 0)


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show the full traceback of an error.")
@click.version_option(__version__, prog_name="ocrcrypto")
def main(debug: bool) -> None:
    """Encrypt and decrypt the sensitive data of the OCR / identity-verification API.

    \b
    Try it:  ocrcrypto demo
    Docs:    ocrcrypto COMMAND --help
    """


# -- helpers -------------------------------------------------------------------------------------


def read_json(stream: IO[bytes], what: str) -> Any:
    """Parse a JSON document from a binary stream; errors name the input and the position."""
    data = stream.read()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return wire.loads(data, what)
    except OcrCryptoError as exc:
        raise CliError(str(exc)) from None


def write_json(value: Any, out: IO[str]) -> None:
    out.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")
    out.flush()


def write_secret(path: str, text: str) -> None:
    """Write a file readable by its owner only (0600), also when it already existed."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write(text)


def _read_key(path: str, option: str, loader: Any) -> Any:
    try:
        return loader(Path(path).read_bytes())
    except OcrCryptoError as exc:
        raise CliError(f"{option} {path}: {exc}") from None


def _read_session(path: str) -> Session:
    with open(path, "rb") as handle:
        return Session.from_dict(read_json(handle, f"--session {path}"))


def _save_session(session: Session, path: Optional[str], show_key: bool) -> None:
    text = json.dumps(session.to_dict(), indent=2) + "\n"
    if path:
        write_secret(path, text)
        click.echo(f"session saved to {path} (mode 0600; it holds the key)", err=True)
    if show_key:
        click.echo(f"session (contains the key): {json.dumps(session.to_dict())}", err=True)


input_argument = click.argument("input", type=click.File("rb"), default="-", metavar="[INPUT]")
output_option = click.option("-o", "--output", type=click.File("w", encoding="utf-8"), default="-", show_default=True, help="Where to write the JSON.")
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
algorithm_option = click.option("--algorithm", "-a", type=ALGORITHM, default="AES-256-CBC", show_default=True, help="The envelope suite.")
show_key_option = click.option("--show-key", is_flag=True, help="Also print the session (with its key) on stderr.")


# -- commands ------------------------------------------------------------------------------------


@main.command()
@input_argument
@click.option("--public-key", "-k", "public_key", required=True, type=click.Path(exists=True, dir_okay=False), help="The service's public key, in any format (vendor base64, PEM, DER, hex).")
@algorithm_option
@click.option("--field", "fields", multiple=True, metavar="NAME", help="Field mode: encrypt this field (a name or dotted path) in place (repeatable). Default: body mode.")
@click.option("--response-only", is_flag=True, help="Encrypt nothing; send only the wrapped key so that the response comes back encrypted.")
@click.option("--clear", "clear", multiple=True, metavar="NAME", help="Body mode: keep this param in the clear too (besides Action, Version, Region).")
@click.option("--session-out", type=click.Path(dir_okay=False, writable=True), help="Save the session (Algorithm, Key, Iv) here, mode 0600, to decrypt the response later.")
@output_option
@show_key_option
def encrypt(input: IO[bytes], public_key: str, algorithm: str, fields: Tuple[str, ...], response_only: bool, clear: Tuple[str, ...],
            session_out: Optional[str], output: IO[str], show_key: bool) -> None:
    """Wrap request params (a JSON object) for the API and print the wire JSON.

    \b
    Example:
      echo '{"ImageUrl":"https://example.com/id.jpg","CardSide":"FRONT"}' \\
        | ocrcrypto encrypt --public-key public.txt --algorithm SM4-GCM --session-out session.json
    """
    if response_only and (fields or clear):
        raise click.UsageError("--response-only encrypts nothing: it takes no --field or --clear")
    if fields and clear:
        raise click.UsageError("--clear is for body mode; with --field only the named fields are encrypted")
    params = read_json(input, "INPUT")
    key = _read_key(public_key, "--public-key", load_public_key)
    wire_fields: Optional[List[str]] = [] if response_only else (list(fields) or None)
    request, session = encrypt_request(params, key, algorithm, wire_fields, clear=clear)
    _save_session(session, session_out, show_key)
    write_json(request, output)


@main.command()
@input_argument
@click.option("--private-key", "-k", "private_keys", required=True, multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="The service's private key (PKCS#1/PKCS#8/SEC1 PEM or DER, or raw SM2 hex); repeat it for a keyring.")
@click.option("--session-out", type=click.Path(dir_okay=False, writable=True), help="Save the request's session here (mode 0600) to encrypt a response with it.")
@output_option
@show_key_option
def decrypt(input: IO[bytes], private_keys: Tuple[str, ...], session_out: Optional[str], output: IO[str], show_key: bool) -> None:
    """Play the service: decrypt a wire request and print the original params.

    \b
    Example:
      ocrcrypto decrypt wire.json --private-key private.pem --session-out server-session.json
    """
    request = read_json(input, "INPUT")
    keys = [_read_key(path, "--private-key", load_private_key) for path in private_keys]
    params, session = decrypt_request(request, keys)
    _save_session(session, session_out, show_key)
    write_json(params, output)


@main.command("encrypt-response")
@input_argument
@click.option("--session", "session_path", required=True, type=click.Path(exists=True, dir_okay=False), help="The request's session file.")
@click.option("--field", "fields", multiple=True, metavar="NAME", help="Field mode: encrypt this field (a name or dotted path) in place.")
@click.option("--fresh-iv", is_flag=True, help="Use a new IV for the response instead of the request's (it is sent in the block).")
@output_option
def encrypt_response(input: IO[bytes], session_path: str, fields: Tuple[str, ...], fresh_iv: bool, output: IO[str]) -> None:
    """Play the service: encrypt a response (with or without its {"Response": ...} wrapper).

    \b
    Example:
      echo '{"Response":{"Name":"DEMO","IdNum":"000000","RequestId":"r1"}}' \\
        | ocrcrypto encrypt-response --session server-session.json
    """
    response = read_json(input, "INPUT")
    session = _read_session(session_path)
    write_json(session.encrypt_response(response, fields=list(fields) or None, fresh_iv=fresh_iv), output)


@main.command("decrypt-response")
@input_argument
@click.option("--session", "session_path", required=True, type=click.Path(exists=True, dir_okay=False), help="The session saved by `encrypt --session-out`.")
@output_option
def decrypt_response(input: IO[bytes], session_path: str, output: IO[str]) -> None:
    """Decrypt an API response with the request's session; same shape out, envelope removed.

    \b
    Example:
      ocrcrypto decrypt-response response.json --session session.json
    """
    response = read_json(input, "INPUT")
    session = _read_session(session_path)
    write_json(session.decrypt_response(response), output)


@main.command()
@algorithm_option
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Directory for public.txt, public.pem and private.pem.")
@click.option("--force", is_flag=True, help="Overwrite existing key files.")
@click.option("--rsa-bits", type=click.IntRange(1024, 8192), default=2048, show_default=True, help="RSA modulus size (the vendor's own key is 1024).")
def keygen(algorithm: str, out_dir: str, force: bool, rsa_bits: int) -> None:
    """Make a TEST key pair: public.txt (the vendor's base64-of-PEM form), public.pem, private.pem (0600).

    \b
    Example:
      ocrcrypto keygen --algorithm SM4-GCM --out keys/
    """
    directory = Path(out_dir)
    files = {name: directory / name for name in ("public.txt", "public.pem", "private.pem")}
    existing = [str(p) for p in files.values() if p.exists()]
    if existing and not force:
        raise CliError(f"{', '.join(existing)} already exist(s); pass --force to overwrite")
    directory.mkdir(parents=True, exist_ok=True)
    private = generate_private_key(get_envelope(algorithm).key_type, rsa_bits=rsa_bits)
    public = public_key_of(private)
    files["public.txt"].write_text(vendor_public_key(public) + "\n")
    files["public.pem"].write_text(public_key_pem(public))
    write_secret(str(files["private.pem"]), private_key_pem(private))
    for path in files.values():
        click.echo(f"wrote {path}", err=True)


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
    message = read_json(input, "INPUT")
    key = _read_key(private_key, "--private-key", load_private_key) if private_key else None
    session = _read_session(session_path) if session_path else None
    from .doctor import diagnose

    findings = diagnose(message, private_key=key, session=session)
    problems = [f for f in findings if not f.ok]
    if as_json:
        write_json([{"ok": f.ok, "where": f.where, "message": f.message, "fix": f.fix} for f in findings], sys.stdout)
    else:
        for finding in findings:
            click.echo(str(finding))
        click.echo(f"{len(problems)} problem(s), {len(findings) - len(problems)} check(s) passed")
    sys.exit(EXIT_FAILURE if problems else 0)


@main.group()
def vectors() -> None:
    """Generate or verify the cross-language test vectors (see vectors/README.md)."""


@vectors.command("generate")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--seed", default=vector_files.DEFAULT_SEED, show_default=True, help="Everything random in the vectors derives from this.")
def vectors_generate(directory: str, seed: str) -> None:
    """Write DIRECTORY/ocrcrypto_vectors.json, deterministically from the seed.

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
              help="The service's private key; repeat it to serve both suites (one RSA, one SM2).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535), help="Port (0 picks a free one).")
@click.option("--secret-id", default=emulator.DEFAULT_SECRET_ID, show_default=True, help="The test SecretId clients must sign with.")
@click.option("--secret-key", default=emulator.DEFAULT_SECRET_KEY, help="The test SecretKey clients must sign with.")
@click.option("--fixtures", type=click.Path(exists=True, dir_okay=False), help="JSON: {ImageUrl or image SHA-256: {response fields}}.")
@click.option("--qps", type=click.FloatRange(min=0, min_open=True), help="Answer RequestLimitExceeded above this many requests per second.")
@click.option("--quiet", is_flag=True, help="No line per request on stderr.")
def serve(private_keys: Tuple[str, ...], host: str, port: int, secret_id: str, secret_key: str, fixtures: Optional[str], qps: Optional[float], quiet: bool) -> None:
    """Run a local emulator of the encrypted ID-card OCR endpoint (RecognizeEncryptedIDCardOCR).

    It checks TC3-HMAC-SHA256 signatures against the test credentials, decrypts the envelope,
    checks the parameters and answers, encrypted, from --fixtures or with a clearly fake
    identity. It emulates transport and crypto, not recognition. Point the official SDK at it
    with HttpProfile(protocol="http", endpoint="127.0.0.1:PORT").

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
        except ValueError as exc:
            raise CliError(f"--fixtures {fixtures}: {exc}") from None
    service = emulator.Emulator(keys, secret_id=secret_id, secret_key=secret_key, fixtures=table, qps=qps)
    try:
        server = emulator.make_server(service, host, port, quiet=quiet)
    except OSError as exc:
        raise CliError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    bound_host, bound_port = str(server.server_address[0]), server.server_address[1]
    click.echo(f"ocrcrypto emulator of {emulator.ACTION} listening on http://{bound_host}:{bound_port} "
               f"(SecretId {secret_id}; keys: {', '.join(key_type(k) for k in keys)}); Ctrl-C stops it", err=True)
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
@show_key_option
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
        wire, session = encrypt_request(DEMO_PARAMS, public, suite)
        if show_key:
            click.echo(f"session (contains the key): {json.dumps(session.to_dict())}")
        click.echo("1. The wire request your client sends:")
        write_json(wire, sys.stdout)
        params, server = decrypt_request(wire, private)
        click.echo("2. What the service decrypts:")
        write_json(params, sys.stdout)
        response = server.encrypt_response(DEMO_RESPONSE)
        click.echo("3. The encrypted response it sends back:")
        write_json(response, sys.stdout)
        click.echo("4. What your client decrypts with its session:")
        write_json(session.decrypt_response(response), sys.stdout)
        click.echo("")


if __name__ == "__main__":  # pragma: no cover
    main()
