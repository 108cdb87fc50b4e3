// The two suites: AES-256-CBC with an RSA key wrap, SM4-GCM with an SM2 key wrap.

import crypto from 'node:crypto';
import { sm4 } from 'sm-crypto-v2';
import * as rsa from './rsa.js';
import * as sm2 from './sm2.js';
import { decryptionFailed, UnsupportedAlgorithmError, KeyFormatError } from './errors.js';

export const DEFAULT_ALGORITHM = 'AES-256-CBC';

const aes256cbc = {
  Algorithm: 'AES-256-CBC',
  keyType: 'RSA',
  keySize: 32,
  ivSize: 16,
  tagSize: null,
  seal(plaintext, key, iv) {
    const cipher = crypto.createCipheriv('aes-256-cbc', key, iv);
    return { ciphertext: Buffer.concat([cipher.update(plaintext), cipher.final()]), tag: null };
  },
  open(ciphertext, key, iv) {
    if (key.length !== 32 || iv.length !== 16 || ciphertext.length === 0 || ciphertext.length % 16 !== 0) throw decryptionFailed();
    try {
      const decipher = crypto.createDecipheriv('aes-256-cbc', key, iv);
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    } catch {
      throw decryptionFailed();
    }
  },
  wrap(key, publicKey) { return rsa.wrap(publicKey.keyObject, key); },
  unwrap(blob, privateKey) { return rsa.unwrap(privateKey.numbers, blob, 32); },
};

const sm4gcm = {
  Algorithm: 'SM4-GCM',
  keyType: 'SM2',
  keySize: 16,
  ivSize: 12,
  tagSize: 16,
  seal(plaintext, key, iv, aad = null) {
    if (key.length !== 16 || iv.length !== 12) throw new RangeError('SM4-GCM needs a 16-byte key and a 12-byte IV');
    const options = { mode: 'gcm', iv: Uint8Array.from(iv), output: 'array', outputTag: true };
    if (aad && aad.length) options.associatedData = Uint8Array.from(aad);
    const { output, tag } = sm4.encrypt(Uint8Array.from(plaintext), Uint8Array.from(key), options);
    return { ciphertext: Buffer.from(output), tag: Buffer.from(tag) };
  },
  open(ciphertext, key, iv, tag, aad = null) {
    if (key.length !== 16 || iv.length !== 12 || !tag || tag.length !== 16) throw decryptionFailed();
    const options = { mode: 'gcm', iv: Uint8Array.from(iv), tag: Uint8Array.from(tag), output: 'array' };
    if (aad && aad.length) options.associatedData = Uint8Array.from(aad);
    try {
      return Buffer.from(sm4.decrypt(Uint8Array.from(ciphertext), Uint8Array.from(key), options));
    } catch {
      throw decryptionFailed();
    }
  },
  wrap(key, publicKey) { return sm2.encrypt(publicKey.point, key); },
  unwrap(blob, privateKey) {
    const key = sm2.decrypt(privateKey.d, blob);
    if (key.length !== 16) throw decryptionFailed();
    return key;
  },
};

const SUITES = { 'AES-256-CBC': aes256cbc, 'SM4-GCM': sm4gcm };

/** The suite of an Algorithm name; absent or null means AES-256-CBC. */
export function getSuite(algorithm) {
  const name = algorithm ?? DEFAULT_ALGORITHM;
  if (typeof name !== 'string' || !Object.hasOwn(SUITES, name)) {
    throw new UnsupportedAlgorithmError(`Algorithm ${JSON.stringify(name)} is not supported (AES-256-CBC or SM4-GCM)`);
  }
  return SUITES[name];
}

export function checkKeyType(suite, key, role) {
  if (key.type !== suite.keyType) {
    throw new KeyFormatError(`${suite.Algorithm} wraps its key with ${suite.keyType}: got an ${key.type} ${role} key`);
  }
}
