package ocrcrypto.interop;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.RSAPrivateCrtKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.Set;

import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1Null;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1TaggedObject;
import org.bouncycastle.asn1.ASN1BitString;
import org.bouncycastle.asn1.BERTags;
import org.bouncycastle.asn1.gm.GMNamedCurves;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.math.ec.ECPoint;

/**
 * Key loading as users hold keys, with this reference's own reader (vectors/README.md, "What the
 * loaders read"): public keys as the vendor's base64-of-PEM, PEM (RSA PKCS#1, SubjectPublicKeyInfo),
 * DER, base64 DER and raw SM2 hex (04||X||Y, X||Y, 02/03||X); private keys as RSA PKCS#1/PKCS#8,
 * SM2 PKCS#8/SEC1 and raw hex d of 1 to 64 digits. Whitespace, CRLF, literal "\n" escapes and a
 * leading BOM are tolerated. Every failure is a KeyFormatError; nothing else escapes.
 */
public final class Keys {
    private Keys() {}

    /** An RSA (JCE) or SM2 (BouncyCastle lightweight) public key: exactly one is set. */
    public record Public(RSAPublicKey rsa, ECPublicKeyParameters sm2) {
        public String type() {
            return rsa != null ? "RSA" : "SM2";
        }
    }

    /** An RSA (JCE) or SM2 private key: exactly one is set; publicKey is its public half. */
    public record Private(RSAPrivateKey rsa, ECPrivateKeyParameters sm2, Public publicKey) {
        public String type() {
            return rsa != null ? "RSA" : "SM2";
        }
    }

    public static final int MIN_RSA_BITS = 1024;
    static final int MAX_DER = 65536;
    static final String OID_RSA = "1.2.840.113549.1.1.1";
    static final String OID_EC = "1.2.840.10045.2.1";
    static final String OID_SM2 = "1.2.156.10197.1.301";
    static final Set<String> PUBLIC_LABELS = Set.of("PUBLIC KEY", "RSA PUBLIC KEY");
    static final Set<String> PRIVATE_LABELS = Set.of("PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "SM2 PRIVATE KEY");

    static final X9ECParameters SM2_CURVE = GMNamedCurves.getByName("sm2p256v1");
    public static final ECDomainParameters SM2 = new ECDomainParameters(SM2_CURVE.getCurve(), SM2_CURVE.getG(), SM2_CURVE.getN(), SM2_CURVE.getH());
    static final BigInteger P = SM2_CURVE.getCurve().getField().getCharacteristic();
    static final BigInteger A = SM2_CURVE.getCurve().getA().toBigInteger();
    static final BigInteger B = SM2_CURVE.getCurve().getB().toBigInteger();
    static final BigInteger N = SM2_CURVE.getN();

    static OcrCryptoException fail(String message) {
        return new OcrCryptoException(OcrCryptoException.KEY_FORMAT, message);
    }

    private interface DerReader<T> {
        T read(byte[] der) throws OcrCryptoException;
    }

    private interface HexReader<T> {
        T read(String hex) throws OcrCryptoException;
    }

    // -- entry points ----------------------------------------------------------------------------

    public static Public loadPublic(String text) throws OcrCryptoException {
        return fromText(text, "public key", PUBLIC_LABELS, Keys::publicFromDer, Keys::publicFromHex);
    }

    public static Public loadPublic(byte[] data) throws OcrCryptoException {
        return fromBytes(data, "public key", PUBLIC_LABELS, Keys::publicFromDer, Keys::publicFromHex);
    }

    public static Private loadPrivate(String text) throws OcrCryptoException {
        return fromText(text, "private key", PRIVATE_LABELS, Keys::privateFromDer, Keys::privateFromHex);
    }

    public static Private loadPrivate(byte[] data) throws OcrCryptoException {
        return fromBytes(data, "private key", PRIVATE_LABELS, Keys::privateFromDer, Keys::privateFromHex);
    }

    // -- text, PEM and base64 --------------------------------------------------------------------

    /** Bytes: a UTF-8 BOM is dropped; printable ASCII (with tabs and line breaks) is text, else DER. */
    private static <T> T fromBytes(byte[] data, String what, Set<String> labels, DerReader<T> der, HexReader<T> hex) throws OcrCryptoException {
        if (data == null) {
            throw fail(what + ": no data");
        }
        int start = data.length >= 3 && (data[0] & 0xff) == 0xef && (data[1] & 0xff) == 0xbb && (data[2] & 0xff) == 0xbf ? 3 : 0;
        byte[] rest = Arrays.copyOfRange(data, start, data.length);
        boolean text = true;
        for (byte b : rest) {
            int c = b & 0xff;
            if (!(c >= 0x20 && c < 0x7f || c == '\t' || c == '\r' || c == '\n')) {
                text = false;
                break;
            }
        }
        if (!text) {
            if (rest.length > 0 && rest[0] == 0x30) {
                return der.read(rest);
            }
            throw fail(what + ": neither DER (starting with a SEQUENCE) nor ASCII text");
        }
        return fromText(new String(rest, StandardCharsets.US_ASCII), what, labels, der, hex);
    }

    /** Whitespace as users' pastes hold it: ASCII blanks and line breaks, and Unicode spaces (NBSP, U+2028, ...). */
    private static boolean isSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085';
    }

    private static String strip(String text) {
        int from = 0, to = text.length();
        while (from < to && (isSpace(text.charAt(from)) || text.charAt(from) == '\ufeff')) {
            from++;
        }
        while (to > from && isSpace(text.charAt(to - 1))) {
            to--;
        }
        return text.substring(from, to);
    }

    private static String withoutSpace(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            if (!isSpace(text.charAt(i))) {
                out.append(text.charAt(i));
            }
        }
        return out.toString();
    }

    private static boolean isHex(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F')) {
                return false;
            }
        }
        return true;
    }

    private static <T> T fromText(String data, String what, Set<String> labels, DerReader<T> der, HexReader<T> hex) throws OcrCryptoException {
        if (data == null) {
            throw fail(what + ": no data");
        }
        String text = strip(data);
        if (text.isEmpty()) {
            throw fail(what + ": empty");
        }
        if (text.contains("-----BEGIN")) {
            return der.read(pemToDer(text, labels, what));
        }
        String compact = withoutSpace(text);
        if (isHex(compact)) {
            // Never base64 DER (which starts with "M") nor the vendor's form (which starts with "LS0t").
            return hex.read(compact.toLowerCase());
        }
        byte[] decoded = base64(compact);
        if (decoded == null) {
            throw fail(what + ": not a recognised format (tried PEM, the vendor's base64-of-PEM, base64 DER, raw SM2 hex)");
        }
        String asText = new String(decoded, StandardCharsets.ISO_8859_1);
        if (strip(asText).startsWith("-----BEGIN")) {
            for (byte b : decoded) {
                if (b < 0) {
                    throw fail(what + ": base64-of-PEM decodes to non-ASCII text");
                }
            }
            return der.read(pemToDer(asText, labels, what));
        }
        if (decoded.length > 0 && decoded[0] == 0x30) {
            return der.read(decoded);
        }
        throw fail(what + ": base64 that is neither PEM text nor DER");
    }

    /** Standard base64 with padding, nothing else; null if it is not. */
    private static byte[] base64(String compact) {
        if (compact.isEmpty() || compact.length() % 4 != 0) {
            return null;
        }
        for (int i = 0; i < compact.length(); i++) {
            char c = compact.charAt(i);
            boolean pad = c == '=' && i >= compact.length() - 2;
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || pad)) {
                return null;
            }
        }
        try {
            return Base64.getDecoder().decode(compact);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The DER of the first PEM block; literal "\n" escapes are line breaks; encrypted PEM is refused. */
    static byte[] pemToDer(String input, Set<String> labels, String what) throws OcrCryptoException {
        String text = input.replace("\\n", "\n").replace("\\r", "\r");
        int begin = text.indexOf("-----BEGIN");
        int labelStart = begin + "-----BEGIN".length();
        int labelEnd = text.indexOf("-----", labelStart);
        if (labelEnd < 0) {
            throw fail(what + ": PEM -----BEGIN line is not closed by -----");
        }
        String label = text.substring(labelStart, labelEnd);
        if (label.length() < 2 || label.charAt(0) != ' ' || !label.substring(1).chars().allMatch(c -> c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == ' ')) {
            throw fail(what + ": PEM -----BEGIN line without a label of capitals, digits and spaces");
        }
        label = label.substring(1);
        int bodyStart = labelEnd + 5;
        int bodyEnd = text.indexOf("-----END " + label + "-----", bodyStart);
        if (bodyEnd < 0) {
            throw fail(what + ": PEM text without a matching -----END line");
        }
        String body = text.substring(bodyStart, bodyEnd);
        if (label.equals("ENCRYPTED PRIVATE KEY") || body.contains("Proc-Type:")) {
            throw fail(what + ": encrypted PEM is not supported; decrypt the key first");
        }
        if (!labels.contains(label)) {
            throw fail(what + ": PEM label '" + (label.length() > 40 ? label.substring(0, 40) : label) + "' is not one of " + String.join(", ", labels.stream().sorted().toList()));
        }
        byte[] der = base64(withoutSpace(body));
        if (der == null) {
            throw fail(what + ": PEM body is not valid base64");
        }
        return der;
    }

    // -- DER -------------------------------------------------------------------------------------

    /** One DER structure, all of the input (trailing bytes and truncation are errors). */
    static ASN1Sequence sequence(byte[] der, String what) throws OcrCryptoException {
        if (der.length == 0 || der[0] != 0x30) {
            throw fail(what + ": DER must start with a SEQUENCE (0x30)");
        }
        if (der.length > MAX_DER) {
            throw fail(what + ": " + der.length + " bytes of DER, more than any key has");
        }
        try {
            ASN1Primitive primitive = ASN1Primitive.fromByteArray(der);
            if (!(primitive instanceof ASN1Sequence seq)) {
                throw fail(what + ": DER is not a SEQUENCE");
            }
            if (!Arrays.equals(primitive.getEncoded(), der) && !Arrays.equals(primitive.getEncoded("DER"), der)) {
                throw fail(what + ": DER has trailing or malformed bytes");
            }
            return seq;
        } catch (IOException | RuntimeException e) {
            throw fail(what + ": malformed DER");
        }
    }

    static BigInteger integer(ASN1Encodable value, String what) throws OcrCryptoException {
        if (!(value instanceof ASN1Integer i)) {
            throw fail(what + ": expected an INTEGER");
        }
        return i.getValue();
    }

    /** Absent or NULL parameters, or the sm2p256v1 OID: SM2. Anything else is another curve. */
    static void requireSm2Parameters(ASN1Encodable parameters, String what) throws OcrCryptoException {
        if (parameters == null || parameters instanceof ASN1Null) {
            return;
        }
        if (!(parameters instanceof ASN1ObjectIdentifier oid)) {
            throw fail(what + ": EC parameters are not a named curve (explicit curves are not supported)");
        }
        if (!oid.getId().equals(OID_SM2)) {
            throw fail(what + ": EC curve " + oid.getId() + " is not SM2 (sm2p256v1, " + OID_SM2 + ")");
        }
    }

    /** An AlgorithmIdentifier: {OID, parameters or null}. */
    static Object[] algorithm(ASN1Encodable value, String what) throws OcrCryptoException {
        if (!(value instanceof ASN1Sequence seq) || seq.size() < 1 || seq.size() > 2 || !(seq.getObjectAt(0) instanceof ASN1ObjectIdentifier oid)) {
            throw fail(what + ": malformed AlgorithmIdentifier");
        }
        return new Object[] {oid.getId(), seq.size() == 2 ? seq.getObjectAt(1) : null};
    }

    static Public publicFromDer(byte[] der) throws OcrCryptoException {
        String what = "public key";
        ASN1Sequence seq = sequence(der, what);
        if (seq.size() == 2 && seq.getObjectAt(0) instanceof ASN1Sequence && seq.getObjectAt(1) instanceof ASN1BitString bits) {
            Object[] alg = algorithm(seq.getObjectAt(0), what);
            String oid = (String) alg[0];
            if (bits.getPadBits() != 0) {
                throw fail(what + ": subjectPublicKey BIT STRING with unused bits");
            }
            byte[] key = bits.getOctets();
            if (oid.equals(OID_RSA)) {
                if (alg[1] != null && !(alg[1] instanceof ASN1Null)) {
                    throw fail(what + ": RSA AlgorithmIdentifier parameters must be NULL");
                }
                return rsaPublicFromPkcs1(sequence(key, what + " (RSA SubjectPublicKeyInfo)"), what);
            }
            if (oid.equals(OID_EC) || oid.equals(OID_SM2)) {
                requireSm2Parameters((ASN1Encodable) alg[1], what);
                return new Public(null, new ECPublicKeyParameters(sm2Point(key, what), SM2));
            }
            throw fail(what + ": algorithm OID " + oid + " is neither RSA nor SM2");
        }
        return rsaPublicFromPkcs1(seq, what + " (PKCS#1 RSA)");
    }

    static Public rsaPublicFromPkcs1(ASN1Sequence seq, String what) throws OcrCryptoException {
        if (seq.size() != 2) {
            throw fail(what + ": not an RSAPublicKey (SEQUENCE of n, e)");
        }
        return rsaPublic(integer(seq.getObjectAt(0), what), integer(seq.getObjectAt(1), what), what);
    }

    static Public rsaPublic(BigInteger n, BigInteger e, String what) throws OcrCryptoException {
        if (n.signum() <= 0 || !n.testBit(0) || e.compareTo(BigInteger.valueOf(3)) < 0 || !e.testBit(0) || e.compareTo(n) >= 0) {
            throw fail(what + ": not a valid RSA modulus and exponent");
        }
        if (n.bitLength() < MIN_RSA_BITS) {
            throw fail(what + ": RSA-" + n.bitLength() + " is too small (minimum " + MIN_RSA_BITS + " bits)");
        }
        try {
            return new Public((RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(n, e)), null);
        } catch (GeneralSecurityException ex) {
            throw fail(what + ": " + ex.getMessage());
        }
    }

    // -- SM2 points ------------------------------------------------------------------------------

    /** 04||X||Y (65 bytes) or 02/03||X (33 bytes), decompressed and checked to lie on sm2p256v1. */
    static ECPoint sm2Point(byte[] encoded, String what) throws OcrCryptoException {
        BigInteger x, y;
        if (encoded.length == 65 && encoded[0] == 4) {
            x = new BigInteger(1, Arrays.copyOfRange(encoded, 1, 33));
            y = new BigInteger(1, Arrays.copyOfRange(encoded, 33, 65));
            if (x.compareTo(P) >= 0 || y.compareTo(P) >= 0) {
                throw fail(what + ": SM2 point coordinate not below the field prime");
            }
            if (!y.multiply(y).subtract(rhs(x)).mod(P).equals(BigInteger.ZERO)) {
                throw fail(what + ": SM2 point is not on the curve");
            }
        } else if (encoded.length == 33 && (encoded[0] == 2 || encoded[0] == 3)) {
            x = new BigInteger(1, Arrays.copyOfRange(encoded, 1, 33));
            if (x.compareTo(P) >= 0) {
                throw fail(what + ": SM2 point coordinate not below the field prime");
            }
            BigInteger alpha = rhs(x);
            // p = 3 (mod 4): the square root, if there is one, is alpha^((p+1)/4).
            BigInteger root = alpha.modPow(P.add(BigInteger.ONE).shiftRight(2), P);
            if (!root.multiply(root).mod(P).equals(alpha)) {
                throw fail(what + ": compressed SM2 X has no point on the curve (no square root)");
            }
            boolean odd = encoded[0] == 3;
            y = root.testBit(0) == odd ? root : P.subtract(root).mod(P);
        } else {
            throw fail(what + ": SM2 point must be uncompressed 04||X||Y (65 bytes) or compressed 02/03||X (33 bytes), got " + encoded.length + " bytes");
        }
        ECPoint point = SM2_CURVE.getCurve().createPoint(x, y);
        if (point.isInfinity() || !point.isValid()) {
            throw fail(what + ": SM2 point is not a valid point of the curve");
        }
        return point.normalize();
    }

    private static BigInteger rhs(BigInteger x) {
        return x.multiply(x).multiply(x).add(A.multiply(x)).add(B).mod(P);
    }

    static byte[] hexBytes(String hex) {
        byte[] out = new byte[hex.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }

    /** Raw hex 04||X||Y (130 digits), X||Y (128) or 02/03||X (66); any other length is an error. */
    static Public publicFromHex(String hex) throws OcrCryptoException {
        String what = "public key";
        byte[] encoded;
        if (hex.length() == 130 && hex.startsWith("04") || hex.length() == 66 && (hex.startsWith("02") || hex.startsWith("03"))) {
            encoded = hexBytes(hex);
        } else if (hex.length() == 128) {
            encoded = hexBytes("04" + hex);
        } else {
            throw fail(what + ": raw SM2 hex must be 04||X||Y (130 digits), X||Y (128) or 02/03||X (66), got " + hex.length() + " digits"
                    + (hex.length() == 130 || hex.length() == 66 ? " with prefix " + hex.substring(0, 2) : ""));
        }
        return new Public(null, new ECPublicKeyParameters(sm2Point(encoded, what), SM2));
    }

    // -- private keys ----------------------------------------------------------------------------

    static Private sm2Private(BigInteger d, String what) throws OcrCryptoException {
        if (d.signum() <= 0 || d.compareTo(N.subtract(BigInteger.ONE)) >= 0) {
            throw fail(what + ": SM2 private scalar outside [1, n-2]");
        }
        ECPoint q = SM2.getG().multiply(d).normalize();
        return new Private(null, new ECPrivateKeyParameters(d, SM2), new Public(null, new ECPublicKeyParameters(q, SM2)));
    }

    /** Raw hex d of 1 to 64 digits, left-padded with zeros. */
    static Private privateFromHex(String hex) throws OcrCryptoException {
        if (hex.isEmpty() || hex.length() > 64) {
            throw fail("private key: raw SM2 hex d has " + hex.length() + " digits (expected 1 to 64)");
        }
        return sm2Private(new BigInteger(hex, 16), "private key");
    }

    static Private privateFromDer(byte[] der) throws OcrCryptoException {
        String what = "private key";
        ASN1Sequence seq = sequence(der, what);
        if (seq.size() < 2 || !(seq.getObjectAt(0) instanceof ASN1Integer version)) {
            throw fail(what + ": not PKCS#8, SEC 1 or PKCS#1");
        }
        ASN1Encodable second = seq.getObjectAt(1);
        if (second instanceof ASN1Sequence) {
            return fromPkcs8(seq, version.getValue(), what + " (PKCS#8)");
        }
        if (second instanceof ASN1OctetString) {
            return fromSec1(seq, what + " (SEC 1)");
        }
        return rsaPrivateFromPkcs1(seq, what + " (PKCS#1 RSA)");
    }

    static Private fromPkcs8(ASN1Sequence seq, BigInteger version, String what) throws OcrCryptoException {
        if (seq.size() < 3 || seq.size() > 5 || !(version.equals(BigInteger.ZERO) || version.equals(BigInteger.ONE))) {
            throw fail(what + ": malformed PrivateKeyInfo");
        }
        Object[] alg = algorithm(seq.getObjectAt(1), what);
        if (!(seq.getObjectAt(2) instanceof ASN1OctetString octets)) {
            throw fail(what + ": privateKey is not an OCTET STRING");
        }
        for (int i = 3; i < seq.size(); i++) {
            if (!(seq.getObjectAt(i) instanceof ASN1TaggedObject)) {
                throw fail(what + ": unexpected field after privateKey");
            }
        }
        String oid = (String) alg[0];
        if (oid.equals(OID_RSA)) {
            if (alg[1] != null && !(alg[1] instanceof ASN1Null)) {
                throw fail(what + ": RSA AlgorithmIdentifier parameters must be NULL");
            }
            return rsaPrivateFromPkcs1(sequence(octets.getOctets(), what), what);
        }
        if (oid.equals(OID_EC) || oid.equals(OID_SM2)) {
            requireSm2Parameters((ASN1Encodable) alg[1], what);
            ASN1Sequence inner = sequence(octets.getOctets(), what);
            return fromSec1(inner, what);
        }
        throw fail(what + ": algorithm OID " + oid + " is neither RSA nor SM2");
    }

    /** ECPrivateKey: version 1, d, [0] parameters (optional), [1] public key (optional, must match d). */
    static Private fromSec1(ASN1Sequence seq, String what) throws OcrCryptoException {
        if (seq.size() < 2 || seq.size() > 4 || !integer(seq.getObjectAt(0), what).equals(BigInteger.ONE)
                || !(seq.getObjectAt(1) instanceof ASN1OctetString scalar)) {
            throw fail(what + ": not an ECPrivateKey (version 1, privateKey)");
        }
        ASN1Encodable parameters = null;
        byte[] embedded = null;
        int lastTag = -1;
        for (int i = 2; i < seq.size(); i++) {
            if (!(seq.getObjectAt(i) instanceof ASN1TaggedObject tagged) || tagged.getTagClass() != BERTags.CONTEXT_SPECIFIC
                    || tagged.getTagNo() <= lastTag || tagged.getTagNo() > 1 || !tagged.isExplicit()) {
                throw fail(what + ": malformed ECPrivateKey optional fields");
            }
            lastTag = tagged.getTagNo();
            ASN1Primitive value = tagged.getBaseObject().toASN1Primitive();
            if (lastTag == 0) {
                parameters = value;
            } else {
                if (!(value instanceof ASN1BitString bits) || bits.getPadBits() != 0) {
                    throw fail(what + ": ECPrivateKey publicKey is not a BIT STRING");
                }
                embedded = bits.getOctets();
            }
        }
        requireSm2Parameters(parameters, what);
        byte[] d = scalar.getOctets();
        if (d.length > 32) {
            throw fail(what + ": SM2 private scalar longer than 32 bytes");
        }
        Private key = sm2Private(new BigInteger(1, d), what);
        if (embedded != null && !Arrays.equals(embedded, key.publicKey().sm2().getQ().getEncoded(false))) {
            throw fail(what + ": the embedded public key does not match the private scalar");
        }
        return key;
    }

    /** RSAPrivateKey (two primes), checked for consistency and size. */
    static Private rsaPrivateFromPkcs1(ASN1Sequence seq, String what) throws OcrCryptoException {
        if (seq.size() != 9 || !integer(seq.getObjectAt(0), what).equals(BigInteger.ZERO)) {
            throw fail(what + ": not a two-prime RSAPrivateKey");
        }
        BigInteger[] v = new BigInteger[8];
        for (int i = 0; i < 8; i++) {
            v[i] = integer(seq.getObjectAt(i + 1), what);
            if (v[i].signum() <= 0) {
                throw fail(what + ": RSA key values must be positive");
            }
        }
        BigInteger n = v[0], e = v[1], d = v[2], p = v[3], q = v[4], dp = v[5], dq = v[6], qinv = v[7];
        Public pub = rsaPublic(n, e, what);
        BigInteger one = BigInteger.ONE;
        BigInteger pm = p.subtract(one), qm = q.subtract(one);
        BigInteger lambda = pm.divide(pm.gcd(qm)).multiply(qm);
        if (!p.multiply(q).equals(n) || p.compareTo(one) <= 0 || q.compareTo(one) <= 0 || d.compareTo(n) >= 0
                || !e.multiply(d).mod(lambda).equals(one) || !d.mod(pm).equals(dp) || !d.mod(qm).equals(dq)
                || !q.multiply(qinv).mod(p).equals(one)) {
            throw fail(what + ": inconsistent RSA private key");
        }
        try {
            RSAPrivateCrtKey key = (RSAPrivateCrtKey) KeyFactory.getInstance("RSA")
                    .generatePrivate(new RSAPrivateCrtKeySpec(n, e, d, p, q, dp, dq, qinv));
            return new Private(key, null, pub);
        } catch (GeneralSecurityException ex) {
            throw fail(what + ": " + ex.getMessage());
        }
    }
}
