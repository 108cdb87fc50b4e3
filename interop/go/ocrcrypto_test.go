package main

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tjsm2 "github.com/tjfoc/gmsm/sm2"
)

const vectorDir = "../../vectors"

func testKeys(t *testing.T) keySet {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(vectorDir, "ocrcrypto_vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var file vectorFile
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	keys, err := loadKeys(file.Keys)
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func obj(t *testing.T, text string) *Object {
	t.Helper()
	o, err := parseObject([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestCommittedVectorsVerify(t *testing.T) {
	checked, failures := Verify(vectorDir)
	if len(failures) > 0 || checked < 50 {
		t.Fatalf("%d checked, failures: %v", checked, failures)
	}
}

func TestAlteredVectorFails(t *testing.T) {
	data, _ := os.ReadFile(filepath.Join(vectorDir, "ocrcrypto_vectors.json"))
	var file map[string]json.RawMessage
	json.Unmarshal(data, &file)
	var tests []map[string]json.RawMessage
	json.Unmarshal(file["tests"], &tests)
	for i, c := range tests {
		if string(c["result"]) == `"valid"` && string(c["mode"]) == `"fields"` {
			var input map[string]json.RawMessage
			json.Unmarshal(c["input"], &input)
			input["iv"] = json.RawMessage(`"` + strings.Repeat("00", 12) + `"`)
			if strings.Contains(string(c["algorithm"]), "AES") {
				input["iv"] = json.RawMessage(`"` + strings.Repeat("00", 16) + `"`)
			}
			tests[i]["input"], _ = json.Marshal(input)
			break
		}
	}
	file["tests"], _ = json.Marshal(tests)
	dir := t.TempDir()
	altered, _ := json.Marshal(file)
	os.WriteFile(filepath.Join(dir, "ocrcrypto_vectors.json"), altered, 0o644)
	if _, failures := Verify(dir); len(failures) != 1 {
		t.Fatalf("expected exactly one failure, got %v", failures)
	}
}

func TestRoundTrips(t *testing.T) {
	keys := testKeys(t)
	cases := []struct{ algorithm, key, lib string }{
		{"AES-256-CBC", "rsa-1024", "emmansun"},
		{"AES-256-CBC", "rsa-2048", "emmansun"},
		{"SM4-GCM", "sm2", "emmansun"},
		{"SM4-GCM", "sm2", "tjfoc"},
	}
	for _, c := range cases {
		for _, fields := range [][]string{nil, {"IdCard", "Name"}} {
			params := obj(t, `{"Action":"X","IdCard":"11010119900101001X","Name":"李明","Config":"{\"a\":\"<&>\"}"}`)
			wire, session, err := EncryptRequest(params, keys.public[c.key], c.algorithm, fields, c.lib, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			got, server, err := DecryptRequest(wire, keys.private[c.key])
			if err != nil {
				t.Fatalf("%v %v: %v", c, fields, err)
			}
			if err := sameWire(got, params); err != nil {
				t.Fatalf("%v %v: %v", c, fields, err)
			}
			if !bytes.Equal(server.Key, session.Key) {
				t.Fatal("key differs")
			}
			response := obj(t, `{"Response":{"Name":"李明","Text":{"IdNum":"1"},"RequestId":"r"}}`)
			for _, rf := range [][]string{nil, {"Response.Text.IdNum"}} {
				encrypted, err := EncryptResponse(server, response, rf, nil)
				if err != nil {
					t.Fatal(err)
				}
				plain, err := DecryptResponse(session, encrypted)
				if err != nil {
					t.Fatalf("%v: %v", c, err)
				}
				got, _ := plain.MarshalJSON()
				want, _ := response.MarshalJSON()
				if !sameValue(got, want) {
					t.Fatalf("differs:\n got  %s\n want %s", got, want)
				}
			}
		}
	}
}

func TestTjfocC1C2C3IsRefused(t *testing.T) {
	keys := testKeys(t)
	pub := keys.public["sm2"].SM2
	blob, err := tjsm2.Encrypt(&tjsm2.PublicKey{Curve: tjsm2.P256Sm2(), X: pub.X, Y: pub.Y}, make([]byte, 16), rand.Reader, tjsm2.C1C2C3)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (sm4GCM{lib: "emmansun"}).Unwrap(blob, keys.private["sm2"]); classOf(err) != DecryptionError {
		t.Fatalf("C1C2C3 blob was accepted: %v", err)
	}
}

func TestErrors(t *testing.T) {
	keys := testKeys(t)
	params := obj(t, `{"ImageUrl":"https://x/a.jpg"}`)
	if _, _, err := EncryptRequest(params, keys.public["rsa-1024"], "SM4-GCM", nil, "emmansun", rand.Reader); classOf(err) != KeyFormatError {
		t.Fatalf("RSA key for SM4-GCM: %v", err)
	}
	if _, _, err := EncryptRequest(params, keys.public["sm2"], "SM4-CBC", nil, "emmansun", rand.Reader); classOf(err) != UnsupportedAlgorithmError {
		t.Fatalf("unknown algorithm: %v", err)
	}
	wire, _, _ := EncryptRequest(params, keys.public["sm2"], "SM4-GCM", nil, "emmansun", rand.Reader)
	block, _ := wire.Child("Encryption")
	block.SetString("Iv", base64.StdEncoding.EncodeToString(make([]byte, 16)))
	wire.SetChild("Encryption", block)
	if _, _, err := DecryptRequest(wire, keys.private["sm2"]); classOf(err) != EnvelopeFormatError {
		t.Fatalf("16-byte IV: %v", err)
	}
	if _, _, err := DecryptRequest(obj(t, `{"a":1}`), keys.private["sm2"]); classOf(err) != EnvelopeFormatError {
		t.Fatalf("no Encryption: %v", err)
	}
	if _, err := LoadPublicKey([]byte("not a key")); classOf(err) != KeyFormatError {
		t.Fatalf("bad key: %v", err)
	}
}

func TestCLI(t *testing.T) {
	dir := t.TempDir()
	data, _ := os.ReadFile(filepath.Join(vectorDir, "ocrcrypto_vectors.json"))
	var file vectorFile
	json.Unmarshal(data, &file)
	os.WriteFile(filepath.Join(dir, "pub.txt"), []byte(file.Keys["sm2"].Public["vendor"]), 0o644)
	os.WriteFile(filepath.Join(dir, "priv.pem"), []byte(file.Keys["sm2"].Private["sec1_pem"]), 0o600)
	var out bytes.Buffer
	err := run("encrypt", []string{"--public-key", filepath.Join(dir, "pub.txt"), "--algorithm", "SM4-GCM", "--sm2-lib", "tjfoc"},
		strings.NewReader(`{"ImageUrl":"https://x/a.jpg","CardSide":"FRONT"}`), &out)
	if err != nil {
		t.Fatal(err)
	}
	result := obj(t, out.String())
	wire, _ := result.Get("wire")
	session, _ := result.Get("session")
	os.WriteFile(filepath.Join(dir, "session.json"), session, 0o600)
	out.Reset()
	if err := run("decrypt", []string{"--private-key", filepath.Join(dir, "priv.pem")}, bytes.NewReader(wire), &out); err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(out.String()) != `{"ImageUrl":"https://x/a.jpg","CardSide":"FRONT"}` {
		t.Fatalf("decrypted %s", out.String())
	}
	out.Reset()
	if err := run("encrypt-response", []string{"--session", filepath.Join(dir, "session.json"), "--fresh-iv"}, strings.NewReader(`{"Name":"x","RequestId":"r"}`), &out); err != nil {
		t.Fatal(err)
	}
	encrypted := append([]byte(nil), out.Bytes()...)
	out.Reset()
	if err := run("decrypt-response", []string{"--session", filepath.Join(dir, "session.json")}, bytes.NewReader(encrypted), &out); err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(out.String()) != `{"Name":"x","RequestId":"r"}` {
		t.Fatalf("decrypted response %s", out.String())
	}
	if err := run("decrypt", []string{}, strings.NewReader("{}"), &out); err == nil {
		t.Fatal("decrypt without a key succeeded")
	} else if _, ok := err.(usageErr); !ok {
		t.Fatalf("not a usage error: %v", err)
	}
}
