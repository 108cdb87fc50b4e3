import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const CLI = path.join(HERE, '..', 'cli.js');
export const VECTORS_DIR = path.join(HERE, '..', '..', '..', 'vectors');
export const VECTORS = JSON.parse(fs.readFileSync(path.join(VECTORS_DIR, 'ocrcrypto_vectors.json'), 'utf8'));
export const KEY_VECTORS = JSON.parse(fs.readFileSync(path.join(VECTORS_DIR, 'ocrcrypto_key_vectors.json'), 'utf8'));
export const MANIFEST = JSON.parse(fs.readFileSync(path.join(VECTORS_DIR, 'ocrcrypto_decrypt_manifest.json'), 'utf8'));

/** Run the CLI with a JSON (or raw string) stdin: {code, stdout, stderr, json}. */
export function cli(args, input = '') {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    input: typeof input === 'string' ? input : JSON.stringify(input),
    encoding: 'utf8',
  });
  let json;
  try { json = JSON.parse(r.stdout); } catch { json = undefined; }
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, json };
}

export function tmpdir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'ocrcrypto-node-'));
}

/** Write the test keys of the vector file: {rsaPub, rsaPriv, sm2Pub, sm2Priv, ...} paths. */
export function keyFiles(dir) {
  const k = VECTORS.keys;
  const files = {
    rsaPub: k['rsa-1024'].public.vendor,
    rsaPubPem: k['rsa-1024'].public.pkcs1_pem,
    rsaPriv: k['rsa-1024'].private.pkcs8_pem,
    rsaPrivPkcs1: k['rsa-1024'].private.pkcs1_pem,
    rsaOtherPriv: k['rsa-1024-other'].private.pkcs8_pem,
    sm2Pub: k.sm2.public.vendor,
    sm2PubPem: k.sm2.public.spki_pem,
    sm2Priv: k.sm2.private.pkcs8_pem,
    sm2PrivSec1: k.sm2.private.sec1_pem,
    sm2OtherPriv: k['sm2-other'].private.pkcs8_pem,
  };
  const out = {};
  for (const [name, text] of Object.entries(files)) {
    out[name] = path.join(dir, name);
    fs.writeFileSync(out[name], text);
  }
  return out;
}

/** One line "error: ...", and no stack trace. */
export function isOneErrorLine(stderr) {
  const lines = stderr.trimEnd().split('\n');
  return lines.length >= 1 && lines[0].startsWith('error: ') && !/\n\s+at /.test(stderr);
}
