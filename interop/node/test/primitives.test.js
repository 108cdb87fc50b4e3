import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { sm3, sm4 } from 'sm-crypto-v2';
import * as sm2 from '../lib/sm2.js';
import * as rsa from '../lib/rsa.js';
import { getSuite } from '../lib/suites.js';
import { loadPrivateKey } from '../lib/keys.js';
import { DecryptionError } from '../lib/errors.js';
import { VECTORS } from './helpers.js';

const hex = (s) => Buffer.from(s, 'hex');

test('SM3 and SM4 known answers (GB/T 32905, GB/T 32907)', () => {
  assert.equal(sm3('abc'), '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0');
  const key = '0123456789abcdeffedcba9876543210';
  assert.equal(sm4.encrypt(hex(key), hex(key), { mode: 'ecb', padding: 'none' }), '681edf34d206965e86b3e94f536e4246');
});

test('SM4-GCM known answer (RFC 8998 A.1), and a flipped tag bit fails', () => {
  const suite = getSuite('SM4-GCM');
  const key = hex('0123456789abcdeffedcba9876543210');
  const iv = hex('00001234567800000000abcd');
  const aad = hex('feedfacedeadbeeffeedfacedeadbeefabaddad2');
  const pt = hex('aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbccccccccccccccccddddddddddddddddeeeeeeeeeeeeeeeeffffffffffffffffeeeeeeeeeeeeeeeeaaaaaaaaaaaaaaaa');
  const { ciphertext, tag } = suite.seal(pt, key, iv, aad);
  assert.equal(ciphertext.toString('hex'), '17f399f08c67d5ee19d0dc9969c4bb7d5fd46fd3756489069157b282bb200735d82710ca5c22f0ccfa7cbf93d496ac15a56834cbcf98c397b4024a2691233b8d');
  assert.equal(tag.toString('hex'), '83de3541e4c2b58177e065a9bf7b62ec');
  assert.deepEqual(suite.open(ciphertext, key, iv, tag, aad), pt);
  tag[15] ^= 1;
  assert.throws(() => suite.open(ciphertext, key, iv, tag, aad), DecryptionError);
  assert.throws(() => suite.open(ciphertext, key, iv, Buffer.alloc(0), aad), DecryptionError);
});

test('SM2 encryption with a given k matches GB/T 32918.5 (C1C3C2 with 04)', () => {
  const d = BigInt('0x3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8');
  const point = sm2.publicPointOf(d);
  assert.equal(point.toString('hex'), '0409f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13');
  const ct = sm2.encryptWithK(point, Buffer.from('encryption standard'), BigInt('0x59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21'));
  assert.equal(ct.toString('hex'), '0404ebfc718e8d1798620432268e77feb6415e2ede0e073c0f4f640ecd2e149a73e858f9d81e5430a57b36daab8f950a3c64e6ee6a63094d99283aff767e124df059983c18f809e262923c53aec295d30383b54e39d609d160afcb1908d0bd876621886ca989ca9c7d58087307ca93092d651efa');
  assert.equal(sm2.decrypt(d, ct).toString(), 'encryption standard');
});

test('SM2 with the library\'s random k: 113 bytes with 04, decrypts; any alteration is the one error', () => {
  const key = loadPrivateKey(VECTORS.keys.sm2.private.pkcs8_pem);
  const message = crypto.randomBytes(16);
  const ct = sm2.encrypt(key.point, message);
  assert.equal(ct.length, 113);
  assert.equal(ct[0], 4);
  assert.deepEqual(sm2.decrypt(key.d, ct), message);
  for (const bad of [ct.subarray(1), Buffer.concat([ct.subarray(0, 65), ct.subarray(97), ct.subarray(65, 97)]), ct.subarray(0, 97)]) {
    assert.throws(() => sm2.decrypt(key.d, bad), { message: 'decryption failed' });
  }
  for (const index of [10, 70, 100]) {
    const flipped = Buffer.from(ct);
    flipped[index] ^= 1;
    assert.throws(() => sm2.decrypt(key.d, flipped), { message: 'decryption failed' });
  }
  const other = loadPrivateKey(VECTORS.keys['sm2-other'].private.pkcs8_pem);
  assert.throws(() => sm2.decrypt(other.d, ct), { message: 'decryption failed' });
});

test('RSA wrap through node:crypto, unwrap with BigInt; strict type-2 padding', () => {
  const key = loadPrivateKey(VECTORS.keys['rsa-1024'].private.pkcs8_pem);
  const secret = crypto.randomBytes(32);
  const blob = rsa.wrap(key.publicKeyObject, secret);
  assert.equal(blob.length, 128);
  assert.deepEqual(rsa.unwrap(key.numbers, blob, 32), secret);
  // Wrong key length inside valid padding, too-short padding, wrong type byte: all the same error.
  const ps = (n) => Buffer.alloc(n, 0x5a);
  assert.throws(() => rsa.unwrap(key.numbers, rsa.wrapWithPadding(key.publicKeyObject, secret.subarray(0, 16), ps(128 - 3 - 16)), 32), { message: 'decryption failed' });
  const raw = (em) => crypto.publicEncrypt({ key: key.publicKeyObject, padding: crypto.constants.RSA_NO_PADDING }, em);
  const good = Buffer.concat([Buffer.from([0, 2]), ps(128 - 3 - 32), Buffer.from([0]), secret]);
  assert.deepEqual(rsa.unwrap(key.numbers, raw(good), 32), secret);
  const typeOne = Buffer.from(good); typeOne[1] = 1;
  assert.throws(() => rsa.unwrap(key.numbers, raw(typeOne), 32), { message: 'decryption failed' });
  const noSeparator = Buffer.concat([Buffer.from([0, 2]), ps(126)]);
  assert.throws(() => rsa.unwrap(key.numbers, raw(noSeparator), 32), { message: 'decryption failed' });
  const shortPs = Buffer.concat([Buffer.from([0, 2]), ps(7), Buffer.from([0]), crypto.randomBytes(118)]);
  assert.throws(() => rsa.unwrap(key.numbers, raw(shortPs), 118), { message: 'decryption failed' });
  assert.throws(() => rsa.unwrap(key.numbers, blob.subarray(1), 32), { message: 'decryption failed' });
  const other = loadPrivateKey(VECTORS.keys['rsa-1024-other'].private.pkcs8_pem);
  assert.throws(() => rsa.unwrap(other.numbers, blob, 32), { message: 'decryption failed' });
});
