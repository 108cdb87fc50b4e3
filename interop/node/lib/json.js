// Ordered, strict JSON: objects are Maps (insertion order kept, integer-like keys included),
// numbers keep their literal text (JsonNumber), duplicate keys and lone surrogates are errors.
// The compact writer matches Python's json.dumps(ensure_ascii=False, separators=(",", ":")).

import { EnvelopeFormatError } from './errors.js';

export class JsonNumber {
  constructor(text) { this.text = text; }
}

const MAX_DEPTH = 512;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/** Parse JSON text (at most maxDepth levels of objects and arrays); throws EnvelopeFormatError naming `where` and the position. */
export function parseJson(text, where = 'input', maxDepth = MAX_DEPTH) {
  let pos = 0;
  const fail = (msg) => { throw new EnvelopeFormatError(`${where}: not valid JSON: ${msg} at offset ${pos}`); };
  const ws = () => {
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) pos++; else break;
    }
  };
  const parseString = () => {
    pos++; // opening quote
    let out = '';
    let start = pos;
    for (;;) {
      if (pos >= text.length) fail('unterminated string');
      const c = text.charCodeAt(pos);
      if (c === 0x22) { out += text.slice(start, pos); pos++; break; }
      if (c < 0x20) fail('control character in string');
      if (c === 0x5c) {
        out += text.slice(start, pos);
        const e = text[pos + 1];
        const simple = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' }[e];
        if (simple !== undefined) { out += simple; pos += 2; } else if (e === 'u') {
          const hex = text.slice(pos + 2, pos + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('bad \\u escape');
          out += String.fromCharCode(parseInt(hex, 16));
          pos += 6;
        } else fail('bad escape');
        start = pos;
        continue;
      }
      pos++;
    }
    return out;
  };
  const parseValue = (depth) => {
    if (depth > MAX_DEPTH) fail('nested too deeply');
    ws();
    const c = text[pos];
    if ((c === '{' || c === '[') && depth + 1 > maxDepth) fail(`nested more than ${maxDepth} levels deep`);
    if (c === '{') {
      pos++;
      const obj = new Map();
      ws();
      if (text[pos] === '}') { pos++; return obj; }
      for (;;) {
        ws();
        if (text[pos] !== '"') fail('expected a string key');
        const key = parseString();
        if (obj.has(key)) throw new EnvelopeFormatError(`${where}: duplicate key ${JSON.stringify(key)}`);
        ws();
        if (text[pos] !== ':') fail("expected ':'");
        pos++;
        obj.set(key, parseValue(depth + 1));
        ws();
        if (text[pos] === ',') { pos++; continue; }
        if (text[pos] === '}') { pos++; return obj; }
        fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      pos++;
      const arr = [];
      ws();
      if (text[pos] === ']') { pos++; return arr; }
      for (;;) {
        arr.push(parseValue(depth + 1));
        ws();
        if (text[pos] === ',') { pos++; continue; }
        if (text[pos] === ']') { pos++; return arr; }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return parseString();
    if (text.startsWith('true', pos)) { pos += 4; return true; }
    if (text.startsWith('false', pos)) { pos += 5; return false; }
    if (text.startsWith('null', pos)) { pos += 4; return null; }
    NUMBER.lastIndex = pos;
    const m = NUMBER.exec(text);
    if (m) { pos += m[0].length; return new JsonNumber(m[0]); }
    return fail('unexpected character');
  };
  const value = parseValue(0);
  ws();
  if (pos !== text.length) fail('trailing data');
  return value;
}

/** Strict UTF-8 bytes to text (invalid UTF-8 is an error). */
export function decodeUtf8(bytes, where) {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new EnvelopeFormatError(`${where}: not valid UTF-8`);
  }
}

/** Text to UTF-8 bytes; a lone surrogate cannot be written and is an error. */
export function encodeUtf8(text, where) {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) { i++; continue; }
      throw new EnvelopeFormatError(`${where}: a string holds a lone surrogate and cannot be written as UTF-8`);
    }
    if (c >= 0xdc00 && c <= 0xdfff) {
      throw new EnvelopeFormatError(`${where}: a string holds a lone surrogate and cannot be written as UTF-8`);
    }
  }
  return Buffer.from(text, 'utf8');
}

export function parseJsonBytes(bytes, where, maxDepth = MAX_DEPTH) {
  return parseJson(decodeUtf8(bytes, where), where, maxDepth);
}

export function isObject(v) { return v instanceof Map; }

function writeString(s) {
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc;
    if (c === 0x22) esc = '\\"';
    else if (c === 0x5c) esc = '\\\\';
    else if (c < 0x20) {
      esc = { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r' }[c] ?? `\\u${c.toString(16).padStart(4, '0')}`;
    } else continue;
    out += s.slice(start, i) + esc;
    start = i + 1;
  }
  return out + s.slice(start) + '"';
}

/** Compact JSON text, key order kept, non-ASCII unescaped. */
export function stringify(value) {
  if (value === null) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'string') return writeString(value);
  if (value instanceof JsonNumber) return value.text;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new EnvelopeFormatError('internal: only safe integers are written');
    return String(value);
  }
  if (Array.isArray(value)) return '[' + value.map(stringify).join(',') + ']';
  if (value instanceof Map) {
    const parts = [];
    for (const [k, v] of value) parts.push(writeString(k) + ':' + stringify(v));
    return '{' + parts.join(',') + '}';
  }
  throw new EnvelopeFormatError(`internal: cannot write ${typeof value} as JSON`);
}

/** Deep copy of a parsed value (JsonNumber and strings are immutable and shared). */
export function clone(value) {
  if (Array.isArray(value)) return value.map(clone);
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [k, clone(v)]));
  return value;
}

/** Same JSON, key order included, at every level. */
export function sameJson(a, b) {
  return stringify(a) === stringify(b);
}

/** Build an ordered object from [key, value] pairs. */
export function obj(pairs) { return new Map(pairs); }

export function typeName(v) {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return 'a string';
  if (typeof v === 'boolean') return 'a boolean';
  if (v instanceof JsonNumber || typeof v === 'number') return 'a number';
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Map) return 'an object';
  return typeof v;
}
