package ocrcrypto.interop;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.interfaces.RSAPublicKey;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/** AES-256-CBC with PKCS#7 and RSA PKCS#1 v1.5 key wrap, all through the JCE. */
public final class AesCbcSuite implements Suite {
    public String name() { return "AES-256-CBC"; }
    public String keyType() { return "RSA"; }
    public int keySize() { return 32; }
    public int ivSize() { return 16; }
    public boolean hasTag() { return false; }

    public byte[][] seal(byte[] plaintext, byte[] key, byte[] iv) throws OcrCryptoException {
        try {
            Cipher cipher = Cipher.getInstance("AES/CBC/PKCS5Padding");
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(iv));
            return new byte[][] {cipher.doFinal(plaintext), null};
        } catch (GeneralSecurityException e) {
            throw new OcrCryptoException(OcrCryptoException.ENVELOPE_FORMAT, "AES-256-CBC: " + e.getMessage());
        }
    }

    public byte[] open(byte[] ciphertext, byte[] key, byte[] iv, byte[] tag) throws OcrCryptoException {
        if (tag != null || key.length != keySize() || iv.length != ivSize()) {
            throw OcrCryptoException.decryptionFailed();
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/CBC/PKCS5Padding");
            cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(iv));
            return cipher.doFinal(ciphertext);
        } catch (GeneralSecurityException e) {
            throw OcrCryptoException.decryptionFailed();
        }
    }

    public byte[] wrap(byte[] key, Keys.Public publicKey, SecureRandom random) throws OcrCryptoException {
        if (publicKey.rsa() == null) {
            throw new OcrCryptoException(OcrCryptoException.KEY_FORMAT, "AES-256-CBC wraps its key with RSA: got an SM2 public key");
        }
        try {
            Cipher cipher = Cipher.getInstance("RSA/ECB/PKCS1Padding");
            cipher.init(Cipher.ENCRYPT_MODE, publicKey.rsa(), random);
            return cipher.doFinal(key);
        } catch (GeneralSecurityException e) {
            throw new OcrCryptoException(OcrCryptoException.ENVELOPE_FORMAT, "RSA: " + e.getMessage());
        }
    }

    public byte[] unwrap(byte[] blob, Keys.Private privateKey) throws OcrCryptoException {
        if (privateKey.rsa() == null) {
            throw new OcrCryptoException(OcrCryptoException.KEY_FORMAT, "AES-256-CBC wraps its key with RSA: got an SM2 private key");
        }
        try {
            Cipher cipher = Cipher.getInstance("RSA/ECB/PKCS1Padding");
            cipher.init(Cipher.DECRYPT_MODE, privateKey.rsa());
            byte[] key = cipher.doFinal(blob);
            if (key.length != keySize()) {
                throw OcrCryptoException.decryptionFailed();
            }
            return key;
        } catch (GeneralSecurityException e) {
            throw OcrCryptoException.decryptionFailed();
        }
    }

    /** RSAES-PKCS1-v1_5 with the padding string PS given (00 02 PS 00 M): for vectors only. */
    static byte[] wrapWithPadding(RSAPublicKey key, byte[] message, byte[] ps) {
        int size = (key.getModulus().bitLength() + 7) / 8;
        byte[] em = new byte[size];
        em[1] = 2;
        System.arraycopy(ps, 0, em, 2, ps.length);
        System.arraycopy(message, 0, em, 3 + ps.length, message.length);
        byte[] c = new BigInteger(1, em).modPow(key.getPublicExponent(), key.getModulus()).toByteArray();
        byte[] out = new byte[size];
        int copy = Math.min(c.length, size);
        System.arraycopy(c, c.length - copy, out, size - copy, copy);
        return out;
    }
}
