import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { HERE } from './helpers.js';
import { parseJson, stringify } from '../lib/json.js';
import { decryptResponse } from '../lib/envelope.js';
import { locateString, getAt } from '../lib/paths.js';

const FILE = path.join(HERE, '..', '..', '..', '..', 'shared', 'vectors', 'vendor-demos', 'vendor_demo_examples.json');

function examples() {
  assert.ok(fs.existsSync(FILE), `missing ${FILE}: the vendor demo examples live in shared/vectors/vendor-demos beside the repository`);
  return parseJson(fs.readFileSync(FILE, 'utf8'), FILE).get('examples');
}

for (const id of ['node-sm4gcm-response-fields', 'node-aes256cbc-response-fields', 'go-sm4gcm-getdetectinfoenhanced-fields']) {
  test(`vendor demo ${id} decrypts to the expected values`, () => {
    const example = examples().find((e) => e.get('id') === id);
    assert.ok(example, `${id} is not in ${FILE}`);
    const session = {
      Algorithm: example.get('algorithm'),
      Key: Buffer.from(example.get('key_hex'), 'hex'),
      Iv: null, // the response carries its own Iv
      CiphertextBlob: null,
    };
    const response = example.get('response');
    const plain = decryptResponse(session, response);
    const inner = plain.get('Response');
    assert.equal(inner.has('Encryption'), false);
    for (const [p, value] of example.get('expected')) {
      assert.equal(getAt(locateString(inner, p, 'expected')), value, p);
    }
    // Every other value is untouched.
    const original = response.get('Response');
    for (const [k, v] of original) {
      if (k !== 'Encryption' && k !== 'Text') assert.equal(stringify(inner.get(k)), stringify(v), k);
    }
    // One flipped ciphertext bit fails (GCM tags; CBC padding or the UTF-8 check may catch it).
    if (example.get('algorithm') === 'SM4-GCM') {
      const text = original.get('Text');
      const bytes = Buffer.from(text.get('IdCard'), 'base64');
      bytes[0] ^= 1;
      const altered = parseJson(stringify(response));
      altered.get('Response').get('Text').set('IdCard', bytes.toString('base64'));
      assert.throws(() => decryptResponse(session, altered), { name: 'DecryptionError' });
    }
  });
}
