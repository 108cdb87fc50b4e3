package main

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rsa"
	"crypto/subtle"
	"io"
	"math/big"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm4"
	tjsm2 "github.com/tjfoc/gmsm/sm2"
)

// Suite is one envelope: how the body is sealed and how its key is wrapped.
type Suite interface {
	Name() string
	KeyType() string
	KeySize() int
	IVSize() int
	HasTag() bool
	Seal(plaintext, key, iv []byte) (ciphertext, tag []byte, err error)
	Open(ciphertext, key, iv, tag []byte) ([]byte, error)
	Wrap(key []byte, pub PublicKey, random io.Reader) ([]byte, error)
	Unwrap(blob []byte, priv PrivateKey) ([]byte, error)
}

// GetSuite returns the suite for an Algorithm; sm2Lib picks the SM2 library for wrapping.
func GetSuite(algorithm, sm2Lib string) (Suite, error) {
	switch algorithm {
	case "AES-256-CBC":
		return aesCBC{}, nil
	case "SM4-GCM":
		if sm2Lib != "emmansun" && sm2Lib != "tjfoc" {
			return nil, fail(UnsupportedAlgorithmError, "unknown SM2 library %q", sm2Lib)
		}
		return sm4GCM{lib: sm2Lib}, nil
	}
	return nil, fail(UnsupportedAlgorithmError, "Algorithm: %q is not supported", algorithm)
}

type aesCBC struct{}

func (aesCBC) Name() string    { return "AES-256-CBC" }
func (aesCBC) KeyType() string { return "RSA" }
func (aesCBC) KeySize() int    { return 32 }
func (aesCBC) IVSize() int     { return 16 }
func (aesCBC) HasTag() bool    { return false }

func (s aesCBC) Seal(plaintext, key, iv []byte) ([]byte, []byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil || len(iv) != aes.BlockSize {
		return nil, nil, fail(EnvelopeFormatError, "AES-256-CBC: bad key or IV length")
	}
	pad := aes.BlockSize - len(plaintext)%aes.BlockSize
	padded := append(append([]byte(nil), plaintext...), bytes.Repeat([]byte{byte(pad)}, pad)...)
	out := make([]byte, len(padded))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(out, padded)
	return out, nil, nil
}

func (s aesCBC) Open(ciphertext, key, iv, tag []byte) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil || len(iv) != aes.BlockSize || len(ciphertext) == 0 || len(ciphertext)%aes.BlockSize != 0 || tag != nil {
		return nil, errDecryption
	}
	out := make([]byte, len(ciphertext))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(out, ciphertext)
	pad := int(out[len(out)-1])
	good := subtle.ConstantTimeLessOrEq(1, pad) & subtle.ConstantTimeLessOrEq(pad, aes.BlockSize)
	for i := 1; i <= aes.BlockSize; i++ {
		inPad := subtle.ConstantTimeLessOrEq(i, pad)
		same := subtle.ConstantTimeByteEq(out[len(out)-i], byte(pad))
		good &= same | (1 - inPad)
	}
	if good != 1 {
		return nil, errDecryption
	}
	return out[:len(out)-pad], nil
}

func (aesCBC) Wrap(key []byte, pub PublicKey, random io.Reader) ([]byte, error) {
	if pub.RSA == nil {
		return nil, fail(KeyFormatError, "AES-256-CBC wraps its key with RSA: got an SM2 public key")
	}
	return rsa.EncryptPKCS1v15(random, pub.RSA, key)
}

func (s aesCBC) Unwrap(blob []byte, priv PrivateKey) ([]byte, error) {
	if priv.RSA == nil {
		return nil, fail(KeyFormatError, "AES-256-CBC wraps its key with RSA: got an SM2 private key")
	}
	// Whether the padding is valid must be known to pick the right key of a keyring and to
	// refuse a response-only request whose key does not unwrap. The caller hides it: on failure
	// it still decrypts the body with a random key, and every failure is the one errDecryption.
	key, err := rsa.DecryptPKCS1v15(nil, priv.RSA, blob)
	if err != nil || len(key) != s.KeySize() {
		return nil, errDecryption
	}
	return key, nil
}

// rsaWrapWithPadding is RSAES-PKCS1-v1_5 with the padding string PS given, for vectors only.
func rsaWrapWithPadding(pub *rsa.PublicKey, message, ps []byte) []byte {
	size := pub.Size()
	em := append(append(append([]byte{0, 2}, ps...), 0), message...)
	c := new(big.Int).Exp(new(big.Int).SetBytes(em), big.NewInt(int64(pub.E)), pub.N)
	return c.FillBytes(make([]byte, size))
}

type sm4GCM struct{ lib string }

func (sm4GCM) Name() string    { return "SM4-GCM" }
func (sm4GCM) KeyType() string { return "SM2" }
func (sm4GCM) KeySize() int    { return 16 }
func (sm4GCM) IVSize() int     { return 12 }
func (sm4GCM) HasTag() bool    { return true }

func gcm(key []byte) (cipher.AEAD, error) {
	block, err := sm4.NewCipher(key)
	if err != nil {
		return nil, fail(EnvelopeFormatError, "SM4 key: %v", err)
	}
	return cipher.NewGCM(block)
}

// gcmWithNonce is SM4-GCM with a nonce of the given size (the primitive vectors' IVs).
func gcmWithNonce(key []byte, size int) (cipher.AEAD, error) {
	block, err := sm4.NewCipher(key)
	if err != nil {
		return nil, fail(EnvelopeFormatError, "SM4 key: %v", err)
	}
	return cipher.NewGCMWithNonceSize(block, size)
}

func (s sm4GCM) Seal(plaintext, key, iv []byte) ([]byte, []byte, error) {
	aead, err := gcm(key)
	if err != nil || len(iv) != s.IVSize() {
		return nil, nil, fail(EnvelopeFormatError, "SM4-GCM: bad key or IV length")
	}
	sealed := aead.Seal(nil, iv, plaintext, nil)
	return sealed[:len(plaintext)], sealed[len(plaintext):], nil
}

func (s sm4GCM) Open(ciphertext, key, iv, tag []byte) ([]byte, error) {
	aead, err := gcm(key)
	if err != nil || len(iv) != s.IVSize() || len(tag) != aead.Overhead() {
		return nil, errDecryption
	}
	plain, err := aead.Open(nil, iv, append(append([]byte(nil), ciphertext...), tag...), nil)
	if err != nil {
		return nil, errDecryption
	}
	if plain == nil {
		plain = []byte{}
	}
	return plain, nil
}

func (s sm4GCM) Wrap(key []byte, pub PublicKey, random io.Reader) ([]byte, error) {
	if pub.SM2 == nil {
		return nil, fail(KeyFormatError, "SM4-GCM wraps its key with SM2: got an RSA public key")
	}
	if s.lib == "tjfoc" {
		tjPub := &tjsm2.PublicKey{Curve: tjsm2.P256Sm2(), X: pub.SM2.X, Y: pub.SM2.Y}
		return tjsm2.Encrypt(tjPub, key, random, tjsm2.C1C3C2)
	}
	return sm2.Encrypt(random, pub.SM2, key, sm2.NewPlainEncrypterOpts(sm2.MarshalUncompressed, sm2.C1C3C2))
}

func (s sm4GCM) Unwrap(blob []byte, priv PrivateKey) ([]byte, error) {
	if priv.SM2 == nil {
		return nil, fail(KeyFormatError, "SM4-GCM wraps its key with SM2: got an RSA private key")
	}
	// The protocol's form only: 04-prefixed, uncompressed C1, C1C3C2 (the libraries also take DER).
	if len(blob) != 1+64+32+s.KeySize() || blob[0] != 4 {
		return nil, errDecryption
	}
	var key []byte
	var err error
	if s.lib == "tjfoc" {
		key, err = tjfocDecrypt(priv, blob)
	} else {
		key, err = sm2.Decrypt(priv.SM2, blob)
	}
	if err != nil || len(key) != s.KeySize() {
		return nil, errDecryption
	}
	return key, nil
}

// tjfocDecrypt decrypts with the second library, after the checks tjfoc itself does not make.
func tjfocDecrypt(priv PrivateKey, blob []byte) ([]byte, error) {
	if priv.SM2 == nil || len(blob) <= 97 || blob[0] != 4 {
		return nil, errDecryption
	}
	curve := tjsm2.P256Sm2()
	x, y := new(big.Int).SetBytes(blob[1:33]), new(big.Int).SetBytes(blob[33:65])
	if !curve.IsOnCurve(x, y) {
		return nil, errDecryption
	}
	tjPriv := &tjsm2.PrivateKey{PublicKey: tjsm2.PublicKey{Curve: curve, X: priv.SM2.X, Y: priv.SM2.Y}, D: priv.SM2.D}
	plain, err := tjsm2.Decrypt(tjPriv, blob, tjsm2.C1C3C2)
	if err != nil {
		return nil, errDecryption
	}
	return plain, nil
}
