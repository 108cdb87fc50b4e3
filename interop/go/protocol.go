package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"strings"
)

var protocolParams = map[string]bool{"Action": true, "Version": true, "Region": true}
var responseClearFields = map[string]bool{"RequestId": true, "Error": true}
var bodyNames = []string{"EncryptedBody", "EncryptionBody"}

func isBodyName(name string) bool { return name == bodyNames[0] || name == bodyNames[1] }

// Session is the symmetric key and IV of one request and its response.
type Session struct {
	Algorithm string
	Key, IV   []byte
	Blob      []byte // the wrapped key, echoed in responses; nil when unknown
}

type sessionJSON struct {
	Algorithm string `json:"Algorithm"`
	Key       string `json:"Key"`
	Iv        string `json:"Iv"`
}

func (s Session) MarshalJSON() ([]byte, error) {
	return json.Marshal(sessionJSON{s.Algorithm, b64(s.Key), b64(s.IV)})
}

func ParseSession(data []byte) (Session, error) {
	var sj sessionJSON
	if err := json.Unmarshal(data, &sj); err != nil {
		return Session{}, fail(EnvelopeFormatError, "session: %v", err)
	}
	key, err1 := base64.StdEncoding.DecodeString(sj.Key)
	iv, err2 := base64.StdEncoding.DecodeString(sj.Iv)
	if err1 != nil || err2 != nil {
		return Session{}, fail(EnvelopeFormatError, "session: Key and Iv must be base64")
	}
	suite, err := GetSuite(sj.Algorithm, "emmansun")
	if err != nil {
		return Session{}, err
	}
	if len(key) != suite.KeySize() || len(iv) != suite.IVSize() {
		return Session{}, fail(EnvelopeFormatError, "session: wrong key or IV length for %s", sj.Algorithm)
	}
	return Session{Algorithm: sj.Algorithm, Key: key, IV: iv}, nil
}

func b64(data []byte) string { return base64.StdEncoding.EncodeToString(data) }

// Block is the parsed Encryption block.
type Block struct {
	EncryptList []string
	Blob, IV    []byte
	Algorithm   string
	Tags        [][]byte
	TagsNull    bool
}

func parseB64(raw json.RawMessage, field string) ([]byte, bool, error) {
	if string(raw) == "null" || raw == nil {
		return nil, true, nil
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return nil, false, fail(EnvelopeFormatError, "%s: expected a base64 string", field)
	}
	data, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, false, fail(EnvelopeFormatError, "%s: not valid standard base64", field)
	}
	return data, false, nil
}

func ParseBlock(obj *Object) (Block, error) {
	var b Block
	for _, k := range obj.Keys() {
		switch k {
		case "EncryptList", "CiphertextBlob", "Iv", "Algorithm", "TagList":
		default:
			return b, fail(EnvelopeFormatError, "Encryption: unknown field %q", k)
		}
	}
	raw, _ := obj.Get("EncryptList")
	if json.Unmarshal(raw, &b.EncryptList) != nil || len(b.EncryptList) == 0 {
		return b, fail(EnvelopeFormatError, "Encryption.EncryptList: expected a non-empty array of names")
	}
	b.Algorithm = "AES-256-CBC"
	if raw, ok := obj.Get("Algorithm"); ok && string(raw) != "null" {
		if json.Unmarshal(raw, &b.Algorithm) != nil {
			return b, fail(EnvelopeFormatError, "Encryption.Algorithm: expected a string")
		}
	}
	var err error
	raw, _ = obj.Get("CiphertextBlob")
	if b.Blob, _, err = parseB64(raw, "Encryption.CiphertextBlob"); err != nil {
		return b, err
	}
	raw, _ = obj.Get("Iv")
	if b.IV, _, err = parseB64(raw, "Encryption.Iv"); err != nil {
		return b, err
	}
	raw, _ = obj.Get("TagList")
	if raw == nil || string(raw) == "null" {
		b.TagsNull = true
		return b, nil
	}
	var tags []json.RawMessage
	if json.Unmarshal(raw, &tags) != nil {
		return b, fail(EnvelopeFormatError, "Encryption.TagList: expected an array or null")
	}
	for _, t := range tags {
		tag, _, err := parseB64(t, "Encryption.TagList[]")
		if err != nil {
			return b, err
		}
		b.Tags = append(b.Tags, tag)
	}
	return b, nil
}

// tagsFor aligns TagList with EncryptList: one tag each for AEAD suites, none otherwise.
func (b Block) tagsFor(suite Suite) ([][]byte, error) {
	n := len(b.EncryptList)
	if !suite.HasTag() {
		if len(b.Tags) != 0 {
			return nil, fail(EnvelopeFormatError, "Encryption.TagList: %s carries no tags", suite.Name())
		}
		return make([][]byte, n), nil
	}
	if b.TagsNull || len(b.Tags) != n {
		return nil, fail(EnvelopeFormatError, "Encryption.TagList: %s needs one tag per EncryptList entry", suite.Name())
	}
	return b.Tags, nil
}

func writeBlock(names []string, blob, iv []byte, algorithm string, tags [][]byte, tagsNull bool) *Object {
	block := NewObject()
	block.SetValue("EncryptList", names)
	if blob == nil {
		block.Set("CiphertextBlob", json.RawMessage("null"))
	} else {
		block.SetString("CiphertextBlob", b64(blob))
	}
	block.SetString("Iv", b64(iv))
	block.SetString("Algorithm", algorithm)
	if tagsNull {
		block.Set("TagList", json.RawMessage("null"))
	} else {
		list := make([]string, 0, len(tags))
		for _, t := range tags {
			list = append(list, b64(t))
		}
		block.SetValue("TagList", list)
	}
	return block
}

// locate resolves a field name or dotted path ("Response." optional) to its parent object.
// It returns the chain of objects from the root so that a change can be written back.
func locate(root *Object, path string) ([]*Object, []string, error) {
	parts := strings.Split(path, ".")
	if len(parts) > 1 && parts[0] == "Response" && !root.Has("Response") {
		parts = parts[1:]
	}
	chain := []*Object{root}
	for _, part := range parts[:len(parts)-1] {
		child, ok := chain[len(chain)-1].Child(part)
		if !ok {
			return nil, nil, fail(EnvelopeFormatError, "Encryption.EncryptList: names %q, which is absent", path)
		}
		chain = append(chain, child)
	}
	if !chain[len(chain)-1].Has(parts[len(parts)-1]) {
		return nil, nil, fail(EnvelopeFormatError, "Encryption.EncryptList: names %q, which is absent", path)
	}
	return chain, parts, nil
}

func writeBack(chain []*Object, parts []string) {
	for i := len(chain) - 1; i > 0; i-- {
		chain[i-1].SetChild(parts[i-1], chain[i])
	}
}

// compactBody is the compact JSON of the given keys of obj, in order, without HTML escaping.
func compactBody(obj *Object, keep func(string) bool) ([]byte, error) {
	body := NewObject()
	for _, k := range obj.Keys() {
		if keep(k) {
			v, _ := obj.Get(k)
			body.Set(k, v)
		}
	}
	return body.MarshalJSON()
}

// seal encrypts a payload in body mode (everything not clear) or field mode (fields).
func seal(session Session, suite Suite, payload *Object, clear map[string]bool, fields []string, iv []byte) (*Object, []string, [][]byte, error) {
	out := payload.Clone()
	var tags [][]byte
	if len(fields) == 0 {
		body, err := compactBody(payload, func(k string) bool { return !clear[k] })
		if err != nil {
			return nil, nil, nil, fail(EnvelopeFormatError, "payload: %v", err)
		}
		if string(body) == "{}" {
			return nil, nil, nil, fail(EnvelopeFormatError, "payload: nothing to encrypt")
		}
		ct, tag, err := suite.Seal(body, session.Key, iv)
		if err != nil {
			return nil, nil, nil, err
		}
		for _, k := range payload.Keys() {
			if !clear[k] {
				out.SetString(k, "")
			}
		}
		out.SetString("EncryptedBody", b64(ct))
		if tag != nil {
			tags = append(tags, tag)
		}
		return out, []string{"EncryptedBody"}, tags, nil
	}
	for _, name := range fields {
		chain, parts, err := locate(out, name)
		if err != nil {
			return nil, nil, nil, err
		}
		value, ok := chain[len(chain)-1].String(parts[len(parts)-1])
		if !ok {
			return nil, nil, nil, fail(EnvelopeFormatError, "%s: field mode encrypts strings", name)
		}
		ct, tag, err := suite.Seal([]byte(value), session.Key, iv)
		if err != nil {
			return nil, nil, nil, err
		}
		chain[len(chain)-1].SetString(parts[len(parts)-1], b64(ct))
		writeBack(chain, parts)
		if tag != nil {
			tags = append(tags, tag)
		}
	}
	return out, fields, tags, nil
}

// open decrypts every EncryptList entry and merges the plaintext into a copy of the payload.
// With uniform (the service side) every failure after the shape checks is the same error.
func open(session Session, suite Suite, payload *Object, block Block, iv []byte, uniform bool) (*Object, error) {
	tags, err := block.tagsFor(suite)
	if err != nil {
		return nil, err
	}
	type part struct {
		name string
		ct   []byte
		tag  []byte
	}
	var parts []part
	for i, name := range block.EncryptList {
		var raw json.RawMessage
		field := name
		if isBodyName(name) {
			for _, n := range bodyNames {
				if v, ok := payload.Get(n); ok {
					raw, field = v, n
				}
			}
		} else if chain, ps, err := locate(payload, name); err == nil {
			raw, _ = chain[len(chain)-1].Get(ps[len(ps)-1])
		}
		if raw == nil {
			return nil, fail(EnvelopeFormatError, "Encryption.EncryptList: names %q, which is absent", name)
		}
		ct, _, err := parseB64(raw, field)
		if err != nil {
			return nil, err
		}
		parts = append(parts, part{field, ct, tags[i]})
	}
	out := payload.Clone()
	for _, n := range append(bodyNames, "Encryption") {
		out.Delete(n)
	}
	failWith := func(err error) (*Object, error) {
		if uniform {
			return nil, errDecryption
		}
		return nil, err
	}
	for _, p := range parts {
		plain, err := suite.Open(p.ct, session.Key, iv, p.tag)
		if err != nil {
			return failWith(fail(DecryptionError, "%s: decryption failed", p.name))
		}
		if isBodyName(p.name) {
			body := NewObject()
			if err := body.UnmarshalJSON(plain); err != nil {
				return failWith(fail(EnvelopeFormatError, "%s: decrypted body is not a JSON object: %v", p.name, err))
			}
			for _, k := range body.Keys() {
				v, _ := body.Get(k)
				out.Set(k, v)
			}
			continue
		}
		chain, ps, err := locate(out, p.name)
		if err != nil {
			return nil, err
		}
		chain[len(chain)-1].SetString(ps[len(ps)-1], string(plain))
		writeBack(chain, ps)
	}
	return out, nil
}

// EncryptRequest wraps params with a fresh key and IV (from random) for the given suite.
func EncryptRequest(params *Object, pub PublicKey, algorithm string, fields []string, sm2Lib string, random io.Reader) (*Object, Session, error) {
	suite, err := GetSuite(algorithm, sm2Lib)
	if err != nil {
		return nil, Session{}, err
	}
	session := Session{Algorithm: algorithm, Key: make([]byte, suite.KeySize()), IV: make([]byte, suite.IVSize())}
	if _, err := io.ReadFull(rand.Reader, session.Key); err != nil {
		return nil, Session{}, err
	}
	if _, err := io.ReadFull(rand.Reader, session.IV); err != nil {
		return nil, Session{}, err
	}
	return encryptRequestWith(params, pub, suite, session, fields, random)
}

func encryptRequestWith(params *Object, pub PublicKey, suite Suite, session Session, fields []string, random io.Reader) (*Object, Session, error) {
	blob, err := suite.Wrap(session.Key, pub, random)
	if err != nil {
		return nil, Session{}, err
	}
	session.Blob = blob
	wire, names, tags, err := seal(session, suite, params, protocolParams, fields, session.IV)
	if err != nil {
		return nil, Session{}, err
	}
	wire.SetChild("Encryption", writeBlock(names, blob, session.IV, suite.Name(), tags, false))
	return wire, session, nil
}

// DecryptRequest is the service side: the params and the request's session.
func DecryptRequest(wire *Object, priv PrivateKey) (*Object, Session, error) {
	encryption, ok := wire.Child("Encryption")
	if !ok {
		return nil, Session{}, fail(EnvelopeFormatError, "request.Encryption: missing or not an object")
	}
	block, err := ParseBlock(encryption)
	if err != nil {
		return nil, Session{}, err
	}
	suite, err := GetSuite(block.Algorithm, "emmansun")
	if err != nil {
		return nil, Session{}, err
	}
	if block.Blob == nil || block.IV == nil {
		return nil, Session{}, fail(EnvelopeFormatError, "Encryption: CiphertextBlob and Iv are required")
	}
	if len(block.IV) != suite.IVSize() {
		return nil, Session{}, fail(EnvelopeFormatError, "Encryption.Iv: %s needs %d bytes, got %d", suite.Name(), suite.IVSize(), len(block.IV))
	}
	if _, err := block.tagsFor(suite); err != nil {
		return nil, Session{}, err
	}
	if suite.KeyType() != priv.Type() {
		return nil, Session{}, fail(KeyFormatError, "%s wraps its key with %s: got an %s private key", suite.Name(), suite.KeyType(), priv.Type())
	}
	key, err := suite.Unwrap(block.Blob, priv)
	if err != nil {
		return nil, Session{}, errDecryption
	}
	session := Session{Algorithm: block.Algorithm, Key: key, IV: block.IV, Blob: block.Blob}
	params, err := open(session, suite, wire, block, block.IV, true)
	if err != nil {
		return nil, Session{}, err
	}
	return params, session, nil
}

func unwrapResponse(response *Object) (*Object, bool) {
	if keys := response.Keys(); len(keys) == 1 && keys[0] == "Response" {
		if inner, ok := response.Child("Response"); ok {
			return inner, true
		}
	}
	return response, false
}

// EncryptResponse encrypts a response with the session; iv nil means the session's IV.
func EncryptResponse(session Session, response *Object, fields []string, iv []byte) (*Object, error) {
	suite, err := GetSuite(session.Algorithm, "emmansun")
	if err != nil {
		return nil, err
	}
	if iv == nil {
		iv = session.IV
	}
	inner, wrapped := unwrapResponse(response)
	sealed, names, tags, err := seal(session, suite, inner, responseClearFields, fields, iv)
	if err != nil {
		return nil, err
	}
	sealed.SetChild("Encryption", writeBlock(names, session.Blob, iv, suite.Name(), tags, !suite.HasTag()))
	if v, ok := sealed.Get("RequestId"); ok {
		sealed.Delete("RequestId")
		sealed.Set("RequestId", v)
	}
	if wrapped {
		out := NewObject()
		out.SetChild("Response", sealed)
		return out, nil
	}
	return sealed, nil
}

// DecryptResponse decrypts with the response's own Iv when it has one, else the session's.
func DecryptResponse(session Session, response *Object) (*Object, error) {
	suite, err := GetSuite(session.Algorithm, "emmansun")
	if err != nil {
		return nil, err
	}
	inner, wrapped := unwrapResponse(response)
	encryption, ok := inner.Child("Encryption")
	if !ok {
		return response.Clone(), nil
	}
	block, err := ParseBlock(encryption)
	if err != nil {
		return nil, err
	}
	if block.Algorithm != session.Algorithm {
		return nil, fail(EnvelopeFormatError, "Response.Encryption.Algorithm: %q, but the session is %q", block.Algorithm, session.Algorithm)
	}
	iv := session.IV
	if block.IV != nil {
		iv = block.IV
	}
	if len(iv) != suite.IVSize() {
		return nil, fail(EnvelopeFormatError, "Response.Encryption.Iv: wrong length")
	}
	plain, err := open(session, suite, inner, block, iv, false)
	if err != nil {
		return nil, err
	}
	if wrapped {
		out := NewObject()
		out.SetChild("Response", plain)
		return out, nil
	}
	return plain, nil
}
