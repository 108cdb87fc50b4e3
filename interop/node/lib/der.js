// A minimal DER reader: enough for SubjectPublicKeyInfo, PKCS#8 and SEC1 EC keys.
// Every read is bounds-checked; malformed input throws DerError.

export class DerError extends Error {}

/** Read one TLV at `offset` of `buf`: {tag, start (of the value), end, next}. */
export function readTlv(buf, offset = 0) {
  if (offset + 2 > buf.length) throw new DerError('truncated');
  const tag = buf[offset];
  if ((tag & 0x1f) === 0x1f) throw new DerError('high tag numbers are not supported');
  let len = buf[offset + 1];
  let start = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new DerError('bad length');
    if (start + n > buf.length) throw new DerError('truncated');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[start + i];
    if (buf[start] === 0 || len < 0x80) throw new DerError('non-minimal length');
    start += n;
  }
  const end = start + len;
  if (end > buf.length) throw new DerError('truncated');
  return { tag, start, end, value: buf.subarray(start, end), next: end };
}

/** The children of a constructed value. */
export function children(buf, tlv) {
  const out = [];
  let pos = tlv.start;
  while (pos < tlv.end) {
    const child = readTlv(buf.subarray(0, tlv.end), pos);
    out.push(child);
    pos = child.next;
  }
  return out;
}

/** Parse a whole buffer as one SEQUENCE and return its children. */
export function sequence(buf, tlv = null) {
  const t = tlv ?? readTlv(buf, 0);
  if (t.tag !== 0x30) throw new DerError('expected a SEQUENCE');
  if (tlv === null && t.end !== buf.length) throw new DerError('trailing data');
  return children(buf, t);
}

export function expect(tlv, tag, what) {
  if (!tlv || tlv.tag !== tag) throw new DerError(`expected ${what}`);
  return tlv;
}

/** OBJECT IDENTIFIER value to dotted text. */
export function oid(tlv) {
  expect(tlv, 0x06, 'an OBJECT IDENTIFIER');
  const v = tlv.value;
  if (v.length === 0) throw new DerError('empty OID');
  const parts = [];
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    if (n === 0 && v[i] === 0x80) throw new DerError('non-minimal OID');
    n = n * 128 + (v[i] & 0x7f);
    if (!(v[i] & 0x80)) { parts.push(n); n = 0; } else if (i === v.length - 1) throw new DerError('truncated OID');
  }
  const first = parts.shift();
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...parts].join('.');
}

/** Non-negative INTEGER to BigInt. */
export function uint(tlv) {
  expect(tlv, 0x02, 'an INTEGER');
  const v = tlv.value;
  if (v.length === 0 || (v[0] & 0x80)) throw new DerError('expected a non-negative INTEGER');
  if (v.length > 1 && v[0] === 0 && !(v[1] & 0x80)) throw new DerError('non-minimal INTEGER');
  return BigInt('0x' + (Buffer.from(v).toString('hex') || '0'));
}

/** BIT STRING with no unused bits, its bytes. */
export function bitString(tlv) {
  expect(tlv, 0x03, 'a BIT STRING');
  if (tlv.value.length < 1 || tlv.value[0] !== 0) throw new DerError('BIT STRING with unused bits');
  return tlv.value.subarray(1);
}
