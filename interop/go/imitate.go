package main

// imitate makes a request with one known real-world mistake, the way Go code makes it, so that
// the Python doctor is tested on input it did not make itself:
//
//	tag-appended        SM4-GCM: each ciphertext is cipher.NewGCM(sm4.NewCipher(key)).Seal's whole
//	                    output, ciphertext||tag, and TagList is empty
//	alphanumeric-key    key and IV are alphanumeric text from a time-seeded math/rand, as the
//	                    vendor's Go demo made them
//	tags-first-for-all  field mode, SM4-GCM: every field sealed with its own tag, but TagList holds
//	                    tags[0] for every field (the vendor's Go demo)
//	tags-reversed       field mode, SM4-GCM: the right tags in reverse order

import (
	"crypto/rand"
	"flag"
	"io"
	mathrand "math/rand"
	"time"
)

const alphanumeric = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// appendedGCM is SM4-GCM as a caller of gcm.Seal leaves it: the tag stays on the ciphertext.
type appendedGCM struct{ sm4GCM }

func (s appendedGCM) Seal(plaintext, key, iv []byte) ([]byte, []byte, error) {
	aead, err := gcm(key)
	if err != nil {
		return nil, nil, err
	}
	return aead.Seal(nil, iv, plaintext, nil), nil, nil
}

// randomText is what the vendor's Go demo did for key and IV: letters and digits from a
// math/rand generator seeded with the time.
func randomText(r *mathrand.Rand, n int) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = alphanumeric[r.Intn(len(alphanumeric))]
	}
	return out
}

// Imitate encrypts params with the named mistake; random feeds only the key wrap.
func Imitate(mistake string, params *Object, pub PublicKey, algorithm string, fields []string, sm2Lib string, random io.Reader) (*Object, Session, error) {
	suite, err := GetSuite(algorithm, sm2Lib)
	if err != nil {
		return nil, Session{}, err
	}
	switch mistake {
	case "alphanumeric-key":
		r := mathrand.New(mathrand.NewSource(time.Now().UnixNano()))
		session := Session{Algorithm: suite.Name(), Key: randomText(r, suite.KeySize()), IV: randomText(r, suite.IVSize())}
		return encryptRequestWith(params, pub, suite, session, fields, random)
	case "tag-appended", "tags-first-for-all", "tags-reversed":
		if !suite.HasTag() {
			return nil, Session{}, usageErr{mistake + " needs --algorithm SM4-GCM"}
		}
		if mistake != "tag-appended" && len(fields) < 2 {
			return nil, Session{}, usageErr{mistake + " needs two or more --field"}
		}
		session, err := NewSession(suite)
		if err != nil {
			return nil, Session{}, err
		}
		if session.Blob, err = suite.Wrap(session.Key, pub, random); err != nil {
			return nil, Session{}, err
		}
		sealer := suite
		if mistake == "tag-appended" {
			sealer = appendedGCM{suite.(sm4GCM)}
		}
		wire, names, tags, err := seal(session, sealer, params, protocolParams, fields, session.IV, "params")
		if err != nil {
			return nil, Session{}, err
		}
		sent := make([][]byte, len(tags))
		for i := range tags {
			switch mistake {
			case "tags-first-for-all":
				sent[i] = tags[0]
			case "tags-reversed":
				sent[i] = tags[len(tags)-1-i]
			}
		}
		wire.SetChild("Encryption", writeBlock(names, session.Blob, session.IV, suite.Name(), sent, false))
		return wire, session, nil
	}
	return nil, Session{}, usageErr{"unknown mistake " + mistake + "; the Go reference imitates: tag-appended, alphanumeric-key, tags-first-for-all, tags-reversed"}
}

// runImitate is the CLI command: imitate MISTAKE --public-key F --algorithm A [--field PATH]...
// [--sm2-lib emmansun|tjfoc]; params on stdin, {"wire", "session"} on stdout like encrypt.
func runImitate(args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 || len(args[0]) == 0 || args[0][0] == '-' {
		return usageErr{"imitate needs a MISTAKE: tag-appended, alphanumeric-key, tags-first-for-all, tags-reversed"}
	}
	fs := flag.NewFlagSet("imitate", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	publicKey := fs.String("public-key", "", "the service's public key")
	algorithm := fs.String("algorithm", "AES-256-CBC", "AES-256-CBC or SM4-GCM")
	sm2Lib := fs.String("sm2-lib", "emmansun", "SM2 library for wrapping: emmansun or tjfoc")
	var fields multiFlag
	fs.Var(&fields, "field", "field mode: encrypt this field (repeatable)")
	if err := fs.Parse(args[1:]); err != nil {
		return usageErr{err.Error()}
	}
	if fs.NArg() != 0 {
		return usageErr{"imitate takes one MISTAKE"}
	}
	pub, params, err := readKeyAndParams("imitate", *publicKey, stdin)
	if err != nil {
		return err
	}
	wire, session, err := Imitate(args[0], params, pub, *algorithm, fields, *sm2Lib, rand.Reader)
	if err != nil {
		return err
	}
	return writeWireAndSession(stdout, wire, session)
}
