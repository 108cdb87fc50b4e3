package main

// The strict verifier of vectors/: every *.json but schema.json is one of three kinds, picked by
// its top-level "schema" (vectors/README.md): ocrcrypto-vectors-2 (envelope cases),
// ocrcrypto-key-vectors-1 (key loading) and ocrcrypto-decrypt-manifest-1 (ciphertexts of the
// other implementations). A malformed file is one failure; a malformed case is a failure naming
// the file and the case id; nothing in a file makes the verifier panic.

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/emmansun/gmsm/sm2"
)

const (
	schemaVectors  = "ocrcrypto-vectors-2"
	schemaKeys     = "ocrcrypto-key-vectors-1"
	schemaManifest = "ocrcrypto-decrypt-manifest-1"

	maxFileBytes = 64 << 20
	maxDepth     = 200
	maxString    = 1 << 20
	maxLarge     = 64 << 20
	maxTests     = 100000
)

var (
	errorClasses = []string{DecryptionError, EnvelopeFormatError, UnsupportedAlgorithmError, KeyFormatError}
	algorithms   = []string{"AES-256-CBC", "SM4-GCM"}

	vectorFlags = setOf("Ktv", "Typical", "Unicode", "BlockBoundary", "EmptyPlaintext", "OneByte", "Large", "Rsa2048",
		"FieldMode", "ResponseOnly", "EchoedIv", "FreshIv", "DottedPath", "ArrayIndexPath", "NoSessionIv",
		"Sm2C1xLeadingZero", "Sm2C1yLeadingZero", "Sm2X2LeadingZero",
		"DefaultAlgorithm", "EncryptionBodySpelling", "NullTagList", "NullIv", "NullEncryptList", "AbsentEncryptList",
		"BodyNameWithoutBody",
		"TruncatedBlob", "ModifiedTag", "ModifiedC3", "ModifiedBody", "WrongKey", "C1OffCurve", "Missing04", "C1C2C3",
		"Der", "BadPadding", "WrongIvLength", "TagCountMismatch", "TagOrder", "TagAppended", "UnknownAlgorithm", "MissingPath")
	keyFlags = setOf("Rsa", "Sm2", "Vendor", "Pem", "Der", "Base64Der", "Hex", "Compressed", "Whitespace", "Bom",
		"EscapedNewlines", "Crlf", "Pkcs1", "Pkcs8", "Spki", "Sec1", "CurveOidInAlgorithm", "NoCurveParameters",
		"NoEmbeddedPublic", "ShortHexD", "WrongCurve", "OffCurve", "NoSquareRoot", "CoordinateTooLarge", "Truncated",
		"TrailingData", "WrongLabel", "WrongKind", "SmallRsa", "WrongHexLength", "ScalarOutOfRange", "PublicMismatch",
		"Encrypted", "NoEndLine", "OtherAlgorithm", "Empty", "Garbage")
	manifestFlags = setOf("FieldMode", "ResponseOnly", "EchoedIv", "FreshIv", "DottedPath", "ArrayIndexPath", "Unicode",
		"VendorDemo", "RawTextKey", "NullFields")
)

func setOf(names ...string) map[string]bool {
	out := map[string]bool{}
	for _, n := range names {
		out[n] = true
	}
	return out
}

// --- reading JSON strictly ---------------------------------------------------------------------

// checkJSON enforces the README's bounds on a whole file before anything is parsed: UTF-8, one
// JSON value, nested at most maxDepth deep, no duplicate keys, no string (key or value) longer
// than maxString characters.
func checkJSON(data []byte) error {
	if !utf8.Valid(data) {
		return fmt.Errorf("not UTF-8 text")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	type frame struct {
		object    bool
		expectKey bool
		keys      map[string]bool
	}
	var stack []*frame
	values := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("not valid JSON: %v", err)
		}
		if len(stack) == 0 {
			if values++; values > 1 {
				return fmt.Errorf("not valid JSON: data after the top-level value")
			}
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			continue
		}
		if s, ok := tok.(string); ok && utf8.RuneCountInString(s) > maxString {
			return fmt.Errorf("a string of %d characters (at most %d)", utf8.RuneCountInString(s), maxString)
		}
		if top != nil && top.object {
			if top.expectKey {
				key, _ := tok.(string)
				if top.keys[key] {
					return fmt.Errorf("duplicate key %q", truncate(key, 60))
				}
				top.keys[key] = true
				top.expectKey = false
				continue
			}
			top.expectKey = true
		}
		if d, ok := tok.(json.Delim); ok {
			stack = append(stack, &frame{object: d == '{', expectKey: true, keys: map[string]bool{}})
			if len(stack) > maxDepth {
				return fmt.Errorf("JSON nested more than %d levels deep", maxDepth)
			}
		}
	}
	if values == 0 {
		return fmt.Errorf("empty, expected JSON")
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// jsonType names the type of a raw JSON value.
func jsonType(raw json.RawMessage) string {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 {
		return "nothing"
	}
	switch t[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// fields requires exactly the required fields of o and no others than the optional ones.
func fields(o *Object, where string, required []string, optional ...string) error {
	allowed := map[string]bool{}
	var missing []string
	for _, n := range required {
		allowed[n] = true
		if !o.Has(n) {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s: missing field(s) %s", where, strings.Join(missing, ", "))
	}
	for _, n := range optional {
		allowed[n] = true
	}
	var unknown []string
	for _, k := range o.Keys() {
		if !allowed[k] {
			unknown = append(unknown, strconv.Quote(truncate(k, 60)))
		}
	}
	if len(unknown) > 0 {
		return fmt.Errorf("%s: unknown field(s) %s", where, strings.Join(unknown, ", "))
	}
	return nil
}

func list(names ...string) []string { return names }

func getObject(o *Object, name, where string) (*Object, error) {
	raw, _ := o.Get(name)
	if !isJSON(raw, '{') {
		return nil, fmt.Errorf("%s.%s: expected an object, got %s", where, name, jsonType(raw))
	}
	child, err := parseObject(raw)
	if err != nil {
		return nil, fmt.Errorf("%s.%s: %v", where, name, err)
	}
	return child, nil
}

func getString(o *Object, name, where string) (string, error) {
	raw, _ := o.Get(name)
	var s string
	if !isJSON(raw, '"') || json.Unmarshal(raw, &s) != nil {
		return "", fmt.Errorf("%s.%s: expected a string, got %s", where, name, jsonType(raw))
	}
	return s, nil
}

func getEnum(o *Object, name, where string, allowed ...string) (string, error) {
	s, err := getString(o, name, where)
	if err != nil {
		return "", err
	}
	for _, a := range allowed {
		if s == a {
			return s, nil
		}
	}
	return "", fmt.Errorf("%s.%s: unknown value %q (expected one of %s)", where, name, truncate(s, 60), strings.Join(allowed, ", "))
}

// decodeHex reads lowercase hex with an even number of digits; size < 0 means any length.
func decodeHex(s, where string, size int) ([]byte, error) {
	if len(s)%2 != 0 || strings.TrimLeft(s, "0123456789abcdef") != "" {
		return nil, fmt.Errorf("%s: expected lowercase hex with an even number of digits", where)
	}
	data, _ := hex.DecodeString(s)
	if size >= 0 && len(data) != size {
		return nil, fmt.Errorf("%s: expected %d bytes, got %d", where, size, len(data))
	}
	return data, nil
}

func getHex(o *Object, name, where string, size int) ([]byte, error) {
	s, err := getString(o, name, where)
	if err != nil {
		return nil, err
	}
	return decodeHex(s, where+"."+name, size)
}

func getInt(o *Object, name, where string, low, high int64) (int64, error) {
	raw, _ := o.Get(name)
	text := string(bytes.TrimSpace(raw))
	v, err := strconv.ParseInt(text, 10, 64)
	if err != nil || strings.ContainsAny(text, ".eE+") || text == "-0" {
		return 0, fmt.Errorf("%s.%s: expected an integer, got %s", where, name, truncate(text, 40))
	}
	if v < low || v > high {
		return 0, fmt.Errorf("%s.%s: %d is outside [%d, %d]", where, name, v, low, high)
	}
	return v, nil
}

// getStrings reads a non-empty array of non-empty strings.
func getStrings(o *Object, name, where string) ([]string, error) {
	raw, _ := o.Get(name)
	var elems []json.RawMessage
	bad := fmt.Errorf("%s.%s: expected a non-empty array of non-empty strings", where, name)
	if !isJSON(raw, '[') || json.Unmarshal(raw, &elems) != nil || len(elems) == 0 {
		return nil, bad
	}
	out := make([]string, 0, len(elems))
	for _, e := range elems {
		var s string
		if !isJSON(e, '"') || json.Unmarshal(e, &s) != nil || s == "" {
			return nil, bad
		}
		out = append(out, s)
	}
	return out, nil
}

// checkFlags: an array of distinct strings, each a flag of this kind of file and explained in notes.
func checkFlags(c *Object, known map[string]bool, notes *Object) error {
	raw, _ := c.Get("flags")
	var elems []json.RawMessage
	if !isJSON(raw, '[') || json.Unmarshal(raw, &elems) != nil {
		return fmt.Errorf("case.flags: expected an array of strings")
	}
	seen := map[string]bool{}
	for _, e := range elems {
		var f string
		if !isJSON(e, '"') || json.Unmarshal(e, &f) != nil {
			return fmt.Errorf("case.flags: expected an array of strings")
		}
		if seen[f] {
			return fmt.Errorf("case.flags: %s is listed twice", f)
		}
		seen[f] = true
		if !known[f] {
			return fmt.Errorf("case.flags: unknown flag %q", truncate(f, 60))
		}
		if !notes.Has(f) {
			return fmt.Errorf("case.flags: %s is not explained in notes", f)
		}
	}
	return nil
}

func caseFlags(c *Object) map[string]bool {
	raw, _ := c.Get("flags")
	var flags []string
	json.Unmarshal(raw, &flags)
	return setOf(flags...)
}

// readSession reads a session object strictly: exactly Algorithm, Key, Iv (Iv may be null).
func readSession(o *Object, name, where string) (Session, error) {
	obj, err := getObject(o, name, where)
	if err != nil {
		return Session{}, err
	}
	if err := fields(obj, where+"."+name, list("Algorithm", "Key", "Iv")); err != nil {
		return Session{}, err
	}
	raw, _ := o.Get(name)
	session, err := ParseSession(raw)
	if err != nil {
		return Session{}, fmt.Errorf("%s.%s: %v", where, name, err)
	}
	return session, nil
}

// --- keys sections -----------------------------------------------------------------------------

type keySet struct {
	private map[string]PrivateKey
	public  map[string]PublicKey
}

// vectorFile and vectorKey are the parts of a vectors file the tests read (the verifier itself
// reads everything through Object).
type vectorFile struct {
	Keys map[string]vectorKey `json:"keys"`
}

type vectorKey struct {
	Type    string            `json:"type"`
	Public  map[string]string `json:"public"`
	Private map[string]string `json:"private"`
}

// loadKeys loads the test keys of a vectors file for the tests.
func loadKeys(keys map[string]vectorKey) (keySet, error) {
	set := keySet{private: map[string]PrivateKey{}, public: map[string]PublicKey{}}
	for name, k := range keys {
		priv, err := LoadPrivateKey([]byte(k.Private["pkcs8_pem"]))
		if err != nil {
			return set, fmt.Errorf("key %s: %v", name, err)
		}
		set.private[name], set.public[name] = priv, priv.Public()
	}
	return set, nil
}

func samePrivate(a, b PrivateKey) bool {
	if a.RSA != nil && b.RSA != nil {
		return a.RSA.Equal(b.RSA)
	}
	return a.SM2 != nil && b.SM2 != nil && a.SM2.D.Cmp(b.SM2.D) == 0 && samePublic(a.Public(), b.Public())
}

func samePublic(a, b PublicKey) bool {
	if a.RSA != nil && b.RSA != nil {
		return a.RSA.Equal(b.RSA)
	}
	return a.SM2 != nil && b.SM2 != nil && a.SM2.X.Cmp(b.SM2.X) == 0 && a.SM2.Y.Cmp(b.SM2.Y) == 0
}

// The PEM label each form of a keys section must carry.
var formLabels = map[string]string{
	"public.pkcs1_pem": "RSA PUBLIC KEY", "public.spki_pem": "PUBLIC KEY",
	"private.pkcs8_pem": "PRIVATE KEY", "private.pkcs1_pem": "RSA PRIVATE KEY", "private.sec1_pem": "EC PRIVATE KEY",
}

// readKeys loads a keys section: every form of every key must load, be of the entry's type and
// be the same key as private.pkcs8_pem; the hex forms must be exactly its lowercase hex.
func readKeys(top *Object) (keySet, error) {
	raw, _ := top.Get("keys")
	keyCache.Lock()
	cached, ok := keyCache.sets[string(raw)]
	keyCache.Unlock()
	if ok {
		return cached, nil
	}
	set, err := readKeysUncached(top)
	if err == nil {
		keyCache.Lock()
		if len(keyCache.sets) >= 8 {
			keyCache.sets = map[string]keySet{}
		}
		keyCache.sets[string(raw)] = set
		keyCache.Unlock()
	}
	return set, err
}

// keyCache remembers loaded keys sections by their JSON text: the tests verify many altered
// copies of one file, and RSA key checks are not free.
var keyCache = struct {
	sync.Mutex
	sets map[string]keySet
}{sets: map[string]keySet{}}

func readKeysUncached(top *Object) (keySet, error) {
	set := keySet{private: map[string]PrivateKey{}, public: map[string]PublicKey{}}
	section, err := getObject(top, "keys", "file")
	if err != nil {
		return set, err
	}
	if len(section.Keys()) == 0 {
		return set, fmt.Errorf("keys: no keys")
	}
	for _, name := range section.Keys() {
		where := "keys." + name
		entry, err := getObject(section, name, "keys")
		if err != nil {
			return set, err
		}
		if err := fields(entry, where, list("type", "public", "private"), "bits"); err != nil {
			return set, err
		}
		kind, err := getEnum(entry, "type", where, "RSA", "SM2")
		if err != nil {
			return set, err
		}
		forms := map[string][]string{
			"RSA": {"public.vendor", "public.pkcs1_pem", "public.spki_pem", "private.pkcs8_pem", "private.pkcs1_pem"},
			"SM2": {"public.vendor", "public.spki_pem", "public.hex", "private.pkcs8_pem", "private.sec1_pem", "private.hex"},
		}[kind]
		values := map[string]string{}
		for _, half := range []string{"public", "private"} {
			obj, err := getObject(entry, half, where)
			if err != nil {
				return set, err
			}
			var optional []string
			for _, f := range forms {
				if strings.HasPrefix(f, half+".") {
					optional = append(optional, strings.TrimPrefix(f, half+"."))
				}
			}
			required := list("vendor")
			if half == "private" {
				required = list("pkcs8_pem")
			}
			if err := fields(obj, where+"."+half, required, optional...); err != nil {
				return set, err
			}
			for _, k := range obj.Keys() {
				if values[half+"."+k], err = getString(obj, k, where+"."+half); err != nil {
					return set, err
				}
			}
		}
		priv, err := LoadPrivateKey([]byte(values["private.pkcs8_pem"]))
		if err != nil {
			return set, fmt.Errorf("%s: private key does not load (%v)", where, err)
		}
		if priv.Type() != kind {
			return set, fmt.Errorf("%s: type %s, but the key is %s", where, kind, priv.Type())
		}
		if kind == "RSA" {
			bits, err := getInt(entry, "bits", where, minRSABits, 65536)
			if err != nil {
				return set, err
			}
			if int(bits) != priv.RSA.N.BitLen() {
				return set, fmt.Errorf("%s.bits: %d, but the key has %d bits", where, bits, priv.RSA.N.BitLen())
			}
		} else if entry.Has("bits") {
			return set, fmt.Errorf("%s: an SM2 key has no bits", where)
		}
		pub := priv.Public()
		for _, form := range sortedStrings(values) {
			text := values[form]
			if label, ok := formLabels[form]; ok && !strings.HasPrefix(text, "-----BEGIN "+label+"-----\n") {
				return set, fmt.Errorf("%s.%s: expected PEM %s", where, form, label)
			}
			switch form {
			case "public.hex":
				if text != hex.EncodeToString(sm2Uncompressed(pub.SM2)) {
					return set, fmt.Errorf("%s.%s: not the key's point 04||X||Y in lowercase hex", where, form)
				}
			case "private.hex":
				if text != hex.EncodeToString(priv.SM2.D.FillBytes(make([]byte, 32))) {
					return set, fmt.Errorf("%s.%s: not the key's d in 64 lowercase hex digits", where, form)
				}
			}
			if strings.HasPrefix(form, "private.") {
				other, err := LoadPrivateKey([]byte(text))
				if err != nil || !samePrivate(priv, other) {
					return set, fmt.Errorf("%s.%s: does not load as the same key as private.pkcs8_pem (%v)", where, form, err)
				}
			} else {
				other, err := LoadPublicKey([]byte(text))
				if err != nil || !samePublic(pub, other) {
					return set, fmt.Errorf("%s.%s: does not load as the public half of private.pkcs8_pem (%v)", where, form, err)
				}
			}
		}
		set.private[name], set.public[name] = priv, pub
	}
	return set, nil
}

func sortedStrings(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// caseKey is the private key a case's "key" names; its type must fit the suite.
func caseKey(c *Object, keys keySet, suite Suite) (PrivateKey, string, error) {
	name, err := getString(c, "key", "case")
	if err != nil {
		return PrivateKey{}, "", err
	}
	priv, ok := keys.private[name]
	if !ok {
		return PrivateKey{}, "", fmt.Errorf("case.key: %q is not in keys", truncate(name, 60))
	}
	if suite != nil && priv.Type() != suite.KeyType() {
		return PrivateKey{}, "", fmt.Errorf("case.key: %s is an %s key, but %s wraps with %s", name, priv.Type(), suite.Name(), suite.KeyType())
	}
	return priv, name, nil
}

// --- files -------------------------------------------------------------------------------------

// Verify checks every vector file in dir; it returns the number of cases (the sum of the files'
// numberOfTests) and the failures.
func Verify(dir string) (int, []string) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return 0, []string{dir + ": " + err.Error()}
	}
	sort.Strings(paths)
	var failures []string
	checked, files := 0, 0
	for _, path := range paths {
		name := filepath.Base(path)
		if name == "schema.json" {
			continue
		}
		files++
		info, err := os.Stat(path)
		if err != nil {
			failures = append(failures, fmt.Sprintf("%s: unreadable (%v)", name, err))
			continue
		}
		if info.Size() > maxFileBytes {
			failures = append(failures, fmt.Sprintf("%s: %d bytes, more than %d", name, info.Size(), maxFileBytes))
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			failures = append(failures, fmt.Sprintf("%s: unreadable (%v)", name, err))
			continue
		}
		n, fileFailures := VerifyData(data, name)
		checked += n
		failures = append(failures, fileFailures...)
	}
	if files == 0 {
		failures = append(failures, dir+": no vector files")
	}
	return checked, failures
}

// VerifyData checks one vector file's content; name labels its failures.
func VerifyData(data []byte, name string) (checked int, failures []string) {
	defer func() {
		if r := recover(); r != nil { // a verifier reports, never crashes
			failures = append(failures, fmt.Sprintf("%s: internal error: %v", name, r))
		}
	}()
	if len(data) > maxFileBytes {
		return 0, []string{fmt.Sprintf("%s: %d bytes, more than %d", name, len(data), maxFileBytes)}
	}
	if err := checkJSON(data); err != nil {
		return 0, []string{fmt.Sprintf("%s: %v", name, err)}
	}
	tests, check, err := readDocument(data)
	if err != nil {
		return 0, []string{fmt.Sprintf("%s: %v", name, err)}
	}
	for i, raw := range tests {
		label := fmt.Sprintf("%s #%d", name, i+1)
		if err := checkOne(raw, i+1, check, &label); err != nil {
			failures = append(failures, fmt.Sprintf("%s: %s", label, strings.TrimSpace(err.Error())))
		}
	}
	return len(tests), failures
}

// checkOne checks one case, turning anything unexpected into a failure of that case.
func checkOne(raw json.RawMessage, id int, check func(*Object) error, label *string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error: %v", r)
		}
	}()
	if !isJSON(raw, '{') {
		return fmt.Errorf("case: expected an object, got %s", jsonType(raw))
	}
	c, err := parseObject(raw)
	if err != nil {
		return fmt.Errorf("case: %v", err)
	}
	if comment, err := getString(c, "comment", "case"); err == nil {
		*label += fmt.Sprintf(" (%s)", truncate(comment, 120))
	}
	if n, err := getInt(c, "id", "case", 1, maxTests); err != nil || n != int64(id) {
		return fmt.Errorf("case.id: must be %d", id)
	}
	return check(c)
}

// readDocument checks a file's top level and returns its cases and the checker of one case.
func readDocument(data []byte) ([]json.RawMessage, func(*Object) error, error) {
	if !isJSON(data, '{') {
		return nil, nil, fmt.Errorf("file: expected a JSON object")
	}
	top, err := parseObject(data)
	if err != nil {
		return nil, nil, fmt.Errorf("file: %v", err)
	}
	if !top.Has("schema") {
		return nil, nil, fmt.Errorf("file: missing field schema")
	}
	schema, err := getString(top, "schema", "file")
	if err != nil {
		return nil, nil, err
	}
	var generatorFields []string
	switch schema {
	case schemaVectors:
		err = fields(top, "file", list("schema", "generator", "notes", "keys", "numberOfTests", "tests"))
		generatorFields = list("seed", "command")
	case schemaKeys:
		err = fields(top, "file", list("schema", "generator", "notes", "numberOfTests", "tests"))
		generatorFields = list("seed", "command")
	case schemaManifest:
		err = fields(top, "file", list("schema", "generator", "notes", "sources", "keys", "numberOfTests", "tests"))
		generatorFields = list("command")
	default:
		return nil, nil, fmt.Errorf("file: unknown schema %q (expected %s, %s or %s)", truncate(schema, 60), schemaVectors, schemaKeys, schemaManifest)
	}
	if err != nil {
		return nil, nil, err
	}
	generator, err := getObject(top, "generator", "file")
	if err != nil {
		return nil, nil, err
	}
	if err := fields(generator, "generator", generatorFields); err != nil {
		return nil, nil, err
	}
	for _, f := range generatorFields {
		if _, err := getString(generator, f, "generator"); err != nil {
			return nil, nil, err
		}
	}
	notes, err := getObject(top, "notes", "file")
	if err != nil {
		return nil, nil, err
	}
	for _, k := range notes.Keys() {
		if _, err := getString(notes, k, "notes"); err != nil {
			return nil, nil, err
		}
	}
	count, err := getInt(top, "numberOfTests", "file", 1, maxTests)
	if err != nil {
		return nil, nil, err
	}
	rawTests, _ := top.Get("tests")
	var tests []json.RawMessage
	if !isJSON(rawTests, '[') || json.Unmarshal(rawTests, &tests) != nil || len(tests) == 0 {
		return nil, nil, fmt.Errorf("file.tests: expected a non-empty array")
	}
	if int(count) != len(tests) {
		return nil, nil, fmt.Errorf("numberOfTests is %d, but there are %d tests", count, len(tests))
	}
	switch schema {
	case schemaVectors:
		keys, err := readKeys(top)
		if err != nil {
			return nil, nil, err
		}
		return tests, func(c *Object) error { return checkVector(c, keys, notes) }, nil
	case schemaKeys:
		return tests, func(c *Object) error { return checkKeyVector(c, notes) }, nil
	}
	keys, err := readKeys(top)
	if err != nil {
		return nil, nil, err
	}
	sources, err := getObject(top, "sources", "file")
	if err != nil {
		return nil, nil, err
	}
	if len(sources.Keys()) == 0 {
		return nil, nil, fmt.Errorf("sources: no sources")
	}
	for _, name := range sources.Keys() {
		where := "sources." + name
		entry, err := getObject(sources, name, "sources")
		if err != nil {
			return nil, nil, err
		}
		if err := fields(entry, where, list("implementation", "libraries")); err != nil {
			return nil, nil, err
		}
		if _, err := getString(entry, "implementation", where); err != nil {
			return nil, nil, err
		}
		libraries, err := getObject(entry, "libraries", where)
		if err != nil {
			return nil, nil, err
		}
		for _, lib := range libraries.Keys() {
			if _, err := getString(libraries, lib, where+".libraries"); err != nil {
				return nil, nil, err
			}
		}
	}
	return tests, func(c *Object) error { return checkManifestCase(c, keys, notes, sources) }, nil
}

// --- ocrcrypto-vectors-2 -----------------------------------------------------------------------

var caseBase = list("id", "comment", "flags", "algorithm", "mode", "input", "output", "result")

func checkVector(c *Object, keys keySet, notes *Object) error {
	for _, n := range []string{"mode", "result"} {
		if !c.Has(n) {
			return fmt.Errorf("case: missing field %s", n)
		}
	}
	mode, err := getEnum(c, "mode", "case", "body", "fields", "response-only", "response", "primitive")
	if err != nil {
		return err
	}
	result, err := getEnum(c, "result", "case", "valid", "invalid", "acceptable")
	if err != nil {
		return err
	}
	switch {
	case mode == "primitive" && result != "valid":
		return fmt.Errorf("case: a primitive case must be valid")
	case result == "acceptable" && mode == "response":
		return fmt.Errorf("case: a response case cannot be acceptable")
	case mode == "primitive":
		err = nil // checked with its operation
	case result == "valid":
		err = fields(c, "case", append(list("key"), caseBase...))
	case result == "invalid":
		err = fields(c, "case", append(list("key", "error"), caseBase...))
	default:
		err = fields(c, "case", append(list("key", "error", "ocrcrypto_result"), caseBase...))
	}
	if err != nil {
		return err
	}
	if _, err := getString(c, "comment", "case"); err != nil {
		return err
	}
	if err := checkFlags(c, vectorFlags, notes); err != nil {
		return err
	}
	algorithm, err := getEnum(c, "algorithm", "case", algorithms...)
	if err != nil {
		return err
	}
	suite, err := GetSuite(algorithm, "emmansun")
	if err != nil {
		return err
	}
	switch {
	case result == "invalid":
		return checkInvalid(c, mode, suite, keys)
	case result == "acceptable":
		return checkAcceptable(c, mode, suite, keys)
	case mode == "primitive":
		return checkPrimitive(c, suite, keys)
	case mode == "response":
		return checkResponse(c, suite, keys)
	}
	return checkRequest(c, mode, suite, keys)
}

// requestCase is what a valid or acceptable request case gives.
type requestCase struct {
	params     *Object
	body       *string
	fields     []string // nil: body mode; empty: response-only
	key, iv    []byte   // iv nil: none (acceptable cases only)
	randomness []byte   // sm2_k or rsa_padding
	large      bool
}

// readRequestInput reads params, body or fields, symmetric_key and iv; the caller has checked
// the input's field names.
func readRequestInput(in *Object, mode string, suite Suite, nullIV bool) (requestCase, error) {
	const where = "case.input"
	var r requestCase
	var err error
	if !in.Has("large") {
		if r.params, err = getObject(in, "params", where); err != nil {
			return r, err
		}
	}
	switch mode {
	case "body":
		if in.Has("body") {
			body, err := getString(in, "body", where)
			if err != nil {
				return r, err
			}
			r.body = &body
		}
	case "fields":
		if r.fields, err = getStrings(in, "fields", where); err != nil {
			return r, err
		}
	case "response-only":
		r.fields = []string{}
	}
	if r.key, err = getHex(in, "symmetric_key", where, suite.KeySize()); err != nil {
		return r, err
	}
	if raw, _ := in.Get("iv"); nullIV && string(bytes.TrimSpace(raw)) == "null" {
		r.iv = nil
	} else if r.iv, err = getHex(in, "iv", where, suite.IVSize()); err != nil {
		return r, err
	}
	return r, nil
}

func requiredInput(mode string) []string {
	return map[string][]string{"body": {"params", "body"}, "fields": {"params", "fields"}, "response-only": {"params"}}[mode]
}

func randomnessName(suite Suite) string {
	if suite.KeyType() == "SM2" {
		return "sm2_k"
	}
	return "rsa_padding"
}

func checkRequest(c *Object, mode string, suite Suite, keys keySet) error {
	priv, _, err := caseKey(c, keys, suite)
	if err != nil {
		return err
	}
	in, err := getObject(c, "input", "case")
	if err != nil {
		return err
	}
	out, err := getObject(c, "output", "case")
	if err != nil {
		return err
	}
	rnd := randomnessName(suite)
	large := mode == "body" && in.Has("large")
	var params *Object
	if large {
		if err := fields(in, "case.input", list("large", "symmetric_key", "iv", rnd)); err != nil {
			return err
		}
		if err := fields(out, "case.output", list("wire", "encrypted_body_sha256")); err != nil {
			return err
		}
		spec, err := getObject(in, "large", "case.input")
		if err != nil {
			return err
		}
		if err := fields(spec, "case.input.large", list("size", "seed")); err != nil {
			return err
		}
		size, err := getInt(spec, "size", "case.input.large", 1, maxLarge)
		if err != nil {
			return err
		}
		seed, err := getHex(spec, "seed", "case.input.large", -1)
		if err != nil {
			return err
		}
		if _, err := getHex(out, "encrypted_body_sha256", "case.output", 32); err != nil {
			return err
		}
		params = largeParams(int(size), seed)
	} else {
		if err := fields(in, "case.input", append(requiredInput(mode), "symmetric_key", "iv", rnd)); err != nil {
			return err
		}
		if err := fields(out, "case.output", list("wire")); err != nil {
			return err
		}
	}
	r, err := readRequestInput(in, mode, suite, false)
	if err != nil {
		return err
	}
	if large {
		r.params, r.large = params, true
	}
	if r.randomness, err = readRandomness(in, rnd, suite, priv); err != nil {
		return err
	}
	wire, err := getObject(out, "wire", "case.output")
	if err != nil {
		return err
	}
	libs := []string{"emmansun"}
	if suite.KeyType() == "SM2" {
		libs = []string{"emmansun", "tjfoc"}
	}
	for _, lib := range libs {
		again, err := reencryptRequest(r, suite.Name(), lib, priv.Public())
		if err != nil {
			return fmt.Errorf("re-encrypting (SM2 library %s): %v", lib, err)
		}
		if r.large {
			body, _ := again.String("EncryptedBody")
			sum := sha256.Sum256([]byte(body))
			want, _ := out.String("encrypted_body_sha256")
			if hex.EncodeToString(sum[:]) != want {
				return fmt.Errorf("EncryptedBody digest differs")
			}
			if wire.Has("EncryptedBody") {
				return fmt.Errorf("a Large case's wire must not hold EncryptedBody")
			}
			withoutBody := again.Clone()
			withoutBody.Delete("EncryptedBody")
			if err := sameWire(withoutBody, wire); err != nil {
				return fmt.Errorf("re-encrypted wire (SM2 library %s): %v", lib, err)
			}
		} else if err := sameWire(again, wire); err != nil {
			return fmt.Errorf("re-encrypted wire (SM2 library %s): %v", lib, err)
		}
		if r.large && lib == libs[len(libs)-1] {
			wire = again
		}
	}
	if err := checkDecryption(wire, priv, suite, r); err != nil {
		return err
	}
	if suite.KeyType() == "SM2" {
		encryption, _ := wire.Child("Encryption")
		block, err := ParseBlock(encryption)
		if err != nil {
			return err
		}
		if key, err := tjfocDecrypt(priv, block.Blob); err != nil || !bytes.Equal(key, r.key) {
			return fmt.Errorf("tjfoc/gmsm does not unwrap the key")
		}
	}
	return nil
}

// readRandomness reads the key wrap's randomness: an SM2 k in [1, n-1], or an RSA padding string
// PS of exactly the right length without zero bytes.
func readRandomness(in *Object, name string, suite Suite, priv PrivateKey) ([]byte, error) {
	if name == "sm2_k" {
		k, err := getHex(in, name, "case.input", 32)
		if err != nil {
			return nil, err
		}
		if v := new(big.Int).SetBytes(k); v.Sign() == 0 || v.Cmp(sm2Params.N) >= 0 {
			return nil, fmt.Errorf("case.input.sm2_k: not in [1, n-1]")
		}
		return k, nil
	}
	ps, err := getHex(in, name, "case.input", -1)
	if err != nil {
		return nil, err
	}
	if len(ps) != priv.RSA.Size()-3-suite.KeySize() || bytes.IndexByte(ps, 0) >= 0 {
		return nil, fmt.Errorf("case.input.rsa_padding: expected %d non-zero bytes", priv.RSA.Size()-3-suite.KeySize())
	}
	return ps, nil
}

// checkDecryption decrypts a request with priv: exactly the params, the symmetric key and IV,
// and in body mode the body text.
func checkDecryption(wire *Object, priv PrivateKey, suite Suite, r requestCase) error {
	got, session, err := DecryptRequest(wire, priv)
	if err != nil {
		return fmt.Errorf("decrypt: %s: %v", classOf(err), err)
	}
	if err := sameDecrypted(got, r.params); err != nil {
		return fmt.Errorf("decrypted params: %v", err)
	}
	if !bytes.Equal(session.Key, r.key) {
		return fmt.Errorf("unwrapped symmetric key differs")
	}
	if (session.IV == nil) != (r.iv == nil) || !bytes.Equal(session.IV, r.iv) {
		return fmt.Errorf("recovered IV differs")
	}
	if r.fields == nil {
		if err := checkPlaceholders(wire, r.params, protocolParams); err != nil {
			return err
		}
	}
	if r.body == nil {
		return nil
	}
	field := "EncryptionBody"
	if wire.Has("EncryptedBody") {
		field = "EncryptedBody"
	}
	raw, _ := wire.Get(field)
	ct, _, err := parseB64(raw, field)
	if err != nil || ct == nil {
		return fmt.Errorf("the wire has no body ciphertext")
	}
	encryption, _ := wire.Child("Encryption")
	block, err := ParseBlock(encryption)
	if err != nil {
		return err
	}
	var tag []byte
	if suite.HasTag() {
		if len(block.Tags) != 1 {
			return fmt.Errorf("a body needs one tag")
		}
		tag = block.Tags[0]
	}
	plain, err := suite.Open(ct, r.key, r.iv, tag)
	if err != nil || string(plain) != *r.body {
		return fmt.Errorf("decrypted body text differs from input.body")
	}
	return nil
}

// checkPlaceholders checks a body-mode wire against what it decrypts to: every param but the
// clear ones went into the body, so on the wire a string param is "" and any other is absent;
// the wire holds nothing else but the envelope.
func checkPlaceholders(wire, plain *Object, clear map[string]bool) error {
	for _, k := range plain.Keys() {
		if clear[k] {
			continue
		}
		value, _ := plain.Get(k)
		got, onWire := wire.Get(k)
		if isJSON(value, '"') && (!onWire || string(bytes.TrimSpace(got)) != `""`) {
			return fmt.Errorf("body mode: the string %q must stay on the wire as \"\"", truncate(k, 60))
		}
		if !isJSON(value, '"') && onWire {
			return fmt.Errorf("body mode: %q is not a string and must be left off the wire", truncate(k, 60))
		}
	}
	for _, k := range wire.Keys() {
		if k != "Encryption" && !isBodyName(k) && !plain.Has(k) {
			return fmt.Errorf("body mode: the wire holds %q, which it does not decrypt to", truncate(k, 60))
		}
	}
	return nil
}

// sameDecrypted compares decrypted JSON with the expected value (key order aside: a body merged
// back into the params need not keep the order of the fields it replaced).
func sameDecrypted(got, want *Object) error {
	a, _ := got.MarshalJSON()
	b, _ := want.MarshalJSON()
	if !sameValue(a, b) {
		return fmt.Errorf("differ:\n got  %.300s\n want %.300s", a, b)
	}
	return nil
}

// largeParams regenerates the params of a Large case (vectors/README.md).
func largeParams(size int, seed []byte) *Object {
	raw := make([]byte, 0, size+32)
	for counter := uint32(0); len(raw) < size; counter++ {
		var c [4]byte
		binary.BigEndian.PutUint32(c[:], counter)
		sum := sha256.Sum256(append(append([]byte(nil), seed...), c[:]...))
		raw = append(raw, sum[:]...)
	}
	params := NewObject()
	params.SetString("ImageBase64", base64.StdEncoding.EncodeToString(raw[:size]))
	params.SetString("CardSide", "FRONT")
	return params
}

func parseObject(raw []byte) (*Object, error) {
	obj := NewObject()
	if err := obj.UnmarshalJSON(raw); err != nil {
		return nil, err
	}
	return obj, nil
}

// kReader feeds an SM2 library the bytes from which it derives exactly k (1 <= k < n):
// emmansun reads k itself (32 bytes); tjfoc reads 40 bytes b and uses b mod (n-1) + 1.
func kReader(k []byte, lib string) *bytes.Reader {
	v := new(big.Int).SetBytes(k)
	if lib == "tjfoc" {
		return bytes.NewReader(new(big.Int).Sub(v, big.NewInt(1)).FillBytes(make([]byte, 40)))
	}
	return bytes.NewReader(v.FillBytes(make([]byte, 32)))
}

// reencryptRequest encrypts the case's params again with its key, IV and key-wrap randomness.
func reencryptRequest(r requestCase, algorithm, lib string, pub PublicKey) (*Object, error) {
	suite, err := GetSuite(algorithm, lib)
	if err != nil {
		return nil, err
	}
	session := Session{Algorithm: algorithm, Key: r.key, IV: r.iv}
	var wrapper Suite = suite
	var random io.Reader
	if suite.KeyType() == "RSA" {
		wrapper = fixedWrap{suite, rsaWrapWithPadding(pub.RSA, r.key, r.randomness)}
	} else {
		random = kReader(r.randomness, lib)
	}
	if r.fields != nil && len(r.fields) == 0 {
		wire, _, err := encryptResponseOnlyWith(r.params, pub, wrapper, session, random)
		return wire, err
	}
	wire, _, err := encryptRequestWith(r.params, pub, wrapper, session, r.fields, random)
	return wire, err
}

// fixedWrap is a suite whose key wrap returns a given blob (the vector's deterministic RSA wrap).
type fixedWrap struct {
	Suite
	blob []byte
}

func (f fixedWrap) Wrap([]byte, PublicKey, io.Reader) ([]byte, error) {
	return f.blob, nil
}

// sameWire compares two wires byte for byte in structure: same values in the same key order.
func sameWire(a, b *Object) error {
	ja, _ := a.MarshalJSON()
	jb, _ := b.MarshalJSON()
	if !sameJSON(ja, jb) {
		return fmt.Errorf("differs:\n got  %.300s\n want %.300s", ja, jb)
	}
	return nil
}

func checkResponse(c *Object, suite Suite, keys keySet) error {
	priv, _, err := caseKey(c, keys, suite)
	if err != nil {
		return err
	}
	in, err := getObject(c, "input", "case")
	if err != nil {
		return err
	}
	out, err := getObject(c, "output", "case")
	if err != nil {
		return err
	}
	if err := fields(in, "case.input", list("session", "ciphertext_blob", "response", "response_iv"), "response_fields"); err != nil {
		return err
	}
	if err := fields(out, "case.output", list("wire")); err != nil {
		return err
	}
	session, err := readSession(in, "session", "case.input")
	if err != nil {
		return err
	}
	if session.Algorithm != suite.Name() {
		return fmt.Errorf("case.input.session.Algorithm: %s, but the case is %s", session.Algorithm, suite.Name())
	}
	blobText, err := getString(in, "ciphertext_blob", "case.input")
	if err != nil {
		return err
	}
	blob, err := decodeB64(blobText, "case.input.ciphertext_blob")
	if err != nil {
		return err
	}
	if key, err := suite.Unwrap(blob, priv); err != nil || !bytes.Equal(key, session.Key) {
		return fmt.Errorf("case.input.ciphertext_blob: does not unwrap to the session's Key with the case's key")
	}
	response, err := getObject(in, "response", "case.input")
	if err != nil {
		return err
	}
	responseIV, err := getHex(in, "response_iv", "case.input", suite.IVSize())
	if err != nil {
		return err
	}
	var responseFields []string
	if in.Has("response_fields") {
		if responseFields, err = getStrings(in, "response_fields", "case.input"); err != nil {
			return err
		}
	}
	flags := caseFlags(c)
	if flags["EchoedIv"] && !bytes.Equal(session.IV, responseIV) {
		return fmt.Errorf("EchoedIv, but response_iv is not the session's Iv")
	}
	if flags["NoSessionIv"] && session.IV != nil {
		return fmt.Errorf("NoSessionIv, but the session has an Iv")
	}
	if flags["FreshIv"] && bytes.Equal(session.IV, responseIV) {
		return fmt.Errorf("FreshIv, but response_iv is the session's Iv")
	}
	wire, err := getObject(out, "wire", "case.output")
	if err != nil {
		return err
	}
	plain, err := DecryptResponse(session, wire)
	if err != nil {
		return fmt.Errorf("decrypt: %s: %v", classOf(err), err)
	}
	if err := sameDecrypted(plain, response); err != nil {
		return fmt.Errorf("decrypted response: %v", err)
	}
	session.Blob = blob
	again, err := EncryptResponse(session, response, responseFields, responseIV)
	if err != nil {
		return fmt.Errorf("re-encrypting: %v", err)
	}
	if err := sameWire(again, wire); err != nil {
		return fmt.Errorf("re-encrypted response: %v", err)
	}
	return nil
}

func checkPrimitive(c *Object, suite Suite, keys keySet) error {
	in, err := getObject(c, "input", "case")
	if err != nil {
		return err
	}
	if !in.Has("operation") {
		return fmt.Errorf("case.input: missing field operation")
	}
	operation, err := getEnum(in, "operation", "case.input", "sm2_encrypt", "sm4_gcm_encrypt")
	if err != nil {
		return err
	}
	if suite.Name() != "SM4-GCM" {
		return fmt.Errorf("case.algorithm: %s is an SM4-GCM primitive", operation)
	}
	out, err := getObject(c, "output", "case")
	if err != nil {
		return err
	}
	if operation == "sm2_encrypt" {
		if err := fields(c, "case", append(list("key"), caseBase...)); err != nil {
			return err
		}
		if err := fields(in, "case.input", list("operation", "plaintext", "sm2_k")); err != nil {
			return err
		}
		if err := fields(out, "case.output", list("ciphertext")); err != nil {
			return err
		}
		priv, _, err := caseKey(c, keys, suite)
		if err != nil {
			return err
		}
		plaintext, err := getHex(in, "plaintext", "case.input", -1)
		if err != nil {
			return err
		}
		k, err := readRandomness(in, "sm2_k", suite, priv)
		if err != nil {
			return err
		}
		want, err := getHex(out, "ciphertext", "case.output", -1)
		if err != nil {
			return err
		}
		for _, lib := range []string{"emmansun", "tjfoc"} {
			ct, err := sm4GCM{lib: lib}.Wrap(plaintext, priv.Public(), kReader(k, lib))
			if err != nil {
				return fmt.Errorf("SM2 encryption (%s): %v", lib, err)
			}
			if !bytes.Equal(ct, want) {
				return fmt.Errorf("SM2 ciphertext from %s differs", lib)
			}
		}
		plain, err := sm2.Decrypt(priv.SM2, want)
		if err != nil || !bytes.Equal(plain, plaintext) {
			return fmt.Errorf("SM2 decryption differs")
		}
		return nil
	}
	if err := fields(c, "case", caseBase); err != nil {
		return err
	}
	if err := fields(in, "case.input", list("operation", "symmetric_key", "iv", "aad", "plaintext")); err != nil {
		return err
	}
	if err := fields(out, "case.output", list("ciphertext", "tag")); err != nil {
		return err
	}
	var values [6][]byte
	for i, f := range []string{"symmetric_key", "iv", "aad", "plaintext"} {
		size := -1
		if f == "symmetric_key" {
			size = suite.KeySize()
		}
		if values[i], err = getHex(in, f, "case.input", size); err != nil {
			return err
		}
	}
	if len(values[1]) == 0 {
		return fmt.Errorf("case.input.iv: empty")
	}
	for i, f := range []string{"ciphertext", "tag"} {
		if values[4+i], err = getHex(out, f, "case.output", -1); err != nil {
			return err
		}
	}
	block, err := gcmWithNonce(values[0], len(values[1]))
	if err != nil {
		return err
	}
	sealed := block.Seal(nil, values[1], values[3], values[2])
	n := len(sealed) - block.Overhead()
	if !bytes.Equal(sealed[:n], values[4]) || !bytes.Equal(sealed[n:], values[5]) {
		return fmt.Errorf("SM4-GCM output differs")
	}
	return nil
}

func expectClass(err error, class string) error {
	if err == nil {
		return fmt.Errorf("expected %s, but it decrypted", class)
	}
	if classOf(err) != class {
		return fmt.Errorf("expected %s, got %s: %v", class, classOf(err), err)
	}
	return nil
}

func checkInvalid(c *Object, mode string, suite Suite, keys keySet) error {
	class, err := getEnum(c, "error", "case", errorClasses...)
	if err != nil {
		return err
	}
	priv, _, err := caseKey(c, keys, suite)
	if err != nil {
		return err
	}
	in, err := getObject(c, "input", "case")
	if err != nil {
		return err
	}
	out, err := getObject(c, "output", "case")
	if err != nil {
		return err
	}
	if err := fields(out, "case.output", list("wire")); err != nil {
		return err
	}
	wire, err := getObject(out, "wire", "case.output")
	if err != nil {
		return err
	}
	if mode == "response" {
		if err := fields(in, "case.input", list("session")); err != nil {
			return err
		}
		session, err := readSession(in, "session", "case.input")
		if err != nil {
			return err
		}
		if session.Algorithm != suite.Name() {
			return fmt.Errorf("case.input.session.Algorithm: %s, but the case is %s", session.Algorithm, suite.Name())
		}
		_, err = DecryptResponse(session, wire)
		return expectClass(err, class)
	}
	if err := fields(in, "case.input", nil); err != nil {
		return err
	}
	_, _, err = DecryptRequest(wire, priv)
	return expectClass(err, class)
}

// checkAcceptable: a legacy form. This reference follows ocrcrypto: with ocrcrypto_result valid
// it must decrypt to exactly the case's params, key and IV; with invalid it must fail with error.
func checkAcceptable(c *Object, mode string, suite Suite, keys keySet) error {
	class, err := getEnum(c, "error", "case", errorClasses...)
	if err != nil {
		return err
	}
	expected, err := getEnum(c, "ocrcrypto_result", "case", "valid", "invalid")
	if err != nil {
		return err
	}
	priv, _, err := caseKey(c, keys, suite)
	if err != nil {
		return err
	}
	in, err := getObject(c, "input", "case")
	if err != nil {
		return err
	}
	out, err := getObject(c, "output", "case")
	if err != nil {
		return err
	}
	if err := fields(in, "case.input", append(requiredInput(mode), "symmetric_key", "iv")); err != nil {
		return err
	}
	if err := fields(out, "case.output", list("wire")); err != nil {
		return err
	}
	r, err := readRequestInput(in, mode, suite, true)
	if err != nil {
		return err
	}
	wire, err := getObject(out, "wire", "case.output")
	if err != nil {
		return err
	}
	if mode == "fields" {
		encryption, _ := wire.Child("Encryption")
		if encryption == nil {
			return fmt.Errorf("case.output.wire: no Encryption block")
		}
		if block, err := ParseBlock(encryption); err == nil && strings.Join(block.EncryptList, "\x00") != strings.Join(r.fields, "\x00") {
			return fmt.Errorf("case.input.fields: not the wire's EncryptList")
		}
	}
	if expected == "invalid" {
		_, _, err := DecryptRequest(wire, priv)
		return expectClass(err, class)
	}
	return checkDecryption(wire, priv, suite, r)
}

// --- ocrcrypto-key-vectors-1 -------------------------------------------------------------------

func checkKeyVector(c *Object, notes *Object) error {
	if !c.Has("result") {
		return fmt.Errorf("case: missing field result")
	}
	result, err := getEnum(c, "result", "case", "valid", "invalid")
	if err != nil {
		return err
	}
	last := "error"
	if result == "valid" {
		last = "key"
	}
	if err := fields(c, "case", list("id", "comment", "flags", "operation", "input", "result", last)); err != nil {
		return err
	}
	if _, err := getString(c, "comment", "case"); err != nil {
		return err
	}
	if err := checkFlags(c, keyFlags, notes); err != nil {
		return err
	}
	operation, err := getEnum(c, "operation", "case", "load_public_key", "load_private_key")
	if err != nil {
		return err
	}
	in, err := getObject(c, "input", "case")
	if err != nil {
		return err
	}
	var data []byte
	switch {
	case len(in.Keys()) == 1 && in.Has("text"):
		text, err := getString(in, "text", "case.input")
		if err != nil {
			return err
		}
		data = []byte(text)
	case len(in.Keys()) == 1 && in.Has("binary"):
		if data, err = getHex(in, "binary", "case.input", -1); err != nil {
			return err
		}
	default:
		return fmt.Errorf("case.input: expected exactly one of text, binary")
	}
	private := operation == "load_private_key"
	if result == "invalid" {
		class, err := getEnum(c, "error", "case", KeyFormatError)
		if err != nil {
			return err
		}
		if private {
			_, err = LoadPrivateKey(data)
		} else {
			_, err = LoadPublicKey(data)
		}
		if err == nil {
			return fmt.Errorf("expected %s, but the key loaded", class)
		}
		if classOf(err) != class {
			return fmt.Errorf("expected %s, got %s: %v", class, classOf(err), err)
		}
		return nil
	}
	want, err := getObject(c, "key", "case")
	if err != nil {
		return err
	}
	if !want.Has("type") {
		return fmt.Errorf("case.key: missing field type")
	}
	kind, err := getEnum(want, "type", "case.key", "RSA", "SM2")
	if err != nil {
		return err
	}
	var numbers []string
	if kind == "RSA" {
		numbers = list("n", "e")
		if private {
			numbers = append(numbers, "d")
		}
		if err := fields(want, "case.key", append(list("type", "bits"), numbers...)); err != nil {
			return err
		}
		if _, err := getInt(want, "bits", "case.key", 1, 65536); err != nil {
			return err
		}
		for _, n := range numbers {
			v, err := getHex(want, n, "case.key", -1)
			if err != nil {
				return err
			}
			if len(v) == 0 || v[0] == 0 {
				return fmt.Errorf("case.key.%s: expected minimal big-endian bytes", n)
			}
		}
	} else {
		numbers = list("point")
		if private {
			numbers = append(numbers, "d")
		}
		if err := fields(want, "case.key", append(list("type"), numbers...)); err != nil {
			return err
		}
		if _, err := getHex(want, "point", "case.key", 65); err != nil {
			return err
		}
		if private {
			if _, err := getHex(want, "d", "case.key", 32); err != nil {
				return err
			}
		}
	}
	var got *Object
	if private {
		key, err := LoadPrivateKey(data)
		if err != nil {
			return fmt.Errorf("expected the key to load, got %s: %v", classOf(err), err)
		}
		got = describePrivate(key)
	} else {
		key, err := LoadPublicKey(data)
		if err != nil {
			return fmt.Errorf("expected the key to load, got %s: %v", classOf(err), err)
		}
		got = describePublic(key)
	}
	if err := sameDecrypted(got, want); err != nil {
		return fmt.Errorf("the loaded key differs from case.key: %v", err)
	}
	return nil
}

func minimalHex(v *big.Int) string { return hex.EncodeToString(v.Bytes()) }

// describePublic is a loaded key in the form of a key vector's "key".
func describePublic(k PublicKey) *Object {
	out := NewObject()
	out.SetString("type", k.Type())
	if k.RSA != nil {
		out.Set("bits", json.RawMessage(strconv.Itoa(k.RSA.N.BitLen())))
		out.SetString("n", minimalHex(k.RSA.N))
		out.SetString("e", minimalHex(big.NewInt(int64(k.RSA.E))))
	} else {
		out.SetString("point", hex.EncodeToString(sm2Uncompressed(k.SM2)))
	}
	return out
}

func describePrivate(k PrivateKey) *Object {
	out := describePublic(k.Public())
	if k.RSA != nil {
		out.SetString("d", minimalHex(k.RSA.D))
	} else {
		out.SetString("d", hex.EncodeToString(k.SM2.D.FillBytes(make([]byte, 32))))
	}
	return out
}

// --- ocrcrypto-decrypt-manifest-1 --------------------------------------------------------------

func checkManifestCase(c *Object, keys keySet, notes, sources *Object) error {
	if !c.Has("operation") {
		return fmt.Errorf("case: missing field operation")
	}
	operation, err := getEnum(c, "operation", "case", "decrypt", "decrypt-response", "symmetric-decrypt")
	if err != nil {
		return err
	}
	base := list("id", "comment", "flags", "source", "algorithm", "operation", "mode", "input", "expected", "result")
	if operation == "decrypt" {
		base = append(base, "key")
	}
	if err := fields(c, "case", base); err != nil {
		return err
	}
	if _, err := getString(c, "comment", "case"); err != nil {
		return err
	}
	if err := checkFlags(c, manifestFlags, notes); err != nil {
		return err
	}
	source, err := getString(c, "source", "case")
	if err != nil {
		return err
	}
	if !sources.Has(source) {
		return fmt.Errorf("case.source: %q is not in sources", truncate(source, 60))
	}
	if _, err := getEnum(c, "result", "case", "valid"); err != nil {
		return err
	}
	algorithm, err := getEnum(c, "algorithm", "case", algorithms...)
	if err != nil {
		return err
	}
	suite, err := GetSuite(algorithm, "emmansun")
	if err != nil {
		return err
	}
	in, err := getObject(c, "input", "case")
	if err != nil {
		return err
	}
	expected, err := getObject(c, "expected", "case")
	if err != nil {
		return err
	}
	switch operation {
	case "decrypt":
		mode, err := getEnum(c, "mode", "case", "body", "fields", "response-only")
		if err != nil {
			return err
		}
		if err := fields(in, "case.input", list("wire")); err != nil {
			return err
		}
		if err := fields(expected, "case.expected", list("params", "session")); err != nil {
			return err
		}
		priv, _, err := caseKey(c, keys, suite)
		if err != nil {
			return err
		}
		wire, err := getObject(in, "wire", "case.input")
		if err != nil {
			return err
		}
		params, err := getObject(expected, "params", "case.expected")
		if err != nil {
			return err
		}
		want, err := readSession(expected, "session", "case.expected")
		if err != nil {
			return err
		}
		block, err := wireBlock(wire, "case.input.wire")
		if err != nil {
			return err
		}
		if !block.AlgorithmGiven || block.Algorithm != algorithm {
			return fmt.Errorf("the wire's Algorithm is not the case's %s", algorithm)
		}
		if got := wireMode(block, true); got != mode {
			return fmt.Errorf("the wire is in %s mode, the case says %s", got, mode)
		}
		got, session, err := DecryptRequest(wire, priv)
		if err != nil {
			return fmt.Errorf("decrypt: %s: %v", classOf(err), err)
		}
		if err := sameDecrypted(got, params); err != nil {
			return fmt.Errorf("decrypted params: %v", err)
		}
		if mode == "body" {
			if err := checkPlaceholders(wire, params, protocolParams); err != nil {
				return err
			}
		}
		a, _ := session.MarshalJSON()
		b, _ := want.MarshalJSON()
		if !sameValue(a, b) {
			return fmt.Errorf("recovered session differs:\n got  %s\n want %s", a, b)
		}
	case "decrypt-response":
		mode, err := getEnum(c, "mode", "case", "body", "fields")
		if err != nil {
			return err
		}
		if err := fields(in, "case.input", list("session", "wire")); err != nil {
			return err
		}
		if err := fields(expected, "case.expected", list("response")); err != nil {
			return err
		}
		session, err := readSession(in, "session", "case.input")
		if err != nil {
			return err
		}
		if session.Algorithm != algorithm {
			return fmt.Errorf("case.input.session.Algorithm: %s, but the case is %s", session.Algorithm, algorithm)
		}
		wire, err := getObject(in, "wire", "case.input")
		if err != nil {
			return err
		}
		response, err := getObject(expected, "response", "case.expected")
		if err != nil {
			return err
		}
		inner, _ := unwrapResponse(wire)
		block, err := wireBlock(inner, "case.input.wire")
		if err != nil {
			return err
		}
		if got := wireMode(block, false); got != mode {
			return fmt.Errorf("the response is in %s mode, the case says %s", got, mode)
		}
		flags := caseFlags(c)
		if flags["EchoedIv"] && (block.IV != nil && !bytes.Equal(block.IV, session.IV)) {
			return fmt.Errorf("EchoedIv, but the response's Iv is not the session's")
		}
		if flags["FreshIv"] && (block.IV == nil || bytes.Equal(block.IV, session.IV)) {
			return fmt.Errorf("FreshIv, but the response has no Iv of its own")
		}
		plain, err := DecryptResponse(session, wire)
		if err != nil {
			return fmt.Errorf("decrypt: %s: %v", classOf(err), err)
		}
		if err := sameDecrypted(plain, response); err != nil {
			return fmt.Errorf("decrypted response: %v", err)
		}
		if mode == "body" {
			plainInner, _ := unwrapResponse(plain)
			if err := checkPlaceholders(inner, plainInner, responseClearFields); err != nil {
				return err
			}
		}
	default:
		if _, err := getEnum(c, "mode", "case", "primitive"); err != nil {
			return err
		}
		required := list("symmetric_key", "iv", "ciphertext")
		if suite.HasTag() {
			required = append(required, "tag")
		}
		if err := fields(in, "case.input", required); err != nil {
			return err
		}
		if err := fields(expected, "case.expected", list("plaintext")); err != nil {
			return err
		}
		key, err := getHex(in, "symmetric_key", "case.input", suite.KeySize())
		if err != nil {
			return err
		}
		iv, err := getHex(in, "iv", "case.input", suite.IVSize())
		if err != nil {
			return err
		}
		ct, err := getHex(in, "ciphertext", "case.input", -1)
		if err != nil {
			return err
		}
		var tag []byte
		if suite.HasTag() {
			if tag, err = getHex(in, "tag", "case.input", 16); err != nil {
				return err
			}
		}
		want, err := getHex(expected, "plaintext", "case.expected", -1)
		if err != nil {
			return err
		}
		plain, err := suite.Open(ct, key, iv, tag)
		if err != nil {
			return fmt.Errorf("decrypt: %s: %v", classOf(err), err)
		}
		if !bytes.Equal(plain, want) {
			return fmt.Errorf("decrypted plaintext differs")
		}
	}
	return nil
}

func wireBlock(wire *Object, where string) (Block, error) {
	encryption, ok := wire.Child("Encryption")
	if !ok {
		return Block{}, fmt.Errorf("%s: no Encryption object", where)
	}
	block, err := ParseBlock(encryption)
	if err != nil {
		return Block{}, fmt.Errorf("%s: %v", where, err)
	}
	return block, nil
}

// wireMode: body when EncryptList names the body, fields otherwise; for a request an empty
// EncryptList is response-only.
func wireMode(block Block, request bool) string {
	switch {
	case len(block.EncryptList) == 0 && request:
		return "response-only"
	case len(block.EncryptList) > 0 && isBodyName(block.EncryptList[0]):
		return "body"
	}
	return "fields"
}
