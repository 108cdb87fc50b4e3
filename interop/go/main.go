// Command ocrcrypto-go is an independent Go implementation of the OCR API's sensitive-data
// envelope (AES-256-CBC with RSA, SM4-GCM with SM2), used to check ocrcrypto's output and its
// test vectors from another language and other libraries.
package main

import (
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

const usage = `usage: ocrcrypto-go COMMAND [flags]

commands:
  verify DIR                                   check every test vector in DIR
  encrypt --public-key F --algorithm A [--field PATH]... [--response-only] [--sm2-lib emmansun|tjfoc]
                                               params JSON on stdin; {"wire", "session"} on stdout
  decrypt --private-key F [--private-key F2]... [--session-out F] [--sm2-lib emmansun|tjfoc]
                                               wire JSON on stdin; params on stdout; the keys whose
                                               type fits the Algorithm are tried in order
  encrypt-response --session F [--field PATH]... [--fresh-iv]
  decrypt-response --session F                 response JSON on stdin; same shape on stdout
  imitate MISTAKE --public-key F --algorithm A [--field PATH]...
                                               like encrypt, with one real-world mistake made the
                                               way Go code makes it (see imitate.go)

A PATH is a field name or a dotted path with array indices: IdCard, Response.Text.IdCard,
Response.Text.LivenessDetail[0].Idcard. A session file is {"Algorithm", "Key", "Iv"}; Iv may be null.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		if _, usageError := err.(usageErr); usageError {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

type usageErr struct{ msg string }

func (u usageErr) Error() string { return u.msg }

func readObject(r io.Reader) (*Object, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	obj := NewObject()
	if err := obj.UnmarshalJSON(data); err != nil {
		return nil, fail(EnvelopeFormatError, "input: not a JSON object: %v", err)
	}
	return obj, nil
}

// readFlagFile reads the file a required flag names; a missing flag is a usage error.
func readFlagFile(command, flag, path string) ([]byte, error) {
	if path == "" {
		return nil, usageErr{command + " needs " + flag}
	}
	return os.ReadFile(path)
}

// writePrivateFile writes data (key material) to a file only its owner can read.
func writePrivateFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// readKeyAndParams reads what encrypt and imitate start from: the public key file and the params.
func readKeyAndParams(command, publicKeyPath string, stdin io.Reader) (PublicKey, *Object, error) {
	data, err := readFlagFile(command, "--public-key", publicKeyPath)
	if err != nil {
		return PublicKey{}, nil, err
	}
	pub, err := LoadPublicKey(data)
	if err != nil {
		return PublicKey{}, nil, err
	}
	params, err := readObject(stdin)
	return pub, params, err
}

// writeWireAndSession prints {"wire", "session"}, what encrypt and imitate answer.
func writeWireAndSession(w io.Writer, wire *Object, session Session) error {
	out := NewObject()
	out.SetChild("wire", wire)
	sessionJSON, _ := session.MarshalJSON()
	out.Set("session", sessionJSON)
	return writeJSON(w, out)
}

func writeJSON(w io.Writer, v json.Marshaler) error {
	data, err := v.MarshalJSON()
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", data)
	return err
}

func run(command string, args []string, stdin io.Reader, stdout io.Writer) error {
	if command == "imitate" {
		return runImitate(args, stdin, stdout)
	}
	fs := flag.NewFlagSet(command, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	publicKey := fs.String("public-key", "", "the service's public key (PEM or the vendor's base64 of PEM)")
	var privateKeys multiFlag
	fs.Var(&privateKeys, "private-key", "the service's private key (PEM); repeat for a keyring")
	sessionOut := fs.String("session-out", "", "decrypt: write the request's session here (mode 0600)")
	responseOnly := fs.Bool("response-only", false, "encrypt nothing; only send the wrapped key for the response")
	algorithm := fs.String("algorithm", "AES-256-CBC", "AES-256-CBC or SM4-GCM")
	sm2Lib := fs.String("sm2-lib", "emmansun", "SM2 library for wrapping and unwrapping: emmansun or tjfoc")
	sessionPath := fs.String("session", "", "session file {Algorithm, Key, Iv}")
	freshIV := fs.Bool("fresh-iv", false, "encrypt the response under a new IV")
	var fields multiFlag
	fs.Var(&fields, "field", "field mode: encrypt this field (repeatable)")
	if err := fs.Parse(args); err != nil {
		return usageErr{err.Error()}
	}
	if *responseOnly && len(fields) > 0 {
		return usageErr{"--response-only encrypts nothing: it takes no --field"}
	}
	switch command {
	case "verify":
		if fs.NArg() != 1 {
			return usageErr{"verify takes one directory"}
		}
		checked, failures := Verify(fs.Arg(0))
		for _, f := range failures {
			fmt.Fprintf(os.Stderr, "FAIL %s\n", f)
		}
		if len(failures) > 0 {
			return fmt.Errorf("%d of %d vectors failed", len(failures), checked)
		}
		fmt.Fprintf(stdout, "%d vectors verified\n", checked)
		return nil
	case "encrypt":
		pub, params, err := readKeyAndParams(command, *publicKey, stdin)
		if err != nil {
			return err
		}
		var wire *Object
		var session Session
		if *responseOnly {
			wire, session, err = EncryptResponseOnlyRequest(params, pub, *algorithm, *sm2Lib, rand.Reader)
		} else {
			wire, session, err = EncryptRequest(params, pub, *algorithm, fields, *sm2Lib, rand.Reader)
		}
		if err != nil {
			return err
		}
		return writeWireAndSession(stdout, wire, session)
	case "decrypt":
		if len(privateKeys) == 0 {
			return usageErr{command + " needs --private-key"}
		}
		var keyring []PrivateKey
		for _, path := range privateKeys {
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			priv, err := LoadPrivateKey(data)
			if err != nil {
				return fail(KeyFormatError, "%s: %v", path, err)
			}
			keyring = append(keyring, priv)
		}
		wire, err := readObject(stdin)
		if err != nil {
			return err
		}
		params, session, err := DecryptRequestWith(wire, *sm2Lib, keyring...)
		if err != nil {
			return err
		}
		if *sessionOut != "" {
			sessionJSON, _ := session.MarshalJSON()
			if err := writePrivateFile(*sessionOut, append(sessionJSON, '\n')); err != nil {
				return err
			}
		}
		return writeJSON(stdout, params)
	case "encrypt-response", "decrypt-response":
		data, err := readFlagFile(command, "--session", *sessionPath)
		if err != nil {
			return err
		}
		session, err := ParseSession(data)
		if err != nil {
			return err
		}
		response, err := readObject(stdin)
		if err != nil {
			return err
		}
		var out *Object
		if command == "decrypt-response" {
			out, err = DecryptResponse(session, response)
		} else {
			var iv []byte
			if *freshIV {
				suite, _ := GetSuite(session.Algorithm, "emmansun")
				iv = make([]byte, suite.IVSize())
				if _, err := io.ReadFull(rand.Reader, iv); err != nil {
					return err
				}
			}
			out, err = EncryptResponse(session, response, fields, iv)
		}
		if err != nil {
			return err
		}
		return writeJSON(stdout, out)
	}
	return usageErr{fmt.Sprintf("unknown command %q\n%s", command, usage)}
}
