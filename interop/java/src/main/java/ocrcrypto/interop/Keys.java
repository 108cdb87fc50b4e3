package ocrcrypto.interop;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Base64;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.crypto.util.PublicKeyFactory;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/** Key loading as users hold keys: PEM, or the vendor's base64 of the PEM text. */
public final class Keys {
    private Keys() {}

    /** An RSA (JCE) or SM2 (BouncyCastle lightweight) public key: exactly one is set. */
    public record Public(RSAPublicKey rsa, ECPublicKeyParameters sm2) {
        public String type() {
            return rsa != null ? "RSA" : "SM2";
        }
    }

    /** An RSA (JCE) or SM2 private key: exactly one is set; sm2Public is derived for SM2. */
    public record Private(RSAPrivateKey rsa, ECPrivateKeyParameters sm2, Public publicKey) {
        public String type() {
            return rsa != null ? "RSA" : "SM2";
        }
    }

    private static Object readPem(String text) throws OcrCryptoException {
        String trimmed = text.strip();
        if (!trimmed.startsWith("-----BEGIN")) {
            try {
                trimmed = new String(Base64.getDecoder().decode(trimmed.replaceAll("\\s", "")), StandardCharsets.US_ASCII).strip();
            } catch (IllegalArgumentException e) {
                throw new OcrCryptoException(OcrCryptoException.KEY_FORMAT, "key: neither PEM nor the vendor's base64-of-PEM");
            }
            if (!trimmed.startsWith("-----BEGIN")) {
                throw new OcrCryptoException(OcrCryptoException.KEY_FORMAT, "key: neither PEM nor the vendor's base64-of-PEM");
            }
        }
        try (PEMParser parser = new PEMParser(new StringReader(trimmed))) {
            Object object = parser.readObject();
            if (object == null) {
                throw new OcrCryptoException(OcrCryptoException.KEY_FORMAT, "key: no PEM object");
            }
            return object;
        } catch (IOException e) {
            throw new OcrCryptoException(OcrCryptoException.KEY_FORMAT, "key: " + e.getMessage());
        }
    }

    public static Public loadPublic(String text) throws OcrCryptoException {
        Object object = readPem(text);
        if (!(object instanceof SubjectPublicKeyInfo spki)) {
            throw new OcrCryptoException(OcrCryptoException.KEY_FORMAT, "public key: unexpected PEM content " + object.getClass().getSimpleName());
        }
        return fromSpki(spki);
    }

    static Public fromSpki(SubjectPublicKeyInfo spki) throws OcrCryptoException {
        try {
            AsymmetricKeyParameter params = PublicKeyFactory.createKey(spki);
            if (params instanceof ECPublicKeyParameters ec) {
                return new Public(null, ec);
            }
            PublicKey key = new JcaPEMKeyConverter().getPublicKey(spki);
            if (key instanceof RSAPublicKey rsa) {
                return new Public(rsa, null);
            }
        } catch (IOException e) {
            throw new OcrCryptoException(OcrCryptoException.KEY_FORMAT, "public key: " + e.getMessage());
        }
        throw new OcrCryptoException(OcrCryptoException.KEY_FORMAT, "public key: neither RSA nor SM2");
    }

    public static Private loadPrivate(String text) throws OcrCryptoException {
        Object object = readPem(text);
        PrivateKeyInfo info;
        if (object instanceof PEMKeyPair pair) {
            info = pair.getPrivateKeyInfo();
        } else if (object instanceof PrivateKeyInfo pki) {
            info = pki;
        } else {
            throw new OcrCryptoException(OcrCryptoException.KEY_FORMAT, "private key: unexpected PEM content " + object.getClass().getSimpleName());
        }
        try {
            AsymmetricKeyParameter params = PrivateKeyFactory.createKey(info);
            if (params instanceof ECPrivateKeyParameters ec) {
                ECPublicKeyParameters pub = new ECPublicKeyParameters(ec.getParameters().getG().multiply(ec.getD()).normalize(), ec.getParameters());
                return new Private(null, ec, new Public(null, pub));
            }
            PrivateKey key = new JcaPEMKeyConverter().getPrivateKey(info);
            if (key instanceof java.security.interfaces.RSAPrivateCrtKey rsa) {
                RSAPublicKey pub = (RSAPublicKey) java.security.KeyFactory.getInstance("RSA")
                        .generatePublic(new java.security.spec.RSAPublicKeySpec(rsa.getModulus(), rsa.getPublicExponent()));
                return new Private(rsa, null, new Public(pub, null));
            }
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new OcrCryptoException(OcrCryptoException.KEY_FORMAT, "private key: " + e.getMessage());
        }
        throw new OcrCryptoException(OcrCryptoException.KEY_FORMAT, "private key: neither RSA nor SM2");
    }
}
