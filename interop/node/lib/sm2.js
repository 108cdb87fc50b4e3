// SM2 public-key encryption (GB/T 32918.4) in C1C3C2 order with the 04 prefix, over sm-crypto-v2.
// sm-crypto-v2 writes hex without the 04 prefix; this module converts to and from the wire bytes.

import { sm2, sm3, kdf } from 'sm-crypto-v2';
import { decryptionFailed } from './errors.js';

export const N = BigInt('0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123');
const C1_SIZE = 65;
const C3_SIZE = 32;

const hex = (bytes) => Buffer.from(bytes).toString('hex');
const scalarHex = (k) => k.toString(16).padStart(64, '0');

/** The uncompressed public point (04 || X || Y, 65 bytes) of a private scalar. */
export function publicPointOf(d) {
  return Buffer.from(sm2.getPublicKeyFromPrivateKey(scalarHex(d)), 'hex');
}

/** 04 || X || Y of a point given in SEC1 form (compressed or not); throws if not on the curve. */
export function normalizePoint(bytes) {
  const point = sm2.precomputePublicKey(hex(bytes));
  point.assertValidity();
  const { x, y } = point.toAffine();
  return Buffer.concat([Buffer.from([4]), Buffer.from(scalarHex(x), 'hex'), Buffer.from(scalarHex(y), 'hex')]);
}

/** Encrypt with the library's own random ephemeral key (its CSPRNG is Web Crypto's). */
export function encrypt(publicPoint, message) {
  const out = sm2.doEncrypt(Uint8Array.from(message), hex(publicPoint), 1);
  return Buffer.concat([Buffer.from([4]), Buffer.from(out, 'hex')]);
}

/**
 * Encrypt with a given ephemeral scalar k (for test vectors), from the library's pieces:
 * C1 = kG, (x2, y2) = kP, t = KDF(x2 || y2), C2 = M xor t, C3 = SM3(x2 || M || y2).
 */
export function encryptWithK(publicPoint, message, k) {
  if (k < 1n || k >= N) throw new RangeError('k out of range');
  const c1 = publicPointOf(k);
  const shared = Buffer.from(sm2.ecdh(scalarHex(k), hex(publicPoint), false));
  if (shared.length !== 65 || shared[0] !== 4) throw new RangeError('unexpected shared point encoding');
  const x2 = shared.subarray(1, 33);
  const y2 = shared.subarray(33, 65);
  const t = Buffer.from(kdf(Buffer.concat([x2, y2]), message.length));
  if (message.length > 0 && t.every((b) => b === 0)) throw new RangeError('KDF output is all zero for this k');
  const c2 = Buffer.from(message.map((b, i) => b ^ t[i]));
  const c3 = Buffer.from(sm3(Buffer.concat([x2, Buffer.from(message), y2])), 'hex');
  return Buffer.concat([c1, c3, c2]);
}

/**
 * Decrypt 04 || X || Y || C3 || C2 with the private scalar d. Any fault (no 04 prefix, too
 * short, C1 off the curve, C3 mismatch) is the one DecryptionError.
 */
export function decrypt(d, ciphertext) {
  if (ciphertext.length <= C1_SIZE + C3_SIZE || ciphertext[0] !== 4) throw decryptionFailed();
  let plain;
  try {
    plain = sm2.doDecrypt(hex(ciphertext.subarray(1)), scalarHex(d), 1, { output: 'array' });
  } catch {
    throw decryptionFailed();
  }
  // sm-crypto-v2 returns an empty array when C3 does not match.
  if (!plain || plain.length !== ciphertext.length - C1_SIZE - C3_SIZE) throw decryptionFailed();
  return Buffer.from(plain);
}
