// The key loaders (lib/keys.js): every form the key vectors list, read in-process, and the same
// loaders behind the CLI's --public-key and --private-key.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { loadPublicKey, loadPrivateKey, describeKey, publicOf, samePublic } from '../lib/keys.js';
import { decodePoint, P } from '../lib/sm2.js';
import { stringify } from '../lib/json.js';
import { KeyFormatError } from '../lib/errors.js';
import { cli, tmpdir, KEY_VECTORS, VECTORS } from './helpers.js';

const described = (key) => JSON.parse(stringify(describeKey(key)));
const SM2 = VECTORS.keys.sm2;
const RSA = VECTORS.keys['rsa-1024'];

test('every key vector: valid ones load to exactly their key, invalid ones fail with KeyFormatError', () => {
  for (const t of KEY_VECTORS.tests) {
    const loader = t.operation === 'load_public_key' ? loadPublicKey : loadPrivateKey;
    for (const data of t.input.text !== undefined ? [t.input.text, Buffer.from(t.input.text, 'utf8')] : [Buffer.from(t.input.binary, 'hex')]) {
      if (t.result === 'valid') assert.deepEqual(described(loader(data)), t.key, `#${t.id}`);
      else assert.throws(() => loader(data), KeyFormatError, `#${t.id}`);
    }
  }
});

test('text tolerance: BOM, CRLF, literal \\n escapes, whitespace and line breaks in base64 and hex', () => {
  const want = described(loadPublicKey(RSA.public.pkcs1_pem));
  const pem = RSA.public.pkcs1_pem;
  for (const form of [
    '\ufeff' + pem,
    Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(pem)]),
    pem.replaceAll('\n', '\r\n'),
    pem.trim().replaceAll('\n', '\\n'),
    `\n\t  ${pem}  \n`,
    RSA.public.vendor.replace(/(.{50})/g, '$1\n'),
  ]) assert.deepEqual(described(loadPublicKey(form)), want);
  const point = SM2.public.hex;
  assert.deepEqual(described(loadPublicKey(` ${point.slice(0, 40).toUpperCase()}\n${point.slice(40)} `)).point, point);
});

test('SM2 points: compressed forms decompress to the same key, off-curve and X >= p fail', () => {
  const full = Buffer.from(SM2.public.hex, 'hex');
  const y = BigInt('0x' + full.subarray(33).toString('hex'));
  const compressed = Buffer.concat([Buffer.from([y & 1n ? 3 : 2]), full.subarray(1, 33)]);
  assert.deepEqual(decodePoint(compressed), full);
  assert.equal(loadPublicKey(compressed.toString('hex')).point.toString('hex'), SM2.public.hex);
  assert.equal(loadPublicKey(SM2.public.hex.slice(2)).point.toString('hex'), SM2.public.hex);
  const other = Buffer.from(compressed);
  other[0] ^= 1; // the other parity: the point -P, same X
  const negated = decodePoint(other);
  assert.deepEqual(negated.subarray(0, 33), full.subarray(0, 33));
  assert.equal(BigInt('0x' + negated.subarray(33).toString('hex')), P - y);
  const offCurve = Buffer.from(full);
  offCurve[64] ^= 1;
  assert.throws(() => decodePoint(offCurve), /not on the curve/);
  assert.throws(() => decodePoint(Buffer.concat([Buffer.from([2]), Buffer.from(P.toString(16), 'hex')])), /below the field prime/);
  assert.throws(() => decodePoint(full.subarray(0, 64)), /65 bytes/);
});

test('SM2 private keys: every form is the same key; short hex d; out-of-range d fails', () => {
  const key = loadPrivateKey(SM2.private.pkcs8_pem);
  for (const form of [SM2.private.sec1_pem, SM2.private.hex, SM2.private.hex.toUpperCase(), SM2.private.sec1_pem.replace(/EC PRIVATE KEY/g, 'SM2 PRIVATE KEY')]) {
    const other = loadPrivateKey(form);
    assert.equal(other.d, key.d);
    assert.ok(samePublic(publicOf(other), publicOf(key)));
  }
  assert.equal(loadPrivateKey('0'.repeat(10) + '1').point.toString('hex').slice(0, 10), '0432c4ae2c');
  assert.throws(() => loadPrivateKey('0'), /out of range/);
  assert.throws(() => loadPrivateKey('1'.repeat(65)), /more than 64/);
});

test('kind and size: private keys to the public loader and back, RSA below 1024 bits, garbage', () => {
  assert.throws(() => loadPublicKey(RSA.private.pkcs8_pem), KeyFormatError);
  assert.throws(() => loadPrivateKey(RSA.public.vendor), KeyFormatError);
  assert.throws(() => loadPrivateKey(SM2.public.hex), KeyFormatError);
  assert.throws(() => loadPublicKey(''), /empty/);
  assert.throws(() => loadPublicKey(Buffer.alloc(0)), /empty/);
  assert.throws(() => loadPublicKey('\u00e9'), KeyFormatError);
  assert.throws(() => loadPublicKey(Buffer.alloc(2 * 1024 * 1024, 0x41)), /more than any key/);
  const small = KEY_VECTORS.tests.find((t) => t.flags.includes('SmallRsa') && t.operation === 'load_public_key');
  assert.throws(() => loadPublicKey(small.input.text ?? Buffer.from(small.input.binary, 'hex')), /too small/);
});

test('the CLI reads the new forms: --public-key as compressed SM2 hex, --private-key as hex d', () => {
  const dir = tmpdir();
  const full = Buffer.from(SM2.public.hex, 'hex');
  const compressed = Buffer.concat([Buffer.from([full[64] & 1 ? 3 : 2]), full.subarray(1, 33)]).toString('hex');
  fs.writeFileSync(path.join(dir, 'pub.hex'), `${compressed}\n`);
  fs.writeFileSync(path.join(dir, 'priv.hex'), `\ufeff${SM2.private.hex.replace(/^0+/, '')}\r\n`);
  const r = cli(['encrypt', '--public-key', path.join(dir, 'pub.hex'), '--algorithm', 'SM4-GCM'], { IdCard: 'x' });
  assert.equal(r.code, 0, r.stderr);
  const back = cli(['decrypt', '--private-key', path.join(dir, 'priv.hex')], r.json.wire);
  assert.equal(back.code, 0, back.stderr);
  assert.deepEqual(back.json, { IdCard: 'x' });
  fs.writeFileSync(path.join(dir, 'bad.hex'), compressed.replace(/^0./, '04'));
  const bad = cli(['encrypt', '--public-key', path.join(dir, 'bad.hex'), '--algorithm', 'SM4-GCM'], { IdCard: 'x' });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^error: public key: /);
});
