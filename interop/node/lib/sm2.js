// SM2 public-key encryption (GB/T 32918.4) in C1C3C2 order with the 04 prefix, over sm-crypto-v2.
// sm-crypto-v2 writes hex without the 04 prefix; this module converts to and from the wire bytes.

import { sm2, sm3, kdf } from 'sm-crypto-v2';
import { decryptionFailed } from './errors.js';
import { modPow } from './bigint.js';

export const N = BigInt('0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123');
const C1_SIZE = 65;
const C3_SIZE = 32;

const hex = (bytes) => Buffer.from(bytes).toString('hex');
const scalarHex = (k) => k.toString(16).padStart(64, '0');

/** The uncompressed public point (04 || X || Y, 65 bytes) of a private scalar. */
export function publicPointOf(d) {
  return Buffer.from(sm2.getPublicKeyFromPrivateKey(scalarHex(d)), 'hex');
}

// The curve sm2p256v1 (GB/T 32918.5): y^2 = x^3 + ax + b over GF(p), cofactor 1.
export const P = BigInt('0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF');
const A = P - 3n;
const B = BigInt('0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93');

const curveRhs = (x) => (((x * x) % P) * x + A * x + B) % P;

/**
 * 04 || X || Y (65 bytes) of a point in SEC1 form: uncompressed 04 || X || Y or compressed
 * 02/03 || X (decompressed: p = 3 mod 4, so y = rhs^((p+1)/4)). Coordinates must be below p and
 * the point on the curve; throws a RangeError naming what is wrong.
 */
export function decodePoint(bytes) {
  const b = Buffer.from(bytes);
  const big = (s) => BigInt('0x' + s.toString('hex'));
  let x, y;
  if (b.length === 65 && b[0] === 4) {
    x = big(b.subarray(1, 33));
    y = big(b.subarray(33, 65));
    if (x >= P || y >= P) throw new RangeError('a coordinate is not below the field prime');
    if ((y * y) % P !== curveRhs(x)) throw new RangeError('the point is not on the curve sm2p256v1');
  } else if (b.length === 33 && (b[0] === 2 || b[0] === 3)) {
    x = big(b.subarray(1, 33));
    if (x >= P) throw new RangeError('X is not below the field prime');
    const rhs = curveRhs(x);
    y = modPow(rhs, (P + 1n) / 4n, P);
    if ((y * y) % P !== rhs) throw new RangeError('X has no square root on the curve sm2p256v1 (not a point)');
    if ((y & 1n) !== BigInt(b[0] & 1)) y = (P - y) % P;
  } else {
    throw new RangeError(`a point is 04||X||Y (65 bytes) or 02/03||X (33 bytes), got ${b.length} bytes starting ${b.length ? b[0] : 'with nothing'}`);
  }
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
