// The strict verifier of the test vector files (vectors/README.md, schema.json): the generated
// envelope vectors (ocrcrypto-vectors-2), the key vectors (ocrcrypto-key-vectors-1) and the
// decrypt manifest (ocrcrypto-decrypt-manifest-1). Every check is an explicit comparison that
// records a failure naming the file and the case; a malformed file or case is a failure, never a
// crash.

import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { parseJsonBytes, stringify, sameJson, isObject, JsonNumber, obj, typeName } from './json.js';
import { loadPrivateKey, loadPublicKey, publicOf, samePublic, describeKey } from './keys.js';
import { getSuite } from './suites.js';
import * as rsa from './rsa.js';
import * as sm2 from './sm2.js';
import { isStrictBase64 } from './base64.js';
import { OcrCryptoError } from './errors.js';
import {
  sealRequest, decryptRequest, decryptResponse, encryptResponse, sessionFromJson, sessionToJson, PROTOCOL_PARAMS, parseBlock, BODY_NAMES,
} from './envelope.js';

// Bounds (README, "Rules common to all three files").
export const MAX_FILE_BYTES = 64 * 1024 * 1024;
export const MAX_DEPTH = 200;
export const MAX_STRING = 1024 * 1024;
export const MAX_LARGE_SIZE = 64 * 1024 * 1024;
export const MAX_TESTS = 100000;

export const VECTORS_SCHEMA = 'ocrcrypto-vectors-2';
export const KEY_SCHEMA = 'ocrcrypto-key-vectors-1';
export const MANIFEST_SCHEMA = 'ocrcrypto-decrypt-manifest-1';

const ALGORITHMS = ['AES-256-CBC', 'SM4-GCM'];
const ERROR_NAMES = ['DecryptionError', 'EnvelopeFormatError', 'UnsupportedAlgorithmError', 'KeyFormatError'];

const VALID_FLAGS = ['Ktv', 'Typical', 'Unicode', 'BlockBoundary', 'EmptyPlaintext', 'OneByte', 'Large', 'Rsa2048', 'FieldMode',
  'ResponseOnly', 'EchoedIv', 'FreshIv', 'DottedPath', 'ArrayIndexPath', 'NoSessionIv', 'Sm2C1xLeadingZero', 'Sm2C1yLeadingZero',
  'Sm2X2LeadingZero'];
const ACCEPTABLE_FLAGS = ['DefaultAlgorithm', 'EncryptionBodySpelling', 'NullTagList', 'NullIv', 'NullEncryptList', 'AbsentEncryptList',
  'BodyNameWithoutBody'];
const INVALID_FLAGS = ['TruncatedBlob', 'ModifiedTag', 'ModifiedC3', 'ModifiedBody', 'WrongKey', 'C1OffCurve', 'Missing04', 'C1C2C3', 'Der',
  'BadPadding', 'WrongIvLength', 'TagCountMismatch', 'TagOrder', 'TagAppended', 'UnknownAlgorithm', 'MissingPath'];
const VECTOR_FLAGS = [...VALID_FLAGS, ...ACCEPTABLE_FLAGS, ...INVALID_FLAGS];
const KEY_FLAGS = ['Rsa', 'Sm2', 'Vendor', 'Pem', 'Der', 'Base64Der', 'Hex', 'Compressed', 'Whitespace', 'Bom', 'EscapedNewlines', 'Crlf',
  'Pkcs1', 'Pkcs8', 'Spki', 'Sec1', 'CurveOidInAlgorithm', 'NoCurveParameters', 'NoEmbeddedPublic', 'ShortHexD', 'WrongCurve', 'OffCurve',
  'NoSquareRoot', 'CoordinateTooLarge', 'Truncated', 'TrailingData', 'WrongLabel', 'WrongKind', 'SmallRsa', 'WrongHexLength',
  'ScalarOutOfRange', 'PublicMismatch', 'Encrypted', 'NoEndLine', 'OtherAlgorithm', 'Empty', 'Garbage'];
const MANIFEST_FLAGS = ['FieldMode', 'ResponseOnly', 'EchoedIv', 'FreshIv', 'DottedPath', 'ArrayIndexPath', 'Unicode', 'VendorDemo',
  'RawTextKey', 'NullFields'];

/** A failed check. */
class CheckFailure extends Error {}

function check(condition, message) {
  if (!condition) throw new CheckFailure(message);
}

const show = (v) => JSON.stringify(String(v).slice(0, 60));

// -- typed field access ------------------------------------------------------------------------

function object(value, where) {
  check(isObject(value), `${where}: expected an object, got ${typeName(value)}`);
  return value;
}

/** The object, with every required field and no field beyond required and optional. */
function fields(value, where, required, optional = []) {
  const o = object(value, where);
  const missing = required.filter((n) => !o.has(n));
  check(missing.length === 0, `${where}: missing field(s) ${missing.join(', ')}`);
  const unknown = [...o.keys()].filter((n) => !required.includes(n) && !optional.includes(n));
  check(unknown.length === 0, `${where}: unknown field(s) ${unknown.map(show).join(', ')}`);
  return o;
}

function str(o, name, where) {
  const v = o.get(name);
  check(typeof v === 'string', `${where}.${name}: expected a string, got ${typeName(v)}`);
  return v;
}

function oneOf(o, name, where, allowed) {
  const v = str(o, name, where);
  check(allowed.includes(v), `${where}.${name}: unknown value ${show(v)} (expected one of ${allowed.join(', ')})`);
  return v;
}

function hex(o, name, where, size = null) {
  const v = str(o, name, where);
  check(v.length % 2 === 0 && /^[0-9a-f]*$/.test(v), `${where}.${name}: expected lowercase hex with an even number of digits`);
  const b = Buffer.from(v, 'hex');
  check(size === null || b.length === size, `${where}.${name}: expected ${size} bytes, got ${b.length}`);
  return b;
}

function b64(o, name, where) {
  const v = str(o, name, where);
  check(isStrictBase64(v), `${where}.${name}: expected standard base64 with padding`);
  return Buffer.from(v, 'base64');
}

function int(o, name, where, low, high) {
  const v = o.get(name);
  check(v instanceof JsonNumber && /^-?(?:0|[1-9][0-9]{0,15})$/.test(v.text), `${where}.${name}: expected an integer, got ${typeName(v)}`);
  const n = Number(v.text);
  check(n >= low && n <= high, `${where}.${name}: ${n} is outside [${low}, ${high}]`);
  return n;
}

function paths(o, name, where) {
  const v = o.get(name);
  check(Array.isArray(v) && v.length > 0 && v.every((p) => typeof p === 'string' && p !== ''), `${where}.${name}: expected a non-empty array of non-empty strings`);
  return v;
}

function flagsOf(c, where, known, notes) {
  const flags = c.get('flags');
  check(Array.isArray(flags) && flags.every((f) => typeof f === 'string'), `${where}.flags: expected an array of strings`);
  check(new Set(flags).size === flags.length, `${where}.flags: a flag is listed twice`);
  for (const f of flags) {
    check(known.includes(f), `${where}.flags: unknown flag ${show(f)}`);
    check(notes.has(f), `${where}.flags: ${f} is not explained in notes`);
  }
  return flags;
}

/** Every string (keys included) within MAX_STRING characters, without recursion. */
function checkStrings(value, where) {
  const stack = [value];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v === 'string') {
      // UTF-16 units overcount astral characters: count code points only when it matters.
      if (v.length > MAX_STRING) {
        let n = 0;
        for (const ch of v) { void ch; n++; }
        check(n <= MAX_STRING, `${where}: a string of ${n} characters (at most ${MAX_STRING})`);
      }
    } else if (Array.isArray(v)) for (const x of v) stack.push(x);
    else if (v instanceof Map) for (const [k, x] of v) stack.push(k, x);
  }
}

function expectError(fn, className, what) {
  try {
    fn();
  } catch (e) {
    check(e instanceof OcrCryptoError, `expected ${className}, got an internal error: ${e?.message ?? e}`);
    check(e.className === className, `expected ${className}, got ${e.className}: ${e.message}`);
    return;
  }
  throw new CheckFailure(`expected ${className}, but ${what} succeeded`);
}

function attempt(fn, what) {
  try {
    return fn();
  } catch (e) {
    if (e instanceof CheckFailure) throw e;
    throw new CheckFailure(`${what} failed: ${e instanceof OcrCryptoError ? `${e.className}: ${e.message}` : `internal error: ${e?.message ?? e}`}`);
  }
}

/** The same JSON text: values and the order of every object's keys (wires, re-encrypted). */
function same(got, want, what) {
  check(sameJson(got, want), `${what} differs:\n  got  ${stringify(got).slice(0, 300)}\n  want ${stringify(want).slice(0, 300)}`);
}

/** Equal JSON values, objects compared as sets of members (numbers by their literal text). */
export function jsonEqual(a, b) {
  if (a instanceof Map) {
    if (!(b instanceof Map) || a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !jsonEqual(v, b.get(k))) return false;
    return true;
  }
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  const num = (x) => (x instanceof JsonNumber ? x.text : typeof x === 'number' ? String(x) : null);
  if (num(a) !== null || num(b) !== null) return num(a) === num(b);
  return a === b;
}

/**
 * Decrypted values: equal as JSON values. Key order is not compared: a whole-body decryption puts
 * the members of the body after the clear ones, and the wire does not keep the original order of
 * members that are not strings (the README's "JSON values equal"; the wire checks keep order).
 */
function equalValues(got, want, what) {
  check(jsonEqual(got, want), `${what} differs:\n  got  ${stringify(got).slice(0, 300)}\n  want ${stringify(want).slice(0, 300)}`);
}

// -- keys sections -------------------------------------------------------------------------------

const KEY_FORMS = {
  RSA: { public: ['vendor', 'pkcs1_pem', 'spki_pem'], private: ['pkcs8_pem', 'pkcs1_pem'] },
  SM2: { public: ['vendor', 'spki_pem', 'hex'], private: ['pkcs8_pem', 'sec1_pem', 'hex'] },
};
const PEM_LABEL_OF_FORM = {
  'public.pkcs1_pem': 'RSA PUBLIC KEY', 'public.spki_pem': 'PUBLIC KEY', 'private.pkcs8_pem': 'PRIVATE KEY',
  'private.pkcs1_pem': 'RSA PRIVATE KEY', 'private.sec1_pem': 'EC PRIVATE KEY',
};

const keyCache = new Map();

/** Load every form of every key and require them to be the one key; the map name -> private key. */
function loadKeys(value) {
  const keys = object(value, 'keys');
  check(keys.size > 0, 'keys: no keys');
  const out = {};
  for (const [name, entryValue] of keys) {
    const where = `keys.${name}`;
    const entry = object(entryValue, where);
    check(entry.has('type'), `${where}: missing field(s) type`);
    const type = oneOf(entry, 'type', where, ['RSA', 'SM2']);
    fields(entry, where, type === 'RSA' ? ['type', 'bits', 'public', 'private'] : ['type', 'public', 'private']);
    const forms = KEY_FORMS[type];
    const pub = fields(entry.get('public'), `${where}.public`, ['vendor'], forms.public.slice(1));
    const priv = fields(entry.get('private'), `${where}.private`, ['pkcs8_pem'], forms.private.slice(1));
    const cacheKey = stringify(entry);
    if (keyCache.has(cacheKey)) { out[name] = keyCache.get(cacheKey); continue; }
    const load = (section, form, loader) => {
      const text = str(section === 'public' ? pub : priv, form, `${where}.${section}`);
      const label = PEM_LABEL_OF_FORM[`${section}.${form}`];
      if (label) check(text.startsWith(`-----BEGIN ${label}-----\n`), `${where}.${section}.${form}: expected PEM labelled ${label}`);
      if (form === 'vendor') {
        check(isStrictBase64(text) && Buffer.from(text, 'base64').toString('latin1').startsWith('-----BEGIN '), `${where}.public.vendor: expected base64 of PEM text`);
      }
      if (form === 'hex') check(section === 'public' ? /^04[0-9a-f]{128}$/.test(text) : /^[0-9a-f]{64}$/.test(text), `${where}.${section}.hex: expected lowercase hex of the right length`);
      return attempt(() => loader(text), `${where}.${section}.${form}: loading`);
    };
    const key = load('private', 'pkcs8_pem', loadPrivateKey);
    check(key.type === type, `${where}: type ${type}, but the key is ${key.type}`);
    for (const form of priv.keys()) {
      if (form === 'pkcs8_pem') continue;
      const other = load('private', form, loadPrivateKey);
      check(other.type === type && samePublic(publicOf(other), publicOf(key)) && (type !== 'SM2' || other.d === key.d)
        && (type !== 'RSA' || other.numbers.d === key.numbers.d), `${where}.private.${form}: a different key than pkcs8_pem`);
    }
    for (const form of pub.keys()) {
      check(samePublic(load('public', form, loadPublicKey), publicOf(key)), `${where}.public.${form}: not the public half of the private key`);
    }
    if (type === 'RSA') check(int(entry, 'bits', where, 1024, 16384) === key.bits, `${where}.bits: the key has ${key.bits} bits`);
    if (type === 'RSA' && pub.has('pkcs1_pem')) {
      // The vendor's form is the base64 of the PKCS#1 PEM text, byte for byte.
      check(Buffer.from(pub.get('vendor'), 'base64').toString('latin1') === pub.get('pkcs1_pem'), `${where}.public.vendor: not the base64 of pkcs1_pem`);
    }
    if (type === 'SM2' && pub.has('spki_pem')) {
      check(Buffer.from(pub.get('vendor'), 'base64').toString('latin1') === pub.get('spki_pem'), `${where}.public.vendor: not the base64 of spki_pem`);
    }
    keyCache.set(cacheKey, key);
    if (keyCache.size > 64) keyCache.delete(keyCache.keys().next().value);
    out[name] = key;
  }
  return out;
}

function keyOf(keys, c, where, type = null) {
  const name = str(c, 'key', where);
  check(Object.hasOwn(keys, name), `${where}.key: ${show(name)} is not in keys`);
  const key = keys[name];
  check(type === null || key.type === type, `${where}.key: ${name} is an ${key.type} key, the case needs ${type}`);
  return key;
}

// -- ocrcrypto-vectors-2 -------------------------------------------------------------------------

const CASE_BASE = ['id', 'comment', 'flags', 'algorithm', 'mode', 'input', 'output', 'result'];
const REQUEST_MODES = ['body', 'fields', 'response-only'];

/** Params of a Large case: ImageBase64 = base64(first size bytes of SHA-256(seed || counter)...). */
export function largeParams(size, seed) {
  check(Number.isSafeInteger(size) && size >= 1 && size <= MAX_LARGE_SIZE, `large size ${size} out of range`);
  const raw = Buffer.alloc(size);
  const counter = Buffer.alloc(4);
  for (let i = 0, offset = 0; offset < size; i++, offset += 32) {
    counter.writeUInt32BE(i);
    crypto.createHash('sha256').update(seed).update(counter).digest().copy(raw, offset, 0, Math.min(32, size - offset));
  }
  return obj([['ImageBase64', raw.toString('base64')], ['CardSide', 'FRONT']]);
}

function checkVector(c, keys, notes) {
  const where = 'case';
  object(c, where);
  check(c.has('mode') && c.has('result'), `${where}: missing field(s) ${['mode', 'result'].filter((n) => !c.has(n)).join(', ')}`);
  const mode = oneOf(c, 'mode', where, ['body', 'fields', 'response-only', 'response', 'primitive']);
  const result = oneOf(c, 'result', where, ['valid', 'invalid', 'acceptable']);
  if (result === 'valid') {
    if (mode !== 'primitive') fields(c, where, [...CASE_BASE, 'key']);
    else fields(c, where, CASE_BASE, ['key']);
  } else if (result === 'invalid') {
    check(mode !== 'primitive', `${where}: a primitive case must be valid`);
    fields(c, where, [...CASE_BASE, 'key', 'error']);
  } else {
    check(REQUEST_MODES.includes(mode), `${where}: a ${mode} case cannot be acceptable`);
    fields(c, where, [...CASE_BASE, 'key', 'error', 'ocrcrypto_result']);
  }
  str(c, 'comment', where);
  const flags = flagsOf(c, where, VECTOR_FLAGS, notes);
  const algorithm = oneOf(c, 'algorithm', where, ALGORITHMS);
  // The flags' groups follow the result (README, "Flags of ocrcrypto-vectors-2").
  if (result === 'valid') check(flags.every((f) => VALID_FLAGS.includes(f)), `${where}.flags: a valid case has only the valid flags`);
  if (result === 'acceptable') check(flags.some((f) => ACCEPTABLE_FLAGS.includes(f)) && !flags.some((f) => INVALID_FLAGS.includes(f)), `${where}.flags: an acceptable case names its legacy form and no invalid flag`);
  if (result === 'invalid') check(flags.some((f) => INVALID_FLAGS.includes(f)) && !flags.some((f) => ACCEPTABLE_FLAGS.includes(f)), `${where}.flags: an invalid case names its fault and no acceptable flag`);
  check(flags.includes('ResponseOnly') === (mode === 'response-only'), `${where}.flags: ResponseOnly goes with mode response-only, and only there`);
  const input = object(c.get('input'), `${where}.input`);
  const output = object(c.get('output'), `${where}.output`);
  check(flags.includes('Large') === input.has('large'), `${where}.flags: Large goes with input.large, and only there`);
  if (result !== 'invalid') {
    const fieldMode = mode === 'fields' || (mode === 'response' && input.has('response_fields'));
    check(flags.includes('FieldMode') === fieldMode, `${where}.flags: FieldMode goes with field mode, and only there`);
  }
  if (result === 'invalid') checkInvalid(c, mode, algorithm, input, output, keys, where);
  else if (result === 'acceptable') checkAcceptable(c, mode, algorithm, input, output, keys, where);
  else if (mode === 'primitive') checkPrimitive(c, algorithm, input, output, keys, where);
  else if (mode === 'response') checkResponse(c, algorithm, flags, input, output, keys, where);
  else checkRequest(c, mode, algorithm, input, output, keys, where);
}

/** The key-wrap randomness of a suite, checked: (key, padding or k) -> blob. */
function wrapBlob(suite, key, symmetricKey, input, where) {
  if (suite.keyType === 'SM2') {
    const k = BigInt('0x' + hex(input, 'sm2_k', `${where}.input`, 32).toString('hex'));
    check(k >= 1n && k < sm2.N, `${where}.input.sm2_k: not a scalar from 1 to n-1`);
    return attempt(() => sm2.encryptWithK(key.point, symmetricKey, k), 'SM2 encryption with sm2_k');
  }
  const padding = hex(input, 'rsa_padding', `${where}.input`);
  const size = Math.ceil(key.bits / 8);
  check(padding.length === size - 3 - symmetricKey.length && !padding.includes(0),
    `${where}.input.rsa_padding: expected ${size - 3 - symmetricKey.length} non-zero bytes, got ${padding.length}`);
  return attempt(() => rsa.wrapWithPadding(key.publicKeyObject, symmetricKey, padding), 'RSA encryption with rsa_padding');
}

function checkRequest(c, mode, algorithm, input, output, keys, where) {
  const suite = getSuite(algorithm);
  const key = keyOf(keys, c, where, suite.keyType);
  const randomness = suite.keyType === 'SM2' ? 'sm2_k' : 'rsa_padding';
  const large = mode === 'body' && input.has('large');
  let params;
  if (large) {
    fields(input, `${where}.input`, ['large', 'symmetric_key', 'iv', randomness]);
    const spec = fields(input.get('large'), `${where}.input.large`, ['size', 'seed']);
    const size = int(spec, 'size', `${where}.input.large`, 1, MAX_LARGE_SIZE);
    params = largeParams(size, hex(spec, 'seed', `${where}.input.large`));
    fields(output, `${where}.output`, ['wire', 'encrypted_body_sha256']);
    hex(output, 'encrypted_body_sha256', `${where}.output`, 32);
  } else {
    const required = { body: ['params', 'body'], fields: ['params', 'fields'], 'response-only': ['params'] }[mode];
    fields(input, `${where}.input`, [...required, 'symmetric_key', 'iv', randomness]);
    params = object(input.get('params'), `${where}.input.params`);
    fields(output, `${where}.output`, ['wire']);
  }
  const symmetricKey = hex(input, 'symmetric_key', `${where}.input`, suite.keySize);
  const iv = hex(input, 'iv', `${where}.input`, suite.ivSize);
  const list = mode === 'fields' ? paths(input, 'fields', `${where}.input`) : null;
  const body = mode === 'body' && !large ? str(input, 'body', `${where}.input`) : null;
  const expected = object(output.get('wire'), `${where}.output.wire`);
  // Encrypt again: the same wire, byte for byte.
  const blob = wrapBlob(suite, key, symmetricKey, input, where);
  const again = attempt(() => sealRequest(params, { Algorithm: algorithm, Key: symmetricKey, Iv: iv, CiphertextBlob: blob }, list, mode === 'response-only'), 're-encryption');
  let wire = expected;
  if (large) {
    check(!expected.has('EncryptedBody'), `${where}.output.wire: a Large case's wire holds no EncryptedBody`);
    const digest = crypto.createHash('sha256').update(again.get('EncryptedBody'), 'latin1').digest('hex');
    check(digest === output.get('encrypted_body_sha256'), 'EncryptedBody digest differs');
    same(new Map([...again].filter(([k]) => k !== 'EncryptedBody')), expected, 're-encrypted wire (without EncryptedBody)');
    wire = again;
  } else {
    same(again, expected, 're-encrypted wire');
  }
  checkDecryption(wire, key, params, symmetricKey, iv, body, where);
}

/** Decrypt a request wire to exactly params, key, IV (and the body text in body mode). */
function checkDecryption(wire, key, params, symmetricKey, iv, body, where) {
  const { params: got, session } = attempt(() => decryptRequest(wire, [key]), 'decryption');
  equalValues(got, params, 'decrypted params');
  check(session.Key.equals(symmetricKey), 'unwrapped symmetric key differs');
  check(iv === null ? session.Iv === null : session.Iv !== null && session.Iv.equals(iv), 'recovered IV differs');
  if (body === null) return;
  const expected = new Map([...params].filter(([k]) => !PROTOCOL_PARAMS.includes(k)));
  check(stringify(expected) === body, `${where}.input.body: not the compact JSON of the params without ${PROTOCOL_PARAMS.join(', ')}`);
  check(iv !== null, `${where}.input.iv: a body needs an IV`);
  const block = attempt(() => parseBlock(wire.get('Encryption'), 'Encryption'), 'reading the Encryption block');
  const names = BODY_NAMES.filter((n) => wire.has(n));
  check(names.length === 1, 'the wire has no body field (or both spellings)');
  const suite = getSuite(block.Algorithm);
  const plaintext = attempt(() => suite.open(Buffer.from(wire.get(names[0]), 'base64'), symmetricKey, iv, block.TagList?.[0] ?? null), 'opening the body');
  check(plaintext.equals(Buffer.from(body, 'utf8')), 'decrypted body text differs');
}

function checkResponse(c, algorithm, flags, input, output, keys, where) {
  keyOf(keys, c, where, getSuite(algorithm).keyType);
  fields(input, `${where}.input`, ['session', 'ciphertext_blob', 'response', 'response_iv'], ['response_fields']);
  fields(output, `${where}.output`, ['wire']);
  const session = attempt(() => sessionFromJson(input.get('session')), `${where}.input.session`);
  check(session.Algorithm === algorithm, `${where}.input.session: Algorithm differs from the case's algorithm`);
  const blob = b64(input, 'ciphertext_blob', `${where}.input`);
  const response = object(input.get('response'), `${where}.input.response`);
  const responseIv = hex(input, 'response_iv', `${where}.input`, getSuite(algorithm).ivSize);
  const list = input.has('response_fields') ? paths(input, 'response_fields', `${where}.input`) : null;
  const wire = object(output.get('wire'), `${where}.output.wire`);
  // The IV flags say how response_iv relates to the session's.
  check(flags.includes('NoSessionIv') === (session.Iv === null), `${where}.flags: NoSessionIv goes with a session Iv of null, and only there`);
  if (flags.includes('EchoedIv')) check(session.Iv !== null && session.Iv.equals(responseIv), `${where}.input.response_iv: EchoedIv, but it is not the session's IV`);
  if (flags.includes('FreshIv')) check(session.Iv === null || !session.Iv.equals(responseIv), `${where}.input.response_iv: FreshIv, but it is the session's IV`);
  equalValues(attempt(() => decryptResponse(session, wire), 'decryption'), response, 'decrypted response');
  const server = { ...session, CiphertextBlob: blob };
  same(attempt(() => encryptResponse(server, response, list, { iv: responseIv }), 're-encryption'), wire, 're-encrypted response');
}

function checkPrimitive(c, algorithm, input, output, keys, where) {
  object(input, `${where}.input`);
  check(input.has('operation'), `${where}.input: missing field(s) operation`);
  const operation = oneOf(input, 'operation', `${where}.input`, ['sm2_encrypt', 'sm4_gcm_encrypt']);
  check(algorithm === 'SM4-GCM', `${where}.algorithm: ${operation} belongs to SM4-GCM`);
  if (operation === 'sm2_encrypt') {
    fields(c, where, [...CASE_BASE, 'key']);
    fields(input, `${where}.input`, ['operation', 'plaintext', 'sm2_k']);
    fields(output, `${where}.output`, ['ciphertext']);
    const key = keyOf(keys, c, where, 'SM2');
    const plaintext = hex(input, 'plaintext', `${where}.input`);
    const k = BigInt('0x' + hex(input, 'sm2_k', `${where}.input`, 32).toString('hex'));
    check(k >= 1n && k < sm2.N, `${where}.input.sm2_k: not a scalar from 1 to n-1`);
    const expected = hex(output, 'ciphertext', `${where}.output`);
    const ciphertext = attempt(() => sm2.encryptWithK(key.point, plaintext, k), 'SM2 encryption');
    check(ciphertext.equals(expected), 'SM2 ciphertext differs');
    check(attempt(() => sm2.decrypt(key.d, expected), 'SM2 decryption').equals(plaintext), 'SM2 decryption differs');
    return;
  }
  fields(c, where, CASE_BASE);
  fields(input, `${where}.input`, ['operation', 'symmetric_key', 'iv', 'aad', 'plaintext']);
  fields(output, `${where}.output`, ['ciphertext', 'tag']);
  const suite = getSuite('SM4-GCM');
  const key = hex(input, 'symmetric_key', `${where}.input`, suite.keySize);
  const iv = hex(input, 'iv', `${where}.input`, suite.ivSize);
  const aad = hex(input, 'aad', `${where}.input`);
  const plaintext = hex(input, 'plaintext', `${where}.input`);
  const wantCt = hex(output, 'ciphertext', `${where}.output`);
  const wantTag = hex(output, 'tag', `${where}.output`, suite.tagSize);
  const { ciphertext, tag } = attempt(() => suite.seal(plaintext, key, iv, aad), 'SM4-GCM encryption');
  check(ciphertext.equals(wantCt) && tag.equals(wantTag), 'SM4-GCM output differs');
  check(attempt(() => suite.open(wantCt, key, iv, wantTag, aad), 'SM4-GCM decryption').equals(plaintext), 'SM4-GCM decryption differs');
}

function checkInvalid(c, mode, algorithm, input, output, keys, where) {
  const className = oneOf(c, 'error', where, ERROR_NAMES);
  fields(output, `${where}.output`, ['wire']);
  const wire = object(output.get('wire'), `${where}.output.wire`);
  const key = keyOf(keys, c, where, getSuite(algorithm).keyType);
  if (mode === 'response') {
    fields(input, `${where}.input`, ['session']);
    const session = attempt(() => sessionFromJson(input.get('session')), `${where}.input.session`);
    check(session.Algorithm === algorithm, `${where}.input.session: Algorithm differs from the case's algorithm`);
    expectError(() => decryptResponse(session, wire), className, 'decryption');
  } else {
    fields(input, `${where}.input`, []);
    expectError(() => decryptRequest(wire, [key]), className, 'decryption');
  }
}

function checkAcceptable(c, mode, algorithm, input, output, keys, where) {
  const className = oneOf(c, 'error', where, ERROR_NAMES);
  const ocrcryptoResult = oneOf(c, 'ocrcrypto_result', where, ['valid', 'invalid']);
  const required = { body: ['params', 'body'], fields: ['params', 'fields'], 'response-only': ['params'] }[mode];
  fields(input, `${where}.input`, [...required, 'symmetric_key', 'iv']);
  fields(output, `${where}.output`, ['wire']);
  const suite = getSuite(algorithm);
  const params = object(input.get('params'), `${where}.input.params`);
  const symmetricKey = hex(input, 'symmetric_key', `${where}.input`, suite.keySize);
  const iv = input.get('iv') === null ? null : hex(input, 'iv', `${where}.input`, suite.ivSize);
  if (mode === 'fields') paths(input, 'fields', `${where}.input`);
  const body = mode === 'body' ? str(input, 'body', `${where}.input`) : null;
  const wire = object(output.get('wire'), `${where}.output.wire`);
  const key = keyOf(keys, c, where, suite.keyType);
  // This reference follows ocrcrypto: it decrypts exactly what ocrcrypto decrypts.
  if (ocrcryptoResult === 'invalid') {
    expectError(() => decryptRequest(wire, [key]), className, 'decryption');
    return;
  }
  checkDecryption(wire, key, params, symmetricKey, iv, body, where);
}

// -- ocrcrypto-key-vectors-1 ---------------------------------------------------------------------

function checkKeyVector(c, notes) {
  const where = 'case';
  object(c, where);
  check(c.has('result'), `${where}: missing field(s) result`);
  const result = oneOf(c, 'result', where, ['valid', 'invalid']);
  fields(c, where, ['id', 'comment', 'flags', 'operation', 'input', 'result', result === 'valid' ? 'key' : 'error']);
  str(c, 'comment', where);
  flagsOf(c, where, KEY_FLAGS, notes);
  const operation = oneOf(c, 'operation', where, ['load_public_key', 'load_private_key']);
  const input = object(c.get('input'), `${where}.input`);
  check(input.size === 1 && (input.has('text') || input.has('binary')), `${where}.input: expected exactly one of text, binary`);
  const data = input.has('text') ? Buffer.from(str(input, 'text', `${where}.input`), 'utf8') : hex(input, 'binary', `${where}.input`);
  const isPrivate = operation === 'load_private_key';
  const loader = isPrivate ? loadPrivateKey : loadPublicKey;
  if (result === 'invalid') {
    oneOf(c, 'error', where, ['KeyFormatError']);
    expectError(() => loader(data), 'KeyFormatError', 'loading');
    return;
  }
  const expected = object(c.get('key'), `${where}.key`);
  check(expected.has('type'), `${where}.key: missing field(s) type`);
  const type = oneOf(expected, 'type', `${where}.key`, ['RSA', 'SM2']);
  if (type === 'RSA') {
    fields(expected, `${where}.key`, ['type', 'bits', 'n', 'e', ...(isPrivate ? ['d'] : [])]);
    int(expected, 'bits', `${where}.key`, 1, 65536);
    for (const n of ['n', 'e', ...(isPrivate ? ['d'] : [])]) {
      const v = hex(expected, n, `${where}.key`);
      check(v.length > 0 && v[0] !== 0, `${where}.key.${n}: expected minimal big-endian bytes`);
    }
  } else {
    fields(expected, `${where}.key`, ['type', 'point', ...(isPrivate ? ['d'] : [])]);
    const point = hex(expected, 'point', `${where}.key`, 65);
    check(point[0] === 4, `${where}.key.point: expected 04||X||Y`);
    if (isPrivate) hex(expected, 'd', `${where}.key`, 32);
  }
  const key = attempt(() => loader(data), 'loading');
  equalValues(describeKey(key), expected, 'the loaded key');
}

// -- ocrcrypto-decrypt-manifest-1 ----------------------------------------------------------------

/** The object holding a response's fields (inside a lone Response wrapper, if any). */
function responseInner(wire) {
  return wire.size === 1 && isObject(wire.get('Response')) ? wire.get('Response') : wire;
}

function wireMode(message, where) {
  const block = attempt(() => parseBlock(message.get('Encryption'), 'Encryption'), `${where}: reading the Encryption block`);
  if (block.EncryptList.length === 0) return { mode: 'response-only', block };
  return { mode: BODY_NAMES.includes(block.EncryptList[0]) ? 'body' : 'fields', block };
}

function checkManifestCase(c, keys, notes, sources) {
  const where = 'case';
  object(c, where);
  check(c.has('operation'), `${where}: missing field(s) operation`);
  const operation = oneOf(c, 'operation', where, ['decrypt', 'decrypt-response', 'symmetric-decrypt']);
  const base = ['id', 'comment', 'flags', 'source', 'algorithm', 'operation', 'mode', 'input', 'expected', 'result'];
  fields(c, where, operation === 'decrypt' ? [...base, 'key'] : base);
  str(c, 'comment', where);
  const flags = flagsOf(c, where, MANIFEST_FLAGS, notes);
  const source = str(c, 'source', where);
  check(sources.has(source), `${where}.source: ${show(source)} is not in sources`);
  oneOf(c, 'result', where, ['valid']);
  const algorithm = oneOf(c, 'algorithm', where, ALGORITHMS);
  const suite = getSuite(algorithm);
  if (operation === 'decrypt') {
    const mode = oneOf(c, 'mode', where, REQUEST_MODES);
    check(flags.includes('ResponseOnly') === (mode === 'response-only'), `${where}.flags: ResponseOnly goes with mode response-only, and only there`);
    check(flags.includes('FieldMode') === (mode === 'fields'), `${where}.flags: FieldMode goes with mode fields, and only there`);
    const input = fields(c.get('input'), `${where}.input`, ['wire']);
    const expected = fields(c.get('expected'), `${where}.expected`, ['params', 'session']);
    const key = keyOf(keys, c, where, suite.keyType);
    const wire = object(input.get('wire'), `${where}.input.wire`);
    const params = object(expected.get('params'), `${where}.expected.params`);
    const wantSession = fields(expected.get('session'), `${where}.expected.session`, ['Algorithm', 'Key', 'Iv']);
    attempt(() => sessionFromJson(wantSession), `${where}.expected.session`);
    const { mode: got, block } = wireMode(wire, `${where}.input.wire`);
    check(block.Algorithm === algorithm, `the wire's Algorithm ${show(block.Algorithm)} differs from the case's algorithm`);
    check(got === mode, `the wire is in ${got} mode, the case says ${mode}`);
    const { params: plain, session } = attempt(() => decryptRequest(wire, [key]), 'decryption');
    equalValues(plain, params, 'decrypted params');
    equalValues(sessionToJson(session), wantSession, 'recovered session');
  } else if (operation === 'decrypt-response') {
    const mode = oneOf(c, 'mode', where, ['body', 'fields']);
    check(flags.includes('FieldMode') === (mode === 'fields'), `${where}.flags: FieldMode goes with mode fields, and only there`);
    const input = fields(c.get('input'), `${where}.input`, ['session', 'wire']);
    const expected = fields(c.get('expected'), `${where}.expected`, ['response']);
    const session = attempt(() => sessionFromJson(input.get('session')), `${where}.input.session`);
    check(session.Algorithm === algorithm, `${where}.input.session: Algorithm differs from the case's algorithm`);
    const wire = object(input.get('wire'), `${where}.input.wire`);
    const inner = responseInner(wire);
    check(inner.has('Encryption'), `${where}.input.wire: no Encryption block`);
    const { mode: got, block } = wireMode(inner, `${where}.input.wire`);
    check(got === mode, `the response is in ${got} mode, the case says ${mode}`);
    check((block.Algorithm ?? 'AES-256-CBC') === algorithm, `the response's Algorithm differs from the case's algorithm`);
    equalValues(attempt(() => decryptResponse(session, wire), 'decryption'), object(expected.get('response'), `${where}.expected.response`), 'decrypted response');
  } else {
    oneOf(c, 'mode', where, ['primitive']);
    const hasTag = suite.tagSize !== null;
    const input = fields(c.get('input'), `${where}.input`, ['symmetric_key', 'iv', 'ciphertext', ...(hasTag ? ['tag'] : [])]);
    const expected = fields(c.get('expected'), `${where}.expected`, ['plaintext']);
    const key = hex(input, 'symmetric_key', `${where}.input`, suite.keySize);
    const iv = hex(input, 'iv', `${where}.input`, suite.ivSize);
    const tag = hasTag ? hex(input, 'tag', `${where}.input`, suite.tagSize) : null;
    const ciphertext = hex(input, 'ciphertext', `${where}.input`);
    const want = hex(expected, 'plaintext', `${where}.expected`);
    check(attempt(() => suite.open(ciphertext, key, iv, tag), 'decryption').equals(want), 'decrypted plaintext differs');
  }
}

// -- files -----------------------------------------------------------------------------------------

/** Check a file's top level; returns {tests, checkCase}. */
function document(data) {
  const top = object(data, 'file');
  check(top.has('schema'), 'file: missing field(s) schema');
  const schema = str(top, 'schema', 'file');
  let checkCase;
  if (schema === VECTORS_SCHEMA) {
    fields(top, 'file', ['schema', 'generator', 'notes', 'keys', 'numberOfTests', 'tests']);
    fields(top.get('generator'), 'generator', ['seed', 'command']);
  } else if (schema === KEY_SCHEMA) {
    fields(top, 'file', ['schema', 'generator', 'notes', 'numberOfTests', 'tests']);
    fields(top.get('generator'), 'generator', ['seed', 'command']);
  } else if (schema === MANIFEST_SCHEMA) {
    fields(top, 'file', ['schema', 'generator', 'notes', 'sources', 'keys', 'numberOfTests', 'tests']);
    fields(top.get('generator'), 'generator', ['command']);
  } else {
    throw new CheckFailure(`file.schema: unknown schema ${show(schema)} (expected ${VECTORS_SCHEMA}, ${KEY_SCHEMA} or ${MANIFEST_SCHEMA})`);
  }
  const generator = top.get('generator');
  for (const k of generator.keys()) str(generator, k, 'generator');
  const notes = object(top.get('notes'), 'notes');
  for (const k of notes.keys()) str(notes, k, 'notes');
  const count = int(top, 'numberOfTests', 'file', 1, MAX_TESTS);
  const tests = top.get('tests');
  check(Array.isArray(tests) && tests.length > 0, 'tests: expected a non-empty array');
  check(count === tests.length, `numberOfTests is ${count}, but there are ${tests.length} tests`);
  if (schema === KEY_SCHEMA) {
    checkCase = (c) => checkKeyVector(c, notes);
  } else {
    const keys = loadKeys(top.get('keys'));
    if (schema === VECTORS_SCHEMA) {
      checkCase = (c) => checkVector(c, keys, notes);
    } else {
      const sources = object(top.get('sources'), 'sources');
      check(sources.size > 0, 'sources: no sources');
      for (const [name, entry] of sources) {
        fields(entry, `sources.${name}`, ['implementation', 'libraries']);
        str(entry, 'implementation', `sources.${name}`);
        const libraries = object(entry.get('libraries'), `sources.${name}.libraries`);
        for (const k of libraries.keys()) str(libraries, k, `sources.${name}.libraries`);
      }
      checkCase = (c) => checkManifestCase(c, keys, notes, sources);
    }
  }
  return { tests, checkCase };
}

const describe = (e) => (e instanceof CheckFailure ? e.message : e instanceof OcrCryptoError ? `${e.className}: ${e.message}` : `internal error: ${e?.message ?? e}`);

/** Verify one vector file (bytes) of any kind; returns {checked, failures}. */
export function verifyBytes(bytes, name) {
  let doc;
  try {
    check(bytes.length <= MAX_FILE_BYTES, `${bytes.length} bytes, more than ${MAX_FILE_BYTES}`);
    const data = parseJsonBytes(bytes, name, MAX_DEPTH);
    checkStrings(data, 'file');
    doc = document(data);
  } catch (e) {
    return { checked: 0, failures: [`${name}: ${describe(e)}`] };
  }
  const failures = [];
  doc.tests.forEach((c, i) => {
    const index = i + 1;
    let label = `${name} #${index}`;
    try {
      object(c, 'case');
      if (typeof c.get('comment') === 'string') label += ` (${c.get('comment').slice(0, 80)})`;
      const id = c.get('id');
      check(id instanceof JsonNumber && id.text === String(index), `case.id: expected ${index} (ids are 1, 2, 3, ... in order)`);
      doc.checkCase(c);
    } catch (e) {
      failures.push(`${label}: ${describe(e)}`);
    }
  });
  return { checked: doc.tests.length, failures };
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
      const size = fs.statSync(path.join(dir, f)).size;
      if (size > MAX_FILE_BYTES) {
        failures.push(`${f}: ${size} bytes, more than ${MAX_FILE_BYTES}`);
        continue;
      }
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
