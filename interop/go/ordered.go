package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
)

// Object is a JSON object that keeps its key order, so that wires can be compared byte for
// byte in structure and written in the protocol's order. Values stay raw JSON.
type Object struct {
	keys []string
	vals map[string]json.RawMessage
}

func NewObject() *Object { return &Object{vals: map[string]json.RawMessage{}} }

func (o *Object) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("expected a JSON object")
	}
	o.keys, o.vals = nil, map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return err
		}
		if _, dup := o.vals[key]; dup {
			return fmt.Errorf("duplicate key %q", key)
		}
		o.keys = append(o.keys, key)
		o.vals[key] = raw
	}
	if _, err := dec.Token(); err != nil {
		return err
	}
	return nil
}

func (o *Object) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(encodeString(k))
		buf.WriteByte(':')
		var compact bytes.Buffer
		if err := json.Compact(&compact, o.vals[k]); err != nil {
			return nil, err
		}
		buf.Write(compact.Bytes())
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

func (o *Object) Keys() []string { return append([]string(nil), o.keys...) }

func (o *Object) Has(k string) bool { _, ok := o.vals[k]; return ok }

func (o *Object) Get(k string) (json.RawMessage, bool) { v, ok := o.vals[k]; return v, ok }

// Set replaces a value in place or appends a new key at the end.
func (o *Object) Set(k string, v json.RawMessage) {
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
}

func (o *Object) SetString(k, s string) { o.Set(k, encodeString(s)) }

func (o *Object) SetValue(k string, v interface{}) {
	raw, err := marshalNoEscape(v)
	if err != nil {
		panic(err)
	}
	o.Set(k, raw)
}

func (o *Object) Delete(k string) {
	if _, ok := o.vals[k]; !ok {
		return
	}
	delete(o.vals, k)
	for i, key := range o.keys {
		if key == k {
			o.keys = append(o.keys[:i], o.keys[i+1:]...)
			break
		}
	}
}

func (o *Object) Clone() *Object {
	c := NewObject()
	for _, k := range o.keys {
		c.Set(k, append(json.RawMessage(nil), o.vals[k]...))
	}
	return c
}

// String returns the value of k if it is a JSON string.
func (o *Object) String(k string) (string, bool) {
	raw, ok := o.vals[k]
	if !ok {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// Child returns the value of k parsed as an object.
func (o *Object) Child(k string) (*Object, bool) {
	raw, ok := o.vals[k]
	if !ok {
		return nil, false
	}
	child := NewObject()
	if child.UnmarshalJSON(raw) != nil {
		return nil, false
	}
	return child, true
}

func (o *Object) SetChild(k string, child *Object) {
	raw, err := child.MarshalJSON()
	if err != nil {
		panic(err)
	}
	o.Set(k, raw)
}

func encodeString(s string) []byte {
	raw, _ := marshalNoEscape(s)
	return raw
}

// marshalNoEscape is json.Marshal without HTML escaping, as Python's json.dumps writes.
func marshalNoEscape(v interface{}) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// sameJSON compares two JSON documents token by token: the same values in the same key order.
func sameJSON(a, b []byte) bool {
	ta, errA := tokens(a)
	tb, errB := tokens(b)
	return errA == nil && errB == nil && reflect.DeepEqual(ta, tb)
}

func tokens(data []byte) ([]interface{}, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var out []interface{}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, tok)
	}
}

// sameValue reports whether two JSON texts hold the same value, whatever the key order: a body
// merged back into a response need not keep the order of the fields it replaced.
func sameValue(a, b []byte) bool {
	var va, vb interface{}
	da, db := json.NewDecoder(bytes.NewReader(a)), json.NewDecoder(bytes.NewReader(b))
	da.UseNumber()
	db.UseNumber()
	return da.Decode(&va) == nil && db.Decode(&vb) == nil && reflect.DeepEqual(va, vb)
}
