// The strict verifier of the cross-language test vectors (vectors/README.md, schema.json).
// Every check is an explicit comparison that records a failure naming the case; a malformed
// file or case is a failure, never a crash.

import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { parseJsonBytes, stringify, sameJson, isObject, JsonNumber, obj } from './json.js';
import { loadPrivateKey, loadPublicKey, publicOf, samePublic } from './keys.js';
import { getSuite } from './suites.js';
import * as rsa from './rsa.js';
import * as sm2 from './sm2.js';
import { isStrictBase64 } from './base64.js';
import { ERROR_CLASSES, OcrCryptoError } from './errors.js';
import {
  sealRequest, decryptRequest, decryptResponse, encryptResponse, sessionFromJson, PROTOCOL_PARAMS, parseBlock, BODY_NAMES,
} from './envelope.js';

export const MAX_LARGE_SIZE = 64 * 1024 * 1024;
const SCHEMA = 'ocrcrypto-vectors-1';
const TOP_FIELDS = ['schema', 'generator', 'notes', 'keys', 'numberOfTests', 'tests'];
const CASE_FIELDS = ['id', 'comment', 'flags', 'algorithm', 'mode', 'key', 'input', 'output', 'result', 'error'];
const MODES = ['body', 'fields', 'response', 'primitive'];
const RESULTS = ['valid', 'invalid'];
const OPERATIONS = ['sm2_encrypt', 'sm4_gcm_encrypt'];
const INPUT_TYPES = {
  params: 'object', body: 'string', fields: 'paths', large: 'large', symmetric_key: 'hex', iv: 'hex', aad: 'hex',
  sm2_k: 'scalar', rsa_padding: 'hex', session: 'object', ciphertext_blob: 'base64', response: 'object',
  response_iv: 'hex', response_fields: 'paths', operation: 'string', plaintext: 'hex',
};
const OUTPUT_TYPES = { wire: 'object', encrypted_body_sha256: 'sha256', ciphertext: 'hex', tag: 'hex' };

/** A failed check. */
class CheckFailure extends Error {}

function check(condition, message) {
  if (!condition) throw new CheckFailure(message);
}

const HEX = /^(?:[0-9a-f]{2})*$/;
const hexBytes = (s) => Buffer.from(s, 'hex');

function checkType(value, type, where) {
  switch (type) {
    case 'object': check(isObject(value), `${where}: expected an object`); break;
    case 'string': check(typeof value === 'string', `${where}: expected a string`); break;
    case 'hex': check(typeof value === 'string' && HEX.test(value), `${where}: expected lowercase hex`); break;
    case 'scalar': check(typeof value === 'string' && /^[0-9a-f]{64}$/.test(value), `${where}: expected 64 hex digits`); break;
    case 'sha256': check(typeof value === 'string' && /^[0-9a-f]{64}$/.test(value), `${where}: expected a SHA-256 hex digest`); break;
    case 'base64': check(isStrictBase64(value), `${where}: expected strict base64`); break;
    case 'paths':
      check(Array.isArray(value) && value.length > 0 && value.every((p) => typeof p === 'string' && p !== ''), `${where}: expected a non-empty array of names`);
      break;
    case 'large': {
      check(isObject(value), `${where}: expected an object`);
      check([...value.keys()].every((k) => k === 'size' || k === 'seed') && value.has('size') && value.has('seed'), `${where}: expected exactly size and seed`);
      const size = value.get('size');
      check(size instanceof JsonNumber && /^[1-9][0-9]{0,9}$/.test(size.text), `${where}.size: expected a positive integer`);
      check(Number(size.text) <= MAX_LARGE_SIZE, `${where}.size: ${size.text} is above the limit of ${MAX_LARGE_SIZE} bytes`);
      checkType(value.get('seed'), 'hex', `${where}.seed`);
      break;
    }
    default: throw new CheckFailure(`internal: unknown type ${type}`);
  }
}

function checkFields(map, allowed, where) {
  check(isObject(map), `${where}: expected an object`);
  for (const k of map.keys()) check(Object.hasOwn(allowed, k), `${where}: unknown field ${JSON.stringify(k)}`);
  for (const [k, v] of map) checkType(v, allowed[k], `${where}.${k}`);
}

function requireFields(map, names, where) {
  for (const n of names) check(map.has(n), `${where}.${n}: missing`);
}

/** The schema's rules for one case, checked by hand. */
function checkShape(c, notes, keys) {
  for (const k of c.keys()) check(CASE_FIELDS.includes(k), `unknown field ${JSON.stringify(k)}`);
  requireFields(c, ['id', 'comment', 'flags', 'algorithm', 'mode', 'input', 'output', 'result'], 'case');
  check(typeof c.get('comment') === 'string', 'comment: expected a string');
  check(typeof c.get('algorithm') === 'string', 'algorithm: expected a string');
  const flags = c.get('flags');
  check(Array.isArray(flags) && flags.every((f) => typeof f === 'string'), 'flags: expected an array of strings');
  check(new Set(flags).size === flags.length, 'flags: a flag is repeated');
  for (const f of flags) check(Object.hasOwn(notes, f), `unknown flag ${JSON.stringify(f)} (not in notes)`);
  const mode = c.get('mode');
  const result = c.get('result');
  check(MODES.includes(mode), `unknown mode ${JSON.stringify(mode)}`);
  check(RESULTS.includes(result), `unknown result ${JSON.stringify(result)}`);
  if (c.has('key')) check(typeof c.get('key') === 'string' && Object.hasOwn(keys, c.get('key')), `key ${JSON.stringify(c.get('key'))} is not in keys`);
  const input = c.get('input');
  const output = c.get('output');
  checkFields(input, INPUT_TYPES, 'input');
  checkFields(output, OUTPUT_TYPES, 'output');
  if (input.has('operation')) check(OPERATIONS.includes(input.get('operation')), `unknown operation ${JSON.stringify(input.get('operation'))}`);
  if (result === 'invalid') {
    check(c.has('error'), 'invalid case without error');
    check(Object.hasOwn(ERROR_CLASSES, c.get('error')), `unknown error class ${JSON.stringify(c.get('error'))}`);
    check(c.has('key'), 'invalid case without key');
    requireFields(output, ['wire'], 'output');
  } else {
    check(!c.has('error'), 'valid case with an error class');
  }
  if ((mode === 'body' || mode === 'fields') && result === 'valid') {
    check(c.has('key'), 'case without key');
    requireFields(input, ['symmetric_key', 'iv'], 'input');
    check(input.has('sm2_k') !== input.has('rsa_padding'), 'input: needs exactly one of sm2_k and rsa_padding');
    requireFields(output, ['wire'], 'output');
  }
  if (mode === 'body' && result === 'valid') {
    check((input.has('params') && input.has('body')) !== input.has('large'), 'input: needs params and body, or large');
  }
  if (mode === 'fields' && result === 'valid') requireFields(input, ['params', 'fields'], 'input');
  if (mode === 'response') {
    requireFields(input, ['session'], 'input');
    requireFields(output, ['wire'], 'output');
    if (result === 'valid') requireFields(input, ['ciphertext_blob', 'response', 'response_iv'], 'input');
  }
  if (mode === 'primitive') {
    requireFields(input, ['operation', 'plaintext'], 'input');
    requireFields(output, ['ciphertext'], 'output');
  }
}

/** Params of a Large case: ImageBase64 = base64(first size bytes of SHA-256(seed || counter)...). */
export function largeParams(size, seed) {
  if (!Number.isSafeInteger(size) || size < 1 || size > MAX_LARGE_SIZE) throw new CheckFailure(`large size ${size} out of range`);
  const raw = Buffer.alloc(size);
  const counter = Buffer.alloc(4);
  for (let i = 0, offset = 0; offset < size; i++, offset += 32) {
    counter.writeUInt32BE(i);
    crypto.createHash('sha256').update(seed).update(counter).digest().copy(raw, offset, 0, Math.min(32, size - offset));
  }
  return obj([['ImageBase64', raw.toString('base64')], ['CardSide', 'FRONT']]);
}

/** Load every form of every key and require them to agree. */
function loadKeys(keysValue) {
  check(isObject(keysValue) && keysValue.size > 0, 'keys: expected a non-empty object');
  const out = {};
  for (const [name, entry] of keysValue) {
    const where = `keys.${name}`;
    check(isObject(entry), `${where}: expected an object`);
    for (const k of entry.keys()) check(['type', 'bits', 'public', 'private'].includes(k), `${where}: unknown field ${JSON.stringify(k)}`);
    const type = entry.get('type');
    check(type === 'RSA' || type === 'SM2', `${where}.type: expected RSA or SM2`);
    const priv = entry.get('private');
    const pub = entry.get('public');
    check(isObject(priv) && priv.has('pkcs8_pem'), `${where}.private: needs pkcs8_pem`);
    check(isObject(pub) && pub.has('vendor'), `${where}.public: needs vendor`);
    let first = null;
    for (const [form, text] of priv) {
      check(['pkcs8_pem', 'pkcs1_pem', 'sec1_pem', 'hex'].includes(form), `${where}.private: unknown form ${form}`);
      check(typeof text === 'string', `${where}.private.${form}: expected a string`);
      if (form === 'hex') continue;
      const key = loadPrivateKey(Buffer.from(text));
      check(key.type === type, `${where}.private.${form}: is ${key.type}, not ${type}`);
      if (first === null) first = key;
      else check(samePublic(publicOf(first), publicOf(key)) && (key.type !== 'SM2' || key.d === first.d), `${where}.private.${form}: differs from the other forms`);
    }
    for (const [form, text] of pub) {
      check(['vendor', 'pkcs1_pem', 'spki_pem', 'hex'].includes(form), `${where}.public: unknown form ${form}`);
      check(typeof text === 'string', `${where}.public.${form}: expected a string`);
      if (form === 'hex') continue;
      check(samePublic(loadPublicKey(Buffer.from(text)), publicOf(first)), `${where}.public.${form}: does not match the private key`);
    }
    if (type === 'SM2') {
      if (priv.has('hex')) check(priv.get('hex') === first.d.toString(16).padStart(64, '0'), `${where}.private.hex: does not match`);
      if (pub.has('hex')) check(pub.get('hex') === first.point.toString('hex'), `${where}.public.hex: does not match`);
    } else {
      check(!priv.has('hex') && !pub.has('hex'), `${where}: hex forms are for SM2 keys`);
      if (entry.has('bits')) {
        const bits = entry.get('bits');
        check(bits instanceof JsonNumber && Number(bits.text) === first.keyObject.asymmetricKeyDetails.modulusLength, `${where}.bits: does not match the key`);
      }
    }
    out[name] = first;
  }
  return out;
}

function expectError(fn, className) {
  try {
    fn();
  } catch (e) {
    check(e instanceof OcrCryptoError, `expected ${className}, got an internal error: ${e.message}`);
    check(e.className === className, `expected ${className}, got ${e.className}: ${e.message}`);
    return;
  }
  throw new CheckFailure(`expected ${className}, but it decrypted`);
}

function sameWire(got, want, what) {
  check(sameJson(got, want), `${what} differs:\n  got  ${stringify(got).slice(0, 300)}\n  want ${stringify(want).slice(0, 300)}`);
}

function checkPrimitive(c, input, output, keys) {
  const plaintext = hexBytes(input.get('plaintext'));
  if (input.get('operation') === 'sm2_encrypt') {
    check(c.has('key') && keys[c.get('key')].type === 'SM2', 'sm2_encrypt needs an SM2 key');
    check(input.has('sm2_k'), 'sm2_encrypt needs sm2_k');
    const key = keys[c.get('key')];
    const ciphertext = sm2.encryptWithK(key.point, plaintext, BigInt('0x' + input.get('sm2_k')));
    check(ciphertext.toString('hex') === output.get('ciphertext'), 'SM2 ciphertext differs');
    check(sm2.decrypt(key.d, hexBytes(output.get('ciphertext'))).equals(plaintext), 'SM2 decryption differs');
    return;
  }
  requireFields(input, ['symmetric_key', 'iv'], 'input');
  requireFields(output, ['tag'], 'output');
  check(c.get('algorithm') === 'SM4-GCM', 'sm4_gcm_encrypt needs algorithm SM4-GCM');
  const suite = getSuite('SM4-GCM');
  const aad = input.has('aad') ? hexBytes(input.get('aad')) : null;
  const key = hexBytes(input.get('symmetric_key'));
  const iv = hexBytes(input.get('iv'));
  const { ciphertext, tag } = suite.seal(plaintext, key, iv, aad);
  check(ciphertext.toString('hex') === output.get('ciphertext') && tag.toString('hex') === output.get('tag'), 'SM4-GCM output differs');
  check(suite.open(ciphertext, key, iv, tag, aad).equals(plaintext), 'SM4-GCM decryption differs');
}

function checkResponse(c, input, output) {
  const session = sessionFromJson(input.get('session'));
  check(session.Algorithm === c.get('algorithm'), 'input.session: Algorithm differs from the case');
  const wire = output.get('wire');
  const response = input.get('response');
  sameWire(decryptResponse(session, wire), response, 'decrypted response');
  const server = { ...session, CiphertextBlob: Buffer.from(input.get('ciphertext_blob'), 'base64') };
  const fields = input.has('response_fields') ? input.get('response_fields') : null;
  const again = encryptResponse(server, response, fields, { iv: hexBytes(input.get('response_iv')) });
  sameWire(again, wire, 're-encrypted response');
}

function checkRequest(c, input, output, keys) {
  const algorithm = c.get('algorithm');
  const suite = getSuite(algorithm);
  const key = keys[c.get('key')];
  check(key.type === suite.keyType, `key ${c.get('key')} is ${key.type}, ${algorithm} needs ${suite.keyType}`);
  check(c.get('mode') === 'fields' ? input.has('fields') : !input.has('fields'), 'input.fields: only in fields mode');
  let wire = output.get('wire');
  const large = input.get('large');
  const params = large ? largeParams(Number(large.get('size').text), hexBytes(large.get('seed'))) : input.get('params');
  check(large ? output.has('encrypted_body_sha256') && !wire.has('EncryptedBody') : !output.has('encrypted_body_sha256'),
    'output: encrypted_body_sha256 (without a stored EncryptedBody) goes with input.large only');
  const symmetricKey = hexBytes(input.get('symmetric_key'));
  const iv = hexBytes(input.get('iv'));
  check(symmetricKey.length === suite.keySize && iv.length === suite.ivSize, 'input: key or IV length does not fit the algorithm');
  const fields = input.has('fields') ? input.get('fields') : null;
  if (!c.get('flags').includes('ReaderOnly')) {
    let blob;
    if (suite.keyType === 'SM2') {
      check(input.has('sm2_k'), 'input.sm2_k: needed for SM2');
      blob = sm2.encryptWithK(key.point, symmetricKey, BigInt('0x' + input.get('sm2_k')));
    } else {
      check(input.has('rsa_padding'), 'input.rsa_padding: needed for RSA');
      blob = rsa.wrapWithPadding(key.publicKeyObject, symmetricKey, hexBytes(input.get('rsa_padding')));
    }
    const again = sealRequest(params, { Algorithm: algorithm, Key: symmetricKey, Iv: iv, CiphertextBlob: blob }, fields);
    if (large) {
      const digest = crypto.createHash('sha256').update(again.get('EncryptedBody'), 'latin1').digest('hex');
      check(digest === output.get('encrypted_body_sha256'), 'EncryptedBody digest differs');
      const withoutBody = new Map([...again].filter(([k]) => k !== 'EncryptedBody'));
      sameWire(withoutBody, wire, 're-encrypted wire (without EncryptedBody)');
      wire = again;
    } else {
      sameWire(again, wire, 're-encrypted wire');
    }
  } else {
    check(!large, 'a ReaderOnly case cannot be Large');
  }
  const { params: got, session } = decryptRequest(wire, [key]);
  sameWire(got, params, 'decrypted params');
  check(session.Key.equals(symmetricKey) && session.Iv !== null && session.Iv.equals(iv), 'unwrapped key or IV differs');
  if (input.has('body')) {
    const expected = new Map([...params].filter(([k]) => !PROTOCOL_PARAMS.includes(k)));
    check(stringify(expected) === input.get('body'), 'input.body is not the compact JSON of the params');
    const block = parseBlock(wire.get('Encryption'), 'Encryption');
    const bodyName = BODY_NAMES.find((n) => wire.has(n));
    check(bodyName !== undefined, 'wire has no body field');
    const plaintext = suite.open(Buffer.from(wire.get(bodyName), 'base64'), symmetricKey, iv, block.TagList?.[0] ?? null);
    check(plaintext.equals(Buffer.from(input.get('body'), 'utf8')), 'decrypted body text differs');
  }
}

function checkCase(c, keys) {
  const input = c.get('input');
  const output = c.get('output');
  const mode = c.get('mode');
  if (c.get('result') === 'invalid') {
    const className = c.get('error');
    if (mode === 'response') {
      expectError(() => decryptResponse(sessionFromJson(input.get('session')), output.get('wire')), className);
    } else {
      check(mode !== 'primitive', 'invalid primitive cases are not defined');
      expectError(() => decryptRequest(output.get('wire'), [keys[c.get('key')]]), className);
    }
    return;
  }
  if (mode === 'primitive') checkPrimitive(c, input, output, keys);
  else if (mode === 'response') checkResponse(c, input, output);
  else checkRequest(c, input, output, keys);
}

const describe = (e) => (e instanceof CheckFailure ? e.message : e instanceof OcrCryptoError ? `${e.className}: ${e.message}` : `internal error: ${e.message}`);

/** Verify one parsed-or-raw vector file; returns {checked, failures}. */
export function verifyBytes(bytes, name) {
  const failures = [];
  let checked = 0;
  let data, keys, notes;
  try {
    data = parseJsonBytes(bytes, name);
    check(isObject(data), 'expected a JSON object');
    for (const k of data.keys()) check(TOP_FIELDS.includes(k), `unknown top-level field ${JSON.stringify(k)}`);
    requireFields(data, TOP_FIELDS, 'file');
    check(data.get('schema') === SCHEMA, `schema: expected ${SCHEMA}`);
    const generator = data.get('generator');
    check(isObject(generator) && [...generator.values()].every((v) => typeof v === 'string'), 'generator: expected an object of strings');
    check(isObject(data.get('notes')) && [...data.get('notes').values()].every((v) => typeof v === 'string'), 'notes: expected an object of strings');
    notes = Object.fromEntries(data.get('notes'));
    keys = loadKeys(data.get('keys'));
    check(Array.isArray(data.get('tests')) && data.get('tests').length > 0, 'tests: expected a non-empty array');
    const count = data.get('numberOfTests');
    check(count instanceof JsonNumber && count.text === String(data.get('tests').length),
      `numberOfTests is ${count instanceof JsonNumber ? count.text : 'not a number'}, but there are ${data.get('tests').length} tests`);
  } catch (e) {
    return { checked, failures: [`${name}: ${describe(e)}`] };
  }
  const ids = new Set();
  data.get('tests').forEach((c, index) => {
    checked++;
    let label = `${name} case [${index}]`;
    try {
      check(isObject(c), 'expected an object');
      const id = c.get('id');
      check(id instanceof JsonNumber && /^[1-9][0-9]*$/.test(id.text), 'id: expected a positive integer');
      label = `${name} #${id.text}`;
      check(!ids.has(id.text), 'id is not unique');
      ids.add(id.text);
      checkShape(c, notes, keys);
      checkCase(c, keys);
    } catch (e) {
      failures.push(`${label}: ${describe(e)}`);
    }
  });
  return { checked, failures };
}

/** Every *.json file of dir except schema.json. */
export function verifyDirectory(dir) {
  let files;
  try {
    files = fs.readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'schema.json').sort();
  } catch (e) {
    return { checked: 0, failures: [`${dir}: cannot read the directory (${e.code ?? e.message})`] };
  }
  if (files.length === 0) return { checked: 0, failures: [`${dir}: no vector files`] };
  let checked = 0;
  const failures = [];
  for (const f of files) {
    let bytes;
    try {
      bytes = fs.readFileSync(path.join(dir, f));
    } catch (e) {
      failures.push(`${f}: cannot read (${e.code ?? e.message})`);
      continue;
    }
    const r = verifyBytes(bytes, f);
    checked += r.checked;
    failures.push(...r.failures);
  }
  return { checked, failures };
}
