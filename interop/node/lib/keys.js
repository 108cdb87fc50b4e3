// Keys as users hold them. Public: the vendor's base64-of-PEM, plain PEM (RSA PKCS#1 or SPKI,
// SM2 SPKI) or DER. Private: PEM (RSA PKCS#1 or PKCS#8, SM2 PKCS#8 or SEC1 "EC PRIVATE KEY").
// RSA keys go through node:crypto; SM2 keys are parsed here and never handed to node:crypto.

import crypto from 'node:crypto';
import * as der from './der.js';
import * as sm2 from './sm2.js';
import * as rsa from './rsa.js';
import { KeyFormatError } from './errors.js';
import { isStrictBase64 } from './base64.js';

const OID_RSA = '1.2.840.113549.1.1.1';
const OID_EC = '1.2.840.10045.2.1';
const OID_SM2 = '1.2.156.10197.1.301';

const PEM = /^-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\r\n]+?)\r?\n?-----END \1-----\s*$/;

/** The (label, DER) of one PEM block; the text must be exactly one block. */
function readPem(text) {
  const m = PEM.exec(text.trim() + '\n');
  if (!m) return null;
  const body = m[2].replace(/[\r\n]/g, '');
  if (!isStrictBase64(body)) throw new KeyFormatError('PEM body is not valid base64');
  return { label: m[1], der: Buffer.from(body, 'base64') };
}

/** PEM text, the vendor's base64 of it, or DER bytes, as {label, der} (label null for DER). */
function unarmor(data, what) {
  const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data);
  if (bytes.length > 0 && bytes[0] === 0x30) return { label: null, der: bytes };
  const text = bytes.toString('latin1').trim();
  if (text.startsWith('-----BEGIN ')) {
    const pem = readPem(text);
    if (!pem) throw new KeyFormatError(`${what}: malformed PEM`);
    return pem;
  }
  const compact = text.replace(/\s+/g, '');
  if (compact.length > 0 && isStrictBase64(compact)) {
    const inner = Buffer.from(compact, 'base64').toString('latin1').trim();
    if (inner.startsWith('-----BEGIN ')) {
      const pem = readPem(inner);
      if (!pem) throw new KeyFormatError(`${what}: the base64 text decodes to malformed PEM`);
      return pem;
    }
  }
  throw new KeyFormatError(`${what}: expected PEM, the vendor's base64 of PEM, or DER`);
}

function rsaPublic(derBytes, type) {
  try {
    const keyObject = crypto.createPublicKey({ key: derBytes, format: 'der', type });
    if (keyObject.asymmetricKeyType !== 'rsa') throw new Error('not RSA');
    return { type: 'RSA', keyObject };
  } catch {
    throw new KeyFormatError('public key: not a valid RSA public key');
  }
}

function sm2Public(point) {
  try {
    return { type: 'SM2', point: sm2.normalizePoint(point) };
  } catch {
    throw new KeyFormatError('public key: the SM2 point is not on the curve sm2p256v1');
  }
}

/** {type: 'RSA', keyObject} or {type: 'SM2', point} from the bytes of a key file. */
export function loadPublicKey(data) {
  const { label, der: bytes } = unarmor(data, 'public key');
  if (label === 'RSA PUBLIC KEY') return rsaPublic(bytes, 'pkcs1');
  if (label !== null && label !== 'PUBLIC KEY') throw new KeyFormatError(`public key: unexpected PEM label ${label}`);
  let algorithm, params, key;
  try {
    const [alg, bits, extra] = der.sequence(bytes);
    if (extra) throw new der.DerError('extra fields');
    const algParts = der.sequence(bytes, der.expect(alg, 0x30, 'AlgorithmIdentifier'));
    algorithm = der.oid(algParts[0]);
    params = algParts[1]?.tag === 0x06 ? der.oid(algParts[1]) : null;
    key = der.bitString(bits);
  } catch (e) {
    if (label === null) {
      // DER that is not SPKI may be PKCS#1.
      return rsaPublic(bytes, 'pkcs1');
    }
    throw new KeyFormatError(`public key: malformed SubjectPublicKeyInfo (${e.message})`);
  }
  if (algorithm === OID_RSA) return rsaPublic(bytes, 'spki');
  if ((algorithm === OID_EC && params === OID_SM2) || algorithm === OID_SM2) return sm2Public(key);
  if (algorithm === OID_EC) throw new KeyFormatError(`public key: EC curve ${params} is not sm2p256v1 (${OID_SM2})`);
  throw new KeyFormatError(`public key: unsupported algorithm ${algorithm}`);
}

/** SEC1 ECPrivateKey; `curveFromOuter` is the curve OID of a PKCS#8 wrapper, if any. */
function sm2FromEcPrivateKey(bytes, curveFromOuter) {
  let d, curve = curveFromOuter, embedded = null;
  try {
    const [version, priv, ...rest] = der.sequence(bytes);
    if (der.uint(version) !== 1n) throw new der.DerError('ECPrivateKey version is not 1');
    der.expect(priv, 0x04, 'an OCTET STRING');
    if (priv.value.length === 0 || priv.value.length > 32) throw new der.DerError('bad private scalar length');
    d = BigInt('0x' + Buffer.from(priv.value).toString('hex'));
    for (const field of rest) {
      if (field.tag === 0xa0) {
        const inner = der.children(bytes, field);
        const c = der.oid(inner[0]);
        if (curve !== null && c !== curve) throw new der.DerError('curve parameters disagree');
        curve = c;
      } else if (field.tag === 0xa1) {
        embedded = der.bitString(der.children(bytes, field)[0]);
      } else throw new der.DerError('unexpected field');
    }
  } catch (e) {
    throw new KeyFormatError(`private key: malformed EC private key (${e.message})`);
  }
  if (curve !== OID_SM2) throw new KeyFormatError(`private key: EC curve ${curve ?? '(not given)'} is not sm2p256v1 (${OID_SM2})`);
  if (d < 1n || d > sm2.N - 2n) throw new KeyFormatError('private key: SM2 scalar out of range');
  const point = sm2.publicPointOf(d);
  if (embedded !== null) {
    let given;
    try { given = sm2.normalizePoint(embedded); } catch { given = null; }
    if (given === null || !given.equals(point)) throw new KeyFormatError('private key: the embedded SM2 public key does not match the private scalar');
  }
  return { type: 'SM2', d, point };
}

function rsaPrivate(pem) {
  let keyObject;
  try {
    keyObject = crypto.createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new KeyFormatError('private key: not a valid RSA private key');
  }
  if (keyObject.asymmetricKeyType !== 'rsa') throw new KeyFormatError('private key: not an RSA key');
  return { type: 'RSA', keyObject, numbers: rsa.privateNumbers(keyObject), publicKeyObject: crypto.createPublicKey(keyObject) };
}

/** {type: 'RSA', keyObject, numbers, publicKeyObject} or {type: 'SM2', d, point}. */
export function loadPrivateKey(data) {
  const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data);
  const text = bytes.toString('latin1').trim();
  const pem = text.startsWith('-----BEGIN ') ? readPem(text) : null;
  if (!pem) throw new KeyFormatError('private key: expected PEM (RSA PKCS#1 or PKCS#8, SM2 PKCS#8 or SEC1)');
  if (pem.label === 'RSA PRIVATE KEY') return rsaPrivate(text);
  if (pem.label === 'EC PRIVATE KEY') return sm2FromEcPrivateKey(pem.der, null);
  if (pem.label !== 'PRIVATE KEY') throw new KeyFormatError(`private key: unexpected PEM label ${pem.label}`);
  let algorithm, params, inner;
  try {
    const [version, alg, key] = der.sequence(pem.der);
    if (der.uint(version) > 1n) throw new der.DerError('unknown PKCS#8 version');
    const algParts = der.sequence(pem.der, der.expect(alg, 0x30, 'AlgorithmIdentifier'));
    algorithm = der.oid(algParts[0]);
    params = algParts[1]?.tag === 0x06 ? der.oid(algParts[1]) : null;
    inner = der.expect(key, 0x04, 'an OCTET STRING').value;
  } catch (e) {
    throw new KeyFormatError(`private key: malformed PKCS#8 (${e.message})`);
  }
  if (algorithm === OID_RSA) return rsaPrivate(text);
  if (algorithm === OID_EC || algorithm === OID_SM2) return sm2FromEcPrivateKey(Buffer.from(inner), algorithm === OID_SM2 ? OID_SM2 : params);
  throw new KeyFormatError(`private key: unsupported algorithm ${algorithm}`);
}

/** The public key of a private key, in the form loadPublicKey returns. */
export function publicOf(privateKey) {
  if (privateKey.type === 'RSA') return { type: 'RSA', keyObject: privateKey.publicKeyObject };
  return { type: 'SM2', point: privateKey.point };
}

export function samePublic(a, b) {
  if (a.type !== b.type) return false;
  if (a.type === 'SM2') return a.point.equals(b.point);
  const x = rsa.publicNumbers(a.keyObject), y = rsa.publicNumbers(b.keyObject);
  return x.n === y.n && x.e === y.e;
}
