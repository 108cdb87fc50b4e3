package main

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// marshal is the compact JSON of an object, for exact comparisons (key order included).
func marshal(t *testing.T, o *Object) string {
	t.Helper()
	data, err := o.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func expectError(t *testing.T, err error, class, contains string) {
	t.Helper()
	if err == nil {
		t.Fatalf("expected %s (%q), got no error", class, contains)
	}
	if classOf(err) != class || !strings.Contains(err.Error(), contains) {
		t.Fatalf("expected %s containing %q, got %s: %v", class, contains, classOf(err), err)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Fatalf("error is not one line: %q", err)
	}
}

func TestPathGrammar(t *testing.T) {
	valid := map[string][]pathStep{
		"IdCard":               {{key: "IdCard"}},
		"Response.Text.IdCard": {{key: "Response"}, {key: "Text"}, {key: "IdCard"}},
		"Response.Text.LivenessDetail[0].Idcard": {{key: "Response"}, {key: "Text"}, {key: "LivenessDetail"},
			{index: 0, isIndex: true}, {key: "Idcard"}},
		"A[1][2].B": {{key: "A"}, {index: 1, isIndex: true}, {index: 2, isIndex: true}, {key: "B"}},
		"A[10]":     {{key: "A"}, {index: 10, isIndex: true}},
		"名 字.x-y$":  {{key: "名 字"}, {key: "x-y$"}},
	}
	for path, want := range valid {
		got, err := parsePath(path)
		if err != nil {
			t.Fatalf("%q: %v", path, err)
		}
		if len(got) != len(want) {
			t.Fatalf("%q: got %+v, want %+v", path, got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%q: got %+v, want %+v", path, got, want)
			}
		}
	}
	for _, path := range []string{"", ".", "a..b", ".a", "a.", "[0]", "a.[0]", "a[", "a[]", "a[01]", "a[00]",
		"a[-1]", "a[+1]", "a[ 1]", "a]", "a[0]b", "a[1x]", "a[0]]", "a[[0]]", "a[99999999999999999999999]"} {
		_, err := parsePath(path)
		expectError(t, err, EnvelopeFormatError, "path "+encodeStringForTest(path))
	}
}

func encodeStringForTest(s string) string { return string(encodeString(s)) }

func TestPathResolution(t *testing.T) {
	root := obj(t, `{"Text":{"LivenessDetail":[{"Idcard":"x","N":1},{"Idcard":"y"}],"Name":"n"},"A":[[0,["s"]]],"B":null}`)
	for path, want := range map[string]string{
		"Text.LivenessDetail[1].Idcard":          "y",
		"Response.Text.LivenessDetail[0].Idcard": "x",
		"A[0][1][0]":                             "s",
		"Response.Text.Name":                     "n",
	} {
		got, err := PathString(root, path, "Response")
		if err != nil || got != want {
			t.Fatalf("%s: got %q, %v; want %q", path, got, err, want)
		}
	}
	for _, path := range []string{"Text.LivenessDetail[2].Idcard", "Text.LivenessDetail[0].N", "Text.Missing",
		"Text[0]", "A[0][0]", "A.x", "B", "Text", "Response", "Response[0].Text.Name", "Text.LivenessDetail.Idcard"} {
		_, err := PathString(root, path, "Response")
		expectError(t, err, EnvelopeFormatError, encodeStringForTest(path))
	}
	// A root that has a Response key: the first segment is not skipped.
	withResponse := obj(t, `{"Response":{"X":"inner"},"X":"outer"}`)
	if got, err := PathString(withResponse, "Response.X", "params"); err != nil || got != "inner" {
		t.Fatalf("Response.X: %q %v", got, err)
	}
	// Setting keeps key order and every other value (numbers exactly as written).
	if err := SetPathString(root, "Response.Text.LivenessDetail[1].Idcard", "<新>", "Response"); err != nil {
		t.Fatal(err)
	}
	if err := SetPathString(root, "A[0][1][0]", "t", "Response"); err != nil {
		t.Fatal(err)
	}
	want := `{"Text":{"LivenessDetail":[{"Idcard":"x","N":1},{"Idcard":"<新>"}],"Name":"n"},"A":[[0,["t"]]],"B":null}`
	if got := marshal(t, root); got != want {
		t.Fatalf("after set:\n got  %s\n want %s", got, want)
	}
	if err := SetPathString(root, "Text.LivenessDetail[0].N", "v", "Response"); classOf(err) != EnvelopeFormatError {
		t.Fatalf("set on a number: %v", err)
	}
}

func TestFieldPathsRoundTrip(t *testing.T) {
	keys := testKeys(t)
	for _, c := range []struct{ algorithm, key, lib string }{
		{"AES-256-CBC", "rsa-1024", "emmansun"}, {"SM4-GCM", "sm2", "emmansun"}, {"SM4-GCM", "sm2", "tjfoc"},
	} {
		params := obj(t, `{"Action":"X","Person":{"Ids":["a",{"IdCard":"11010119900101001X"}],"Age":1.50},"Name":"李明"}`)
		fields := []string{"Person.Ids[1].IdCard", "Name", "Person.Ids[0]"}
		wire, session, err := EncryptRequest(params, keys.public[c.key], c.algorithm, fields, c.lib, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fields {
			s, err := PathString(wire, f, "params")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := base64.StdEncoding.Strict().DecodeString(s); err != nil || s == "" {
				t.Fatalf("%s is not base64 ciphertext: %q", f, s)
			}
		}
		if age, _ := getPath(wire, []pathStep{{key: "Person"}, {key: "Age"}}); string(age) != "1.50" {
			t.Fatalf("Age changed: %s", age)
		}
		got, server, err := DecryptRequest(wire, keys.private[c.key])
		if err != nil {
			t.Fatalf("%v: %v", c, err)
		}
		if marshal(t, got) != marshal(t, params) || !bytes.Equal(server.Key, session.Key) {
			t.Fatalf("%v: decrypted %s", c, marshal(t, got))
		}
		response := obj(t, `{"Response":{"Text":{"LivenessDetail":[{"Idcard":"110","Extra":null},{"Idcard":"220"}],"Name":"李"},"RequestId":"r"}}`)
		rfields := []string{"Response.Text.LivenessDetail[0].Idcard", "Response.Text.LivenessDetail[1].Idcard", "Text.Name"}
		encrypted, err := EncryptResponse(server, response, rfields, nil)
		if err != nil {
			t.Fatal(err)
		}
		inner, _ := encrypted.Child("Response")
		block, _ := inner.Child("Encryption")
		list, _ := block.Get("EncryptList")
		if string(list) != `["Response.Text.LivenessDetail[0].Idcard","Response.Text.LivenessDetail[1].Idcard","Text.Name"]` {
			t.Fatalf("EncryptList %s", list)
		}
		if strings.Contains(marshal(t, encrypted), `"110"`) {
			t.Fatal("a field stayed in clear")
		}
		plain, err := DecryptResponse(session, encrypted)
		if err != nil {
			t.Fatal(err)
		}
		if marshal(t, plain) != marshal(t, response) {
			t.Fatalf("decrypted response %s", marshal(t, plain))
		}
	}
	keysOnly := testKeys(t)
	_, _, err := EncryptRequest(obj(t, `{"A":[1]}`), keysOnly.public["sm2"], "SM4-GCM", []string{"A[0]"}, "emmansun", rand.Reader)
	expectError(t, err, EnvelopeFormatError, `"A[0]"`)
	_, _, err = EncryptRequest(obj(t, `{"A":"x"}`), keysOnly.public["sm2"], "SM4-GCM", []string{"A", "A"}, "emmansun", rand.Reader)
	expectError(t, err, EnvelopeFormatError, "more than once")
}

// responseOnlyWire encrypts a response-only request and checks its exact shape.
func responseOnlyWire(t *testing.T, keys keySet, algorithm, key, lib string) (*Object, Session, string) {
	t.Helper()
	params := `{"Action":"GetDetectInfoEnhanced","BizToken":"tok","RuleId":"1","IsEncryptResponse":true,"N":null}`
	wire, session, err := EncryptResponseOnlyRequest(obj(t, params), keys.public[key], algorithm, lib, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.TrimSuffix(params, "}") + `,"Encryption":{"EncryptList":[],"CiphertextBlob":"` + b64(session.Blob) +
		`","Iv":"` + b64(session.IV) + `","Algorithm":"` + algorithm + `","TagList":[]}}`
	if got := marshal(t, wire); got != want {
		t.Fatalf("response-only wire:\n got  %s\n want %s", got, want)
	}
	suite, _ := GetSuite(algorithm, lib)
	if len(session.Key) != suite.KeySize() || len(session.IV) != suite.IVSize() {
		t.Fatal("wrong key or IV size")
	}
	return wire, session, params
}

func TestResponseOnlyRequest(t *testing.T) {
	keys := testKeys(t)
	for _, c := range []struct{ algorithm, key, other, lib string }{
		{"AES-256-CBC", "rsa-1024", "rsa-1024-other", "emmansun"},
		{"AES-256-CBC", "rsa-2048", "rsa-1024", "emmansun"},
		{"SM4-GCM", "sm2", "sm2-other", "emmansun"},
		{"SM4-GCM", "sm2", "sm2-other", "tjfoc"},
	} {
		wire, session, params := responseOnlyWire(t, keys, c.algorithm, c.key, c.lib)
		again, _, _ := responseOnlyWire(t, keys, c.algorithm, c.key, c.lib)
		if marshal(t, again) == marshal(t, wire) {
			t.Fatal("two response-only requests share key and IV")
		}
		if c.algorithm == "SM4-GCM" {
			if key, err := tjfocDecrypt(keys.private[c.key], session.Blob); err != nil || !bytes.Equal(key, session.Key) {
				t.Fatalf("%v: tjfoc does not unwrap the key", c)
			}
		}
		got, server, err := DecryptRequest(wire, keys.private[c.key])
		if err != nil {
			t.Fatalf("%v: %v", c, err)
		}
		if marshal(t, got) != params || !bytes.Equal(server.Key, session.Key) || !bytes.Equal(server.IV, session.IV) {
			t.Fatalf("%v: decrypted %s", c, marshal(t, got))
		}
		// The service answers; the client decrypts with the session it kept.
		response := obj(t, `{"Response":{"Text":{"IdCard":"440111111111111111","Name":"爱新觉罗永琪"},"RequestId":"r"}}`)
		for _, fields := range [][]string{nil, {"Response.Text.IdCard", "Response.Text.Name"}} {
			encrypted, err := EncryptResponse(server, response, fields, nil)
			if err != nil {
				t.Fatal(err)
			}
			plain, err := DecryptResponse(session, encrypted)
			if err != nil || !sameValue([]byte(marshal(t, plain)), []byte(marshal(t, response))) {
				t.Fatalf("%v: response %v", c, err)
			}
		}
		// A key that does not unwrap it: the one uniform error.
		_, _, err = DecryptRequest(wire, keys.private[c.other])
		if err != errDecryption {
			t.Fatalf("%v: wrong key gave %v", c, err)
		}
	}
}

// mutateBlock returns a copy of wire whose Encryption block is changed by edit.
func mutateBlock(t *testing.T, wire *Object, edit func(block, wire *Object)) *Object {
	t.Helper()
	out := wire.Clone()
	block, ok := out.Child("Encryption")
	if !ok {
		t.Fatal("no Encryption")
	}
	edit(block, out)
	out.SetChild("Encryption", block)
	return out
}

func TestResponseOnlyForms(t *testing.T) {
	keys := testKeys(t)
	for _, c := range []struct{ algorithm, key string }{{"AES-256-CBC", "rsa-1024"}, {"SM4-GCM", "sm2"}} {
		wire, session, params := responseOnlyWire(t, keys, c.algorithm, c.key, "emmansun")
		null := json.RawMessage("null")
		accepted := map[string]func(block, wire *Object){
			"EncryptList null":   func(b, _ *Object) { b.Set("EncryptList", null) },
			"EncryptList absent": func(b, _ *Object) { b.Delete("EncryptList") },
			"Go demo: EncryptionBody, no body, TagList null": func(b, _ *Object) {
				b.SetValue("EncryptList", []string{"EncryptionBody"})
				b.Set("TagList", null)
			},
			"EncryptedBody named, empty body field": func(b, w *Object) {
				b.SetValue("EncryptList", []string{"EncryptedBody"})
				w.SetString("EncryptedBody", "")
			},
			"EncryptList [], EncryptedBody null":      func(_, w *Object) { w.Set("EncryptedBody", null) },
			"Node demo: Iv null":                      func(b, _ *Object) { b.Set("Iv", null) },
			"Iv absent, TagList absent":               func(b, _ *Object) { b.Delete("Iv"); b.Delete("TagList") },
			"Java demo: EncryptList and TagList null": func(b, _ *Object) { b.Set("EncryptList", null); b.Set("TagList", null) },
		}
		for name, edit := range accepted {
			got, server, err := DecryptRequest(mutateBlock(t, wire, edit), keys.private[c.key])
			if err != nil {
				t.Fatalf("%s %s: %v", c.algorithm, name, err)
			}
			if marshal(t, got) != params || !bytes.Equal(server.Key, session.Key) {
				t.Fatalf("%s %s: decrypted %s", c.algorithm, name, marshal(t, got))
			}
			if strings.Contains(name, "Iv null") || strings.Contains(name, "Iv absent") {
				if server.IV != nil {
					t.Fatalf("%s: the session has an Iv", name)
				}
				sessionJSON, _ := server.MarshalJSON()
				if !strings.HasSuffix(string(sessionJSON), `"Iv":null}`) {
					t.Fatalf("session %s", sessionJSON)
				}
			}
		}
		refused := map[string]struct {
			edit     func(block, wire *Object)
			class    string
			contains string
		}{
			"no CiphertextBlob":   {func(b, _ *Object) { b.Delete("CiphertextBlob") }, EnvelopeFormatError, "CiphertextBlob"},
			"CiphertextBlob null": {func(b, _ *Object) { b.Set("CiphertextBlob", null) }, EnvelopeFormatError, "CiphertextBlob"},
			"CiphertextBlob altered": {func(b, _ *Object) {
				blob, _ := b.String("CiphertextBlob")
				raw, _ := base64.StdEncoding.DecodeString(blob)
				raw[len(raw)-1] ^= 1
				b.SetString("CiphertextBlob", b64(raw))
			}, DecryptionError, "decryption failed"},
			"a body but EncryptList []": {func(_, w *Object) { w.SetString("EncryptedBody", "AAAA") }, EnvelopeFormatError, "EncryptList is empty"},
			"tags":                      {func(b, _ *Object) { b.SetValue("TagList", []string{"AAAA"}) }, EnvelopeFormatError, "TagList"},
			"Iv of the wrong length":    {func(b, _ *Object) { b.SetString("Iv", "AAAA") }, EnvelopeFormatError, "Encryption.Iv"},
			"EncryptList a string":      {func(b, _ *Object) { b.SetString("EncryptList", "EncryptedBody") }, EnvelopeFormatError, "EncryptList"},
		}
		for name, r := range refused {
			_, _, err := DecryptRequest(mutateBlock(t, wire, r.edit), keys.private[c.key])
			expectError(t, err, r.class, r.contains)
			if r.class == DecryptionError && err.Error() != "decryption failed" {
				t.Fatalf("%s: not the uniform error: %v", name, err)
			}
		}
	}
}

func TestBodyModeDropsNonStrings(t *testing.T) {
	keys := testKeys(t)
	params := obj(t, `{"Action":"DetectAIFakeFaces","FaceInput":"AAAA<&>","FaceInputType":1,"Config":{"a":[1,2.0]},"Flag":true,"Nothing":null,"Region":"ap-guangzhou","Empty":""}`)
	for _, c := range []struct{ algorithm, key, lib string }{{"AES-256-CBC", "rsa-1024", "emmansun"}, {"SM4-GCM", "sm2", "tjfoc"}} {
		wire, session, err := EncryptRequest(params, keys.public[c.key], c.algorithm, nil, c.lib, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(wire.Keys(), ","); got != "Action,FaceInput,Region,Empty,EncryptedBody,Encryption" {
			t.Fatalf("wire keys %s", got)
		}
		if s, _ := wire.String("FaceInput"); s != "" {
			t.Fatal("FaceInput is not the empty placeholder")
		}
		// The body is exactly the compact JSON of the sensitive params, in order, unescaped.
		block, _ := wire.Child("Encryption")
		parsed, _ := ParseBlock(block)
		suite, _ := GetSuite(c.algorithm, c.lib)
		body, _ := wire.String("EncryptedBody")
		ct, _ := base64.StdEncoding.DecodeString(body)
		var tag []byte
		if len(parsed.Tags) == 1 {
			tag = parsed.Tags[0]
		}
		plain, err := suite.Open(ct, session.Key, session.IV, tag)
		if err != nil {
			t.Fatal(err)
		}
		if string(plain) != `{"FaceInput":"AAAA<&>","FaceInputType":1,"Config":{"a":[1,2.0]},"Flag":true,"Nothing":null,"Empty":""}` {
			t.Fatalf("body %s", plain)
		}
		got, _, err := DecryptRequest(wire, keys.private[c.key])
		if err != nil {
			t.Fatal(err)
		}
		want := `{"Action":"DetectAIFakeFaces","FaceInput":"AAAA<&>","Region":"ap-guangzhou","Empty":"","FaceInputType":1,"Config":{"a":[1,2.0]},"Flag":true,"Nothing":null}`
		if marshal(t, got) != want {
			t.Fatalf("decrypted\n got  %s\n want %s", marshal(t, got), want)
		}
	}
	_, _, err := EncryptRequest(obj(t, `{"Action":"X","Version":"2018-11-19","Region":"r"}`), keys.public["sm2"], "SM4-GCM", nil, "emmansun", rand.Reader)
	expectError(t, err, EnvelopeFormatError, "nothing to encrypt")
	_, _, err = EncryptRequest(obj(t, `{"Action":"X","EncryptedBody":"x"}`), keys.public["sm2"], "SM4-GCM", nil, "emmansun", rand.Reader)
	expectError(t, err, EnvelopeFormatError, "already present")
}

func TestKeyring(t *testing.T) {
	keys := testKeys(t)
	params := obj(t, `{"ImageUrl":"https://x/a.jpg","CardSide":"FRONT"}`)
	for _, c := range []struct {
		algorithm, key string
		fields         []string
		wrongSameType  string
	}{
		{"AES-256-CBC", "rsa-2048", nil, "rsa-1024"},
		{"AES-256-CBC", "rsa-1024", []string{"ImageUrl", "CardSide"}, "rsa-1024-other"},
		{"SM4-GCM", "sm2", nil, "sm2-other"},
		{"SM4-GCM", "sm2-other", []string{"CardSide"}, "sm2-gbt"},
	} {
		wire, session, err := EncryptRequest(params, keys.public[c.key], c.algorithm, c.fields, "emmansun", rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		all := []PrivateKey{keys.private["sm2-gbt"], keys.private["rsa-1024"], keys.private["rsa-1024-other"],
			keys.private["sm2"], keys.private["sm2-other"], keys.private["rsa-2048"]}
		got, server, err := DecryptRequest(wire, all...)
		if err != nil {
			t.Fatalf("%v: %v", c, err)
		}
		if marshal(t, got) != marshal(t, params) || !bytes.Equal(server.Key, session.Key) {
			t.Fatalf("%v: decrypted %s", c, marshal(t, got))
		}
		_, _, err = DecryptRequest(wire, keys.private[c.wrongSameType])
		if err != errDecryption {
			t.Fatalf("%v: wrong key: %v", c, err)
		}
		var otherType []PrivateKey
		for _, k := range all {
			if k.Type() != keys.private[c.key].Type() {
				otherType = append(otherType, k)
			}
		}
		_, _, err = DecryptRequest(wire, otherType...)
		expectError(t, err, KeyFormatError, c.algorithm)
		_, _, err = DecryptRequest(wire)
		expectError(t, err, KeyFormatError, c.algorithm)
	}
}

func TestTagListNullAndBodySpelling(t *testing.T) {
	keys := testKeys(t)
	params := obj(t, `{"Action":"X","IdCard":"1","Name":"n"}`)
	for _, fields := range [][]string{nil, {"IdCard", "Name"}} {
		wire, _, err := EncryptRequest(params, keys.public["rsa-1024"], "AES-256-CBC", fields, "emmansun", rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		nullTags := mutateBlock(t, wire, func(b, _ *Object) { b.Set("TagList", json.RawMessage("null")) })
		if got, _, err := DecryptRequest(nullTags, keys.private["rsa-1024"]); err != nil || marshal(t, got) != marshal(t, params) {
			t.Fatalf("TagList null, fields %v: %v", fields, err)
		}
	}
	for _, c := range []struct{ algorithm, key string }{{"AES-256-CBC", "rsa-1024"}, {"SM4-GCM", "sm2"}} {
		wire, _, err := EncryptRequest(params, keys.public[c.key], c.algorithm, nil, "emmansun", rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := wire.Get("EncryptedBody")
		for _, listName := range []string{"EncryptedBody", "EncryptionBody"} {
			for _, fieldName := range []string{"EncryptedBody", "EncryptionBody"} {
				renamed := mutateBlock(t, wire, func(b, w *Object) {
					b.SetValue("EncryptList", []string{listName})
					w.Delete("EncryptedBody")
					w.Set(fieldName, body)
				})
				got, _, err := DecryptRequest(renamed, keys.private[c.key])
				if err != nil || marshal(t, got) != marshal(t, params) {
					t.Fatalf("%s list %s field %s: %v", c.algorithm, listName, fieldName, err)
				}
			}
		}
	}
	// SM4-GCM still needs its tags.
	wire, _, _ := EncryptRequest(params, keys.public["sm2"], "SM4-GCM", nil, "emmansun", rand.Reader)
	_, _, err := DecryptRequest(mutateBlock(t, wire, func(b, _ *Object) { b.Set("TagList", json.RawMessage("null")) }), keys.private["sm2"])
	expectError(t, err, EnvelopeFormatError, "TagList")
}

func TestSessionWithoutIv(t *testing.T) {
	for _, c := range []struct {
		algorithm string
		keySize   int
		ivSize    int
	}{{"AES-256-CBC", 32, 16}, {"SM4-GCM", 16, 12}} {
		key := make([]byte, c.keySize)
		rand.Read(key)
		text := `{"Algorithm":"` + c.algorithm + `","Key":"` + b64(key) + `","Iv":null}`
		session, err := ParseSession([]byte(text))
		if err != nil || session.IV != nil {
			t.Fatalf("%s: %v", c.algorithm, err)
		}
		if again, _ := session.MarshalJSON(); string(again) != text {
			t.Fatalf("session written as %s", again)
		}
		response := obj(t, `{"Response":{"Text":{"IdCard":"1","Name":"n"},"RequestId":"r"}}`)
		first, err := EncryptResponse(session, response, []string{"Response.Text.IdCard"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		second, _ := EncryptResponse(session, response, []string{"Response.Text.IdCard"}, nil)
		ivs := []string{}
		for _, encrypted := range []*Object{first, second} {
			inner, _ := encrypted.Child("Response")
			block, _ := inner.Child("Encryption")
			iv, _ := block.String("Iv")
			raw, _ := base64.StdEncoding.DecodeString(iv)
			if len(raw) != c.ivSize {
				t.Fatalf("%s: response Iv of %d bytes", c.algorithm, len(raw))
			}
			ivs = append(ivs, iv)
			plain, err := DecryptResponse(session, encrypted)
			if err != nil || !sameValue([]byte(marshal(t, plain)), []byte(marshal(t, response))) {
				t.Fatalf("%s: %v", c.algorithm, err)
			}
		}
		if ivs[0] == ivs[1] {
			t.Fatal("a session without Iv reused the response IV")
		}
		inner, _ := first.Child("Response")
		noIv := mutateBlock(t, inner, func(b, _ *Object) { b.Set("Iv", json.RawMessage("null")) })
		_, err = DecryptResponse(session, noIv)
		expectError(t, err, EnvelopeFormatError, "Iv")
	}
	for _, bad := range []string{`{"Algorithm":"SM4-GCM","Key":"AAAAAAAAAAAAAAAAAAAAAA=="}`, `{"Algorithm":"SM4-GCM","Iv":null}`,
		`{"Algorithm":"SM4-GCM","Key":"AAAAAAAAAAAAAAAAAAAAAA==","Iv":"AAAA"}`, `{"Algorithm":1,"Key":"","Iv":null}`, `[]`} {
		if _, err := ParseSession([]byte(bad)); classOf(err) != EnvelopeFormatError {
			t.Fatalf("session %s: %v", bad, err)
		}
	}
}

func TestResponseNothingToDecrypt(t *testing.T) {
	session := Session{Algorithm: "SM4-GCM", Key: make([]byte, 16)}
	cases := map[string]string{
		`{"Response":{"Text":{"Name":"n"},"EncryptedBody":null,"Encryption":{"EncryptList":[],"CiphertextBlob":null,"Iv":null,"Algorithm":"SM4-GCM","TagList":null},"RequestId":"r"}}`: `{"Response":{"Text":{"Name":"n"},"RequestId":"r"}}`,
		`{"Text":{"Name":"n"},"EncryptedBody":"","Encryption":{"EncryptList":null,"TagList":[]},"RequestId":"r"}`:                                                                      `{"Text":{"Name":"n"},"RequestId":"r"}`,
		`{"Response":{"Name":"n","Encryption":null,"EncryptedBody":null}}`:                                                                                                             `{"Response":{"Name":"n"}}`,
	}
	for in, want := range cases {
		got, err := DecryptResponse(session, obj(t, in))
		if err != nil || marshal(t, got) != want {
			t.Fatalf("%s: got %v %v", in, got, err)
		}
	}
	_, err := DecryptResponse(session, obj(t, `{"Name":"n","EncryptedBody":"AAAA","Encryption":{"EncryptList":[]}}`))
	expectError(t, err, EnvelopeFormatError, "EncryptList is empty")
	_, err = DecryptResponse(session, obj(t, `{"Name":"n","EncryptedBody":"AAAA"}`))
	expectError(t, err, EnvelopeFormatError, "no Encryption block")
}

func TestResponseBodyMerge(t *testing.T) {
	for _, algorithm := range []string{"AES-256-CBC", "SM4-GCM"} {
		suite, _ := GetSuite(algorithm, "emmansun")
		session, err := NewSession(suite)
		if err != nil {
			t.Fatal(err)
		}
		ct, tag, err := suite.Seal([]byte(`{"Name":"李","IdNum":"1","Extra":{"k":1}}`), session.Key, session.IV)
		if err != nil {
			t.Fatal(err)
		}
		tags := `null`
		if tag != nil {
			tags = `["` + b64(tag) + `"]`
		}
		response := `{"Response":{"Name":"","Sex":"男","IdNum":"","EncryptedBody":"` + b64(ct) +
			`","Encryption":{"Algorithm":"` + algorithm + `","CiphertextBlob":"AAAA","EncryptList":["EncryptedBody"],"Iv":"` + b64(session.IV) +
			`","TagList":` + tags + `},"RequestId":"r"}}`
		// The session's own IV differs: the response's Iv is the one used.
		other := session
		other.IV = make([]byte, suite.IVSize())
		got, err := DecryptResponse(other, obj(t, response))
		if err != nil {
			t.Fatalf("%s: %v", algorithm, err)
		}
		want := `{"Response":{"Name":"李","Sex":"男","IdNum":"1","RequestId":"r","Extra":{"k":1}}}`
		if marshal(t, got) != want {
			t.Fatalf("%s merged\n got  %s\n want %s", algorithm, marshal(t, got), want)
		}
	}
}

func TestVendorDemoExamples(t *testing.T) {
	path := filepath.Join("..", "..", "..", "shared", "vectors", "vendor-demos", "vendor_demo_examples.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the vendor demo examples are missing (%v): they live in /work/shared/vectors/vendor-demos/", err)
	}
	var file struct {
		Examples []struct {
			ID        string            `json:"id"`
			Algorithm string            `json:"algorithm"`
			KeyHex    string            `json:"key_hex"`
			Iv        string            `json:"iv"`
			Response  json.RawMessage   `json:"response"`
			Expected  map[string]string `json:"expected"`
		} `json:"examples"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	wanted := map[string]bool{"node-sm4gcm-response-fields": true, "node-aes256cbc-response-fields": true, "go-sm4gcm-getdetectinfoenhanced-fields": true}
	for _, ex := range file.Examples {
		if !wanted[ex.ID] {
			continue
		}
		delete(wanted, ex.ID)
		iv, err := base64.StdEncoding.DecodeString(ex.Iv)
		if err != nil {
			t.Fatal(err)
		}
		key, _ := hex.DecodeString(ex.KeyHex)
		for _, sessionIV := range [][]byte{iv, nil} {
			session := Session{Algorithm: ex.Algorithm, Key: key, IV: sessionIV}
			response := obj(t, string(ex.Response))
			plain, err := DecryptResponse(session, response)
			if err != nil {
				t.Fatalf("%s: %v", ex.ID, err)
			}
			for p, want := range ex.Expected {
				if got, err := PathString(plain, p, "Response"); err != nil || got != want {
					t.Fatalf("%s: %s is %q (%v), want %q", ex.ID, p, got, err, want)
				}
			}
			// Everything else is as it was, less the Encryption block.
			inner, _ := response.Child("Response")
			inner.Delete("Encryption")
			for p, want := range ex.Expected {
				SetPathString(inner, p, want, "Response")
			}
			if marshal(t, plain) != `{"Response":`+marshal(t, inner)+`}` {
				t.Fatalf("%s: decrypted %s", ex.ID, marshal(t, plain))
			}
		}
		// One flipped bit in the first encrypted field's base64: a DecryptionError (the CBC
		// example, which has no tag, may decrypt to garbage instead; then it must differ).
		tampered := obj(t, string(ex.Response))
		first := "Response.Text.IdCard"
		value, _ := PathString(tampered, first, "Response")
		raw, _ := base64.StdEncoding.DecodeString(value)
		raw[0] ^= 1
		SetPathString(tampered, first, b64(raw), "Response")
		plain, err := DecryptResponse(Session{Algorithm: ex.Algorithm, Key: key, IV: iv}, tampered)
		if err == nil {
			if got, _ := PathString(plain, first, "Response"); got == ex.Expected[first] {
				t.Fatalf("%s: a tampered ciphertext decrypted to the original", ex.ID)
			}
		} else if ex.Algorithm == "SM4-GCM" && classOf(err) != DecryptionError {
			t.Fatalf("%s: tampered: %v", ex.ID, err)
		}
	}
	if len(wanted) != 0 {
		t.Fatalf("examples missing from %s: %v", path, wanted)
	}
}

func TestCLIAdditions(t *testing.T) {
	dir := t.TempDir()
	data, _ := os.ReadFile(filepath.Join(vectorDir, "ocrcrypto_vectors.json"))
	var file vectorFile
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	sm2Pub := write("sm2.pub", file.Keys["sm2"].Public["vendor"])
	rsaPub := write("rsa.pub", file.Keys["rsa-1024"].Public["vendor"])
	sm2Priv := write("sm2.pem", file.Keys["sm2"].Private["pkcs8_pem"])
	sm2Other := write("sm2-other.pem", file.Keys["sm2-other"].Private["sec1_pem"])
	rsaPriv := write("rsa.pem", file.Keys["rsa-1024"].Private["pkcs1_pem"])
	params := `{"Action":"GetFaceIdResult","BizToken":"t","IsEncryptResponse":true}`

	var out bytes.Buffer
	err := run("encrypt", []string{"--public-key", sm2Pub, "--algorithm", "SM4-GCM", "--response-only", "--field", "BizToken"}, strings.NewReader(params), &out)
	if _, ok := err.(usageErr); !ok {
		t.Fatalf("--response-only with --field: %v", err)
	}
	err = run("encrypt", []string{"--public-key", sm2Pub, "--algorithm", "SM4-GCM"}, strings.NewReader(`{"Action":"X"}`), &out)
	if _, ok := err.(usageErr); ok || err == nil || !strings.Contains(err.Error(), "nothing to encrypt") {
		t.Fatalf("nothing to encrypt: %v", err)
	}
	for _, c := range []struct{ pub, algorithm, lib string }{{sm2Pub, "SM4-GCM", "emmansun"}, {sm2Pub, "SM4-GCM", "tjfoc"}, {rsaPub, "AES-256-CBC", "emmansun"}} {
		out.Reset()
		if err := run("encrypt", []string{"--public-key", c.pub, "--algorithm", c.algorithm, "--response-only", "--sm2-lib", c.lib},
			strings.NewReader(params), &out); err != nil {
			t.Fatal(err)
		}
		result := obj(t, out.String())
		wire, _ := result.Child("wire")
		clientSession, _ := result.Get("session")
		clientPath := write("client.json", string(clientSession))
		// The Node demo's form: Iv null. The service's session then has Iv null.
		wire = mutateBlock(t, wire, func(b, _ *Object) { b.Set("Iv", json.RawMessage("null")) })
		wireJSON, _ := wire.MarshalJSON()
		serviceFile := filepath.Join(dir, "service.json")
		os.Remove(serviceFile)
		out.Reset()
		err := run("decrypt", []string{"--private-key", sm2Other, "--private-key", rsaPriv, "--private-key", sm2Priv, "--session-out", serviceFile},
			bytes.NewReader(wireJSON), &out)
		if err != nil {
			t.Fatalf("%v: %v", c, err)
		}
		if strings.TrimSpace(out.String()) != params {
			t.Fatalf("%v: decrypted %s", c, out.String())
		}
		info, err := os.Stat(serviceFile)
		if err != nil || info.Mode().Perm() != 0o600 {
			t.Fatalf("session file: %v %v", info, err)
		}
		serviceSession, _ := os.ReadFile(serviceFile)
		client, _ := ParseSession(clientSession)
		service, err := ParseSession(serviceSession)
		if err != nil || service.IV != nil || !bytes.Equal(service.Key, client.Key) || !strings.Contains(string(serviceSession), `"Iv":null`) {
			t.Fatalf("%v: service session %v", c, err)
		}
		out.Reset()
		response := `{"Response":{"Text":{"IdCard":"1","Name":"n"},"RequestId":"r"}}`
		if err := run("encrypt-response", []string{"--session", serviceFile, "--field", "Response.Text.IdCard"}, strings.NewReader(response), &out); err != nil {
			t.Fatal(err)
		}
		encrypted := append([]byte(nil), out.Bytes()...)
		out.Reset()
		if err := run("decrypt-response", []string{"--session", clientPath}, bytes.NewReader(encrypted), &out); err != nil {
			t.Fatal(err)
		}
		if strings.TrimSpace(out.String()) != response {
			t.Fatalf("%v: response %s", c, out.String())
		}
		// A keyring without a key of the right type names the algorithm.
		wrongType := sm2Priv
		if c.algorithm == "SM4-GCM" {
			wrongType = rsaPriv
		}
		err = run("decrypt", []string{"--private-key", wrongType}, bytes.NewReader(wireJSON), &out)
		expectError(t, err, KeyFormatError, c.algorithm)
	}
	// The session file is rewritten 0600 even when it existed with a wider mode.
	wide := write("wide.json", "{}")
	os.Chmod(wide, 0o644)
	out.Reset()
	if err := run("encrypt", []string{"--public-key", rsaPub, "--algorithm", "AES-256-CBC", "--response-only"}, strings.NewReader(params), &out); err != nil {
		t.Fatal(err)
	}
	result := obj(t, out.String())
	wire, _ := result.Get("wire")
	if err := run("decrypt", []string{"--private-key", rsaPriv, "--session-out", wide}, bytes.NewReader(wire), &out); err != nil {
		t.Fatal(err)
	}
	if info, _ := os.Stat(wide); info.Mode().Perm() != 0o600 {
		t.Fatalf("session file mode %v", info.Mode())
	}
}

// The tjfoc library unwraps SM4-GCM keys too, so that it can play the service in the matrix.
func TestTjfocUnwrapsRequests(t *testing.T) {
	keys := testKeys(t)
	for _, lib := range []string{"emmansun", "tjfoc"} {
		wire, session, err := EncryptRequest(obj(t, `{"IdCard":"1","Name":"n"}`), keys.public["sm2"], "SM4-GCM", []string{"IdCard"}, lib, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		for _, unwrapWith := range []string{"emmansun", "tjfoc"} {
			got, server, err := DecryptRequestWith(wire, unwrapWith, keys.private["sm2"])
			if err != nil || !bytes.Equal(server.Key, session.Key) || marshal(t, got) != `{"IdCard":"1","Name":"n"}` {
				t.Fatalf("%s -> %s: %v", lib, unwrapWith, err)
			}
			if _, _, err := DecryptRequestWith(wire, unwrapWith, keys.private["sm2-other"]); err != errDecryption {
				t.Fatalf("%s -> %s with another key: %v", lib, unwrapWith, err)
			}
		}
	}
}
