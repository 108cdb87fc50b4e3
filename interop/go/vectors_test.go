package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var vectorFiles = []string{"ocrcrypto_vectors.json", "ocrcrypto_key_vectors.json", "ocrcrypto_decrypt_manifest.json"}

func readVectorFile(t *testing.T, name string) *Object {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(vectorDir, name))
	if err != nil {
		t.Fatal(err)
	}
	top, err := parseObject(data)
	if err != nil {
		t.Fatal(err)
	}
	return top
}

func fileCases(t *testing.T, top *Object) []json.RawMessage {
	raw, _ := top.Get("tests")
	var tests []json.RawMessage
	if err := json.Unmarshal(raw, &tests); err != nil {
		t.Fatal(err)
	}
	return tests
}

// withCases is the file with its tests replaced (numberOfTests follows).
func withCases(top *Object, cases []json.RawMessage) []byte {
	doc := top.Clone()
	doc.Set("numberOfTests", json.RawMessage(fmt.Sprint(len(cases))))
	list, _ := json.Marshal(cases)
	doc.Set("tests", list)
	out, _ := doc.MarshalJSON()
	return out
}

// single is a document holding one case, renumbered 1.
func single(top *Object, c json.RawMessage) []byte {
	o, err := parseObject(c)
	if err == nil && o.Has("id") {
		o.Set("id", json.RawMessage("1"))
		c, _ = o.MarshalJSON()
	}
	return withCases(top, []json.RawMessage{c})
}

func TestAllVectorFilesVerify(t *testing.T) {
	want := 0
	for _, name := range vectorFiles {
		var n int
		raw, _ := readVectorFile(t, name).Get("numberOfTests")
		json.Unmarshal(raw, &n)
		want += n
	}
	checked, failures := Verify(vectorDir)
	if len(failures) > 0 || checked != want {
		t.Fatalf("%d checked (want %d), failures:\n%s", checked, want, strings.Join(failures, "\n"))
	}
	var out bytes.Buffer
	if err := run("verify", []string{vectorDir}, nil, &out); err != nil || out.String() != fmt.Sprintf("%d vectors verified\n", want) {
		t.Fatalf("verify: %q %v", out.String(), err)
	}
}

// A failure names the file and the case id, and the other cases still pass.
func TestFailureNamesFileAndCase(t *testing.T) {
	for _, name := range vectorFiles {
		top := readVectorFile(t, name)
		cases := fileCases(t, top)
		c, _ := parseObject(cases[2])
		c.Set("result", json.RawMessage(`"maybe"`))
		cases[2], _ = c.MarshalJSON()
		checked, failures := VerifyData(withCases(top, cases), name)
		if checked != len(cases) || len(failures) != 1 || !strings.HasPrefix(failures[0], name+" #3 (") || !strings.Contains(failures[0], "maybe") {
			t.Fatalf("%s: %d checked, %v", name, checked, failures)
		}
	}
}

// mutation is one alteration of a case: what it touched and the altered case.
type mutation struct {
	path  string
	value json.RawMessage
}

// mutate alters v in every way: each leaf changed, each object member removed, an unknown
// member added, each array element changed.
func mutate(v json.RawMessage, path string) []mutation {
	var out []mutation
	switch jsonType(v) {
	case "an object":
		o, _ := parseObject(v)
		for _, k := range o.Keys() {
			if path == "" && k == "id" {
				continue
			}
			child, _ := o.Get(k)
			for _, m := range mutate(child, path+"."+k) {
				c := o.Clone()
				c.Set(k, m.value)
				b, _ := c.MarshalJSON()
				out = append(out, mutation{m.path, b})
			}
			c := o.Clone()
			c.Delete(k)
			b, _ := c.MarshalJSON()
			out = append(out, mutation{path + "." + k + " removed", b})
		}
		c := o.Clone()
		c.Set("zzUnknown", json.RawMessage("1"))
		b, _ := c.MarshalJSON()
		out = append(out, mutation{path + " unknown member", b})
	case "an array":
		var elems []json.RawMessage
		json.Unmarshal(v, &elems)
		for i := range elems {
			for _, m := range mutate(elems[i], fmt.Sprintf("%s[%d]", path, i)) {
				cp := append([]json.RawMessage(nil), elems...)
				cp[i] = m.value
				b, _ := json.Marshal(cp)
				out = append(out, mutation{m.path, b})
			}
		}
	case "a string":
		var s string
		json.Unmarshal(v, &s)
		out = append(out, mutation{path, encodeString(alterString(s))})
	case "a number":
		out = append(out, mutation{path, json.RawMessage(string(v) + "1")})
	case "a boolean":
		out = append(out, mutation{path, json.RawMessage(map[string]string{"true": "false", "false": "true"}[string(v)])})
	case "null":
		out = append(out, mutation{path, json.RawMessage(`"x"`)})
	}
	return out
}

// alterString changes one character in the middle (a digit or letter to another of its kind, so
// that hex stays hex and base64 stays base64).
func alterString(s string) string {
	if s == "" {
		return "0"
	}
	r := []rune(s)
	for i := len(r) / 2; i < len(r); i++ {
		switch c := r[i]; {
		case c >= '0' && c <= '8', c >= 'a' && c <= 'e', c >= 'A' && c <= 'Y':
			r[i] = c + 1
			return string(r)
		case c == '9' || c == 'f' || c == 'Z' || (c > 'f' && c <= 'z'):
			r[i] = '0' + (c % 8)
			if c > 'f' {
				r[i] = 'a'
			}
			return string(r)
		}
	}
	return s + "x"
}

// Alterations that leave a case true, so that no verifier can notice them: the comment; a
// session Iv a response does not use (it has its own); an absent Iv, TagList, EncryptList or
// Algorithm where the reader defaults to just what was there (null / [] / the session's /
// AES-256-CBC); the CiphertextBlob a client ignores in a response; the wire
// or the session of an invalid case (the damage that makes it invalid remains), and invalid key
// inputs altered (they stay invalid).
var neutral = []*regexp.Regexp{
	regexp.MustCompile(`^\.comment$`),
	regexp.MustCompile(`^\.input\.session\.Iv$`),
	regexp.MustCompile(`\.Encryption\.(Iv|TagList|EncryptList|Algorithm|CiphertextBlob) removed$`),
	regexp.MustCompile(`^\.input\.wire\.Response\.Encryption\.CiphertextBlob$`),
}

// TestEveryAlterationFails alters every case of every file in every way and requires a failure
// of that case, except for the alterations listed in neutral.
func TestEveryAlterationFails(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	for _, name := range vectorFiles {
		top := readVectorFile(t, name)
		for i, raw := range fileCases(t, top) {
			c, _ := parseObject(raw)
			result, _ := c.String("result")
			flags := caseFlags(c)
			for _, m := range mutate(raw, "") {
				if flags["Large"] && !strings.Contains(m.path, "large") && !strings.Contains(m.path, "sha256") && !strings.HasPrefix(m.path, ".output.wire.Encryption.CiphertextBlob") {
					continue // each alteration re-encrypts 4 MiB twice: a sample is enough
				}
				skip := result == "invalid" && (strings.HasPrefix(m.path, ".output.wire") || strings.HasPrefix(m.path, ".input.session."))
				skip = skip || (name == "ocrcrypto_key_vectors.json" && result == "invalid" && strings.HasPrefix(m.path, ".input.") && !strings.HasSuffix(m.path, "removed"))
				for _, re := range neutral {
					skip = skip || re.MatchString(m.path)
				}
				if skip {
					continue
				}
				if _, failures := VerifyData(single(top, m.value), name); len(failures) == 0 {
					t.Errorf("%s #%d: altering %s goes unnoticed", name, i+1, m.path)
				}
			}
		}
	}
}

// The alterations a verifier must notice in invalid cases: another error class, another result,
// a missing or unknown field.
func TestInvalidCaseAlterations(t *testing.T) {
	for _, name := range vectorFiles {
		top := readVectorFile(t, name)
		for i, raw := range fileCases(t, top) {
			c, _ := parseObject(raw)
			if result, _ := c.String("result"); result != "invalid" {
				continue
			}
			class, _ := c.String("error")
			for _, other := range errorClasses {
				if other == class {
					continue
				}
				d := c.Clone()
				d.SetString("error", other)
				b, _ := d.MarshalJSON()
				if _, failures := VerifyData(single(top, b), name); len(failures) != 1 {
					t.Errorf("%s #%d: error %s instead of %s goes unnoticed", name, i+1, other, class)
				}
			}
			for _, edit := range []func(*Object){
				func(o *Object) { o.SetString("result", "valid") },
				func(o *Object) { o.SetString("error", "ValueError") },
				func(o *Object) { o.Delete("error") },
				func(o *Object) { o.Set("flags", json.RawMessage(`["Unheard"]`)) },
				func(o *Object) { o.Set("ocrcrypto_result", json.RawMessage(`"invalid"`)) },
			} {
				d := c.Clone()
				edit(d)
				b, _ := d.MarshalJSON()
				if _, failures := VerifyData(single(top, b), name); len(failures) != 1 {
					t.Errorf("%s #%d: an altered invalid case passes: %s", name, i+1, b)
				}
			}
		}
	}
}

func TestMalformedFiles(t *testing.T) {
	top := readVectorFile(t, "ocrcrypto_key_vectors.json")
	good, _ := top.MarshalJSON()
	edit := func(f func(*Object)) []byte {
		d := top.Clone()
		f(d)
		b, _ := d.MarshalJSON()
		return b
	}
	deep := strings.Repeat("[", 201) + strings.Repeat("]", 201)
	cases := map[string][]byte{
		"not JSON":          []byte("{"),
		"not UTF-8":         append([]byte(`{"schema":"`), 0xff, '"', '}'),
		"trailing data":     append(append([]byte(nil), good...), []byte(" {}")...),
		"duplicate key":     bytes.Replace(good, []byte(`{"schema":`), []byte(`{"schema":"x","schema":`), 1),
		"too deep":          edit(func(o *Object) { o.Set("notes", json.RawMessage(`{"Rsa":`+deep+`}`)) }),
		"string too long":   edit(func(o *Object) { o.SetString("zz", strings.Repeat("a", maxString+1)) }),
		"unknown schema":    edit(func(o *Object) { o.SetString("schema", "ocrcrypto-vectors-1") }),
		"unknown field":     edit(func(o *Object) { o.SetString("extra", "") }),
		"missing notes":     edit(func(o *Object) { o.Delete("notes") }),
		"count mismatch":    edit(func(o *Object) { o.Set("numberOfTests", json.RawMessage("5")) }),
		"count too large":   edit(func(o *Object) { o.Set("numberOfTests", json.RawMessage("100001")) }),
		"count not integer": edit(func(o *Object) { o.Set("numberOfTests", json.RawMessage("103.0")) }),
		"tests not array":   edit(func(o *Object) { o.Set("tests", json.RawMessage("{}")) }),
		"array top level":   []byte("[]"),
		"empty":             []byte(""),
		"generator extra":   edit(func(o *Object) { o.Set("generator", json.RawMessage(`{"seed":"s","command":"c","x":"y"}`)) }),
		"note not a string": edit(func(o *Object) { o.Set("notes", json.RawMessage(`{"Rsa":1}`)) }),
		"more than 64 MiB":  append(append([]byte(nil), good...), bytes.Repeat([]byte(" "), maxFileBytes)...),
	}
	for what, data := range cases {
		checked, failures := VerifyData(data, "f.json")
		if checked != 0 || len(failures) != 1 || !strings.HasPrefix(failures[0], "f.json: ") {
			t.Errorf("%s: %d checked, %.300v", what, checked, failures)
		}
	}
	// the keys section of the vectors file and of the manifest
	for _, name := range []string{"ocrcrypto_vectors.json", "ocrcrypto_decrypt_manifest.json"} {
		top := readVectorFile(t, name)
		keys, _ := top.Child("keys")
		for what, f := range map[string]func(*Object){
			"key not an object": func(k *Object) { k.Set("rsa-1024", json.RawMessage(`"x"`)) },
			"key does not load": func(k *Object) {
				k.Set("sm2", json.RawMessage(`{"type":"SM2","public":{"vendor":""},"private":{"pkcs8_pem":"x"}}`))
			},
			"wrong type": func(k *Object) { e, _ := k.Child("sm2"); e.SetString("type", "RSA"); k.SetChild("sm2", e) },
			"wrong bits": func(k *Object) {
				e, _ := k.Child("rsa-1024")
				e.Set("bits", json.RawMessage("2048"))
				k.SetChild("rsa-1024", e)
			},
			"forms disagree": func(k *Object) {
				a, _ := k.Child("rsa-1024")
				b, _ := k.Child("sm2")
				a.Set("public", mustGet(b, "public"))
				k.SetChild("rsa-1024", a)
			},
			"unknown form": func(k *Object) {
				e, _ := k.Child("sm2")
				p, _ := e.Child("private")
				p.SetString("jwk", "{}")
				e.SetChild("private", p)
				k.SetChild("sm2", e)
			},
			"no keys": func(k *Object) {
				for _, n := range k.Keys() {
					k.Delete(n)
				}
			},
		} {
			k := keys.Clone()
			f(k)
			d := top.Clone()
			d.SetChild("keys", k)
			b, _ := d.MarshalJSON()
			if checked, failures := VerifyData(b, name); checked != 0 || len(failures) != 1 {
				t.Errorf("%s: %s: %d checked, %.300v", name, what, checked, failures)
			}
		}
	}
	// a directory: schema.json is skipped; no vector file at all is a failure
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "schema.json"), []byte("{}"), 0o644)
	if _, failures := Verify(dir); len(failures) != 1 {
		t.Errorf("empty directory: %v", failures)
	}
	os.WriteFile(filepath.Join(dir, "keys.json"), good, 0o644)
	if checked, failures := Verify(dir); checked != 103 && len(failures) != 0 {
		t.Errorf("keys file: %d %v", checked, failures)
	}
	var out bytes.Buffer
	os.WriteFile(filepath.Join(dir, "bad.json"), []byte(`{"schema":"other"}`), 0o644)
	if err := run("verify", []string{dir}, nil, &out); err == nil || !strings.Contains(err.Error(), "1 of") {
		t.Errorf("verify with a bad file: %v", err)
	}
}

func mustGet(o *Object, k string) json.RawMessage { v, _ := o.Get(k); return v }

// Malformed cases of every kind are failures of that case, never a crash.
func TestMalformedCases(t *testing.T) {
	edits := map[string]func(*Object){
		"not an object":     nil,
		"unknown mode":      func(o *Object) { o.SetString("mode", "stream") },
		"unknown operation": func(o *Object) { o.SetString("operation", "load_jwk") },
		"unknown result":    func(o *Object) { o.SetString("result", "acceptable-ish") },
		"unknown flag":      func(o *Object) { o.Set("flags", json.RawMessage(`["Typo"]`)) },
		"flag twice":        func(o *Object) { o.Set("flags", json.RawMessage(`["Unicode","Unicode"]`)) },
		"flags not array":   func(o *Object) { o.Set("flags", json.RawMessage(`"Unicode"`)) },
		"wrong id":          func(o *Object) { o.Set("id", json.RawMessage("7")) },
		"id a string":       func(o *Object) { o.Set("id", json.RawMessage(`"1"`)) },
		"unknown field":     func(o *Object) { o.Set("extra", json.RawMessage("null")) },
		"input not object":  func(o *Object) { o.Set("input", json.RawMessage("[]")) },
		"output a number":   func(o *Object) { o.Set("output", json.RawMessage("1")) },
		"expected null":     func(o *Object) { o.Set("expected", json.RawMessage("null")) },
		"comment a number":  func(o *Object) { o.Set("comment", json.RawMessage("1")) },
		"unknown key name":  func(o *Object) { o.SetString("key", "rsa-4096") },
		"key of other type": func(o *Object) {
			k, _ := o.String("key")
			o.SetString("key", map[bool]string{true: "sm2", false: "rsa-1024"}[strings.HasPrefix(k, "rsa")])
		},
		"no result": func(o *Object) { o.Delete("result") },
		"no mode":   func(o *Object) { o.Delete("mode") },
	}
	for _, name := range vectorFiles {
		top := readVectorFile(t, name)
		for i, raw := range fileCases(t, top) {
			if i%7 != 0 {
				continue
			}
			c, _ := parseObject(raw)
			for what, edit := range edits {
				var b []byte
				if edit == nil {
					b = []byte(`"case"`)
				} else {
					if !c.Has(strings.Fields(what)[len(strings.Fields(what))-1]) && strings.HasPrefix(what, "unknown") && what != "unknown field" && what != "unknown flag" && what != "unknown key name" {
						continue
					}
					if (what == "unknown key name" || what == "key of other type") && !c.Has("key") {
						continue
					}
					if what == "expected null" && !c.Has("expected") || what == "output a number" && !c.Has("output") || what == "no mode" && !c.Has("mode") {
						continue
					}
					d := c.Clone()
					edit(d)
					b, _ = d.MarshalJSON()
				}
				doc := withCases(top, []json.RawMessage{b})
				if what != "wrong id" && what != "id a string" {
					doc = single(top, b)
				}
				checked, failures := VerifyData(doc, name)
				if checked != 1 || len(failures) != 1 || !strings.HasPrefix(failures[0], name+" #1") {
					t.Errorf("%s #%d, %s: %d checked, %v", name, i+1, what, checked, failures)
				}
			}
		}
	}
}

// Large cases: size bounds, and the digest of the body.
func TestLargeCaseBounds(t *testing.T) {
	top := readVectorFile(t, "ocrcrypto_vectors.json")
	for _, raw := range fileCases(t, top) {
		c, _ := parseObject(raw)
		if !caseFlags(c)["Large"] {
			continue
		}
		for _, size := range []string{"0", "67108865", "-1", "1.5", `"3"`} {
			d := c.Clone()
			in, _ := d.Child("input")
			large, _ := in.Child("large")
			large.Set("size", json.RawMessage(size))
			in.SetChild("large", large)
			d.SetChild("input", in)
			b, _ := d.MarshalJSON()
			if _, failures := VerifyData(single(top, b), "v.json"); len(failures) != 1 || !strings.Contains(failures[0], "size") {
				t.Errorf("size %s: %v", size, failures)
			}
		}
		return
	}
	t.Fatal("no Large case")
}

// --- the key loaders ------------------------------------------------------------------------------

func testKeyForms(t *testing.T) (map[string]string, map[string]string) {
	t.Helper()
	var file vectorFile
	data, _ := os.ReadFile(filepath.Join(vectorDir, "ocrcrypto_vectors.json"))
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	return file.Keys["sm2"].Public, file.Keys["sm2"].Private
}

func TestKeyLoaderForms(t *testing.T) {
	pub, priv := testKeyForms(t)
	want, err := LoadPrivateKey([]byte(priv["pkcs8_pem"]))
	if err != nil {
		t.Fatal(err)
	}
	point := pub["hex"]
	x, y := point[2:66], point[66:]
	yLast, _ := hex.DecodeString(y[62:])
	compressed := fmt.Sprintf("%02x", 2+yLast[0]&1) + x
	other := fmt.Sprintf("%02x", 3-yLast[0]&1) + x
	pem := priv["sec1_pem"]
	publics := map[string]string{
		"hex 04XY":             point,
		"hex XY":               x + y,
		"hex capitals":         strings.ToUpper(point),
		"hex compressed":       compressed,
		"hex in lines":         "\n  " + x + "\r\n" + y + "\t\n",
		"vendor":               pub["vendor"],
		"vendor in lines":      pub["vendor"][:40] + "\n" + pub["vendor"][40:] + "\n",
		"PEM":                  pub["spki_pem"],
		"PEM CRLF":             strings.ReplaceAll(pub["spki_pem"], "\n", "\r\n"),
		"PEM escaped newlines": strings.ReplaceAll(strings.TrimSpace(pub["spki_pem"]), "\n", `\n`),
		"PEM after BOM":        "\ufeff" + pub["spki_pem"],
	}
	for what, text := range publics {
		got, err := LoadPublicKey([]byte(text))
		if err != nil || !samePublic(got, want.Public()) {
			t.Errorf("public %s: %v", what, err)
		}
	}
	if got, err := LoadPublicKey([]byte(other)); err != nil || got.SM2.Y.Cmp(want.SM2.Y) == 0 || got.SM2.X.Cmp(want.SM2.X) != 0 {
		t.Errorf("the other parity is -P: %v", err)
	}
	privates := map[string]string{
		"SEC1":           pem,
		"SM2 label":      strings.ReplaceAll(pem, "EC PRIVATE KEY", "SM2 PRIVATE KEY"),
		"hex d":          priv["hex"],
		"hex D spaced":   "  " + strings.ToUpper(priv["hex"]) + "\n",
		"PKCS#8 CRLF":    strings.ReplaceAll(priv["pkcs8_pem"], "\n", "\r\n"),
		"PKCS#8 escaped": strings.ReplaceAll(priv["pkcs8_pem"], "\n", `\n`),
	}
	for what, text := range privates {
		got, err := LoadPrivateKey([]byte(text))
		if err != nil || !samePrivate(got, want) {
			t.Errorf("private %s: %v", what, err)
		}
	}
	// short hex d: leading zeros dropped
	one, err := LoadPrivateKey([]byte("1"))
	if err != nil || one.SM2.X.Cmp(sm2Params.Gx) != 0 || one.SM2.Y.Cmp(sm2Params.Gy) != 0 {
		t.Fatalf("d = 1: %v", err)
	}
	if k, err := LoadPrivateKey([]byte("00ff")); err != nil || k.SM2.D.Int64() != 255 {
		t.Fatalf("d = 00ff: %v", err)
	}
	p := sm2Params.P.Text(16)
	n := sm2Params.N
	refused := map[string]struct {
		private bool
		text    string
	}{
		"hex 65 digits":        {true, "0" + priv["hex"]},
		"d = 0":                {true, "0"},
		"d = n-1":              {true, new(big.Int).Sub(n, big.NewInt(1)).Text(16)},
		"d = n":                {true, n.Text(16)},
		"public to private":    {true, pub["spki_pem"]},
		"private to public":    {false, priv["pkcs8_pem"]},
		"hex to private":       {true, point},
		"X = p":                {false, "04" + p + y},
		"compressed X = p":     {false, "02" + p},
		"prefix 05":            {false, "05" + x + y},
		"compressed prefix 04": {false, "04" + x},
		"off the curve":        {false, "04" + x + x},
		"129 digits":           {false, point[:129]},
		"empty":                {false, " \r\n\t"},
		"encrypted":            {true, "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAA=\n-----END ENCRYPTED PRIVATE KEY-----\n"},
		"Proc-Type":            {true, strings.Replace(pem, "\n", "\nProc-Type: 4,ENCRYPTED\n", 1)},
		"no END line":          {true, pem[:strings.Index(pem, "-----END")]},
		"END of another label": {true, strings.Replace(pem, "END EC", "END SM2", 1)},
		"bad base64":           {true, strings.Replace(pem, "M", "!", 1)},
		"garbage bytes":        {false, "\x00\x01\x02\xff"},
	}
	for what, c := range refused {
		var err error
		if c.private {
			_, err = LoadPrivateKey([]byte(c.text))
		} else {
			_, err = LoadPublicKey([]byte(c.text))
		}
		if classOf(err) != KeyFormatError {
			t.Errorf("%s: not refused with KeyFormatError: %v", what, err)
		}
	}
}

func TestRSAKeyChecks(t *testing.T) {
	var file vectorFile
	data, _ := os.ReadFile(filepath.Join(vectorDir, "ocrcrypto_vectors.json"))
	json.Unmarshal(data, &file)
	key, err := LoadPrivateKey([]byte(file.Keys["rsa-1024"].Private["pkcs1_pem"]))
	if err != nil {
		t.Fatal(err)
	}
	der, _ := derOfPEM(file.Keys["rsa-1024"].Private["pkcs1_pem"])
	// the last byte of PKCS#1 is qInv's: crypto/x509 alone would recompute it and load the key
	bad := append([]byte(nil), der...)
	bad[len(bad)-1] ^= 1
	if _, err := LoadPrivateKey(bad); classOf(err) != KeyFormatError || !strings.Contains(err.Error(), "CRT") {
		t.Fatalf("wrong qInv: %v", err)
	}
	if got, err := LoadPrivateKey(der); err != nil || !samePrivate(got, key) {
		t.Fatalf("DER: %v", err)
	}
	// Every RSA form of the test keys, and base64 DER.
	for _, form := range []string{"vendor", "pkcs1_pem", "spki_pem"} {
		if got, err := LoadPublicKey([]byte(file.Keys["rsa-1024"].Public[form])); err != nil || !samePublic(got, key.Public()) {
			t.Errorf("%s: %v", form, err)
		}
	}
	spki, _ := derOfPEM(file.Keys["rsa-1024"].Public["spki_pem"])
	for what, input := range map[string][]byte{"DER": spki, "base64 DER": []byte(b64(spki)), "BOM DER": append([]byte{0xef, 0xbb, 0xbf}, spki...)} {
		if got, err := LoadPublicKey(input); err != nil || !samePublic(got, key.Public()) {
			t.Errorf("%s: %v", what, err)
		}
	}
	if _, err := LoadPublicKey(append(append([]byte(nil), spki...), 0)); classOf(err) != KeyFormatError {
		t.Errorf("trailing data: %v", err)
	}
	if _, err := LoadPublicKey(spki[:len(spki)-1]); classOf(err) != KeyFormatError {
		t.Errorf("truncated: %v", err)
	}
}

func derOfPEM(text string) ([]byte, error) {
	return pemDER(text, map[string]bool{"RSA PRIVATE KEY": true, "PUBLIC KEY": true, "PRIVATE KEY": true}, "test")
}

// The CLI reads keys through the same loaders: raw hex and compressed points work end to end.
func TestCLIRawHexKeys(t *testing.T) {
	pub, priv := testKeyForms(t)
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(text), 0o600)
		return p
	}
	point := pub["hex"]
	yLast, _ := hex.DecodeString(point[128:])
	compressed := fmt.Sprintf("%02x", 2+yLast[0]&1) + point[2:66]
	pubPath := write("pub.txt", "\ufeff"+strings.ToUpper(compressed)+"\r\n")
	privPath := write("priv.txt", strings.TrimLeft(priv["hex"], "0")+"\n")
	var out bytes.Buffer
	params := `{"IdCard":"1","Name":"n"}`
	if err := run("encrypt", []string{"--public-key", pubPath, "--algorithm", "SM4-GCM", "--field", "IdCard"}, strings.NewReader(params), &out); err != nil {
		t.Fatal(err)
	}
	result := obj(t, out.String())
	wire, _ := result.Get("wire")
	out.Reset()
	if err := run("decrypt", []string{"--private-key", privPath}, bytes.NewReader(wire), &out); err != nil || strings.TrimSpace(out.String()) != params {
		t.Fatalf("decrypt: %q %v", out.String(), err)
	}
	bad := write("bad.txt", "0"+priv["hex"])
	if err := run("decrypt", []string{"--private-key", bad}, bytes.NewReader(wire), &out); classOf(err) != KeyFormatError {
		t.Fatalf("65-digit d: %v", err)
	}
}
