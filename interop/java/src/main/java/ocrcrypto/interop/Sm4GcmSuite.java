package ocrcrypto.interop;

import java.security.SecureRandom;
import java.util.Arrays;

import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.engines.SM2Engine;
import org.bouncycastle.crypto.engines.SM4Engine;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.modes.GCMModeCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithRandom;

/** SM4-GCM (BouncyCastle GCM over SM4, 128-bit tag split off) and the SM2 C1C3C2 key wrap. */
public final class Sm4GcmSuite implements Suite {
    static final int TAG_BYTES = 16;

    public String name() { return "SM4-GCM"; }
    public String keyType() { return "SM2"; }
    public int keySize() { return 16; }
    public int ivSize() { return 12; }
    public boolean hasTag() { return true; }

    private static GCMModeCipher gcm(boolean encrypt, byte[] key, byte[] iv) {
        GCMModeCipher cipher = GCMBlockCipher.newInstance(new SM4Engine());
        cipher.init(encrypt, new AEADParameters(new KeyParameter(key), TAG_BYTES * 8, iv));
        return cipher;
    }

    public byte[][] seal(byte[] plaintext, byte[] key, byte[] iv) throws OcrCryptoException {
        if (key.length != keySize() || iv.length != ivSize()) {
            throw new OcrCryptoException(OcrCryptoException.ENVELOPE_FORMAT, "SM4-GCM: bad key or IV length");
        }
        GCMModeCipher cipher = gcm(true, key, iv);
        byte[] out = new byte[cipher.getOutputSize(plaintext.length)];
        int n = cipher.processBytes(plaintext, 0, plaintext.length, out, 0);
        try {
            cipher.doFinal(out, n);
        } catch (InvalidCipherTextException e) {
            throw new OcrCryptoException(OcrCryptoException.ENVELOPE_FORMAT, "SM4-GCM: " + e.getMessage());
        }
        return new byte[][] {Arrays.copyOf(out, plaintext.length), Arrays.copyOfRange(out, plaintext.length, out.length)};
    }

    public byte[] open(byte[] ciphertext, byte[] key, byte[] iv, byte[] tag) throws OcrCryptoException {
        if (key.length != keySize() || iv.length != ivSize() || tag == null || tag.length != TAG_BYTES) {
            throw OcrCryptoException.decryptionFailed();
        }
        GCMModeCipher cipher = gcm(false, key, iv);
        byte[] input = new byte[ciphertext.length + tag.length];
        System.arraycopy(ciphertext, 0, input, 0, ciphertext.length);
        System.arraycopy(tag, 0, input, ciphertext.length, tag.length);
        byte[] out = new byte[cipher.getOutputSize(input.length)];
        int n = cipher.processBytes(input, 0, input.length, out, 0);
        try {
            n += cipher.doFinal(out, n);
        } catch (InvalidCipherTextException e) {
            throw OcrCryptoException.decryptionFailed();
        }
        return Arrays.copyOf(out, n);
    }

    /** SM2 in C1C3C2 mode. The engine's default, C1C2C3, is the classic mistake. */
    static SM2Engine engine() {
        return new SM2Engine(SM2Engine.Mode.C1C3C2);
    }

    public byte[] wrap(byte[] key, Keys.Public publicKey, SecureRandom random) throws OcrCryptoException {
        if (publicKey.sm2() == null) {
            throw new OcrCryptoException(OcrCryptoException.KEY_FORMAT, "SM4-GCM wraps its key with SM2: got an RSA public key");
        }
        SM2Engine engine = engine();
        engine.init(true, new ParametersWithRandom(publicKey.sm2(), random));
        try {
            return engine.processBlock(key, 0, key.length);
        } catch (InvalidCipherTextException e) {
            throw new OcrCryptoException(OcrCryptoException.ENVELOPE_FORMAT, "SM2: " + e.getMessage());
        }
    }

    public byte[] unwrap(byte[] blob, Keys.Private privateKey) throws OcrCryptoException {
        if (privateKey.sm2() == null) {
            throw new OcrCryptoException(OcrCryptoException.KEY_FORMAT, "SM4-GCM wraps its key with SM2: got an RSA private key");
        }
        // The protocol's form only: 04-prefixed uncompressed C1, then C3, then C2.
        if (blob.length != 1 + 64 + 32 + keySize() || blob[0] != 4) {
            throw OcrCryptoException.decryptionFailed();
        }
        SM2Engine engine = engine();
        engine.init(false, privateKey.sm2());
        try {
            byte[] key = engine.processBlock(blob, 0, blob.length);
            if (key.length != keySize()) {
                throw OcrCryptoException.decryptionFailed();
            }
            return key;
        } catch (InvalidCipherTextException | IllegalArgumentException | IllegalStateException e) {
            throw OcrCryptoException.decryptionFailed();
        }
    }
}
