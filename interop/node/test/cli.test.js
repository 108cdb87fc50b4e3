import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { cli, tmpdir, keyFiles, isOneErrorLine } from './helpers.js';

const dir = tmpdir();
const keys = keyFiles(dir);
const SUITES = [
  { algorithm: 'AES-256-CBC', pub: keys.rsaPub, priv: keys.rsaPriv, other: keys.rsaOtherPriv, ivLen: 16, keyLen: 32 },
  { algorithm: 'SM4-GCM', pub: keys.sm2Pub, priv: keys.sm2Priv, other: keys.sm2OtherPriv, ivLen: 12, keyLen: 16 },
];
const PARAMS = { Action: 'DetectAuth', Version: '2018-03-01', Region: 'ap-guangzhou', IdCard: '11010119900101001X', Name: '爱新觉罗永琪 <&>', RuleId: '1' };

function writeJson(name, value) {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify(value));
  return file;
}

function expectError(r, code, pattern) {
  assert.equal(r.code, code, r.stderr);
  assert.ok(isOneErrorLine(r.stderr), r.stderr);
  if (pattern) assert.match(r.stderr.split('\n')[0], pattern);
  assert.equal(r.stdout, '');
}

for (const s of SUITES) {
  test(`${s.algorithm}: body mode round trip; wire shape and compact UTF-8 body`, () => {
    const r = cli(['encrypt', '--public-key', s.pub, '--algorithm', s.algorithm], PARAMS);
    assert.equal(r.code, 0, r.stderr);
    const { wire, session } = r.json;
    assert.deepEqual(Object.keys(session), ['Algorithm', 'Key', 'Iv']);
    assert.equal(Buffer.from(session.Key, 'base64').length, s.keyLen);
    assert.equal(Buffer.from(session.Iv, 'base64').length, s.ivLen);
    assert.deepEqual(Object.keys(wire), [...Object.keys(PARAMS), 'EncryptedBody', 'Encryption']);
    assert.equal(wire.IdCard, '');
    assert.equal(wire.Action, 'DetectAuth');
    assert.deepEqual(Object.keys(wire.Encryption), ['EncryptList', 'CiphertextBlob', 'Iv', 'Algorithm', 'TagList']);
    assert.deepEqual(wire.Encryption.EncryptList, ['EncryptedBody']);
    assert.equal(wire.Encryption.TagList.length, s.algorithm === 'SM4-GCM' ? 1 : 0);
    assert.equal(Buffer.from(wire.Encryption.CiphertextBlob, 'base64').length, s.algorithm === 'SM4-GCM' ? 113 : 128);
    const back = cli(['decrypt', '--private-key', s.priv], wire);
    assert.equal(back.code, 0, back.stderr);
    assert.equal(back.stdout, JSON.stringify(PARAMS) + '\n');
  });

  test(`${s.algorithm}: field mode with paths, and responses in both modes`, () => {
    const params = { Action: 'X', Person: { Ids: ['a', 'IdCard-1'] }, Name: '李明' };
    const r = cli(['encrypt', '--public-key', s.pub, '--algorithm', s.algorithm, '--field', 'Person.Ids[1]', '--field', 'Name'], params);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.json.wire.Encryption.EncryptList, ['Person.Ids[1]', 'Name']);
    assert.equal(r.json.wire.Person.Ids[0], 'a');
    assert.notEqual(r.json.wire.Person.Ids[1], 'IdCard-1');
    assert.deepEqual(cli(['decrypt', '--private-key', s.priv], r.json.wire).json, params);
    const sessionFile = writeJson(`session-${s.algorithm}.json`, r.json.session);
    const response = { Response: { Text: { IdCard: '440111111111111111', Name: '爱新觉罗永琪', Count: 3 }, Result: '0', RequestId: 'r-1' } };
    for (const fields of [[], ['Response.Text.IdCard', 'Text.Name']]) {
      for (const fresh of [[], ['--fresh-iv']]) {
        const enc = cli(['encrypt-response', '--session', sessionFile, ...fields.flatMap((f) => ['--field', f]), ...fresh], response);
        assert.equal(enc.code, 0, enc.stderr);
        const inner = enc.json.Response;
        assert.deepEqual(Object.keys(inner).slice(-2), ['Encryption', 'RequestId']);
        assert.equal(inner.Encryption.TagList === null, s.algorithm === 'AES-256-CBC');
        assert.equal(inner.Encryption.Iv === r.json.session.Iv, fresh.length === 0);
        if (fields.length === 0) assert.equal(inner.Text, undefined, 'a non-string value leaves the wire in body mode');
        const dec = cli(['decrypt-response', '--session', sessionFile], enc.json);
        assert.equal(dec.code, 0, dec.stderr);
        assert.deepEqual(dec.json, response);
      }
    }
  });

  test(`${s.algorithm}: response-only request, keyring and --session-out`, () => {
    const r = cli(['encrypt', '--public-key', s.pub, '--algorithm', s.algorithm, '--response-only'], { Action: 'GetDetectInfoEnhanced', BizToken: 't', IsEncryptResponse: true });
    assert.equal(r.code, 0, r.stderr);
    const enc = r.json.wire.Encryption;
    assert.deepEqual(enc.EncryptList, []);
    assert.deepEqual(enc.TagList, []);
    assert.equal(enc.Iv, r.json.session.Iv);
    assert.equal(r.json.wire.BizToken, 't');
    const out = path.join(dir, `out-${s.algorithm}.json`);
    const d = cli(['decrypt', '--private-key', s.other, '--private-key', s.priv, '--session-out', out], r.json.wire);
    assert.equal(d.code, 0, d.stderr);
    assert.deepEqual(d.json, { Action: 'GetDetectInfoEnhanced', BizToken: 't', IsEncryptResponse: true });
    assert.deepEqual(JSON.parse(fs.readFileSync(out, 'utf8')), r.json.session);
    assert.equal(fs.statSync(out).mode & 0o777, 0o600);
    // The vendor demos' response-only forms.
    const forms = [
      { ...enc, EncryptList: null, TagList: null },
      (({ EncryptList, ...rest }) => rest)(enc),
      { ...enc, EncryptList: ['EncryptionBody'], TagList: null },
      { ...enc, Iv: null, TagList: [] },
    ];
    for (const form of forms) {
      const res = cli(['decrypt', '--private-key', s.priv, '--session-out', out], { ...r.json.wire, Encryption: form });
      assert.equal(res.code, 0, `${JSON.stringify(form)}: ${res.stderr}`);
      assert.equal(res.json.BizToken, 't');
      const written = JSON.parse(fs.readFileSync(out, 'utf8'));
      assert.equal(written.Key, r.json.session.Key);
      assert.equal(written.Iv, form.Iv === null ? null : r.json.session.Iv);
    }
    // An empty body field goes; the blob must still unwrap.
    const withEmptyBody = cli(['decrypt', '--private-key', s.priv], { ...r.json.wire, EncryptedBody: '' });
    assert.deepEqual(withEmptyBody.json, { Action: 'GetDetectInfoEnhanced', BizToken: 't', IsEncryptResponse: true });
    expectError(cli(['decrypt', '--private-key', s.other], r.json.wire), 1, /^error: decryption failed$/);
  });

  test(`${s.algorithm}: wrong key, altered ciphertext and garbage are all "decryption failed"`, () => {
    const { wire } = cli(['encrypt', '--public-key', s.pub, '--algorithm', s.algorithm], PARAMS).json;
    expectError(cli(['decrypt', '--private-key', s.other], wire), 1, /^error: decryption failed$/);
    const body = Buffer.from(wire.EncryptedBody, 'base64');
    body[body.length - 1] ^= 1;
    expectError(cli(['decrypt', '--private-key', s.priv], { ...wire, EncryptedBody: body.toString('base64') }), 1, /^error: decryption failed$/);
    const blob = Buffer.from(wire.Encryption.CiphertextBlob, 'base64');
    blob[blob.length - 1] ^= 1;
    expectError(cli(['decrypt', '--private-key', s.priv], { ...wire, Encryption: { ...wire.Encryption, CiphertextBlob: blob.toString('base64') } }), 1, /^error: decryption failed$/);
  });
}

test('body mode: strings stay as "", other values leave the wire; nothing to encrypt is an error', () => {
  const params = { Action: 'DetectAIFakeFaces', FaceInput: 'AAAA', FaceInputType: 1, Extra: { a: [1, 2] }, Flag: null };
  const r = cli(['encrypt', '--public-key', keys.rsaPub, '--algorithm', 'AES-256-CBC'], params);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(Object.keys(r.json.wire), ['Action', 'FaceInput', 'EncryptedBody', 'Encryption']);
  assert.equal(r.json.wire.FaceInput, '');
  assert.deepEqual(cli(['decrypt', '--private-key', keys.rsaPriv], r.json.wire).json, params);
  expectError(cli(['encrypt', '--public-key', keys.rsaPub, '--algorithm', 'AES-256-CBC'], { Action: 'A', Version: 'v', Region: 'r' }), 1, /nothing to encrypt/);
});

test('keys in every form users hold them', () => {
  for (const [pub, priv] of [[keys.rsaPubPem, keys.rsaPrivPkcs1], [keys.sm2PubPem, keys.sm2PrivSec1]]) {
    const algorithm = pub === keys.rsaPubPem ? 'AES-256-CBC' : 'SM4-GCM';
    const r = cli(['encrypt', '--public-key', pub, '--algorithm', algorithm], { Name: 'x' });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(cli(['decrypt', '--private-key', priv], r.json.wire).json, { Name: 'x' });
  }
});

test('keyring: no key of the right type names the algorithm; wrong-type key for encrypt', () => {
  const { wire } = cli(['encrypt', '--public-key', keys.sm2Pub, '--algorithm', 'SM4-GCM'], { Name: 'x' }).json;
  expectError(cli(['decrypt', '--private-key', keys.rsaPriv], wire), 1, /SM4-GCM/);
  expectError(cli(['encrypt', '--public-key', keys.rsaPub, '--algorithm', 'SM4-GCM'], { Name: 'x' }), 1, /SM4-GCM/);
});

test('TagList null and the EncryptionBody spelling are read for AES-256-CBC', () => {
  const { wire } = cli(['encrypt', '--public-key', keys.rsaPub, '--algorithm', 'AES-256-CBC'], PARAMS).json;
  const { EncryptedBody, Encryption, ...rest } = wire;
  const demo = { ...rest, EncryptionBody: EncryptedBody, Encryption: { ...Encryption, EncryptList: ['EncryptionBody'], TagList: null } };
  assert.deepEqual(cli(['decrypt', '--private-key', keys.rsaPriv], demo).json, PARAMS);
});

test('sessions with Iv null: encrypt-response uses a fresh IV; decrypt-response needs the response Iv', () => {
  const session = writeJson('null-iv.json', { Algorithm: 'SM4-GCM', Key: Buffer.alloc(16, 7).toString('base64'), Iv: null });
  const response = { Response: { Text: { IdCard: 'a' }, RequestId: 'r' } };
  const enc = cli(['encrypt-response', '--session', session, '--field', 'Response.Text.IdCard'], response);
  assert.equal(enc.code, 0, enc.stderr);
  assert.equal(Buffer.from(enc.json.Response.Encryption.Iv, 'base64').length, 12);
  assert.deepEqual(cli(['decrypt-response', '--session', session], enc.json).json, response);
  const noIv = structuredClone(enc.json);
  noIv.Response.Encryption.Iv = null;
  expectError(cli(['decrypt-response', '--session', session], noIv), 1, /Iv/);
});

test('responses with nothing encrypted come back without the envelope', () => {
  const session = writeJson('cbc.json', { Algorithm: 'AES-256-CBC', Key: Buffer.alloc(32, 1).toString('base64'), Iv: Buffer.alloc(16, 2).toString('base64') });
  for (const list of [[], null]) {
    const r = cli(['decrypt-response', '--session', session], { Response: { A: 'b', EncryptedBody: null, Encryption: { EncryptList: list, CiphertextBlob: null, Iv: null, Algorithm: 'AES-256-CBC', TagList: null }, RequestId: 'r' } });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.json, { Response: { A: 'b', RequestId: 'r' } });
  }
});

test('paths: bad grammar and paths that do not name a string are errors naming the path', () => {
  for (const p of ['A[01]', 'A[-1]', 'A.', '.A', 'A[1', 'A]', 'Missing', 'Obj', 'Arr[5]']) {
    const r = cli(['encrypt', '--public-key', keys.rsaPub, '--algorithm', 'AES-256-CBC', '--field', p], { Obj: { x: 'y' }, Arr: ['a'] });
    expectError(r, 1);
    assert.ok(r.stderr.includes(JSON.stringify(p)), r.stderr);
  }
});

test('usage errors exit 2; bad input is one error line, never a stack trace', () => {
  expectError(cli(['encrypt', '--public-key', keys.rsaPub, '--response-only', '--field', 'A'], { A: 'x' }), 2, /response-only/);
  expectError(cli(['encrypt', '--algorithm', 'AES-256-CBC'], {}), 2, /--public-key/);
  expectError(cli(['decrypt'], {}), 2, /--private-key/);
  expectError(cli(['decrypt', '--private-key', keys.rsaPriv, '--bogus'], {}), 2, /--bogus/);
  expectError(cli(['frobnicate']), 2, /frobnicate/);
  expectError(cli(['decrypt', '--private-key', keys.rsaPriv], '{"a":1,"a":2}'), 1, /duplicate key/);
  expectError(cli(['decrypt', '--private-key', keys.rsaPriv], '[1,'), 1, /not valid JSON/);
  expectError(cli(['decrypt', '--private-key', path.join(dir, 'absent.pem')], {}), 1, /cannot read/);
  expectError(cli(['decrypt', '--private-key', keys.rsaPub], {}), 1, /private key/);
  expectError(cli(['encrypt', '--public-key', keys.rsaPub, '--algorithm', 'SM4-CBC'], { A: 'x' }), 1, /SM4-CBC/);
  const { wire } = cli(['encrypt', '--public-key', keys.rsaPub], { A: 'x' }).json;
  expectError(cli(['decrypt', '--private-key', keys.rsaPriv], { ...wire, Encryption: { ...wire.Encryption, Iv: 'not base64!' } }), 1, /Encryption\.Iv/);
});

test('no key material on stderr', () => {
  const key = fs.readFileSync(keys.rsaPriv, 'utf8');
  const r = cli(['decrypt', '--private-key', keys.rsaPriv], { A: Buffer.alloc(16).toString('base64'), Encryption: { EncryptList: ['A'], CiphertextBlob: 'AAAA', Iv: Buffer.alloc(16).toString('base64'), TagList: [] } });
  expectError(r, 1, /^error: decryption failed$/);
  assert.ok(!r.stderr.includes(key.split('\n')[1]));
});
