// The envelope: the Encryption block, Session, requests (body, field and response-only mode)
// and responses. Everything on the service side that depends on the private key or the
// ciphertext fails with the one DecryptionError "decryption failed".

import crypto from 'node:crypto';
import { b64decode, b64encode } from './base64.js';
import { getSuite, checkKeyType } from './suites.js';
import { locateString, getAt, setAt } from './paths.js';
import { clone, stringify, parseJson, decodeUtf8, encodeUtf8, typeName, isObject } from './json.js';
import {
  DecryptionError, EnvelopeFormatError, KeyFormatError, decryptionFailed, DECRYPTION_FAILED,
} from './errors.js';

export const PROTOCOL_PARAMS = ['Action', 'Version', 'Region'];
export const RESPONSE_CLEAR_FIELDS = ['RequestId', 'Error'];
export const BODY_NAME = 'EncryptedBody';
export const BODY_NAMES = ['EncryptedBody', 'EncryptionBody'];
const BLOCK_FIELDS = ['EncryptList', 'CiphertextBlob', 'Iv', 'Algorithm', 'TagList'];

// -- Session ---------------------------------------------------------------------------------

/** Session: {Algorithm, Key (Buffer), Iv (Buffer or null), CiphertextBlob (Buffer or null)}. */
export function newSession(algorithm) {
  const suite = getSuite(algorithm);
  return { Algorithm: suite.Algorithm, Key: crypto.randomBytes(suite.keySize), Iv: crypto.randomBytes(suite.ivSize), CiphertextBlob: null };
}

/** The session file's JSON object {"Algorithm", "Key", "Iv"} (Iv null when there is none). */
export function sessionToJson(session) {
  return new Map([
    ['Algorithm', session.Algorithm],
    ['Key', b64encode(session.Key)],
    ['Iv', session.Iv === null ? null : b64encode(session.Iv)],
  ]);
}

export function sessionFromJson(value) {
  if (!isObject(value)) throw new EnvelopeFormatError('session: expected an object with Algorithm, Key and Iv');
  for (const k of value.keys()) {
    if (!['Algorithm', 'Key', 'Iv'].includes(k)) throw new EnvelopeFormatError(`session: unknown field ${JSON.stringify(k)}`);
  }
  for (const k of ['Algorithm', 'Key', 'Iv']) {
    if (!value.has(k)) throw new EnvelopeFormatError(`session.${k}: missing`);
  }
  if (typeof value.get('Algorithm') !== 'string') throw new EnvelopeFormatError('session.Algorithm: expected a string');
  const suite = getSuite(value.get('Algorithm'));
  const key = b64decode(value.get('Key'), 'session.Key');
  if (key.length !== suite.keySize) throw new EnvelopeFormatError(`session.Key: ${suite.Algorithm} needs ${suite.keySize} bytes, got ${key.length}`);
  const ivValue = value.get('Iv');
  const iv = ivValue === null ? null : b64decode(ivValue, 'session.Iv');
  if (iv !== null && iv.length !== suite.ivSize) throw new EnvelopeFormatError(`session.Iv: ${suite.Algorithm} needs ${suite.ivSize} bytes, got ${iv.length}`);
  return { Algorithm: suite.Algorithm, Key: key, Iv: iv, CiphertextBlob: null };
}

// -- the Encryption block ------------------------------------------------------------------------

/** Parse an Encryption block strictly; EncryptList absent or null reads as []. */
export function parseBlock(value, where) {
  if (!isObject(value)) throw new EnvelopeFormatError(`${where}: expected an object, got ${typeName(value)}`);
  for (const k of value.keys()) {
    if (!BLOCK_FIELDS.includes(k)) throw new EnvelopeFormatError(`${where}: unknown field ${JSON.stringify(k)} (expected ${BLOCK_FIELDS.join(', ')})`);
  }
  const names = value.get('EncryptList') ?? [];
  if (!Array.isArray(names)) throw new EnvelopeFormatError(`${where}.EncryptList: expected an array of names, got ${typeName(names)}`);
  names.forEach((n, i) => {
    if (typeof n !== 'string' || n === '') throw new EnvelopeFormatError(`${where}.EncryptList[${i}]: expected a non-empty string, got ${typeName(n)}`);
  });
  if (new Set(names).size !== names.length) throw new EnvelopeFormatError(`${where}.EncryptList: names a field more than once`);
  const algorithm = value.get('Algorithm') ?? null;
  if (algorithm !== null && typeof algorithm !== 'string') throw new EnvelopeFormatError(`${where}.Algorithm: expected a string, got ${typeName(algorithm)}`);
  const blob = value.get('CiphertextBlob') ?? null;
  const iv = value.get('Iv') ?? null;
  const tags = value.get('TagList') ?? null;
  if (tags !== null && !Array.isArray(tags)) throw new EnvelopeFormatError(`${where}.TagList: expected an array or null, got ${typeName(tags)}`);
  return {
    EncryptList: names,
    CiphertextBlob: blob === null ? null : b64decode(blob, `${where}.CiphertextBlob`),
    Iv: iv === null ? null : b64decode(iv, `${where}.Iv`),
    Algorithm: algorithm,
    TagList: tags === null ? null : tags.map((t, i) => b64decode(t, `${where}.TagList[${i}]`)),
  };
}

/** One tag (or null) per EncryptList entry: AEAD suites need them, CBC takes [] or null. */
function tagsFor(block, suite, where) {
  const n = block.EncryptList.length;
  if (suite.tagSize === null) {
    if (block.TagList !== null && block.TagList.length > 0) {
      throw new EnvelopeFormatError(`${where}.TagList: ${suite.Algorithm} carries no tags, got ${block.TagList.length}`);
    }
    return new Array(n).fill(null);
  }
  if (block.TagList === null || block.TagList.length !== n) {
    const got = block.TagList === null ? 'null' : String(block.TagList.length);
    throw new EnvelopeFormatError(`${where}.TagList: ${suite.Algorithm} needs ${n} tag(s), one per EncryptList entry, got ${got}`);
  }
  return block.TagList;
}

/** The block in the protocol's field order. */
export function writeBlock(names, blob, iv, algorithm, tags) {
  return new Map([
    ['EncryptList', [...names]],
    ['CiphertextBlob', blob === null ? null : b64encode(blob)],
    ['Iv', iv === null ? null : b64encode(iv)],
    ['Algorithm', algorithm],
    ['TagList', tags === null ? null : tags.map(b64encode)],
  ]);
}

// -- sealing and opening payloads ----------------------------------------------------------------

function checkPayload(payload, where) {
  if (!isObject(payload)) throw new EnvelopeFormatError(`${where}: expected a JSON object, got ${typeName(payload)}`);
  for (const reserved of ['Encryption', ...BODY_NAMES]) {
    if (payload.has(reserved)) throw new EnvelopeFormatError(`${where}.${reserved}: already present; is this payload encrypted already?`);
  }
}

/**
 * Encrypt a payload: body mode (fields null: every key not in `clear` into EncryptedBody; in the
 * output, string values become "" and other values are removed) or field mode (paths).
 */
function seal(payload, suite, key, iv, clear, fields, where) {
  checkPayload(payload, where);
  const tags = [];
  if (fields === null) {
    const sensitive = new Map([...payload].filter(([k]) => !clear.includes(k)));
    if (sensitive.size === 0) throw new EnvelopeFormatError(`${where}: nothing to encrypt (only ${clear.join(', ')})`);
    const body = encodeUtf8(stringify(sensitive), where);
    const { ciphertext, tag } = suite.seal(body, key, iv);
    const out = new Map();
    for (const [k, v] of payload) {
      if (clear.includes(k)) out.set(k, clone(v));
      else if (typeof v === 'string') out.set(k, '');
    }
    out.set(BODY_NAME, b64encode(ciphertext));
    if (tag) tags.push(tag);
    return { out, names: [BODY_NAME], tags };
  }
  if (fields.length === 0) throw new EnvelopeFormatError('fields: name at least one field to encrypt');
  if (new Set(fields).size !== fields.length) throw new EnvelopeFormatError('fields: a field is named more than once');
  const out = clone(payload);
  for (const path of fields) {
    const loc = locateString(out, path, where);
    const { ciphertext, tag } = suite.seal(encodeUtf8(getAt(loc), `${where} ${path}`), key, iv);
    setAt(loc, b64encode(ciphertext));
    if (tag) tags.push(tag);
  }
  return { out, names: [...fields], tags };
}

/** The (name, ciphertext, tag) of every EncryptList entry; shape errors name the field. */
function sealedParts(payload, block, tags, where) {
  return block.EncryptList.map((name, i) => {
    if (BODY_NAMES.includes(name)) {
      const present = BODY_NAMES.filter((n) => payload.has(n));
      if (present.length === 0) throw new EnvelopeFormatError(`${where}.Encryption.EncryptList: names ${JSON.stringify(name)}, which is not in the ${where}`);
      if (present.length > 1) throw new EnvelopeFormatError(`${where}: has both EncryptedBody and EncryptionBody`);
      return { name: present[0], body: true, ciphertext: b64decode(payload.get(present[0]), `${where}.${present[0]}`), tag: tags[i] };
    }
    const loc = locateString(payload, name, `${where}.Encryption.EncryptList`);
    return { name, body: false, ciphertext: b64decode(getAt(loc), `${where}.${name}`), tag: tags[i] };
  });
}

/** Drop Encryption and the body fields (when `onlyEmpty`, only null or "" body fields). */
function withoutEnvelope(payload, where, onlyEmpty) {
  const out = new Map();
  for (const [k, v] of payload) {
    if (k === 'Encryption') continue;
    if (BODY_NAMES.includes(k)) {
      if (!onlyEmpty || v === null || v === '') continue;
      throw new EnvelopeFormatError(`${where}.${k}: present, but the Encryption block lists nothing to decrypt`);
    }
    out.set(k, clone(v));
  }
  return out;
}

/** Decrypt the parts into a copy of payload without its envelope fields. */
function openParts(payload, parts, suite, key, iv, where) {
  const out = withoutEnvelope(payload, where, false);
  for (const part of parts) {
    let plaintext;
    try {
      plaintext = suite.open(part.ciphertext, key, iv, part.tag);
    } catch (e) {
      if (e instanceof DecryptionError) {
        throw new DecryptionError(`${part.name.startsWith(`${where}.`) ? part.name : `${where}.${part.name}`}: decryption failed (wrong key or IV, or the ciphertext was altered)`);
      }
      throw e;
    }
    if (part.body) {
      const body = parseJson(decodeUtf8(plaintext, `${where}.${part.name}`), `${where}.${part.name} (decrypted)`);
      if (!isObject(body)) throw new EnvelopeFormatError(`${where}.${part.name}: decrypted JSON is not an object`);
      for (const [k, v] of body) out.set(k, v);
    } else {
      setAt(locateString(out, part.name, `${where}.Encryption.EncryptList`), decodeUtf8(plaintext, `${where}.${part.name}`));
    }
  }
  return out;
}

// -- requests --------------------------------------------------------------------------------

/** Client side with given key material (the deterministic path that vectors use). */
export function sealRequest(params, session, fields, responseOnly = false) {
  const suite = getSuite(session.Algorithm);
  if (responseOnly) {
    if (fields !== null) throw new EnvelopeFormatError('fields: response-only requests encrypt nothing');
    checkPayload(params, 'params');
    const wire = clone(params);
    wire.set('Encryption', writeBlock([], session.CiphertextBlob, session.Iv, suite.Algorithm, []));
    return wire;
  }
  const { out, names, tags } = seal(params, suite, session.Key, session.Iv, PROTOCOL_PARAMS, fields, 'params');
  out.set('Encryption', writeBlock(names, session.CiphertextBlob, session.Iv, suite.Algorithm, tags));
  return out;
}

/** Client side: a fresh key and IV, the key wrapped to the service's public key. */
export function encryptRequest(params, publicKey, algorithm, fields = null, { responseOnly = false } = {}) {
  const suite = getSuite(algorithm);
  checkKeyType(suite, publicKey, 'public');
  const session = newSession(suite.Algorithm);
  session.CiphertextBlob = suite.wrap(session.Key, publicKey);
  return { wire: sealRequest(params, session, fields, responseOnly), session };
}

/**
 * Service side with a keyring: the keys whose type fits the Algorithm are tried in order.
 * Returns {params, session}; session.Iv is null for a response-only request without Iv.
 */
export function decryptRequest(wire, privateKeys) {
  if (!isObject(wire)) throw new EnvelopeFormatError(`request: expected a JSON object, got ${typeName(wire)}`);
  if (!wire.has('Encryption')) throw new EnvelopeFormatError('request.Encryption: missing; this request is not encrypted');
  const block = parseBlock(wire.get('Encryption'), 'Encryption');
  const suite = getSuite(block.Algorithm);
  if (block.CiphertextBlob === null) throw new EnvelopeFormatError('Encryption.CiphertextBlob: missing');
  const bodyPresent = BODY_NAMES.some((n) => wire.has(n));
  const responseOnly = block.EncryptList.length === 0
    || (block.EncryptList.every((n) => BODY_NAMES.includes(n)) && !bodyPresent);
  let parts = [];
  if (responseOnly) {
    if (block.TagList !== null && block.TagList.length > 0) throw new EnvelopeFormatError('Encryption.TagList: a response-only request carries no tags');
    for (const n of BODY_NAMES) {
      if (wire.has(n) && wire.get(n) !== null && wire.get(n) !== '') throw new EnvelopeFormatError(`request.${n}: present, but the Encryption block lists nothing to decrypt`);
    }
  } else if (block.Iv === null) {
    throw new EnvelopeFormatError('Encryption.Iv: missing');
  }
  if (block.Iv !== null && block.Iv.length !== suite.ivSize) {
    throw new EnvelopeFormatError(`Encryption.Iv: ${suite.Algorithm} needs ${suite.ivSize} bytes, got ${block.Iv.length}`);
  }
  if (!responseOnly) parts = sealedParts(wire, block, tagsFor(block, suite, 'Encryption'), 'request');
  const candidates = privateKeys.filter((k) => k.type === suite.keyType);
  if (candidates.length === 0) throw new KeyFormatError(`no ${suite.keyType} private key given for ${suite.Algorithm}`);
  for (const privateKey of candidates) {
    let key = null;
    try {
      key = suite.unwrap(block.CiphertextBlob, privateKey);
    } catch (e) {
      if (!(e instanceof DecryptionError)) throw e;
    }
    // A failed unwrap still costs a body decryption (with a random key), so that timing does not tell.
    const usedKey = key ?? crypto.randomBytes(suite.keySize);
    let params = null;
    try {
      params = responseOnly ? withoutEnvelope(wire, 'request', true) : openParts(wire, parts, suite, usedKey, block.Iv, 'request');
    } catch (e) {
      if (!(e instanceof DecryptionError || e instanceof EnvelopeFormatError)) throw e;
    }
    if (key !== null && params !== null) {
      return { params, session: { Algorithm: suite.Algorithm, Key: key, Iv: block.Iv, CiphertextBlob: block.CiphertextBlob } };
    }
  }
  throw new DecryptionError(DECRYPTION_FAILED);
}

// -- responses -------------------------------------------------------------------------------

function unwrapResponse(response) {
  if (!isObject(response)) throw new EnvelopeFormatError(`Response: expected a JSON object, got ${typeName(response)}`);
  if (response.size === 1 && response.has('Response')) {
    const inner = response.get('Response');
    if (!isObject(inner)) throw new EnvelopeFormatError(`Response: expected an object, got ${typeName(inner)}`);
    return { wrapped: true, inner };
  }
  return { wrapped: false, inner: response };
}

const rewrap = (wrapped, inner) => (wrapped ? new Map([['Response', inner]]) : inner);

/**
 * The service side: encrypt a response (body mode, or field paths). The IV is `iv` when given,
 * a fresh one with freshIv or when the session has none, else the session's.
 */
export function encryptResponse(session, response, fields = null, { freshIv = false, iv = null } = {}) {
  const suite = getSuite(session.Algorithm);
  const { wrapped, inner } = unwrapResponse(response);
  let useIv = iv;
  if (useIv === null) useIv = freshIv || session.Iv === null ? crypto.randomBytes(suite.ivSize) : session.Iv;
  if (useIv.length !== suite.ivSize) throw new EnvelopeFormatError(`iv: ${suite.Algorithm} needs ${suite.ivSize} bytes`);
  const { out, names, tags } = seal(inner, suite, session.Key, useIv, RESPONSE_CLEAR_FIELDS, fields, 'Response');
  out.set('Encryption', writeBlock(names, session.CiphertextBlob, useIv, suite.Algorithm, suite.tagSize === null ? null : tags));
  if (out.has('RequestId')) {
    const requestId = out.get('RequestId');
    out.delete('RequestId');
    out.set('RequestId', requestId);
  }
  return rewrap(wrapped, out);
}

/** The client side: decrypt with the response's own Iv when present, else the session's. */
export function decryptResponse(session, response) {
  const suite = getSuite(session.Algorithm);
  const { wrapped, inner } = unwrapResponse(response);
  const encryption = inner.get('Encryption') ?? null;
  if (encryption === null) return rewrap(wrapped, withoutEnvelope(inner, 'Response', true));
  const block = parseBlock(encryption, 'Response.Encryption');
  const algorithm = block.Algorithm ?? 'AES-256-CBC';
  if (algorithm !== suite.Algorithm) {
    throw new EnvelopeFormatError(`Response.Encryption.Algorithm: ${JSON.stringify(algorithm)}, but the session is ${JSON.stringify(suite.Algorithm)}`);
  }
  if (block.EncryptList.length === 0) {
    if (block.TagList !== null && block.TagList.length > 0) throw new EnvelopeFormatError('Response.Encryption.TagList: tags, but nothing is encrypted');
    return rewrap(wrapped, withoutEnvelope(inner, 'Response', true));
  }
  const iv = block.Iv ?? session.Iv;
  if (iv === null) throw new EnvelopeFormatError('Response.Encryption.Iv: missing, and the session has no Iv');
  if (iv.length !== suite.ivSize) throw new EnvelopeFormatError(`Response.Encryption.Iv: ${suite.Algorithm} needs ${suite.ivSize} bytes, got ${iv.length}`);
  const parts = sealedParts(inner, block, tagsFor(block, suite, 'Response.Encryption'), 'Response');
  return rewrap(wrapped, openParts(inner, parts, suite, session.Key, iv, 'Response'));
}

export { decryptionFailed };
