// Keys as users hold them (vectors/README.md, "ocrcrypto_key_vectors.json"), parsed here with
// lib/der.js: nothing is handed to node:crypto until the numbers are known and checked.
//
// Public keys: the vendor's base64-of-PEM, PEM (RSA PUBLIC KEY = PKCS#1, PUBLIC KEY = SPKI),
// DER of either, base64 DER; SM2 also as raw hex 04||X||Y (130 digits), X||Y (128) or
// 02/03||X (66), SPKI with id-ecPublicKey (sm2p256v1, absent or NULL parameters) or the SM2 OID
// in the algorithm slot, uncompressed or compressed points (decompressed and checked).
// Private keys: RSA PKCS#1 and PKCS#8; SM2 PKCS#8, SEC1 (EC PRIVATE KEY or SM2 PRIVATE KEY, with
// or without parameters and embedded public key) and raw hex d of 1 to 64 digits.
// Text is tolerated with surrounding whitespace, CRLF, literal "\n" escapes, line breaks inside
// base64 and a leading BOM. RSA below 1024 bits, encrypted PEM and anything else fail with
// KeyFormatError. Every reader is linear in its input.

import crypto from 'node:crypto';
import * as der from './der.js';
import * as sm2 from './sm2.js';
import { KeyFormatError } from './errors.js';
import { isStrictBase64 } from './base64.js';

export const MIN_RSA_BITS = 1024;
const MAX_RSA_BITS = 16384;
const MAX_INPUT_BYTES = 1024 * 1024;
const MAX_DER_BYTES = 65536;

const OID_RSA = '1.2.840.113549.1.1.1';
const OID_EC = '1.2.840.10045.2.1';
const OID_SM2 = '1.2.156.10197.1.301';

const PUBLIC_LABELS = ['PUBLIC KEY', 'RSA PUBLIC KEY'];
const PRIVATE_LABELS = ['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY', 'SM2 PRIVATE KEY'];

const toBig = (bytes) => BigInt('0x' + (Buffer.from(bytes).toString('hex') || '0'));
const bitLength = (n) => (n === 0n ? 0 : n.toString(2).length);
const b64url = (n) => {
  let h = n.toString(16);
  if (h.length % 2) h = '0' + h;
  return Buffer.from(h, 'hex').toString('base64url');
};

/** Minimal big-endian hex of a positive integer (no leading zero byte). */
export function minimalHex(n) {
  const h = n.toString(16);
  return h.length % 2 ? '0' + h : h;
}

function isTextByte(b) {
  return (b >= 0x20 && b <= 0x7e) || b === 0x09 || b === 0x0a || b === 0x0d;
}

const ASCII_WS = /[ \t\r\n\f\v]+/g;

// -- the text layer --------------------------------------------------------------------------

/**
 * The DER of a key from whatever the user holds. `kind` is 'public' or 'private'; returns
 * {der, label} (label null for DER not under a PEM label) or {hex} for raw hex.
 */
function unarmor(data, kind) {
  const what = `${kind} key`;
  let text;
  if (typeof data === 'string') {
    if (data.length > MAX_INPUT_BYTES) throw new KeyFormatError(`${what}: ${data.length} characters, more than any key file`);
    text = data.trim(); // String.prototype.trim also removes U+FEFF
    for (let i = 0; i < text.length; i++) {
      if (!isTextByte(text.charCodeAt(i))) throw new KeyFormatError(`${what}: the text holds a character that is not printable ASCII`);
    }
  } else if (data instanceof Uint8Array) {
    let bytes = Buffer.from(data);
    if (bytes.length > MAX_INPUT_BYTES) throw new KeyFormatError(`${what}: ${bytes.length} bytes, more than any key file`);
    if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
    if (!bytes.every(isTextByte)) {
      if (bytes.length > 0 && bytes[0] === 0x30) return { der: bytes, label: null };
      throw new KeyFormatError(`${what}: neither DER (starting with a SEQUENCE, 0x30) nor ASCII text`);
    }
    text = bytes.toString('latin1').trim();
  } else {
    throw new KeyFormatError(`${what}: expected text or bytes`);
  }
  if (text === '') throw new KeyFormatError(`${what}: empty`);
  if (text.includes('-----BEGIN')) return readPem(text, kind);
  const compact = text.replace(ASCII_WS, '');
  if (/^[0-9a-fA-F]+$/.test(compact)) return { hex: compact.toLowerCase() };
  if (isStrictBase64(compact)) {
    const decoded = Buffer.from(compact, 'base64');
    let start = 0;
    while (start < decoded.length && [0x20, 0x09, 0x0a, 0x0d].includes(decoded[start])) start++;
    if (decoded.subarray(start, start + 10).toString('latin1') === '-----BEGIN') {
      if (!decoded.every(isTextByte)) throw new KeyFormatError(`${what}: the base64 text decodes to PEM with bytes that are not ASCII text`);
      return readPem(decoded.toString('latin1'), kind);
    }
    if (decoded.length > 0 && decoded[0] === 0x30) return { der: decoded, label: null };
  }
  throw new KeyFormatError(`${what}: not a recognised form (PEM, the vendor's base64 of PEM, base64 DER, DER${kind === 'public' ? ', SM2 hex' : ', SM2 hex d'})`);
}

/** The first PEM block of the text: {label, der}. Literal "\n" and "\r" escapes are line breaks. */
function readPem(rawText, kind) {
  const what = `${kind} key`;
  const text = rawText.replaceAll('\\r', '\r').replaceAll('\\n', '\n');
  const begin = text.indexOf('-----BEGIN') + '-----BEGIN'.length;
  const labelEnd = text.indexOf('-----', begin);
  if (labelEnd < 0) throw new KeyFormatError(`${what}: the PEM BEGIN line is not closed by -----`);
  const rawLabel = text.slice(begin, labelEnd);
  if (!/^ [A-Z0-9 ]+$/.test(rawLabel)) throw new KeyFormatError(`${what}: the PEM BEGIN line has no label of capitals, digits and spaces`);
  const label = rawLabel.slice(1);
  const bodyStart = labelEnd + 5;
  const bodyEnd = text.indexOf(`-----END ${label}-----`, bodyStart);
  if (bodyEnd < 0) throw new KeyFormatError(`${what}: PEM without its -----END ${label.slice(0, 40)}----- line`);
  const body = text.slice(bodyStart, bodyEnd);
  if (label === 'ENCRYPTED PRIVATE KEY' || body.includes('Proc-Type:')) {
    throw new KeyFormatError(`${what}: encrypted PEM is not supported; decrypt the key first`);
  }
  const labels = kind === 'public' ? PUBLIC_LABELS : PRIVATE_LABELS;
  if (!labels.includes(label)) throw new KeyFormatError(`${what}: PEM label ${JSON.stringify(label.slice(0, 40))} is not one of ${labels.join(', ')}`);
  const b64 = body.replace(ASCII_WS, '');
  if (b64 === '' || !isStrictBase64(b64)) throw new KeyFormatError(`${what}: the PEM body is not valid base64`);
  return { der: Buffer.from(b64, 'base64'), label };
}

// -- DER structures --------------------------------------------------------------------------

/** Run a DER parse; DerError (and any slip of the parser) becomes a KeyFormatError. */
function parsing(what, fn) {
  try {
    return fn();
  } catch (e) {
    if (e instanceof KeyFormatError) throw e;
    throw new KeyFormatError(`${what}: malformed DER (${e instanceof der.DerError ? e.message : 'unreadable'})`);
  }
}

/** The top-level SEQUENCE's children; the DER must be exactly one SEQUENCE. */
function topSequence(bytes, what) {
  if (bytes.length === 0 || bytes[0] !== 0x30) throw new KeyFormatError(`${what}: DER must start with a SEQUENCE (0x30)`);
  if (bytes.length > MAX_DER_BYTES) throw new KeyFormatError(`${what}: ${bytes.length} bytes of DER, more than any key has`);
  return parsing(what, () => der.sequence(bytes));
}

/** AlgorithmIdentifier: {oid, params} with params null (absent), 'NULL', an OID string, or throws. */
function algorithmIdentifier(buf, tlv, what) {
  return parsing(what, () => {
    const parts = der.sequence(buf, der.expect(tlv, 0x30, 'an AlgorithmIdentifier'));
    if (parts.length < 1 || parts.length > 2) throw new der.DerError('AlgorithmIdentifier has 1 or 2 fields');
    const oid = der.oid(parts[0]);
    let params = null;
    if (parts.length === 2) {
      const p = parts[1];
      if (p.tag === 0x05) {
        if (p.value.length !== 0) throw new der.DerError('NULL with content');
        params = 'NULL';
      } else if (p.tag === 0x06) params = der.oid(p);
      else params = { tag: p.tag };
    }
    return { oid, params };
  });
}

/** The curve of SM2 parameters: absent, NULL or the sm2p256v1 OID; anything else fails. */
function checkSm2Params(params, what) {
  if (params === null || params === 'NULL' || params === OID_SM2) return;
  if (typeof params === 'string') throw new KeyFormatError(`${what}: EC curve ${params} is not SM2 (sm2p256v1, ${OID_SM2})`);
  throw new KeyFormatError(`${what}: EC parameters are not a named curve (explicit curves are not supported)`);
}

function checkRsaParams(params, what) {
  if (params !== null && params !== 'NULL') throw new KeyFormatError(`${what}: RSA AlgorithmIdentifier parameters must be NULL`);
}

function rsaPublicFromNumbers(n, e, what) {
  const bits = bitLength(n);
  if (bits < MIN_RSA_BITS) throw new KeyFormatError(`${what}: RSA-${bits} is too small (minimum ${MIN_RSA_BITS} bits)`);
  if (bits > MAX_RSA_BITS) throw new KeyFormatError(`${what}: RSA-${bits} is larger than ${MAX_RSA_BITS} bits`);
  if ((n & 1n) === 0n) throw new KeyFormatError(`${what}: the RSA modulus is even`);
  if (e < 3n || (e & 1n) === 0n || e >= n) throw new KeyFormatError(`${what}: the RSA public exponent is not an odd number from 3 to n-1`);
  let keyObject;
  try {
    keyObject = crypto.createPublicKey({ key: { kty: 'RSA', n: b64url(n), e: b64url(e) }, format: 'jwk' });
  } catch {
    throw new KeyFormatError(`${what}: not a usable RSA public key`);
  }
  return { type: 'RSA', keyObject, n, e, bits };
}

/** RSAPublicKey (PKCS#1): SEQUENCE { n, e }. */
function rsaPublicPkcs1(bytes, what) {
  const [n, e] = parsing(what, () => {
    const parts = topSequenceStrict(bytes);
    if (parts.length !== 2) throw new der.DerError('RSAPublicKey has two INTEGERs');
    return [der.uint(parts[0]), der.uint(parts[1])];
  });
  return rsaPublicFromNumbers(n, e, what);
}

function topSequenceStrict(bytes) {
  if (bytes.length === 0 || bytes[0] !== 0x30) throw new der.DerError('expected a SEQUENCE');
  return der.sequence(bytes);
}

function sm2Public(pointBytes, what) {
  try {
    return { type: 'SM2', point: sm2.decodePoint(pointBytes) };
  } catch (e) {
    throw new KeyFormatError(`${what}: SM2 point: ${e.message}`);
  }
}

/** SubjectPublicKeyInfo (its children already split). */
function publicFromSpki(bytes, parts, what) {
  if (parts.length !== 2) throw new KeyFormatError(`${what}: SubjectPublicKeyInfo has two fields`);
  const { oid, params } = algorithmIdentifier(bytes, parts[0], what);
  const key = parsing(what, () => der.bitString(parts[1]));
  if (oid === OID_RSA) {
    checkRsaParams(params, what);
    return rsaPublicPkcs1(Buffer.from(key), what);
  }
  if (oid === OID_EC || oid === OID_SM2) {
    checkSm2Params(params, what);
    return sm2Public(key, what);
  }
  throw new KeyFormatError(`${what}: algorithm OID ${oid} is neither RSA nor SM2`);
}

function publicFromDer(bytes, label) {
  const what = 'public key';
  const parts = topSequence(bytes, what);
  if (label === 'RSA PUBLIC KEY' || (label === null && parts[0]?.tag === 0x02)) return rsaPublicPkcs1(bytes, what);
  if (parts[0]?.tag !== 0x30) throw new KeyFormatError(`${what}: neither SubjectPublicKeyInfo nor a PKCS#1 RSA public key`);
  return publicFromSpki(bytes, parts, what);
}

/** RSAPrivateKey (PKCS#1), the numbers checked against each other. */
function rsaPrivatePkcs1(bytes, what) {
  const v = parsing(what, () => {
    const parts = topSequenceStrict(bytes);
    if (parts.length !== 9) throw new der.DerError('RSAPrivateKey has a version and eight INTEGERs (two-prime keys only)');
    const ints = parts.map((p) => der.uint(p));
    if (ints[0] !== 0n) throw new der.DerError('RSAPrivateKey version must be 0');
    return ints.slice(1);
  });
  const [n, e, d, p, q, dp, dq, qi] = v;
  const pub = rsaPublicFromNumbers(n, e, what);
  const ok = p > 1n && q > 1n && p * q === n && d > 0n && d < n
    && dp === d % (p - 1n) && dq === d % (q - 1n)
    && (e * dp) % (p - 1n) === 1n && (e * dq) % (q - 1n) === 1n
    && qi < p && (qi * q) % p === 1n;
  if (!ok) throw new KeyFormatError(`${what}: the RSA private key's numbers do not fit together`);
  let keyObject;
  try {
    keyObject = crypto.createPrivateKey({
      key: { kty: 'RSA', n: b64url(n), e: b64url(e), d: b64url(d), p: b64url(p), q: b64url(q), dp: b64url(dp), dq: b64url(dq), qi: b64url(qi) },
      format: 'jwk',
    });
  } catch {
    throw new KeyFormatError(`${what}: not a usable RSA private key`);
  }
  return { type: 'RSA', keyObject, numbers: { n, e, d, p, q, dp, dq, qi }, publicKeyObject: pub.keyObject, bits: pub.bits };
}

/** SEC1 ECPrivateKey; `outerParams` are the PKCS#8 AlgorithmIdentifier's parameters, if any. */
function sm2FromEcPrivateKey(bytes, what, outerParams = null) {
  const { d, curve, embedded } = parsing(what, () => {
    const parts = topSequenceStrict(bytes);
    if (parts.length < 2 || parts.length > 4) throw new der.DerError('ECPrivateKey has 2 to 4 fields');
    if (der.uint(parts[0]) !== 1n) throw new der.DerError('ECPrivateKey version must be 1');
    const priv = der.expect(parts[1], 0x04, 'an OCTET STRING (the private scalar)');
    if (priv.value.length > 32) throw new der.DerError('the SM2 private scalar is longer than 32 bytes');
    let curve = null, embedded = null, last = 1;
    for (const field of parts.slice(2)) {
      const inner = der.children(bytes, field);
      if (field.tag === 0xa0 && last < 2) {
        if (inner.length !== 1) throw new der.DerError('[0] parameters hold one value');
        curve = inner[0].tag === 0x06 ? der.oid(inner[0]) : inner[0].tag === 0x05 ? 'NULL' : { tag: inner[0].tag };
        last = 2;
      } else if (field.tag === 0xa1 && last < 3) {
        if (inner.length !== 1) throw new der.DerError('[1] publicKey holds one BIT STRING');
        embedded = der.bitString(inner[0]);
        last = 3;
      } else throw new der.DerError('unexpected field in ECPrivateKey');
    }
    return { d: toBig(priv.value), curve, embedded };
  });
  checkSm2Params(outerParams, what);
  checkSm2Params(curve, what);
  return sm2FromScalar(d, what, embedded);
}

function sm2FromScalar(d, what, embedded = null) {
  if (d < 1n || d > sm2.N - 2n) throw new KeyFormatError(`${what}: the SM2 private scalar is out of range (1 to n-2)`);
  const point = sm2.publicPointOf(d);
  if (embedded !== null) {
    let given = null;
    try { given = sm2.decodePoint(embedded); } catch { /* reported below */ }
    if (given === null || !given.equals(point)) throw new KeyFormatError(`${what}: the embedded public key does not match the private scalar`);
  }
  return { type: 'SM2', d, point };
}

/** PrivateKeyInfo (PKCS#8, version 0 or 1, attributes and public key allowed). */
function privateFromPkcs8(bytes, parts, what) {
  const { version, key } = parsing(what, () => {
    if (parts.length < 3 || parts.length > 5) throw new der.DerError('PrivateKeyInfo has 3 to 5 fields');
    const version = der.uint(parts[0]);
    if (version > 1n) throw new der.DerError('unknown PKCS#8 version');
    const key = der.expect(parts[2], 0x04, 'an OCTET STRING (the private key)').value;
    let last = 2;
    for (const field of parts.slice(3)) {
      if (field.tag === 0xa0 && last < 3) last = 3;
      else if ((field.tag === 0x81 || field.tag === 0xa1) && last < 4 && version === 1n) last = 4;
      else throw new der.DerError('unexpected field in PrivateKeyInfo');
    }
    return { version, key };
  });
  void version;
  const { oid, params } = algorithmIdentifier(bytes, parts[1], what);
  if (oid === OID_RSA) {
    checkRsaParams(params, what);
    return rsaPrivatePkcs1(Buffer.from(key), `${what} (RSA PKCS#8)`);
  }
  if (oid === OID_EC || oid === OID_SM2) return sm2FromEcPrivateKey(Buffer.from(key), `${what} (SM2 PKCS#8)`, params);
  throw new KeyFormatError(`${what}: algorithm OID ${oid} is neither RSA nor SM2`);
}

function privateFromDer(bytes, label) {
  const what = 'private key';
  const parts = topSequence(bytes, what);
  const second = parts[1]?.tag;
  if (parts[0]?.tag !== 0x02) throw new KeyFormatError(`${what}: not a private key (PKCS#8, PKCS#1 or SEC1)`);
  if (label === 'PRIVATE KEY' || (label === null && second === 0x30)) return privateFromPkcs8(bytes, parts, what);
  if (label === 'RSA PRIVATE KEY' || (label === null && second === 0x02)) return rsaPrivatePkcs1(bytes, `${what} (PKCS#1 RSA)`);
  if (label === 'EC PRIVATE KEY' || label === 'SM2 PRIVATE KEY' || (label === null && second === 0x04)) return sm2FromEcPrivateKey(bytes, `${what} (SEC1)`);
  throw new KeyFormatError(`${what}: not a private key (PKCS#8, PKCS#1 or SEC1)`);
}

// -- raw hex ---------------------------------------------------------------------------------

function publicFromHex(hex) {
  const what = 'public key';
  const ok = (hex.length === 130 && hex.startsWith('04')) || hex.length === 128 || (hex.length === 66 && (hex.startsWith('02') || hex.startsWith('03')));
  if (!ok) throw new KeyFormatError(`${what}: SM2 hex must be 04||X||Y (130 digits), X||Y (128) or 02/03||X (66), got ${hex.length} digits`);
  return sm2Public(Buffer.from(hex.length === 128 ? '04' + hex : hex, 'hex'), what);
}

function privateFromHex(hex) {
  const what = 'private key';
  if (hex.length > 64) throw new KeyFormatError(`${what}: SM2 hex d has ${hex.length} digits, more than 64`);
  return sm2FromScalar(BigInt('0x' + hex), what);
}

// -- the loaders -----------------------------------------------------------------------------

/**
 * {type: 'RSA', keyObject, n, e, bits} or {type: 'SM2', point (65 bytes)} from a string (as
 * pasted) or bytes (a key file).
 */
export function loadPublicKey(data) {
  const u = unarmor(data, 'public');
  return u.hex !== undefined ? publicFromHex(u.hex) : publicFromDer(u.der, u.label);
}

/** {type: 'RSA', keyObject, numbers, publicKeyObject, bits} or {type: 'SM2', d, point}. */
export function loadPrivateKey(data) {
  const u = unarmor(data, 'private');
  return u.hex !== undefined ? privateFromHex(u.hex) : privateFromDer(u.der, u.label);
}

/** The public key of a private key, in the form loadPublicKey returns. */
export function publicOf(privateKey) {
  if (privateKey.type === 'RSA') {
    const { n, e } = privateKey.numbers;
    return { type: 'RSA', keyObject: privateKey.publicKeyObject, n, e, bits: privateKey.bits };
  }
  return { type: 'SM2', point: privateKey.point };
}

export function samePublic(a, b) {
  if (a.type !== b.type) return false;
  if (a.type === 'SM2') return a.point.equals(b.point);
  return a.n === b.n && a.e === b.e;
}

/** What a loaded key is, in the form of a key vector's `key` (lowercase hex). */
export function describeKey(key) {
  if (key.type === 'RSA') {
    const pub = key.numbers ?? key;
    const out = new Map([['type', 'RSA'], ['bits', key.bits], ['n', minimalHex(pub.n)], ['e', minimalHex(pub.e)]]);
    if (key.numbers) out.set('d', minimalHex(key.numbers.d));
    return out;
  }
  const out = new Map([['type', 'SM2'], ['point', key.point.toString('hex')]]);
  if (key.d !== undefined) out.set('d', key.d.toString(16).padStart(64, '0'));
  return out;
}
