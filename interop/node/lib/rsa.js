// RSAES-PKCS1-v1_5 key wrap. Encryption through node:crypto; the private operation is done with
// BigInt from the JWK export (Node 20 refuses PKCS#1 v1.5 private decryption), blinded, and the
// type-2 padding is checked strictly: every fault is the one DecryptionError.

import crypto from 'node:crypto';
import { decryptionFailed, KeyFormatError } from './errors.js';
import { modPow } from './bigint.js';

const toBig = (bytes) => BigInt('0x' + (Buffer.from(bytes).toString('hex') || '0'));
const fromB64url = (s) => toBig(Buffer.from(s, 'base64url'));

function toBytes(n, size) {
  const h = n.toString(16).padStart(size * 2, '0');
  if (h.length > size * 2) throw new RangeError('integer too large');
  return Buffer.from(h, 'hex');
}

function modInverse(a, m) {
  let [r0, r1] = [a % m, m];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  if (r0 !== 1n) return null;
  return ((s0 % m) + m) % m;
}

/** The numbers of an RSA private KeyObject (never printed). */
export function privateNumbers(keyObject) {
  const jwk = keyObject.export({ format: 'jwk' });
  return {
    n: fromB64url(jwk.n), e: fromB64url(jwk.e), d: fromB64url(jwk.d),
    p: fromB64url(jwk.p), q: fromB64url(jwk.q), dp: fromB64url(jwk.dp), dq: fromB64url(jwk.dq), qi: fromB64url(jwk.qi),
  };
}

export function publicNumbers(keyObject) {
  const jwk = keyObject.export({ format: 'jwk' });
  return { n: fromB64url(jwk.n), e: fromB64url(jwk.e) };
}

export function modulusSize(keyObject) {
  return Math.ceil(keyObject.asymmetricKeyDetails.modulusLength / 8);
}

/** Wrap with random padding (node:crypto, RSA_PKCS1_PADDING). */
export function wrap(publicKeyObject, message) {
  if (message.length > modulusSize(publicKeyObject) - 11) throw new KeyFormatError('RSA key too small for the symmetric key');
  return crypto.publicEncrypt({ key: publicKeyObject, padding: crypto.constants.RSA_PKCS1_PADDING }, message);
}

/** Wrap with a given padding string PS: (00 02 PS 00 M)^e mod n, for test vectors. */
export function wrapWithPadding(publicKeyObject, message, paddingString) {
  const size = modulusSize(publicKeyObject);
  if (paddingString.length !== size - 3 - message.length || paddingString.includes(0)) {
    throw new RangeError(`rsa_padding: expected ${size - 3 - message.length} non-zero bytes`);
  }
  const em = Buffer.concat([Buffer.from([0, 2]), paddingString, Buffer.from([0]), message]);
  return crypto.publicEncrypt({ key: publicKeyObject, padding: crypto.constants.RSA_NO_PADDING }, em);
}

/** The private RSA operation, CRT with blinding. */
function privateOp(numbers, c) {
  const { n, e, p, q, dp, dq, qi } = numbers;
  let r, rInv;
  do {
    r = toBig(crypto.randomBytes(Math.ceil(n.toString(16).length / 2))) % n;
    rInv = r > 1n ? modInverse(r, n) : null;
  } while (rInv === null);
  const blinded = (c * modPow(r, e, n)) % n;
  const m1 = modPow(blinded % p, dp, p);
  const m2 = modPow(blinded % q, dq, q);
  const h = (qi * (((m1 - m2) % p) + p)) % p;
  const m = m2 + h * q;
  return (m * rInv) % n;
}

/**
 * Unwrap a key of exactly `keySize` bytes. Checks: ciphertext length = modulus length,
 * c < n, EM = 00 02 PS 00 M with |PS| >= 8 and PS non-zero, |M| = keySize.
 */
export function unwrap(numbers, ciphertext, keySize) {
  const size = Math.ceil(numbers.n.toString(16).length / 2);
  if (ciphertext.length !== size) throw decryptionFailed();
  const c = toBig(ciphertext);
  if (c >= numbers.n) throw decryptionFailed();
  const em = toBytes(privateOp(numbers, c), size);
  // Find the separator without branching on secret bytes until the end.
  let bad = (em[0] ^ 0) | (em[1] ^ 2);
  let sepIndex = 0;
  let found = 0;
  for (let i = 2; i < size; i++) {
    const isZero = em[i] === 0 ? 1 : 0;
    const first = isZero & (found ^ 1);
    sepIndex = first ? i : sepIndex;
    found |= isZero;
  }
  bad |= found ^ 1;
  bad |= sepIndex < 10 ? 1 : 0; // at least 8 padding bytes
  bad |= (size - sepIndex - 1) !== keySize ? 1 : 0;
  if (bad !== 0) throw decryptionFailed();
  return Buffer.from(em.subarray(sepIndex + 1));
}
