// The verifier of the three vector files: the committed files verify; altering any case of each
// kind (and any malformed file) fails, naming the file and case, never crashing. Mutations run
// in-process on a document holding the one altered case (the baseline shows every case passes).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { cli, tmpdir, VECTORS, KEY_VECTORS, MANIFEST, VECTORS_DIR } from './helpers.js';
import { verifyBytes, verifyDirectory } from '../lib/vectors.js';

const TOTAL = VECTORS.numberOfTests + KEY_VECTORS.numberOfTests + MANIFEST.numberOfTests;

test('the committed directory verifies completely: N = the sum of numberOfTests (CLI)', () => {
  const r = cli(['verify', VECTORS_DIR]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `${TOTAL} vectors verified\n`);
});

function verify(data, name = 'v.json') {
  return verifyBytes(Buffer.from(typeof data === 'string' ? data : JSON.stringify(data)), name);
}

/** The file with only the case of `id` (renumbered 1), altered by mutate(case, file). */
function one(file, id, mutate = () => {}) {
  const data = structuredClone(file);
  const c = data.tests.find((t) => t.id === id);
  assert.ok(c, `no case ${id}`);
  c.id = 1;
  data.tests = [c];
  data.numberOfTests = 1;
  mutate(c, data);
  return data;
}

const flipB64 = (s, index = -1) => {
  const b = Buffer.from(s, 'base64');
  b[(b.length + index) % b.length] ^= 1;
  return b.toString('base64');
};
const flipHex = (s) => s.replace(/.$/, (x) => (x === '0' ? '1' : '0'));
const byId = (file, id) => file.tests.find((t) => t.id === id);

test('every case of every file passes on its own (the baseline of the mutations)', () => {
  for (const [file, skip] of [[VECTORS, (t) => t.flags.includes('Large')], [KEY_VECTORS, () => false], [MANIFEST, () => false]]) {
    for (const t of file.tests) {
      if (skip(t)) continue;
      const r = verify(one(file, t.id));
      assert.deepEqual(r.failures, [], `${file.schema} #${t.id}`);
      assert.equal(r.checked, 1);
    }
  }
});

const VECTOR_MUTATIONS = [
  // valid body / fields / response-only requests
  [1, 'a flipped body bit', (c) => { c.output.wire.EncryptedBody = flipB64(c.output.wire.EncryptedBody); }],
  [1, 'another rsa_padding byte', (c) => { c.input.rsa_padding = c.input.rsa_padding.replace(/^../, (x) => (x === '11' ? '12' : '11')); }],
  [1, 'a short rsa_padding', (c) => { c.input.rsa_padding = c.input.rsa_padding.slice(2); }],
  [2, 'another sm2_k', (c) => { c.input.sm2_k = flipHex(c.input.sm2_k); }],
  [2, 'sm2_k zero', (c) => { c.input.sm2_k = '00'.repeat(32); }],
  [1, 'another params value', (c) => { c.input.params.CardSide = 'BACK'; }],
  [1, 'another body text', (c) => { c.input.body = c.input.body.replace('FRONT', 'BACK'); }],
  [1, 'wire keys in another order', (c) => { const { Region, ...rest } = c.output.wire; c.output.wire = { Region, ...rest }; }],
  [1, 'another IV', (c) => { c.input.iv = c.input.iv.replace(/^../, (x) => (x === '00' ? '01' : '00')); }],
  [1, 'another symmetric key', (c) => { c.input.symmetric_key = flipHex(c.input.symmetric_key); }],
  [1, 'an uppercase hex key', (c) => { c.input.symmetric_key = c.input.symmetric_key.toUpperCase(); }],
  [1, 'another wrapping key', (c) => { c.key = 'rsa-1024-other'; }],
  [1, 'an SM2 key for AES-256-CBC', (c) => { c.key = 'sm2'; }],
  [10, 'a field not named', (c) => { c.input.fields = ['IdCard']; }],
  [10, 'fields in body mode', (c) => { c.mode = 'body'; }],
  [24, 'a flipped field tag', (c) => { c.output.wire.Encryption.TagList[0] = flipB64(c.output.wire.Encryption.TagList[0]); }],
  [58, 'a response-only case with fields', (c) => { c.input.fields = ['BizToken']; }],
  [58, 'another response-only param', (c) => { c.input.params.BizToken = 'other'; }],
  [61, 'a response-only wire with a tag', (c) => { c.output.wire.Encryption.TagList = [Buffer.alloc(16).toString('base64')]; }],
  [61, 'ResponseOnly flag dropped', (c) => { c.flags = []; }],
  [13, 'an oversized Large case', (c) => { c.input.large.size = 64 * 1024 * 1024 + 1; }],
  [13, 'a Large case of size 0', (c) => { c.input.large.size = 0; }],
  [13, 'a Large case with a stored body', (c) => { c.output.wire.EncryptedBody = 'AAAA'; }],
  // valid responses
  [14, 'another response value', (c) => { c.input.response.Response.Sex = '男'; }],
  [16, 'another response IV', (c) => { c.input.response_iv = flipHex(c.input.response_iv); }],
  [16, 'another ciphertext_blob', (c) => { c.input.ciphertext_blob = flipB64(c.input.ciphertext_blob); }],
  [59, 'another array index path', (c) => { c.input.response_fields = c.input.response_fields.map((p) => p.replace('[1]', '[0]')); }],
  [59, 'response fields in another order', (c) => { c.input.response_fields.reverse(); }],
  [60, 'a session IV where there was none', (c) => { c.input.session.Iv = Buffer.alloc(16).toString('base64'); }],
  [28, 'EchoedIv with a fresh IV', (c) => { c.flags = ['FreshIv', 'Unicode']; }],
  // primitives
  [37, 'another SM2 known answer', (c) => { c.output.ciphertext = flipHex(c.output.ciphertext); }],
  [37, 'an unknown operation', (c) => { c.input.operation = 'sm2_sign'; }],
  [37, 'sm2_encrypt without key', (c) => { delete c.key; }],
  [38, 'another SM4-GCM tag', (c) => { c.output.tag = flipHex(c.output.tag); }],
  [38, 'another AAD', (c) => { c.input.aad = flipHex(c.input.aad); }],
  [38, 'sm4_gcm_encrypt with a key', (c) => { c.key = 'sm2'; }],
  [38, 'an invalid primitive', (c) => { c.result = 'invalid'; c.error = 'DecryptionError'; c.key = 'sm2'; }],
  // invalid
  [40, 'another error class', (c) => { c.error = 'EnvelopeFormatError'; }],
  [40, 'an unknown error class', (c) => { c.error = 'ValueError'; }],
  [40, 'an invalid case without error', (c) => { delete c.error; }],
  [42, 'an invalid case that is valid', (c) => { c.output.wire = structuredClone(byId(VECTORS, 1).output.wire); }],
  [43, 'UnknownAlgorithm as EnvelopeFormatError', (c) => { c.error = 'EnvelopeFormatError'; }],
  [55, 'an invalid case with input', (c) => { c.input.iv = '00'; }],
  [84, 'MissingPath as DecryptionError', (c) => { c.error = 'DecryptionError'; }],
  [86, 'a response TagOrder case with the tags back in order', (c) => { c.output.wire.Response.Encryption.TagList.reverse(); }],
  // acceptable
  [35, 'acceptable with the wrong params', (c) => { c.input.params.CardSide = 'BACK'; }],
  [35, 'acceptable with ocrcrypto_result invalid', (c) => { c.ocrcrypto_result = 'invalid'; }],
  [35, 'acceptable without ocrcrypto_result', (c) => { delete c.ocrcrypto_result; }],
  [35, 'acceptable with an unknown ocrcrypto_result', (c) => { c.ocrcrypto_result = 'maybe'; }],
  [35, 'acceptable with key-wrap randomness', (c) => { c.input.rsa_padding = byId(VECTORS, 1).input.rsa_padding; }],
  [64, 'acceptable with another body text', (c) => { c.input.body = c.input.body.replace('}', ',"X":"y"}'); }],
  [67, 'NullIv with an IV', (c) => { c.input.iv = byId(VECTORS, 58).input.iv; }],
  [68, 'acceptable with another symmetric key', (c) => { c.input.symmetric_key = flipHex(c.input.symmetric_key); }],
  [71, 'acceptable as a response', (c) => { c.mode = 'response'; }],
  // the shape of any case
  [1, 'an unknown result', (c) => { c.result = 'maybe'; }],
  [1, 'an unknown mode', (c) => { c.mode = 'stream'; }],
  [1, 'a missing mode', (c) => { delete c.mode; }],
  [1, 'an unknown algorithm', (c) => { c.algorithm = 'SM4-CBC'; }],
  [1, 'an unknown flag', (c) => { c.flags.push('Surprise'); }],
  [1, 'a flag missing from notes', (c, d) => { delete d.notes.Typical; }],
  [1, 'an acceptable flag on a valid case', (c) => { c.flags.push('NullIv'); }],
  [1, 'a repeated flag', (c) => { c.flags.push('Typical'); }],
  [1, 'an unknown case field', (c) => { c.extra = 1; }],
  [1, 'an unknown input field', (c) => { c.input.nonce = '00'; }],
  [1, 'an unknown output field', (c) => { c.output.tag = '00'; }],
  [1, 'a missing wire', (c) => { delete c.output.wire; }],
  [1, 'a missing key', (c) => { delete c.key; }],
  [1, 'a missing comment', (c) => { delete c.comment; }],
  [1, 'a non-hex key', (c) => { c.input.symmetric_key = 'zz'; }],
  [1, 'both sm2_k and rsa_padding', (c) => { c.input.sm2_k = '11'.repeat(32); }],
  [1, 'a key that is not in keys', (c) => { c.key = 'rsa-4096'; }],
  [1, 'a string id', (c) => { c.id = '1'; }],
  [1, 'an id out of order', (c) => { c.id = 2; }],
  [1, 'a case that is not an object', (c, d) => { d.tests[0] = 7; }],
];

for (const [id, what, mutate] of VECTOR_MUTATIONS) {
  test(`vectors: verify fails, naming the case, on ${what} (#${id})`, () => {
    const r = verify(one(VECTORS, id, mutate));
    assert.equal(r.failures.length, 1, r.failures.join('\n'));
    assert.match(r.failures[0], /^v\.json #1\b/);
  });
}

const KEY_MUTATIONS = [
  [1, 'another modulus', (c) => { c.key.n = flipHex(c.key.n); }],
  [1, 'another exponent', (c) => { c.key.e = '03'; }],
  [1, 'another bit count', (c) => { c.key.bits = 1023; }],
  [1, 'a leading zero byte in n', (c) => { c.key.n = '00' + c.key.n; }],
  [1, 'a private d on a public key', (c) => { c.key.d = '01'; }],
  [1, 'a valid case said invalid', (c) => { c.result = 'invalid'; delete c.key; c.error = 'KeyFormatError'; }],
  [1, 'the vendor text cut short', (c) => { c.input.text = c.input.text.slice(0, -8); }],
  [1, 'the public key given to the private loader', (c) => { c.operation = 'load_private_key'; }],
  [4, 'binary DER with a flipped byte in n', (c) => { c.input.binary = c.input.binary.replace(/(.{20})(..)/, (m, a, b) => a + (b === 'ff' ? 'fe' : 'ff')); }],
  [12, 'text and binary both', (c) => { c.input.text = 'x'; }],
  [18, 'another point', (c) => { c.key.point = flipHex(c.key.point); }],
  [22, 'a compressed point of the other parity', (c) => { c.input.text = c.input.text.replace(/^02/, '03'); }],
  [49, 'RSA-512 said valid', (c) => { c.result = 'valid'; delete c.error; c.key = { type: 'RSA', bits: 512, n: '01', e: '010001' }; }],
  [49, 'an invalid case with another error class', (c) => { c.error = 'DecryptionError'; }],
  [57, 'a private key without d', (c) => { delete c.key.d; }],
  [57, 'another private exponent', (c) => { c.key.d = flipHex(c.key.d); }],
  [72, 'another SM2 d', (c) => { c.key.d = flipHex(c.key.d); }],
  [74, 'a short d not zero-padded', (c) => { c.key.d = c.key.d.replace(/^0+/, ''); }],
  [75, 'd = 1 with another point', (c) => { c.key.point = byId(KEY_VECTORS, 18).key.point; }],
  [76, 'the SEC1 DER truncated', (c) => { c.input.binary = c.input.binary.slice(0, -2); }],
  [1, 'an unknown operation', (c) => { c.operation = 'load_key'; }],
  [1, 'an unknown flag', (c) => { c.flags.push('Pkcs12'); }],
  [1, 'an unknown field', (c) => { c.note = 'x'; }],
  [1, 'a missing input', (c) => { delete c.input; }],
  [1, 'an unknown input kind', (c) => { c.input = { base64: 'AA==' }; }],
  [1, 'an unknown key type', (c) => { c.key.type = 'DSA'; }],
];

for (const [id, what, mutate] of KEY_MUTATIONS) {
  test(`key vectors: verify fails, naming the case, on ${what} (#${id})`, () => {
    const r = verify(one(KEY_VECTORS, id, mutate), 'k.json');
    assert.equal(r.failures.length, 1, r.failures.join('\n'));
    assert.match(r.failures[0], /^k\.json #1\b/);
  });
}

const MANIFEST_MUTATIONS = [
  [1, 'another decrypted param', (c) => { c.expected.params.Name = 'x'; }],
  [1, 'another session key', (c) => { c.expected.session.Key = flipB64(c.expected.session.Key); }],
  [1, 'a session without Iv', (c) => { c.expected.session.Iv = null; }],
  [1, 'a flipped body bit', (c) => { c.input.wire.EncryptedBody = flipB64(c.input.wire.EncryptedBody); }],
  [1, 'another mode', (c) => { c.mode = 'fields'; c.flags.push('FieldMode'); }],
  [1, 'another algorithm', (c) => { c.algorithm = 'SM4-GCM'; }],
  [1, 'a missing key', (c) => { delete c.key; }],
  [1, 'the wrong key', (c) => { c.key = 'sm2'; }],
  [1, 'an unknown source', (c) => { c.source = 'rust'; }],
  [1, 'an invalid result', (c) => { c.result = 'invalid'; }],
  [2, 'another response value', (c) => { c.expected.response.Response.Name = 'x'; }],
  [2, 'a key on a decrypt-response', (c) => { c.key = 'rsa-1024'; }],
  [3, 'another array element', (c) => { c.expected.response.Response.Text.LivenessDetail.reverse(); }],
  [5, 'response-only called body', (c) => { c.mode = 'body'; c.flags = []; }],
  [10, 'another response-only IV', (c) => { c.expected.session.Iv = flipB64(c.expected.session.Iv); }],
  [34, 'another vendor plaintext', (c) => { c.expected.response.Response.Text.IdCard = 'x'; }],
  [36, 'another session key', (c) => { c.input.session.Key = flipB64(c.input.session.Key); }],
  [37, 'another plaintext', (c) => { c.expected.plaintext = flipHex(c.expected.plaintext); }],
  [37, 'a tag for AES-256-CBC', (c) => { c.input.tag = '00'.repeat(16); }],
  [37, 'an unknown operation', (c) => { c.operation = 'symmetric-encrypt'; }],
  [37, 'an unknown flag', (c) => { c.flags.push('Surprise'); }],
  [37, 'an unknown expected field', (c) => { c.expected.extra = '00'; }],
];

for (const [id, what, mutate] of MANIFEST_MUTATIONS) {
  test(`manifest: verify fails, naming the case, on ${what} (#${id})`, () => {
    const r = verify(one(MANIFEST, id, mutate), 'm.json');
    assert.equal(r.failures.length, 1, r.failures.join('\n'));
    assert.match(r.failures[0], /^m\.json #1\b/);
  });
}

test('malformed files, keys and sources fail the file clearly, without a crash', () => {
  const small = one(VECTORS, 1);
  const deep = (n) => '['.repeat(n) + ']'.repeat(n);
  for (const [what, data, name] of [
    ['not JSON', '{"tests": ['],
    ['not UTF-8', Buffer.from([0x7b, 0xff, 0x7d]).toString('latin1')],
    ['not an object', '[]'],
    ['a duplicate key', '{"schema": "ocrcrypto-vectors-2", "schema": "ocrcrypto-vectors-2"}'],
    ['nesting deeper than 200', `{"schema": "x", "a": ${deep(200)}}`],
    ['a string over 1 MiB', { ...small, generator: { seed: 'x'.repeat(1024 * 1024 + 1), command: 'c' } }],
    ['a wrong numberOfTests', { ...small, numberOfTests: 2 }],
    ['numberOfTests above 100000', { ...small, numberOfTests: 100001 }],
    ['numberOfTests as text', { ...small, numberOfTests: '1' }],
    ['an unknown schema', { ...small, schema: 'ocrcrypto-vectors-1' }],
    ['no schema', (() => { const d = structuredClone(small); delete d.schema; return d; })()],
    ['an unknown top-level field', { ...small, more: 1 }],
    ['no tests', { ...small, tests: [], numberOfTests: 0 }],
    ['no keys', (() => { const d = structuredClone(small); delete d.keys; return d; })()],
    ['keys on a key-vector file', { ...one(KEY_VECTORS, 1), keys: small.keys }],
    ['a generator without seed', { ...small, generator: { command: 'c' } }],
    ['a note that is not text', { ...small, notes: { ...small.notes, Typical: 1 } }],
    ['a key entry that is not an object', { ...small, keys: { ...small.keys, 'rsa-1024': 'x' } }],
    ['a key that does not load', (() => { const d = structuredClone(small); d.keys['rsa-1024'].private.pkcs8_pem = d.keys['rsa-1024'].private.pkcs8_pem.replace('A', 'B'); return d; })()],
    ['a key of the other type', (() => { const d = structuredClone(small); d.keys['rsa-1024'].type = 'SM2'; return d; })()],
    ['a mismatched key form', (() => { const d = structuredClone(small); d.keys['rsa-1024'].public.vendor = d.keys['rsa-2048'].public.vendor; return d; })()],
    ['a mismatched SM2 hex', (() => { const d = structuredClone(small); d.keys.sm2.public.hex = d.keys['sm2-other'].public.hex; return d; })()],
    ['a mismatched private form', (() => { const d = structuredClone(small); d.keys.sm2.private.sec1_pem = d.keys['sm2-other'].private.sec1_pem; return d; })()],
    ['wrong bits', (() => { const d = structuredClone(small); d.keys['rsa-1024'].bits = 2048; return d; })()],
    ['an unknown key form', (() => { const d = structuredClone(small); d.keys.sm2.public.jwk = '{}'; return d; })()],
    ['a manifest source without libraries', (() => { const d = one(MANIFEST, 1); delete d.sources['go-emmansun'].libraries; return d; })()],
    ['a manifest without sources', (() => { const d = one(MANIFEST, 1); delete d.sources; return d; })()],
    ['a manifest generator with a seed', (() => { const d = one(MANIFEST, 1); d.generator.seed = 'x'; return d; })()],
  ]) {
    const r = verify(data, name);
    assert.equal(r.checked, 0, what);
    assert.equal(r.failures.length, 1, what);
    assert.match(r.failures[0], /^v\.json: /, what);
  }
  // Depth 200 itself is allowed (it fails later, on the schema, not on the parser).
  assert.doesNotMatch(verify(`{"schema": "x", "a": ${deep(199)}}`).failures[0], /nested/);
  assert.match(verify(`{"schema": "x", "a": ${deep(200)}}`).failures[0], /nested more than 200/);
});

test('a directory: every file counted, oversized files and empty directories fail', () => {
  const dir = tmpdir();
  fs.writeFileSync(path.join(dir, 'k.json'), JSON.stringify(one(KEY_VECTORS, 1)));
  fs.writeFileSync(path.join(dir, 'm.json'), JSON.stringify(one(MANIFEST, 37)));
  fs.writeFileSync(path.join(dir, 'schema.json'), '{"not": "a vector file"}');
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'ignored');
  assert.deepEqual(verifyDirectory(dir), { checked: 2, failures: [] });
  const big = path.join(dir, 'z.json');
  fs.writeFileSync(big, '');
  fs.truncateSync(big, 64 * 1024 * 1024 + 1);
  const r = verifyDirectory(dir);
  assert.equal(r.checked, 2);
  assert.equal(r.failures.length, 1);
  assert.match(r.failures[0], /^z\.json: .*more than/);
  assert.match(verifyDirectory(tmpdir()).failures[0], /no vector files/);
});

test('the CLI exits 1 and lists the failing case of a mutated directory', () => {
  const dir = tmpdir();
  const data = structuredClone(VECTORS);
  data.tests = data.tests.filter((t) => !t.flags.includes('Large'));
  data.tests.forEach((t, i) => { t.id = i + 1; });
  data.numberOfTests = data.tests.length;
  const target = data.tests.find((t) => t.comment === byId(VECTORS, 24).comment);
  target.output.wire.Encryption.TagList.reverse();
  fs.writeFileSync(path.join(dir, 'v.json'), JSON.stringify(data));
  fs.writeFileSync(path.join(dir, 'k.json'), JSON.stringify(KEY_VECTORS));
  const r = cli(['verify', dir]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`^FAIL v\\.json #${target.id} \\(`, 'm'));
  assert.match(r.stderr, new RegExp(`^error: 1 of ${data.numberOfTests + KEY_VECTORS.numberOfTests} vectors failed$`, 'm'));
  const e = cli(['verify', tmpdir()]);
  assert.equal(e.code, 1);
  assert.match(e.stderr, /no vector files/);
});
