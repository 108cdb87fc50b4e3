#!/usr/bin/env node
// ocrcrypto-node: an independent Node.js reference of the OCR/FaceID sensitive-data envelope.
// JSON on stdin and stdout; exit 0 ok, 1 with one line "error: ..." on failure, 2 for bad arguments.

import fs from 'node:fs';
import { parseJsonBytes, stringify } from './lib/json.js';
import { loadPublicKey, loadPrivateKey } from './lib/keys.js';
import {
  encryptRequest, decryptRequest, encryptResponse, decryptResponse, sessionFromJson, sessionToJson,
} from './lib/envelope.js';
import { verifyDirectory } from './lib/vectors.js';
import { imitate } from './lib/imitate.js';
import { OcrCryptoError, UsageError } from './lib/errors.js';

const USAGE = `usage: node cli.js COMMAND [flags]

commands:
  verify DIR                     check every test vector file in DIR
  encrypt --public-key F [--algorithm A] [--field PATH]... [--response-only]
                                 params on stdin; {"wire", "session"} on stdout
  decrypt --private-key F [--private-key F2]... [--session-out F]
                                 wire on stdin; params on stdout
  encrypt-response --session F [--field PATH]... [--fresh-iv]
  decrypt-response --session F   response on stdin; same shape on stdout
  imitate MISTAKE --public-key F --algorithm SM4-GCM [--field PATH]...
                                 like encrypt, with one real-world mistake (lib/imitate.js)`;

const COMMANDS = {
  verify: { values: [], repeated: [], switches: [], positional: 1 },
  encrypt: { values: ['public-key', 'algorithm'], repeated: ['field'], switches: ['response-only'], positional: 0 },
  decrypt: { values: ['session-out'], repeated: ['private-key'], switches: [], positional: 0 },
  'encrypt-response': { values: ['session'], repeated: ['field'], switches: ['fresh-iv'], positional: 0 },
  'decrypt-response': { values: ['session'], repeated: [], switches: [], positional: 0 },
  imitate: { values: ['public-key', 'algorithm'], repeated: ['field'], switches: [], positional: 1 },
};

function parseArgs(command, args) {
  const spec = COMMANDS[command];
  const opts = { positional: [] };
  for (const r of spec.repeated) opts[r] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('--')) { opts.positional.push(arg); continue; }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    if (spec.switches.includes(name)) {
      if (eq !== -1) throw new UsageError(`--${name} takes no value`);
      opts[name] = true;
      continue;
    }
    if (!spec.values.includes(name) && !spec.repeated.includes(name)) throw new UsageError(`${command}: unknown flag --${name}`);
    let value;
    if (eq !== -1) value = arg.slice(eq + 1);
    else {
      if (i + 1 >= args.length) throw new UsageError(`--${name} needs a value`);
      value = args[++i];
    }
    if (spec.repeated.includes(name)) opts[name].push(value);
    else if (opts[name] !== undefined) throw new UsageError(`--${name} given twice`);
    else opts[name] = value;
  }
  if (opts.positional.length !== spec.positional) {
    throw new UsageError(spec.positional ? `${command} takes ${spec.positional} argument(s)` : `${command}: unexpected argument ${JSON.stringify(opts.positional[0])}`);
  }
  return opts;
}

function readFile(path, what) {
  try {
    return fs.readFileSync(path);
  } catch (e) {
    throw new OcrCryptoError(`cannot read ${what} ${path} (${e.code ?? 'error'})`);
  }
}

function readStdin(where) {
  let bytes;
  try {
    bytes = fs.readFileSync(0);
  } catch (e) {
    throw new OcrCryptoError(`cannot read standard input (${e.code ?? 'error'})`);
  }
  return parseJsonBytes(bytes, where);
}

function required(opts, name, command) {
  if (opts[name] === undefined) throw new UsageError(`${command} needs --${name}`);
  return opts[name];
}

function writeSecretFile(path, text) {
  let fd;
  try {
    fd = fs.openSync(path, 'w', 0o600);
    fs.fchmodSync(fd, 0o600);
    fs.writeSync(fd, text);
  } catch (e) {
    throw new OcrCryptoError(`cannot write ${path} (${e.code ?? 'error'})`);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function run(command, args) {
  if (!Object.hasOwn(COMMANDS, command)) throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  const opts = parseArgs(command, args);
  const out = (value) => process.stdout.write(stringify(value) + '\n');
  switch (command) {
    case 'verify': {
      const { checked, failures } = verifyDirectory(opts.positional[0]);
      for (const f of failures) process.stderr.write(`FAIL ${f}\n`);
      if (failures.length > 0) throw new OcrCryptoError(`${failures.length} of ${checked} vectors failed`);
      process.stdout.write(`${checked} vectors verified\n`);
      return;
    }
    case 'encrypt': {
      const publicKey = loadPublicKey(readFile(required(opts, 'public-key', command), 'public key'));
      if (opts['response-only'] && opts.field.length > 0) throw new UsageError('--field cannot be used with --response-only');
      const params = readStdin('params');
      const { wire, session } = encryptRequest(params, publicKey, opts.algorithm ?? 'AES-256-CBC',
        opts.field.length ? opts.field : null, { responseOnly: Boolean(opts['response-only']) });
      out(new Map([['wire', wire], ['session', sessionToJson(session)]]));
      return;
    }
    case 'imitate': {
      const publicKey = loadPublicKey(readFile(required(opts, 'public-key', command), 'public key'));
      const { wire, session } = imitate(opts.positional[0], readStdin('params'), publicKey, opts.algorithm ?? 'AES-256-CBC', opts.field.length ? opts.field : null);
      out(new Map([['wire', wire], ['session', sessionToJson(session)]]));
      return;
    }
    case 'decrypt': {
      if (opts['private-key'].length === 0) throw new UsageError('decrypt needs --private-key');
      const keys = opts['private-key'].map((f) => loadPrivateKey(readFile(f, 'private key')));
      const wire = readStdin('request');
      const { params, session } = decryptRequest(wire, keys);
      if (opts['session-out'] !== undefined) writeSecretFile(opts['session-out'], stringify(sessionToJson(session)) + '\n');
      out(params);
      return;
    }
    case 'encrypt-response':
    case 'decrypt-response': {
      const session = sessionFromJson(parseJsonBytes(readFile(required(opts, 'session', command), 'session file'), 'session'));
      const response = readStdin('response');
      if (command === 'decrypt-response') out(decryptResponse(session, response));
      else out(encryptResponse(session, response, opts.field.length ? opts.field : null, { freshIv: Boolean(opts['fresh-iv']) }));
      return;
    }
  }
}

// Exit codes go through process.exitCode, never process.exit(): exiting at once can cut off
// what is still buffered for a pipe (a verify run writes hundreds of FAIL lines to stderr).
function main() {
  const [command, ...args] = process.argv.slice(2);
  if (command === undefined || command === '--help' || command === '-h') {
    process.stderr.write(USAGE + '\n');
    process.exitCode = command === undefined ? 2 : 0;
    return;
  }
  try {
    run(command, args);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`error: ${e.message}\n${USAGE}\n`);
      process.exitCode = 2;
      return;
    }
    const message = e instanceof OcrCryptoError ? e.message : `internal error: ${e?.message ?? e}`;
    process.stderr.write(`error: ${String(message).split('\n')[0]}\n`);
    process.exitCode = 1;
  }
}

main();
