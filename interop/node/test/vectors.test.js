import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { cli, tmpdir, VECTORS, VECTORS_DIR } from './helpers.js';
import { verifyBytes } from '../lib/vectors.js';

test('the committed vector file verifies completely', () => {
  const r = cli(['verify', VECTORS_DIR]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `${VECTORS.tests.length} vectors verified\n`);
});

// Mutations run on the file without its two Large cases, to keep the run short.
function small() {
  const data = structuredClone(VECTORS);
  data.tests = data.tests.filter((t) => !t.flags.includes('Large'));
  data.numberOfTests = data.tests.length;
  return data;
}

function verify(data) {
  return verifyBytes(Buffer.from(typeof data === 'string' ? data : JSON.stringify(data)), 'v.json');
}

const byId = (data, id) => data.tests.find((t) => t.id === id);
const flipB64 = (s, index = -1) => {
  const b = Buffer.from(s, 'base64');
  b[(b.length + index) % b.length] ^= 1;
  return b.toString('base64');
};

test('the small file verifies (the baseline of the mutations)', () => {
  const r = verify(small());
  assert.deepEqual(r.failures, []);
  assert.equal(r.checked, VECTORS.tests.length - 2);
});

const MUTATIONS = [
  [1, 'a flipped body bit in a valid case', (c) => { c.output.wire.EncryptedBody = flipB64(c.output.wire.EncryptedBody); }],
  [2, 'another sm2_k', (c) => { c.input.sm2_k = c.input.sm2_k.replace(/.$/, (x) => (x === '1' ? '2' : '1')); }],
  [1, 'another rsa_padding byte', (c) => { c.input.rsa_padding = c.input.rsa_padding.replace(/^../, (x) => (x === '11' ? '12' : '11')); }],
  [1, 'another params value', (c) => { c.input.params.CardSide = 'BACK'; }],
  [1, 'another body text', (c) => { c.input.body = c.input.body.replace('FRONT', 'BACK'); }],
  [1, 'wire keys in another order', (c) => { const { Region, ...rest } = c.output.wire; c.output.wire = { Region, ...rest }; }],
  [1, 'another IV', (c) => { c.input.iv = c.input.iv.replace(/^../, '00'); }],
  [10, 'a field not named', (c) => { c.input.fields = ['IdCard']; }],
  [14, 'another response value', (c) => { c.input.response.Response.Sex = '男'; }],
  [16, 'another response IV', (c) => { c.input.response_iv = c.input.response_iv.replace(/^../, '00'); }],
  [37, 'another SM2 known answer', (c) => { c.output.ciphertext = c.output.ciphertext.replace(/.$/, '0'); }],
  [38, 'another SM4-GCM tag', (c) => { c.output.tag = c.output.tag.replace(/^../, '00'); }],
  [40, 'another error class', (c) => { c.error = 'EnvelopeFormatError'; }],
  [42, 'an invalid case that is valid', (c) => { c.output.wire.Encryption.Iv = byId(VECTORS, 1).output.wire.Encryption.Iv; c.output.wire.EncryptedBody = byId(VECTORS, 1).output.wire.EncryptedBody; c.output.wire.Encryption.CiphertextBlob = byId(VECTORS, 1).output.wire.Encryption.CiphertextBlob; }],
  [1, 'an unknown result', (c) => { c.result = 'maybe'; }],
  [1, 'an unknown mode', (c) => { c.mode = 'stream'; }],
  [37, 'an unknown operation', (c) => { c.input.operation = 'sm2_sign'; }],
  [1, 'an unknown flag', (c) => { c.flags.push('Surprise'); }],
  [40, 'an unknown error class', (c) => { c.error = 'ValueError'; }],
  [1, 'an unknown case field', (c) => { c.extra = 1; }],
  [1, 'an unknown input field', (c) => { c.input.nonce = '00'; }],
  [1, 'a missing wire', (c) => { delete c.output.wire; }],
  [1, 'a non-hex key', (c) => { c.input.symmetric_key = 'zz'; }],
  [1, 'both sm2_k and rsa_padding', (c) => { c.input.sm2_k = '11'.repeat(32); }],
  [1, 'a key that is not in keys', (c) => { c.key = 'rsa-4096'; }],
  [1, 'an oversized large case', (c) => { delete c.input.params; delete c.input.body; c.input.large = { size: 64 * 1024 * 1024 + 1, seed: '00' }; c.output.encrypted_body_sha256 = '00'.repeat(32); }],
  [1, 'a string id', (c) => { c.id = '1'; }],
  [35, 'ReaderOnly with the wrong params', (c) => { c.input.params.CardSide = 'BACK'; }],
];

for (const [id, what, mutate] of MUTATIONS) {
  test(`verify fails, naming the case, on ${what}`, () => {
    // The mutated case alone (the baseline above shows every unmutated case passes).
    const data = { ...small(), tests: [structuredClone(byId(VECTORS, id))], numberOfTests: 1 };
    mutate(data.tests[0]);
    const r = verify(data);
    assert.equal(r.failures.length, 1, r.failures.join('\n'));
    assert.ok(r.failures[0].startsWith(id === 1 && what === 'a string id' ? 'v.json case [0]' : `v.json #${id}:`), r.failures[0]);
  });
}

test('malformed files and key sections fail clearly, without a crash', () => {
  for (const [what, data] of [
    ['not JSON', '{"tests": ['],
    ['not an object', '[]'],
    ['a wrong numberOfTests', { ...small(), numberOfTests: 1 }],
    ['a wrong schema', { ...small(), schema: 'other' }],
    ['an unknown top-level field', { ...small(), more: 1 }],
    ['no tests', { ...small(), tests: [] }],
    ['a duplicate id', (() => { const d = small(); d.tests[1].id = d.tests[0].id; return d; })()],
    ['a mismatched key form', (() => { const d = small(); d.keys['rsa-1024'].public.vendor = d.keys['rsa-2048'].public.vendor; return d; })()],
    ['a mismatched SM2 hex', (() => { const d = small(); d.keys.sm2.public.hex = d.keys['sm2-other'].public.hex; return d; })()],
    ['a case that is not an object', (() => { const d = small(); d.tests[0] = 7; return d; })()],
  ]) {
    const r = verify(data);
    assert.ok(r.failures.length > 0, what);
  }
});

test('the CLI exits 1 and lists the failing case of a mutated directory', () => {
  const dir = tmpdir();
  const data = small();
  byId(data, 24).output.wire.Encryption.TagList.reverse();
  fs.writeFileSync(path.join(dir, 'v.json'), JSON.stringify(data));
  const r = cli(['verify', dir]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^FAIL v\.json #24: /m);
  assert.match(r.stderr, /^error: 1 of 55 vectors failed$/m);
  const empty = tmpdir();
  const e = cli(['verify', empty]);
  assert.equal(e.code, 1);
  assert.match(e.stderr, /no vector files/);
});
