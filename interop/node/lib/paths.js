// Field paths: `IdCard`, `Response.Text.IdCard`, `Response.Text.LivenessDetail[0].Idcard`, `A[1][2].B`.
// Segments are separated by '.'; a segment is a non-empty name (no '.', '[' or ']') followed by
// zero or more [N] (decimal, no sign, no leading zeros except 0 itself, 0-based).

import { EnvelopeFormatError } from './errors.js';

const SEGMENT = /^([^.[\]]+)((?:\[(?:0|[1-9][0-9]*)\])*)$/;

/** The steps of a path: strings (object keys) and numbers (array indices). */
export function parsePath(path) {
  if (typeof path !== 'string' || path === '') throw new EnvelopeFormatError(`path ${JSON.stringify(path)}: expected a non-empty string`);
  const segments = [];
  for (const segment of path.split('.')) {
    const m = SEGMENT.exec(segment);
    if (!m) throw new EnvelopeFormatError(`path ${JSON.stringify(path)}: malformed segment ${JSON.stringify(segment)}`);
    const indices = [...m[2].matchAll(/\[([0-9]+)\]/g)].map((x) => Number(x[1]));
    if (indices.some((n) => !Number.isSafeInteger(n))) throw new EnvelopeFormatError(`path ${JSON.stringify(path)}: index too large`);
    segments.push({ name: m[1], indices, plain: m[2] === '' });
  }
  return segments;
}

/**
 * Where a path points in `root` (the object that holds the fields): {container, key} with the
 * container a Map or an array. The first segment is skipped when it is exactly `Response` and
 * root has no `Response` key. Errors name the path, with `where`.
 */
export function locate(root, path, where) {
  let segments = parsePath(path);
  if (segments.length > 1 && segments[0].name === 'Response' && segments[0].plain && !root.has('Response')) {
    segments = segments.slice(1);
  }
  const steps = segments.flatMap((s) => [s.name, ...s.indices]);
  const missing = () => new EnvelopeFormatError(`${where}: path ${JSON.stringify(path)} does not name an existing string`);
  let node = root;
  for (let i = 0; i < steps.length - 1; i++) {
    const step = steps[i];
    if (typeof step === 'string') {
      if (!(node instanceof Map) || !node.has(step)) throw missing();
      node = node.get(step);
    } else {
      if (!Array.isArray(node) || step >= node.length) throw missing();
      node = node[step];
    }
  }
  const last = steps[steps.length - 1];
  if (typeof last === 'string') {
    if (!(node instanceof Map) || !node.has(last)) throw missing();
  } else if (!Array.isArray(node) || last >= node.length) throw missing();
  return { container: node, key: last };
}

export function getAt(loc) {
  return loc.container instanceof Map ? loc.container.get(loc.key) : loc.container[loc.key];
}

export function setAt(loc, value) {
  if (loc.container instanceof Map) loc.container.set(loc.key, value); else loc.container[loc.key] = value;
}

/** Locate a path that must hold a JSON string. */
export function locateString(root, path, where) {
  const loc = locate(root, path, where);
  if (typeof getAt(loc) !== 'string') {
    throw new EnvelopeFormatError(`${where}: path ${JSON.stringify(path)} does not name an existing string`);
  }
  return loc;
}
