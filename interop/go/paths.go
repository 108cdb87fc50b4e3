package main

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// pathStep is one step of a field path: an object key, or (isIndex) a 0-based array index.
type pathStep struct {
	key     string
	index   int
	isIndex bool
}

// parsePath reads a field name or dotted path with array indices: `IdCard`,
// `Response.Text.IdCard`, `Response.Text.LivenessDetail[0].Idcard`, `A[1][2].B`. Segments are
// separated by `.`; each is a non-empty name (no `.`, `[` or `]`) followed by zero or more `[N]`,
// N decimal without sign or leading zeros (except `0` itself).
func parsePath(path string) ([]pathStep, error) {
	bad := func(why string) ([]pathStep, error) {
		return nil, fail(EnvelopeFormatError, "path %q: %s", path, why)
	}
	var steps []pathStep
	for _, segment := range strings.Split(path, ".") {
		end := strings.IndexAny(segment, "[]")
		if end < 0 {
			end = len(segment)
		}
		if end == 0 {
			return bad("every segment needs a non-empty name before any index")
		}
		steps = append(steps, pathStep{key: segment[:end]})
		for rest := segment[end:]; rest != ""; {
			closing := strings.IndexByte(rest, ']')
			if rest[0] != '[' || closing < 0 {
				return bad("an index is written [N]")
			}
			digits := rest[1:closing]
			if digits == "" || strings.TrimLeft(digits, "0123456789") != "" || (len(digits) > 1 && digits[0] == '0') {
				return bad("an index is a decimal number without sign or leading zeros")
			}
			index, err := strconv.Atoi(digits)
			if err != nil {
				return bad("index out of range")
			}
			steps = append(steps, pathStep{index: index, isIndex: true})
			rest = rest[closing+1:]
		}
	}
	return steps, nil
}

// resolveSteps parses path against root, the object that holds the fields: a first segment that
// is exactly `Response` is skipped when root has no `Response` key.
func resolveSteps(root *Object, path string) ([]pathStep, error) {
	steps, err := parsePath(path)
	if err != nil {
		return nil, err
	}
	if len(steps) > 1 && !steps[1].isIndex && steps[0].key == "Response" && !root.Has("Response") {
		steps = steps[1:]
	}
	return steps, nil
}

// getPath returns the raw JSON value path names in root, if it exists.
func getPath(root *Object, steps []pathStep) (json.RawMessage, bool) {
	raw, ok := root.Get(steps[0].key)
	for _, step := range steps[1:] {
		if !ok {
			return nil, false
		}
		raw, ok = child(raw, step)
	}
	return raw, ok
}

// child is the value one step below raw (an object member or an array element).
func child(raw json.RawMessage, step pathStep) (json.RawMessage, bool) {
	if step.isIndex {
		var elems []json.RawMessage
		if !isJSON(raw, '[') || json.Unmarshal(raw, &elems) != nil || step.index >= len(elems) {
			return nil, false
		}
		return elems[step.index], true
	}
	if !isJSON(raw, '{') {
		return nil, false
	}
	obj := NewObject()
	if obj.UnmarshalJSON(raw) != nil {
		return nil, false
	}
	return obj.Get(step.key)
}

// replaceAt returns raw with the value at steps replaced by value; raw must hold that path.
func replaceAt(raw json.RawMessage, steps []pathStep, value json.RawMessage) json.RawMessage {
	if len(steps) == 0 {
		return value
	}
	step := steps[0]
	if step.isIndex {
		var elems []json.RawMessage
		json.Unmarshal(raw, &elems)
		elems[step.index] = replaceAt(elems[step.index], steps[1:], value)
		var buf bytes.Buffer
		buf.WriteByte('[')
		for i, e := range elems {
			if i > 0 {
				buf.WriteByte(',')
			}
			buf.Write(e)
		}
		buf.WriteByte(']')
		return buf.Bytes()
	}
	obj := NewObject()
	obj.UnmarshalJSON(raw)
	inner, _ := obj.Get(step.key)
	obj.Set(step.key, replaceAt(inner, steps[1:], value))
	out, _ := obj.MarshalJSON()
	return out
}

func isJSON(raw json.RawMessage, first byte) bool {
	trimmed := bytes.TrimSpace(raw)
	return len(trimmed) > 0 && trimmed[0] == first
}

// PathString returns the string a field path names in root; anything else is an error naming
// the path (where says what root is: "params", "Response", ...).
func PathString(root *Object, path, where string) (string, error) {
	steps, err := resolveSteps(root, path)
	if err != nil {
		return "", err
	}
	raw, ok := getPath(root, steps)
	var s string
	if !ok || !isJSON(raw, '"') || json.Unmarshal(raw, &s) != nil {
		return "", fail(EnvelopeFormatError, "%s: path %q does not name a string", where, path)
	}
	return s, nil
}

// SetPathString replaces the string a field path names in root, in place: key order and every
// other value stay as they were.
func SetPathString(root *Object, path, value, where string) error {
	if _, err := PathString(root, path, where); err != nil {
		return err
	}
	steps, _ := resolveSteps(root, path)
	inner, _ := root.Get(steps[0].key)
	root.Set(steps[0].key, replaceAt(inner, steps[1:], encodeString(value)))
	return nil
}
