// A request with one known real-world mistake, made the way Node code makes it with sm-crypto-v2,
// so that the Python doctor is tested on input it did not make itself:
//
//   hex-blob      CiphertextBlob is sm-crypto-v2's sm2.doEncrypt output as it comes: hex text,
//                 C1C3C2 without the 04 prefix
//   no-04-prefix  the same bytes, base64-encoded, still without the 04 prefix

import { sm2 } from 'sm-crypto-v2';
import { b64encode } from './base64.js';
import { newSession, sealRequest } from './envelope.js';
import { getSuite, checkKeyType } from './suites.js';
import { UsageError } from './errors.js';

export const MISTAKES = ['hex-blob', 'no-04-prefix'];

/** {wire, session} like encryptRequest, with the named mistake in CiphertextBlob. */
export function imitate(mistake, params, publicKey, algorithm, fields = null) {
  if (!MISTAKES.includes(mistake)) throw new UsageError(`unknown mistake ${JSON.stringify(mistake)}; the Node reference imitates: ${MISTAKES.join(', ')}`);
  const suite = getSuite(algorithm);
  if (suite.keyType !== 'SM2') throw new UsageError(`${mistake} needs --algorithm SM4-GCM`);
  checkKeyType(suite, publicKey, 'public');
  const session = newSession(suite.Algorithm);
  // What an sm-crypto user writes: doEncrypt(data, publicKeyHex, cipherMode 1 = C1C3C2) returns hex without 04.
  const hex = sm2.doEncrypt(Uint8Array.from(session.Key), Buffer.from(publicKey.point).toString('hex'), 1);
  session.CiphertextBlob = Buffer.from(hex, 'hex');
  const wire = sealRequest(params, session, fields);
  wire.get('Encryption').set('CiphertextBlob', mistake === 'hex-blob' ? hex : b64encode(session.CiphertextBlob));
  return { wire, session };
}
