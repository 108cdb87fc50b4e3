// Strict standard base64 with padding: the alphabet, the padding and canonical trailing bits.

import { EnvelopeFormatError } from './errors.js';

function isAlphabet(c) {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2f;
}

/** A linear scan (a regular expression overflows the stack on multi-megabyte bodies). */
export function isStrictBase64(text) {
  if (typeof text !== 'string' || text.length % 4 !== 0) return false;
  let pad = 0;
  if (text.endsWith('==')) pad = 2; else if (text.endsWith('=')) pad = 1;
  for (let i = 0; i < text.length - pad; i++) {
    if (!isAlphabet(text.charCodeAt(i))) return false;
  }
  return Buffer.from(text, 'base64').toString('base64') === text;
}

export function b64decode(value, field) {
  if (typeof value !== 'string') {
    throw new EnvelopeFormatError(`${field}: expected a base64 string`);
  }
  if (!isStrictBase64(value)) {
    throw new EnvelopeFormatError(`${field}: not valid standard base64 (with padding)`);
  }
  return Buffer.from(value, 'base64');
}

export function b64encode(bytes) {
  return Buffer.from(bytes).toString('base64');
}
