package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"strings"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"
)

// PublicKey is an RSA or an SM2 public key (exactly one is set).
type PublicKey struct {
	RSA *rsa.PublicKey
	SM2 *ecdsa.PublicKey
}

// PrivateKey is an RSA or an SM2 private key (exactly one is set).
type PrivateKey struct {
	RSA *rsa.PrivateKey
	SM2 *sm2.PrivateKey
}

func (k PublicKey) Type() string {
	if k.RSA != nil {
		return "RSA"
	}
	return "SM2"
}

func (k PrivateKey) Type() string {
	if k.RSA != nil {
		return "RSA"
	}
	return "SM2"
}

// pemBlock reads a PEM key as users hold it: plain PEM, or the vendor's base64 of the PEM text.
func pemBlock(data []byte) (*pem.Block, error) {
	text := bytes.TrimSpace(data)
	if !bytes.HasPrefix(text, []byte("-----BEGIN")) {
		decoded, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(text)), ""))
		if err != nil || !bytes.HasPrefix(bytes.TrimSpace(decoded), []byte("-----BEGIN")) {
			return nil, fail(KeyFormatError, "key: neither PEM nor the vendor's base64-of-PEM")
		}
		text = bytes.TrimSpace(decoded)
	}
	block, _ := pem.Decode(text)
	if block == nil {
		return nil, fail(KeyFormatError, "key: malformed PEM")
	}
	return block, nil
}

// LoadPublicKey reads RSA (PKCS#1 or SubjectPublicKeyInfo) or SM2 (SubjectPublicKeyInfo) public keys.
func LoadPublicKey(data []byte) (PublicKey, error) {
	block, err := pemBlock(data)
	if err != nil {
		return PublicKey{}, err
	}
	switch block.Type {
	case "RSA PUBLIC KEY":
		key, err := x509.ParsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return PublicKey{}, fail(KeyFormatError, "public key: %v", err)
		}
		return PublicKey{RSA: key}, nil
	case "PUBLIC KEY":
		key, err := smx509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return PublicKey{}, fail(KeyFormatError, "public key: %v", err)
		}
		switch k := key.(type) {
		case *rsa.PublicKey:
			return PublicKey{RSA: k}, nil
		case *ecdsa.PublicKey:
			if k.Curve != sm2.P256() {
				return PublicKey{}, fail(KeyFormatError, "public key: EC key is not on sm2p256v1")
			}
			return PublicKey{SM2: k}, nil
		}
		return PublicKey{}, fail(KeyFormatError, "public key: neither RSA nor SM2")
	}
	return PublicKey{}, fail(KeyFormatError, "public key: unexpected PEM type %q", block.Type)
}

// LoadPrivateKey reads RSA (PKCS#1 or PKCS#8) or SM2 (PKCS#8 or SEC1) private keys.
func LoadPrivateKey(data []byte) (PrivateKey, error) {
	block, err := pemBlock(data)
	if err != nil {
		return PrivateKey{}, err
	}
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return PrivateKey{}, fail(KeyFormatError, "private key: %v", err)
		}
		return PrivateKey{RSA: key}, nil
	case "EC PRIVATE KEY", "SM2 PRIVATE KEY":
		key, err := smx509.ParseSM2PrivateKey(block.Bytes)
		if err != nil {
			return PrivateKey{}, fail(KeyFormatError, "private key: %v", err)
		}
		return PrivateKey{SM2: key}, nil
	case "PRIVATE KEY":
		key, err := smx509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return PrivateKey{}, fail(KeyFormatError, "private key: %v", err)
		}
		switch k := key.(type) {
		case *rsa.PrivateKey:
			return PrivateKey{RSA: k}, nil
		case *sm2.PrivateKey:
			return PrivateKey{SM2: k}, nil
		}
		return PrivateKey{}, fail(KeyFormatError, "private key: neither RSA nor SM2")
	}
	return PrivateKey{}, fail(KeyFormatError, "private key: unexpected PEM type %q", block.Type)
}

func (k PrivateKey) Public() PublicKey {
	if k.RSA != nil {
		return PublicKey{RSA: &k.RSA.PublicKey}
	}
	return PublicKey{SM2: &k.SM2.PublicKey}
}
