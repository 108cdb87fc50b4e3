package main

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
	"strings"

	"github.com/emmansun/gmsm/sm2"
)

type vectorFile struct {
	Schema        string               `json:"schema"`
	Keys          map[string]vectorKey `json:"keys"`
	NumberOfTests int                  `json:"numberOfTests"`
	Tests         []vectorCase         `json:"tests"`
	Notes         map[string]string    `json:"notes"`
	Generator     map[string]string    `json:"generator"`
}

type vectorKey struct {
	Type    string            `json:"type"`
	Public  map[string]string `json:"public"`
	Private map[string]string `json:"private"`
}

type vectorCase struct {
	ID        int          `json:"id"`
	Comment   string       `json:"comment"`
	Flags     []string     `json:"flags"`
	Algorithm string       `json:"algorithm"`
	Mode      string       `json:"mode"`
	Key       string       `json:"key"`
	Input     vectorInput  `json:"input"`
	Output    vectorOutput `json:"output"`
	Result    string       `json:"result"`
	Error     string       `json:"error"`
}

type vectorInput struct {
	Params json.RawMessage `json:"params"`
	Body   *string         `json:"body"`
	Fields []string        `json:"fields"`
	Large  *struct {
		Size int    `json:"size"`
		Seed string `json:"seed"`
	} `json:"large"`
	SymmetricKey   string          `json:"symmetric_key"`
	IV             string          `json:"iv"`
	AAD            string          `json:"aad"`
	SM2K           string          `json:"sm2_k"`
	RSAPadding     string          `json:"rsa_padding"`
	Session        json.RawMessage `json:"session"`
	CiphertextBlob string          `json:"ciphertext_blob"`
	Response       json.RawMessage `json:"response"`
	ResponseIV     string          `json:"response_iv"`
	ResponseFields []string        `json:"response_fields"`
	Operation      string          `json:"operation"`
	Plaintext      string          `json:"plaintext"`
}

type vectorOutput struct {
	Wire                json.RawMessage `json:"wire"`
	EncryptedBodySHA256 string          `json:"encrypted_body_sha256"`
	Ciphertext          string          `json:"ciphertext"`
	Tag                 string          `json:"tag"`
}

type keySet struct {
	private map[string]PrivateKey
	public  map[string]PublicKey
}

// loadKeys reads every key in every form the file gives, and requires the forms to agree.
func loadKeys(keys map[string]vectorKey) (keySet, error) {
	set := keySet{private: map[string]PrivateKey{}, public: map[string]PublicKey{}}
	for name, k := range keys {
		var first PrivateKey
		loaded := false
		for _, form := range sortedKeys(k.Private) {
			if form == "hex" {
				continue
			}
			priv, err := LoadPrivateKey([]byte(k.Private[form]))
			if err != nil {
				return set, fmt.Errorf("key %s private.%s: %v", name, form, err)
			}
			if !loaded {
				first, loaded = priv, true
			} else if !samePrivate(first, priv) {
				return set, fmt.Errorf("key %s: private.%s differs from the other forms", name, form)
			}
		}
		for _, form := range sortedKeys(k.Public) {
			if form == "hex" {
				continue
			}
			pub, err := LoadPublicKey([]byte(k.Public[form]))
			if err != nil {
				return set, fmt.Errorf("key %s public.%s: %v", name, form, err)
			}
			if !samePublic(first.Public(), pub) {
				return set, fmt.Errorf("key %s: public.%s does not match the private key", name, form)
			}
		}
		if h, ok := k.Private["hex"]; ok && first.SM2 != nil && hex.EncodeToString(first.SM2.D.FillBytes(make([]byte, 32))) != h {
			return set, fmt.Errorf("key %s: private.hex does not match", name)
		}
		if h, ok := k.Public["hex"]; ok && first.SM2 != nil {
			point := append([]byte{4}, append(first.SM2.X.FillBytes(make([]byte, 32)), first.SM2.Y.FillBytes(make([]byte, 32))...)...)
			if hex.EncodeToString(point) != h {
				return set, fmt.Errorf("key %s: public.hex does not match", name)
			}
		}
		set.private[name] = first
		set.public[name] = first.Public()
	}
	return set, nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func samePrivate(a, b PrivateKey) bool {
	if a.RSA != nil && b.RSA != nil {
		return a.RSA.Equal(b.RSA)
	}
	return a.SM2 != nil && b.SM2 != nil && a.SM2.D.Cmp(b.SM2.D) == 0
}

func samePublic(a, b PublicKey) bool {
	if a.RSA != nil && b.RSA != nil {
		return a.RSA.Equal(b.RSA)
	}
	return a.SM2 != nil && b.SM2 != nil && a.SM2.X.Cmp(b.SM2.X) == 0 && a.SM2.Y.Cmp(b.SM2.Y) == 0
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

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(fmt.Sprintf("bad hex %q", s))
	}
	return b
}

func parseObject(raw []byte) (*Object, error) {
	obj := NewObject()
	if err := obj.UnmarshalJSON(raw); err != nil {
		return nil, err
	}
	return obj, nil
}

func hasFlag(c vectorCase, flag string) bool {
	for _, f := range c.Flags {
		if f == flag {
			return true
		}
	}
	return false
}

// checkCase returns nil when the case holds.
func checkCase(c vectorCase, keys keySet) error {
	if c.Result == "invalid" {
		wire, err := parseObject(c.Output.Wire)
		if err != nil {
			return err
		}
		if c.Mode == "response" {
			session, err := ParseSession(c.Input.Session)
			if err != nil {
				return err
			}
			_, err = DecryptResponse(session, wire)
			return expectClass(err, c.Error)
		}
		_, _, err = DecryptRequest(wire, keys.private[c.Key])
		return expectClass(err, c.Error)
	}
	switch c.Mode {
	case "primitive":
		return checkPrimitive(c, keys)
	case "response":
		return checkResponse(c)
	}
	return checkRequest(c, keys)
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

func checkPrimitive(c vectorCase, keys keySet) error {
	in := c.Input
	switch in.Operation {
	case "sm2_encrypt":
		pub := keys.public[c.Key]
		for _, lib := range []string{"emmansun", "tjfoc"} {
			ct, err := sm4GCM{lib: lib}.Wrap(mustHex(in.Plaintext), pub, kReader(in.SM2K, lib))
			if err != nil {
				return err
			}
			if hex.EncodeToString(ct) != c.Output.Ciphertext {
				return fmt.Errorf("SM2 ciphertext from %s differs", lib)
			}
		}
		plain, err := sm2.Decrypt(keys.private[c.Key].SM2, mustHex(c.Output.Ciphertext))
		if err != nil || hex.EncodeToString(plain) != in.Plaintext {
			return fmt.Errorf("SM2 decryption differs")
		}
		return nil
	case "sm4_gcm_encrypt":
		aead, err := gcm(mustHex(in.SymmetricKey))
		if err != nil {
			return err
		}
		sealed := aead.Seal(nil, mustHex(in.IV), mustHex(in.Plaintext), mustHex(in.AAD))
		n := len(sealed) - aead.Overhead()
		if hex.EncodeToString(sealed[:n]) != c.Output.Ciphertext || hex.EncodeToString(sealed[n:]) != c.Output.Tag {
			return fmt.Errorf("SM4-GCM output differs")
		}
		return nil
	}
	return fmt.Errorf("unknown operation %q", in.Operation)
}

// kReader feeds an SM2 library the bytes from which it derives exactly k:
// emmansun reads k itself (32 bytes); tjfoc reads 40 bytes b and uses b mod (n-1) + 1.
func kReader(kHex, lib string) *bytes.Reader {
	k := new(big.Int).SetBytes(mustHex(kHex))
	if lib == "tjfoc" {
		return bytes.NewReader(new(big.Int).Sub(k, big.NewInt(1)).FillBytes(make([]byte, 40)))
	}
	return bytes.NewReader(k.FillBytes(make([]byte, 32)))
}

func checkRequest(c vectorCase, keys keySet) error {
	in := c.Input
	wire, err := parseObject(c.Output.Wire)
	if err != nil {
		return err
	}
	var params *Object
	if in.Large != nil {
		params = largeParams(in.Large.Size, mustHex(in.Large.Seed))
	} else if params, err = parseObject(in.Params); err != nil {
		return err
	}
	suite, err := GetSuite(c.Algorithm, "emmansun")
	if err != nil {
		return err
	}
	if !hasFlag(c, "ReaderOnly") {
		libs := []string{""}
		if suite.KeyType() == "SM2" {
			libs = []string{"emmansun", "tjfoc"}
		}
		stored := wire
		for _, lib := range libs {
			again, err := reencryptRequest(c, keys, params, lib)
			if err != nil {
				return err
			}
			if in.Large != nil {
				body, _ := again.String("EncryptedBody")
				sum := sha256.Sum256([]byte(body))
				if hex.EncodeToString(sum[:]) != c.Output.EncryptedBodySHA256 {
					return fmt.Errorf("EncryptedBody digest differs")
				}
				withoutBody := again.Clone()
				withoutBody.Delete("EncryptedBody")
				if err := sameWire(withoutBody, stored); err != nil {
					return err
				}
				wire = again
			} else if err := sameWire(again, wire); err != nil {
				return fmt.Errorf("re-encrypted wire (SM2 library %q): %v", lib, err)
			}
		}
	}
	got, session, err := DecryptRequest(wire, keys.private[c.Key])
	if err != nil {
		return fmt.Errorf("decrypt: %v", err)
	}
	if err := sameWire(got, params); err != nil {
		return fmt.Errorf("decrypted params: %v", err)
	}
	if hex.EncodeToString(session.Key) != in.SymmetricKey || hex.EncodeToString(session.IV) != in.IV {
		return fmt.Errorf("unwrapped key or IV differs")
	}
	if suite.KeyType() == "SM2" {
		if key, err := tjfocDecrypt(keys.private[c.Key], session.Blob); err != nil || !bytes.Equal(key, session.Key) {
			return fmt.Errorf("tjfoc/gmsm does not unwrap the key")
		}
	}
	if in.Body != nil {
		body, err := compactBody(params, func(k string) bool { return !protocolParams[k] })
		if err != nil || string(body) != *in.Body {
			return fmt.Errorf("compact JSON body differs: %s", body)
		}
	}
	return nil
}

func reencryptRequest(c vectorCase, keys keySet, params *Object, lib string) (*Object, error) {
	in := c.Input
	if lib == "" {
		lib = "emmansun"
	}
	suite, err := GetSuite(c.Algorithm, lib)
	if err != nil {
		return nil, err
	}
	session := Session{Algorithm: c.Algorithm, Key: mustHex(in.SymmetricKey), IV: mustHex(in.IV)}
	pub := keys.public[c.Key]
	if suite.KeyType() == "RSA" {
		blob := rsaWrapWithPadding(pub.RSA, session.Key, mustHex(in.RSAPadding))
		wire, _, err := encryptRequestWith(params, pub, fixedWrap{suite, blob}, session, in.Fields, nil)
		return wire, err
	}
	wire, _, err := encryptRequestWith(params, pub, suite, session, in.Fields, kReader(in.SM2K, lib))
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

func sameWire(a, b *Object) error {
	ja, _ := a.MarshalJSON()
	jb, _ := b.MarshalJSON()
	if !sameJSON(ja, jb) {
		return fmt.Errorf("differs:\n got  %.300s\n want %.300s", ja, jb)
	}
	return nil
}

func checkResponse(c vectorCase) error {
	in := c.Input
	session, err := ParseSession(in.Session)
	if err != nil {
		return err
	}
	wire, err := parseObject(c.Output.Wire)
	if err != nil {
		return err
	}
	response, err := parseObject(in.Response)
	if err != nil {
		return err
	}
	plain, err := DecryptResponse(session, wire)
	if err != nil {
		return fmt.Errorf("decrypt: %v", err)
	}
	if err := sameWire(plain, response); err != nil {
		return fmt.Errorf("decrypted response: %v", err)
	}
	session.Blob, _ = base64.StdEncoding.DecodeString(in.CiphertextBlob)
	again, err := EncryptResponse(session, response, in.ResponseFields, mustHex(in.ResponseIV))
	if err != nil {
		return err
	}
	return sameWire(again, wire)
}

// Verify checks every vector file in dir; it returns the number checked and the failures.
func Verify(dir string) (int, []string) {
	paths, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	var failures []string
	checked := 0
	for _, path := range paths {
		if filepath.Base(path) == "schema.json" {
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			failures = append(failures, err.Error())
			continue
		}
		var file vectorFile
		if err := json.Unmarshal(data, &file); err != nil {
			failures = append(failures, fmt.Sprintf("%s: %v", filepath.Base(path), err))
			continue
		}
		keys, err := loadKeys(file.Keys)
		if err != nil {
			failures = append(failures, fmt.Sprintf("%s: %v", filepath.Base(path), err))
			continue
		}
		if file.NumberOfTests != len(file.Tests) {
			failures = append(failures, fmt.Sprintf("%s: numberOfTests is %d, but there are %d tests", filepath.Base(path), file.NumberOfTests, len(file.Tests)))
		}
		for _, c := range file.Tests {
			checked++
			if err := checkCase(c, keys); err != nil {
				failures = append(failures, fmt.Sprintf("%s #%d (%s): %s", filepath.Base(path), c.ID, c.Comment, strings.TrimSpace(err.Error())))
			}
		}
	}
	if checked == 0 && len(failures) == 0 {
		failures = append(failures, dir+": no vector files")
	}
	return checked, failures
}
