package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"unicode/utf8"
)

var protocolParams = map[string]bool{"Action": true, "Version": true, "Region": true}
var responseClearFields = map[string]bool{"RequestId": true, "Error": true}
var bodyNames = []string{"EncryptedBody", "EncryptionBody"}

func isBodyName(name string) bool { return name == bodyNames[0] || name == bodyNames[1] }

// Session is the symmetric key and IV of one request and its response.
type Session struct {
	Algorithm string
	Key       []byte
	IV        []byte // nil when the request had no Iv (a response-only request may omit it)
	Blob      []byte // the wrapped key, echoed in responses; nil when unknown
}

// MarshalJSON writes {"Algorithm", "Key", "Iv"}, Iv null when the session has none.
func (s Session) MarshalJSON() ([]byte, error) {
	out := NewObject()
	out.SetString("Algorithm", s.Algorithm)
	out.SetString("Key", b64(s.Key))
	if s.IV == nil {
		out.Set("Iv", json.RawMessage("null"))
	} else {
		out.SetString("Iv", b64(s.IV))
	}
	return out.MarshalJSON()
}

// ParseSession reads a session file; its Iv may be null (then a response needs its own Iv).
func ParseSession(data []byte) (Session, error) {
	obj, err := parseObject(data)
	if err != nil {
		return Session{}, fail(EnvelopeFormatError, "session: not a JSON object: %v", err)
	}
	algorithm, ok := obj.String("Algorithm")
	if !ok {
		return Session{}, fail(EnvelopeFormatError, "session.Algorithm: expected a string")
	}
	suite, err := GetSuite(algorithm, "emmansun")
	if err != nil {
		return Session{}, err
	}
	keyRaw, _ := obj.Get("Key")
	key, keyNull, err := parseB64(keyRaw, "session.Key")
	if err != nil {
		return Session{}, err
	}
	ivRaw, hasIV := obj.Get("Iv")
	if keyNull || !hasIV {
		return Session{}, fail(EnvelopeFormatError, "session: needs Key and Iv (Iv may be null)")
	}
	iv, _, err := parseB64(ivRaw, "session.Iv")
	if err != nil {
		return Session{}, err
	}
	if len(key) != suite.KeySize() || (iv != nil && len(iv) != suite.IVSize()) {
		return Session{}, fail(EnvelopeFormatError, "session: wrong key or IV length for %s", algorithm)
	}
	return Session{Algorithm: algorithm, Key: key, IV: iv}, nil
}

func b64(data []byte) string { return base64.StdEncoding.EncodeToString(data) }

func randomBytes(n int) ([]byte, error) {
	out := make([]byte, n)
	if _, err := io.ReadFull(rand.Reader, out); err != nil {
		return nil, err
	}
	return out, nil
}

// Block is the parsed Encryption block.
type Block struct {
	EncryptList    []string // empty for a null, absent or [] EncryptList
	Blob, IV       []byte   // nil when null or absent
	Algorithm      string
	AlgorithmGiven bool
	Tags           [][]byte
	TagsNull       bool
}

func parseB64(raw json.RawMessage, field string) ([]byte, bool, error) {
	if string(raw) == "null" || raw == nil {
		return nil, true, nil
	}
	var s string
	if !isJSON(raw, '"') || json.Unmarshal(raw, &s) != nil {
		return nil, false, fail(EnvelopeFormatError, "%s: expected a base64 string", field)
	}
	data, err := decodeB64(s, field)
	return data, false, err
}

// decodeB64 decodes standard base64 with padding, strictly.
func decodeB64(s, field string) ([]byte, error) {
	data, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, fail(EnvelopeFormatError, "%s: not valid standard base64", field)
	}
	return data, nil
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
	if raw, ok := obj.Get("EncryptList"); ok && string(raw) != "null" {
		if !isJSON(raw, '[') || json.Unmarshal(raw, &b.EncryptList) != nil {
			return b, fail(EnvelopeFormatError, "Encryption.EncryptList: expected an array of names or null")
		}
	}
	b.Algorithm = "AES-256-CBC"
	if raw, ok := obj.Get("Algorithm"); ok && string(raw) != "null" {
		if !isJSON(raw, '"') || json.Unmarshal(raw, &b.Algorithm) != nil {
			return b, fail(EnvelopeFormatError, "Encryption.Algorithm: expected a string")
		}
		b.AlgorithmGiven = true
	}
	var err error
	raw, _ := obj.Get("CiphertextBlob")
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
	if !isJSON(raw, '[') || json.Unmarshal(raw, &tags) != nil {
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

// tagsFor aligns TagList with EncryptList: one tag each for AEAD suites, none otherwise
// (TagList [] or null).
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

// writeBlock writes the Encryption block in the protocol's field order.
func writeBlock(names []string, blob, iv []byte, algorithm string, tags [][]byte, tagsNull bool) *Object {
	block := NewObject()
	block.SetValue("EncryptList", append([]string{}, names...))
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

// refuseEncrypted refuses a payload that already carries envelope fields.
func refuseEncrypted(payload *Object, where string) error {
	for _, name := range append([]string{"Encryption"}, bodyNames...) {
		if payload.Has(name) {
			return fail(EnvelopeFormatError, "%s.%s: already present; is this payload encrypted already?", where, name)
		}
	}
	return nil
}

// seal encrypts a payload in body mode (everything not clear) or field mode (fields, which are
// field paths). In body mode a sensitive string becomes "" in the output and a sensitive value
// of any other type is removed, in requests and responses alike.
func seal(session Session, suite Suite, payload *Object, clear map[string]bool, fields []string, iv []byte, where string) (*Object, []string, [][]byte, error) {
	if err := refuseEncrypted(payload, where); err != nil {
		return nil, nil, nil, err
	}
	out := payload.Clone()
	var tags [][]byte
	if len(fields) == 0 {
		body, err := compactBody(payload, func(k string) bool { return !clear[k] })
		if err != nil {
			return nil, nil, nil, fail(EnvelopeFormatError, "%s: %v", where, err)
		}
		if string(body) == "{}" {
			return nil, nil, nil, fail(EnvelopeFormatError, "%s: nothing to encrypt (only protocol-level fields)", where)
		}
		ct, tag, err := suite.Seal(body, session.Key, iv)
		if err != nil {
			return nil, nil, nil, err
		}
		for _, k := range payload.Keys() {
			if clear[k] {
				continue
			}
			if raw, _ := payload.Get(k); !isJSON(raw, '"') {
				out.Delete(k)
			} else {
				out.SetString(k, "")
			}
		}
		out.SetString("EncryptedBody", b64(ct))
		if tag != nil {
			tags = append(tags, tag)
		}
		return out, []string{"EncryptedBody"}, tags, nil
	}
	seen := map[string]bool{}
	for _, name := range fields {
		if seen[name] {
			return nil, nil, nil, fail(EnvelopeFormatError, "fields: %q is named more than once", name)
		}
		seen[name] = true
		value, err := PathString(out, name, where)
		if err != nil {
			return nil, nil, nil, err
		}
		ct, tag, err := suite.Seal([]byte(value), session.Key, iv)
		if err != nil {
			return nil, nil, nil, err
		}
		if err := SetPathString(out, name, b64(ct), where); err != nil {
			return nil, nil, nil, err
		}
		if tag != nil {
			tags = append(tags, tag)
		}
	}
	return out, fields, tags, nil
}

// sealedPart is one EncryptList entry: the field it names, its ciphertext and its tag.
type sealedPart struct {
	name string
	ct   []byte
	tag  []byte
}

// bodyPresent tells whether payload carries a non-empty body field (neither null nor "").
func bodyPresent(payload *Object) bool {
	for _, n := range bodyNames {
		if raw, ok := payload.Get(n); ok && string(raw) != "null" && string(raw) != `""` {
			return true
		}
	}
	return false
}

// withoutEnvelope is payload less Encryption and less any empty (null or "") body field.
func withoutEnvelope(payload *Object) *Object {
	out := payload.Clone()
	out.Delete("Encryption")
	for _, n := range bodyNames {
		if raw, ok := out.Get(n); ok && (string(raw) == "null" || string(raw) == `""`) {
			out.Delete(n)
		}
	}
	return out
}

// sealedParts reads every EncryptList entry's ciphertext and tag: the shape checks, which do
// not depend on any key.
func sealedParts(suite Suite, payload *Object, block Block, where string) ([]sealedPart, error) {
	tags, err := block.tagsFor(suite)
	if err != nil {
		return nil, err
	}
	var parts []sealedPart
	for i, name := range block.EncryptList {
		var ct []byte
		if isBodyName(name) {
			field := ""
			for _, n := range bodyNames {
				if payload.Has(n) {
					field = n
				}
			}
			if field == "" {
				return nil, fail(EnvelopeFormatError, "Encryption.EncryptList: names %q, which is not in the %s", name, where)
			}
			raw, _ := payload.Get(field)
			if ct, _, err = parseB64(raw, where+"."+field); err != nil {
				return nil, err
			}
			name = field
		} else {
			value, err := PathString(payload, name, where)
			if err != nil {
				return nil, err
			}
			if ct, err = decodeB64(value, where+"."+name); err != nil {
				return nil, err
			}
		}
		parts = append(parts, sealedPart{name, ct, tags[i]})
	}
	return parts, nil
}

// openParts decrypts the parts and merges the plaintext into a copy of the payload, without its
// envelope fields. With uniform (the service side) every failure is the same error.
func openParts(session Session, suite Suite, payload *Object, parts []sealedPart, iv []byte, uniform bool, where string) (*Object, error) {
	out := payload.Clone()
	for _, n := range append([]string{"Encryption"}, bodyNames...) {
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
			return failWith(fail(DecryptionError, "%s.%s: decryption failed (wrong key or IV, or the ciphertext was altered)", where, p.name))
		}
		if isBodyName(p.name) {
			body := NewObject()
			if err := body.UnmarshalJSON(plain); err != nil {
				return failWith(fail(EnvelopeFormatError, "%s.%s: decrypted body is not a JSON object: %v", where, p.name, err))
			}
			for _, k := range body.Keys() {
				v, _ := body.Get(k)
				out.Set(k, v)
			}
			continue
		}
		if !utf8.Valid(plain) {
			return failWith(fail(EnvelopeFormatError, "%s.%s: decrypted bytes are not UTF-8", where, p.name))
		}
		if err := SetPathString(out, p.name, string(plain), where); err != nil {
			return failWith(err)
		}
	}
	return out, nil
}

// NewSession makes a fresh key and IV for algorithm from the operating system's CSPRNG.
func NewSession(suite Suite) (Session, error) {
	key, err := randomBytes(suite.KeySize())
	if err != nil {
		return Session{}, err
	}
	iv, err := randomBytes(suite.IVSize())
	if err != nil {
		return Session{}, err
	}
	return Session{Algorithm: suite.Name(), Key: key, IV: iv}, nil
}

// EncryptRequest wraps params with a fresh key and IV for the given suite; random feeds only
// the key wrap (SM2's ephemeral key, RSA's padding).
func EncryptRequest(params *Object, pub PublicKey, algorithm string, fields []string, sm2Lib string, random io.Reader) (*Object, Session, error) {
	suite, err := GetSuite(algorithm, sm2Lib)
	if err != nil {
		return nil, Session{}, err
	}
	session, err := NewSession(suite)
	if err != nil {
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
	wire, names, tags, err := seal(session, suite, params, protocolParams, fields, session.IV, "params")
	if err != nil {
		return nil, Session{}, err
	}
	wire.SetChild("Encryption", writeBlock(names, blob, session.IV, suite.Name(), tags, false))
	return wire, session, nil
}

// EncryptResponseOnlyRequest encrypts nothing: the params unchanged plus an Encryption block with
// the wrapped fresh key and a fresh Iv, so that the service encrypts its response.
func EncryptResponseOnlyRequest(params *Object, pub PublicKey, algorithm, sm2Lib string, random io.Reader) (*Object, Session, error) {
	suite, err := GetSuite(algorithm, sm2Lib)
	if err != nil {
		return nil, Session{}, err
	}
	session, err := NewSession(suite)
	if err != nil {
		return nil, Session{}, err
	}
	return encryptResponseOnlyWith(params, pub, suite, session, random)
}

// encryptResponseOnlyWith is EncryptResponseOnlyRequest with a given key and IV.
func encryptResponseOnlyWith(params *Object, pub PublicKey, suite Suite, session Session, random io.Reader) (*Object, Session, error) {
	if err := refuseEncrypted(params, "params"); err != nil {
		return nil, Session{}, err
	}
	var err error
	if session.Blob, err = suite.Wrap(session.Key, pub, random); err != nil {
		return nil, Session{}, err
	}
	wire := params.Clone()
	wire.SetChild("Encryption", writeBlock(nil, session.Blob, session.IV, suite.Name(), nil, false))
	return wire, session, nil
}

// isResponseOnly tells whether a request's block encrypts nothing: an empty EncryptList, or one
// naming only the body (either spelling) while the request has no body (the vendor's Go demo).
func isResponseOnly(block Block, payload *Object) (bool, error) {
	if len(block.EncryptList) == 0 {
		if bodyPresent(payload) {
			return false, fail(EnvelopeFormatError, "request: has a body, but Encryption.EncryptList is empty")
		}
		return true, nil
	}
	for _, name := range block.EncryptList {
		if !isBodyName(name) {
			return false, nil
		}
	}
	return !bodyPresent(payload), nil
}

// DecryptRequest is the service side: the params and the request's session. The keys whose type
// fits the request's Algorithm are tried in order; whatever goes wrong once the shape is right,
// the error is the one errDecryption.
func DecryptRequest(wire *Object, keys ...PrivateKey) (*Object, Session, error) {
	return DecryptRequestWith(wire, "emmansun", keys...)
}

// DecryptRequestWith is DecryptRequest with the SM2 library that unwraps an SM4-GCM key chosen.
func DecryptRequestWith(wire *Object, sm2Lib string, keys ...PrivateKey) (*Object, Session, error) {
	encryption, ok := wire.Child("Encryption")
	if !ok {
		return nil, Session{}, fail(EnvelopeFormatError, "request.Encryption: missing or not an object")
	}
	block, err := ParseBlock(encryption)
	if err != nil {
		return nil, Session{}, err
	}
	suite, err := GetSuite(block.Algorithm, sm2Lib)
	if err != nil {
		return nil, Session{}, err
	}
	if block.Blob == nil {
		return nil, Session{}, fail(EnvelopeFormatError, "Encryption.CiphertextBlob: missing")
	}
	responseOnly, err := isResponseOnly(block, wire)
	if err != nil {
		return nil, Session{}, err
	}
	if block.IV == nil && !responseOnly {
		return nil, Session{}, fail(EnvelopeFormatError, "Encryption.Iv: missing")
	}
	if block.IV != nil && len(block.IV) != suite.IVSize() {
		return nil, Session{}, fail(EnvelopeFormatError, "Encryption.Iv: %s needs %d bytes, got %d", suite.Name(), suite.IVSize(), len(block.IV))
	}
	var parts []sealedPart
	if responseOnly {
		if len(block.Tags) != 0 {
			return nil, Session{}, fail(EnvelopeFormatError, "Encryption.TagList: a request that encrypts nothing carries no tags")
		}
	} else if parts, err = sealedParts(suite, wire, block, "request"); err != nil {
		return nil, Session{}, err
	}
	var candidates []PrivateKey
	for _, k := range keys {
		if k.Type() == suite.KeyType() {
			candidates = append(candidates, k)
		}
	}
	if len(candidates) == 0 {
		return nil, Session{}, fail(KeyFormatError, "%s wraps its key with %s: no %s private key given", suite.Name(), suite.KeyType(), suite.KeyType())
	}
	for _, priv := range candidates {
		key, err := suite.Unwrap(block.Blob, priv)
		unwrapped := err == nil
		if !unwrapped {
			// Go on with a random key, so that a failed unwrap costs the same body decryption.
			if key, err = randomBytes(suite.KeySize()); err != nil {
				return nil, Session{}, err
			}
		}
		session := Session{Algorithm: suite.Name(), Key: key, IV: block.IV, Blob: block.Blob}
		if responseOnly {
			if unwrapped {
				return withoutEnvelope(wire), session, nil
			}
			continue
		}
		params, err := openParts(session, suite, wire, parts, block.IV, true, "request")
		if err == nil && unwrapped {
			return params, session, nil
		}
	}
	return nil, Session{}, errDecryption
}

func unwrapResponse(response *Object) (*Object, bool) {
	if keys := response.Keys(); len(keys) == 1 && keys[0] == "Response" {
		if inner, ok := response.Child("Response"); ok {
			return inner, true
		}
	}
	return response, false
}

func rewrapResponse(inner *Object, wrapped bool) *Object {
	if !wrapped {
		return inner
	}
	out := NewObject()
	out.SetChild("Response", inner)
	return out
}

// EncryptResponse encrypts a response with the session; iv nil means the session's IV, or a
// fresh random one when the session has none.
func EncryptResponse(session Session, response *Object, fields []string, iv []byte) (*Object, error) {
	suite, err := GetSuite(session.Algorithm, "emmansun")
	if err != nil {
		return nil, err
	}
	if iv == nil {
		iv = session.IV
	}
	if iv == nil {
		if iv, err = randomBytes(suite.IVSize()); err != nil {
			return nil, err
		}
	}
	inner, wrapped := unwrapResponse(response)
	sealed, names, tags, err := seal(session, suite, inner, responseClearFields, fields, iv, "Response")
	if err != nil {
		return nil, err
	}
	sealed.SetChild("Encryption", writeBlock(names, session.Blob, iv, suite.Name(), tags, !suite.HasTag()))
	if v, ok := sealed.Get("RequestId"); ok {
		sealed.Delete("RequestId")
		sealed.Set("RequestId", v)
	}
	return rewrapResponse(sealed, wrapped), nil
}

// DecryptResponse decrypts with the response's own Iv when it has one, else the session's.
func DecryptResponse(session Session, response *Object) (*Object, error) {
	suite, err := GetSuite(session.Algorithm, "emmansun")
	if err != nil {
		return nil, err
	}
	inner, wrapped := unwrapResponse(response)
	if raw, ok := inner.Get("Encryption"); !ok || string(raw) == "null" {
		if bodyPresent(inner) {
			return nil, fail(EnvelopeFormatError, "Response: has a body but no Encryption block")
		}
		return rewrapResponse(withoutEnvelope(inner), wrapped), nil
	}
	encryption, ok := inner.Child("Encryption")
	if !ok {
		return nil, fail(EnvelopeFormatError, "Response.Encryption: expected an object")
	}
	block, err := ParseBlock(encryption)
	if err != nil {
		return nil, err
	}
	if block.AlgorithmGiven && block.Algorithm != session.Algorithm {
		return nil, fail(EnvelopeFormatError, "Response.Encryption.Algorithm: %q, but the session is %q", block.Algorithm, session.Algorithm)
	}
	if len(block.EncryptList) == 0 {
		if bodyPresent(inner) {
			return nil, fail(EnvelopeFormatError, "Response: has a body, but Encryption.EncryptList is empty")
		}
		return rewrapResponse(withoutEnvelope(inner), wrapped), nil
	}
	iv := session.IV
	if block.IV != nil {
		iv = block.IV
	}
	if iv == nil {
		return nil, fail(EnvelopeFormatError, "Response.Encryption.Iv: missing, and the session has no Iv")
	}
	if len(iv) != suite.IVSize() {
		return nil, fail(EnvelopeFormatError, "Response.Encryption.Iv: %s needs %d bytes, got %d", suite.Name(), suite.IVSize(), len(iv))
	}
	parts, err := sealedParts(suite, inner, block, "Response")
	if err != nil {
		return nil, err
	}
	plain, err := openParts(session, suite, inner, parts, iv, false, "Response")
	if err != nil {
		return nil, err
	}
	return rewrapResponse(plain, wrapped), nil
}
