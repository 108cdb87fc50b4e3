package main

// Key loading, in every form the vector README lists (vectors/README.md, "What the loaders
// read"): public keys as the vendor's base64-of-PEM, PEM, DER or base64 DER (RSA PKCS#1 or
// SubjectPublicKeyInfo, SM2 SubjectPublicKeyInfo) and SM2 raw hex; private keys as RSA PKCS#1 or
// PKCS#8, SM2 PKCS#8, SEC 1 or raw hex d. SM2 structures are read by the small DER walker below
// (encoding/asn1 element by element), RSA by crypto/x509. Every failure is a KeyFormatError.

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"math/big"
	"strings"

	"github.com/emmansun/gmsm/sm2"
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

func (k PrivateKey) Public() PublicKey {
	if k.RSA != nil {
		return PublicKey{RSA: &k.RSA.PublicKey}
	}
	return PublicKey{SM2: &k.SM2.PublicKey}
}

// minRSABits: the vendor's keys are RSA-1024; nothing smaller is read.
const minRSABits = 1024

// maxKeyDER bounds the DER a loader looks at (an RSA-16384 PKCS#8 key is about 9.3 KB).
const maxKeyDER = 65536

var (
	oidRSA     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidECPub   = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidSM2     = asn1.ObjectIdentifier{1, 2, 156, 10197, 1, 301}
	asn1Null   = []byte{0x05, 0x00}
	utf8BOM    = []byte{0xef, 0xbb, 0xbf}
	pemBegin   = "-----BEGIN"
	pemDashes  = "-----"
	publicPEM  = map[string]bool{"PUBLIC KEY": true, "RSA PUBLIC KEY": true}
	privatePEM = map[string]bool{"PRIVATE KEY": true, "RSA PRIVATE KEY": true, "EC PRIVATE KEY": true, "SM2 PRIVATE KEY": true}
)

// keyLoader is what differs between the public and the private loader.
type keyLoader[K any] struct {
	what    string
	labels  map[string]bool
	fromDER func([]byte) (K, error)
	// rawHex reads whitespace-free hex digits; ok false means "not a hex form, try base64".
	rawHex func(string) (key K, ok bool, err error)
}

// LoadPublicKey reads an RSA or SM2 public key (text or bytes; see the file comment).
func LoadPublicKey(data []byte) (PublicKey, error) {
	return load(data, keyLoader[PublicKey]{"public key", publicPEM, publicFromDER, rawSM2Public})
}

// LoadPrivateKey reads an unencrypted RSA or SM2 private key (text or bytes).
func LoadPrivateKey(data []byte) (PrivateKey, error) {
	return load(data, keyLoader[PrivateKey]{"private key", privatePEM, privateFromDER, rawSM2Private})
}

// isText: every byte printable ASCII, a tab or a line break.
func isText(data []byte) bool {
	for _, b := range data {
		if (b < 0x20 || b > 0x7e) && b != '\t' && b != '\r' && b != '\n' {
			return false
		}
	}
	return true
}

func isHexDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func load[K any](data []byte, l keyLoader[K]) (K, error) {
	var zero K
	data = bytes.TrimPrefix(data, utf8BOM)
	if !isText(data) {
		if len(data) > 0 && data[0] == 0x30 {
			return l.fromDER(data)
		}
		return zero, fail(KeyFormatError, "%s: neither DER (starts with 0x30) nor ASCII text", l.what)
	}
	text := strings.Trim(string(data), " \t\r\n")
	if text == "" {
		return zero, fail(KeyFormatError, "%s: empty", l.what)
	}
	if strings.Contains(text, pemBegin) {
		der, err := pemDER(text, l.labels, l.what)
		if err != nil {
			return zero, err
		}
		return l.fromDER(der)
	}
	compact := strings.Join(strings.Fields(text), "")
	if isHexDigits(compact) {
		if key, ok, err := l.rawHex(compact); ok || err != nil {
			return key, err
		}
	}
	decoded, err := base64.StdEncoding.DecodeString(compact)
	if err != nil {
		decoded = nil
	}
	if bytes.HasPrefix(bytes.TrimLeft(decoded, " \t\r\n\v\f"), []byte(pemBegin)) {
		for _, b := range decoded {
			if b > 0x7e {
				return zero, fail(KeyFormatError, "%s: base64-of-PEM decodes to non-ASCII text", l.what)
			}
		}
		der, err := pemDER(string(decoded), l.labels, l.what)
		if err != nil {
			return zero, err
		}
		return l.fromDER(der)
	}
	if len(decoded) > 0 && decoded[0] == 0x30 {
		return l.fromDER(decoded)
	}
	return zero, fail(KeyFormatError, "%s: not a recognised format (tried PEM, the vendor's base64-of-PEM, base64 DER, DER, raw SM2 hex)", l.what)
}

// pemDER finds the first PEM block (its END line must follow), refuses encrypted PEM and labels
// not in labels, and decodes the body. Literal "\n" and "\r" escapes (a PEM pasted into one JSON
// or .env line) are read as line breaks.
func pemDER(text string, labels map[string]bool, what string) ([]byte, error) {
	text = strings.ReplaceAll(strings.ReplaceAll(text, `\n`, "\n"), `\r`, "\r")
	start := strings.Index(text, pemBegin) + len(pemBegin)
	labelEnd := strings.Index(text[start:], pemDashes)
	if labelEnd < 0 {
		return nil, fail(KeyFormatError, "%s: PEM BEGIN line is not closed by -----", what)
	}
	label := text[start : start+labelEnd]
	if len(label) < 2 || label[0] != ' ' || strings.TrimLeft(label[1:], "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ") != "" {
		return nil, fail(KeyFormatError, "%s: PEM BEGIN line without a label of capitals, digits and spaces", what)
	}
	label = label[1:]
	bodyStart := start + labelEnd + len(pemDashes)
	bodyEnd := strings.Index(text[bodyStart:], "-----END "+label+"-----")
	if bodyEnd < 0 {
		return nil, fail(KeyFormatError, "%s: PEM text without a matching END line", what)
	}
	body := text[bodyStart : bodyStart+bodyEnd]
	if label == "ENCRYPTED PRIVATE KEY" || strings.Contains(body, "Proc-Type:") {
		return nil, fail(KeyFormatError, "%s: encrypted PEM is not supported; decrypt the key first", what)
	}
	if !labels[label] {
		return nil, fail(KeyFormatError, "%s: PEM label %q is not one this loader reads", what, label)
	}
	der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(body), ""))
	if err != nil {
		return nil, fail(KeyFormatError, "%s: PEM body is not valid base64", what)
	}
	return der, nil
}

// --- a minimal DER walker -------------------------------------------------------------------

// derSequence parses data as exactly one SEQUENCE and returns its elements.
func derSequence(data []byte) ([]asn1.RawValue, bool) {
	var seq asn1.RawValue
	rest, err := asn1.Unmarshal(data, &seq)
	if err != nil || len(rest) != 0 || seq.Class != asn1.ClassUniversal || seq.Tag != asn1.TagSequence || !seq.IsCompound {
		return nil, false
	}
	var elems []asn1.RawValue
	for body := seq.Bytes; len(body) > 0; {
		var e asn1.RawValue
		if body, err = asn1.Unmarshal(body, &e); err != nil {
			return nil, false
		}
		elems = append(elems, e)
	}
	return elems, true
}

func isUniversal(e asn1.RawValue, tag int) bool {
	return e.Class == asn1.ClassUniversal && e.Tag == tag
}

// derInt reads a small INTEGER element.
func derInt(e asn1.RawValue) (int, bool) {
	var v int
	if !isUniversal(e, asn1.TagInteger) {
		return 0, false
	}
	rest, err := asn1.Unmarshal(e.FullBytes, &v)
	return v, err == nil && len(rest) == 0
}

// derAlgorithm reads an AlgorithmIdentifier: its OID and its parameters' DER (nil if absent).
func derAlgorithm(e asn1.RawValue) (asn1.ObjectIdentifier, []byte, bool) {
	if !isUniversal(e, asn1.TagSequence) {
		return nil, nil, false
	}
	elems, ok := derSequence(e.FullBytes)
	if !ok || len(elems) < 1 || len(elems) > 2 || !isUniversal(elems[0], asn1.TagOID) {
		return nil, nil, false
	}
	var oid asn1.ObjectIdentifier
	if rest, err := asn1.Unmarshal(elems[0].FullBytes, &oid); err != nil || len(rest) != 0 {
		return nil, nil, false
	}
	if len(elems) == 2 {
		return oid, elems[1].FullBytes, true
	}
	return oid, nil, true
}

// checkSM2Parameters accepts absent or NULL parameters or the sm2p256v1 OID.
func checkSM2Parameters(params []byte, what string) error {
	if params == nil || bytes.Equal(params, asn1Null) {
		return nil
	}
	var oid asn1.ObjectIdentifier
	if rest, err := asn1.Unmarshal(params, &oid); err != nil || len(rest) != 0 {
		return fail(KeyFormatError, "%s: EC parameters are not a named curve (explicit curves are not read)", what)
	}
	if !oid.Equal(oidSM2) {
		return fail(KeyFormatError, "%s: EC curve %s is not SM2 (sm2p256v1, %s)", what, oid, oidSM2)
	}
	return nil
}

func checkDER(der []byte, what string) error {
	if len(der) == 0 || der[0] != 0x30 {
		return fail(KeyFormatError, "%s: DER must start with a SEQUENCE (0x30)", what)
	}
	if len(der) > maxKeyDER {
		return fail(KeyFormatError, "%s: %d bytes of DER, more than any key has", what, len(der))
	}
	return nil
}

// checkRSAPrivate checks what crypto/x509 (under this module's go 1.22 GODEBUG defaults)
// recomputes instead of checking: the CRT values of a PKCS#1 RSAPrivateKey must be the key's, as
// OpenSSL (and so ocrcrypto) requires. Two-prime keys only.
func checkRSAPrivate(pkcs1 []byte, key *rsa.PrivateKey, what string) error {
	var k struct {
		Version                     int
		N, E, D, P, Q, Dp, Dq, Qinv *big.Int
		Additional                  []asn1.RawValue `asn1:"optional"`
	}
	rest, err := asn1.Unmarshal(pkcs1, &k)
	one := big.NewInt(1)
	if err != nil || len(rest) != 0 || k.Version != 0 || len(k.Additional) != 0 || len(key.Primes) != 2 {
		return fail(KeyFormatError, "%s: malformed RSA private key (two-prime PKCS#1 only)", what)
	}
	pm1, qm1 := new(big.Int).Sub(k.P, one), new(big.Int).Sub(k.Q, one)
	if k.N.Cmp(key.N) != 0 || k.D.Cmp(key.D) != 0 ||
		k.Dp.Cmp(new(big.Int).Mod(k.D, pm1)) != 0 || k.Dq.Cmp(new(big.Int).Mod(k.D, qm1)) != 0 ||
		k.Qinv.Sign() <= 0 || k.Qinv.Cmp(k.P) >= 0 || new(big.Int).Mod(new(big.Int).Mul(k.Qinv, k.Q), k.P).Cmp(one) != 0 {
		return fail(KeyFormatError, "%s: RSA private key with inconsistent CRT values", what)
	}
	return checkRSASize(key.N, what)
}

func checkRSASize(n *big.Int, what string) error {
	if n.BitLen() < minRSABits {
		return fail(KeyFormatError, "%s: RSA-%d is too small (minimum %d bits)", what, n.BitLen(), minRSABits)
	}
	return nil
}

// --- SM2 points and scalars -------------------------------------------------------------------

var sm2Params = sm2.P256().Params()

// sm2A is the curve's a = p - 3.
var sm2A = new(big.Int).Sub(sm2Params.P, big.NewInt(3))

func sm2RHS(x *big.Int) *big.Int {
	p := sm2Params.P
	rhs := new(big.Int).Mul(x, x)
	rhs.Mul(rhs, x)
	rhs.Add(rhs, new(big.Int).Mul(sm2A, x))
	rhs.Add(rhs, sm2Params.B)
	return rhs.Mod(rhs, p)
}

// sm2Point reads 04||X||Y (65 bytes) or 02/03||X (33 bytes, decompressed) and validates it.
func sm2Point(point []byte, what string) (*ecdsa.PublicKey, error) {
	p := sm2Params.P
	var x, y *big.Int
	switch {
	case len(point) == 65 && point[0] == 4:
		x, y = new(big.Int).SetBytes(point[1:33]), new(big.Int).SetBytes(point[33:])
		if x.Cmp(p) >= 0 || y.Cmp(p) >= 0 {
			return nil, fail(KeyFormatError, "%s: SM2 point coordinate not below the field prime", what)
		}
		if new(big.Int).Exp(y, big.NewInt(2), p).Cmp(sm2RHS(x)) != 0 {
			return nil, fail(KeyFormatError, "%s: SM2 point is not on the curve sm2p256v1", what)
		}
	case len(point) == 33 && (point[0] == 2 || point[0] == 3):
		x = new(big.Int).SetBytes(point[1:])
		if x.Cmp(p) >= 0 {
			return nil, fail(KeyFormatError, "%s: SM2 point coordinate not below the field prime", what)
		}
		y = new(big.Int).ModSqrt(sm2RHS(x), p)
		if y == nil {
			return nil, fail(KeyFormatError, "%s: compressed SM2 point: X has no square root (not on the curve)", what)
		}
		if y.Bit(0) != uint(point[0]&1) {
			y.Sub(p, y)
		}
	default:
		return nil, fail(KeyFormatError, "%s: SM2 point must be 04||X||Y (65 bytes) or 02/03||X (33 bytes), got %d bytes", what, len(point))
	}
	return &ecdsa.PublicKey{Curve: sm2.P256(), X: x, Y: y}, nil
}

func sm2Uncompressed(pub *ecdsa.PublicKey) []byte {
	out := make([]byte, 65)
	out[0] = 4
	pub.X.FillBytes(out[1:33])
	pub.Y.FillBytes(out[33:])
	return out
}

// sm2PrivateFromScalar builds the key for d (1 <= d <= n-2: 1+d must be invertible mod n).
func sm2PrivateFromScalar(scalar []byte, what string) (*sm2.PrivateKey, error) {
	if len(scalar) > 32 {
		return nil, fail(KeyFormatError, "%s: SM2 private scalar longer than 32 bytes", what)
	}
	d := new(big.Int).SetBytes(scalar)
	if d.Sign() <= 0 || d.Cmp(new(big.Int).Sub(sm2Params.N, big.NewInt(1))) >= 0 {
		return nil, fail(KeyFormatError, "%s: SM2 private scalar out of range [1, n-2]", what)
	}
	x, y := sm2.P256().ScalarBaseMult(d.FillBytes(make([]byte, 32)))
	return &sm2.PrivateKey{PrivateKey: ecdsa.PrivateKey{PublicKey: ecdsa.PublicKey{Curve: sm2.P256(), X: x, Y: y}, D: d}}, nil
}

// rawSM2Public reads hex 04||X||Y (130 digits), X||Y (128) or 02/03||X (66); any other hex is
// not a raw point (ok false).
func rawSM2Public(compact string) (PublicKey, bool, error) {
	prefix := ""
	if len(compact) >= 2 {
		prefix = compact[:2]
	}
	var point []byte
	switch {
	case len(compact) == 130 && prefix == "04", len(compact) == 66 && (prefix == "02" || prefix == "03"):
		point, _ = hex.DecodeString(compact)
	case len(compact) == 128:
		raw, _ := hex.DecodeString(compact)
		point = append([]byte{4}, raw...)
	default:
		return PublicKey{}, false, nil
	}
	pub, err := sm2Point(point, "public key (raw SM2 hex)")
	if err != nil {
		return PublicKey{}, true, err
	}
	return PublicKey{SM2: pub}, true, nil
}

// rawSM2Private reads hex d of 1 to 64 digits (tools often drop its leading zeros).
func rawSM2Private(compact string) (PrivateKey, bool, error) {
	if len(compact) > 64 {
		return PrivateKey{}, true, fail(KeyFormatError, "private key: raw SM2 hex d has %d digits, more than 64", len(compact))
	}
	scalar, _ := hex.DecodeString(strings.Repeat("0", 64-len(compact)) + compact)
	key, err := sm2PrivateFromScalar(scalar, "private key (raw SM2 hex d)")
	if err != nil {
		return PrivateKey{}, true, err
	}
	return PrivateKey{SM2: key}, true, nil
}

// --- DER structures ---------------------------------------------------------------------------

// publicFromDER reads SubjectPublicKeyInfo (RSA or SM2) or a PKCS#1 RSAPublicKey.
func publicFromDER(der []byte) (PublicKey, error) {
	const what = "public key"
	if err := checkDER(der, what); err != nil {
		return PublicKey{}, err
	}
	elems, ok := derSequence(der)
	var oid asn1.ObjectIdentifier
	var params []byte
	if ok && len(elems) == 2 && isUniversal(elems[1], asn1.TagBitString) {
		oid, params, ok = derAlgorithm(elems[0])
	} else {
		ok = false
	}
	if !ok { // not SubjectPublicKeyInfo: only PKCS#1 RSAPublicKey is left
		key, err := x509.ParsePKCS1PublicKey(der)
		if err != nil {
			return PublicKey{}, fail(KeyFormatError, "%s: malformed DER (neither SubjectPublicKeyInfo nor PKCS#1 RSAPublicKey)", what)
		}
		if err := checkRSASize(key.N, what); err != nil {
			return PublicKey{}, err
		}
		return PublicKey{RSA: key}, nil
	}
	switch {
	case oid.Equal(oidRSA):
		key, err := x509.ParsePKIXPublicKey(der)
		rsaKey, isRSA := key.(*rsa.PublicKey)
		if err != nil || !isRSA {
			return PublicKey{}, fail(KeyFormatError, "%s: malformed RSA SubjectPublicKeyInfo", what)
		}
		if err := checkRSASize(rsaKey.N, what); err != nil {
			return PublicKey{}, err
		}
		return PublicKey{RSA: rsaKey}, nil
	case oid.Equal(oidECPub) || oid.Equal(oidSM2):
		if err := checkSM2Parameters(params, what); err != nil {
			return PublicKey{}, err
		}
		var bits asn1.BitString
		if rest, err := asn1.Unmarshal(elems[1].FullBytes, &bits); err != nil || len(rest) != 0 || bits.BitLength%8 != 0 {
			return PublicKey{}, fail(KeyFormatError, "%s: malformed BIT STRING", what)
		}
		pub, err := sm2Point(bits.Bytes, what)
		if err != nil {
			return PublicKey{}, err
		}
		return PublicKey{SM2: pub}, nil
	}
	return PublicKey{}, fail(KeyFormatError, "%s: algorithm OID %s is neither RSA nor SM2", what, oid)
}

// sm2FromECPrivateKey reads SEC 1 ECPrivateKey: version 1, the scalar, optional [0] parameters
// and optional [1] public key, which must be d·G.
func sm2FromECPrivateKey(der []byte, what string) (*sm2.PrivateKey, error) {
	elems, ok := derSequence(der)
	if !ok || len(elems) < 2 || len(elems) > 4 {
		return nil, fail(KeyFormatError, "%s: malformed ECPrivateKey", what)
	}
	if v, ok := derInt(elems[0]); !ok || v != 1 {
		return nil, fail(KeyFormatError, "%s: ECPrivateKey version must be 1", what)
	}
	var scalar []byte
	if !isUniversal(elems[1], asn1.TagOctetString) {
		return nil, fail(KeyFormatError, "%s: malformed ECPrivateKey", what)
	}
	if rest, err := asn1.Unmarshal(elems[1].FullBytes, &scalar); err != nil || len(rest) != 0 {
		return nil, fail(KeyFormatError, "%s: malformed ECPrivateKey", what)
	}
	var params, public []byte
	hasPublic := false
	next := 0
	for _, e := range elems[2:] {
		if e.Class != asn1.ClassContextSpecific || !e.IsCompound || e.Tag < next || e.Tag > 1 {
			return nil, fail(KeyFormatError, "%s: malformed ECPrivateKey", what)
		}
		inner, rest := e.Bytes, []byte(nil)
		var v asn1.RawValue
		var err error
		if rest, err = asn1.Unmarshal(inner, &v); err != nil || len(rest) != 0 {
			return nil, fail(KeyFormatError, "%s: malformed ECPrivateKey", what)
		}
		if e.Tag == 0 {
			params = v.FullBytes
		} else {
			var bits asn1.BitString
			if _, err := asn1.Unmarshal(v.FullBytes, &bits); err != nil || !isUniversal(v, asn1.TagBitString) || bits.BitLength%8 != 0 {
				return nil, fail(KeyFormatError, "%s: malformed ECPrivateKey public key", what)
			}
			public, hasPublic = bits.Bytes, true
		}
		next = e.Tag + 1
	}
	if err := checkSM2Parameters(params, what); err != nil {
		return nil, err
	}
	key, err := sm2PrivateFromScalar(scalar, what)
	if err != nil {
		return nil, err
	}
	if hasPublic && !bytes.Equal(public, sm2Uncompressed(&key.PublicKey)) {
		return nil, fail(KeyFormatError, "%s: the embedded public key does not match the private scalar", what)
	}
	return key, nil
}

// privateFromDER reads PKCS#8 (RSA or SM2), SEC 1 (SM2) or PKCS#1 (RSA).
func privateFromDER(der []byte) (PrivateKey, error) {
	const what = "private key"
	if err := checkDER(der, what); err != nil {
		return PrivateKey{}, err
	}
	elems, ok := derSequence(der)
	if ok && len(elems) >= 3 && len(elems) <= 4 && isUniversal(elems[0], asn1.TagInteger) && isUniversal(elems[1], asn1.TagSequence) && isUniversal(elems[2], asn1.TagOctetString) {
		// PKCS#8 PrivateKeyInfo: version, algorithm, privateKey, [0] attributes OPTIONAL
		version, okVersion := derInt(elems[0])
		oid, params, okAlgorithm := derAlgorithm(elems[1])
		var inner []byte
		rest, err := asn1.Unmarshal(elems[2].FullBytes, &inner)
		okAttributes := len(elems) == 3 || (elems[3].Class == asn1.ClassContextSpecific && elems[3].Tag == 0)
		if !okVersion || version != 0 || !okAlgorithm || err != nil || len(rest) != 0 || !okAttributes {
			return PrivateKey{}, fail(KeyFormatError, "%s: malformed PKCS#8", what)
		}
		switch {
		case oid.Equal(oidRSA):
			key, err := x509.ParsePKCS8PrivateKey(der)
			rsaKey, isRSA := key.(*rsa.PrivateKey)
			if err != nil || !isRSA {
				return PrivateKey{}, fail(KeyFormatError, "%s: malformed RSA PKCS#8", what)
			}
			if err := checkRSAPrivate(inner, rsaKey, what); err != nil {
				return PrivateKey{}, err
			}
			return PrivateKey{RSA: rsaKey}, nil
		case oid.Equal(oidECPub) || oid.Equal(oidSM2):
			if err := checkSM2Parameters(params, what); err != nil {
				return PrivateKey{}, err
			}
			key, err := sm2FromECPrivateKey(inner, what+" (SM2 PKCS#8)")
			if err != nil {
				return PrivateKey{}, err
			}
			return PrivateKey{SM2: key}, nil
		}
		return PrivateKey{}, fail(KeyFormatError, "%s: algorithm OID %s is neither RSA nor SM2", what, oid)
	}
	if ok && len(elems) >= 2 && isUniversal(elems[1], asn1.TagOctetString) {
		if v, isInt := derInt(elems[0]); isInt && v == 1 {
			key, err := sm2FromECPrivateKey(der, what+" (SEC 1)")
			if err != nil {
				return PrivateKey{}, err
			}
			return PrivateKey{SM2: key}, nil
		}
	}
	key, err := x509.ParsePKCS1PrivateKey(der)
	if err != nil {
		return PrivateKey{}, fail(KeyFormatError, "%s: malformed DER (not PKCS#8, SEC 1 or PKCS#1)", what)
	}
	if err := checkRSAPrivate(der, key, what); err != nil {
		return PrivateKey{}, err
	}
	return PrivateKey{RSA: key}, nil
}
