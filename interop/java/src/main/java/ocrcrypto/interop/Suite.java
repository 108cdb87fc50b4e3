package ocrcrypto.interop;

import java.security.SecureRandom;

/** One envelope: how the body is sealed and how its symmetric key is wrapped. */
public interface Suite {
    String name();

    String keyType();

    int keySize();

    int ivSize();

    boolean hasTag();

    /** Returns {ciphertext, tag or null}. */
    byte[][] seal(byte[] plaintext, byte[] key, byte[] iv) throws OcrCryptoException;

    byte[] open(byte[] ciphertext, byte[] key, byte[] iv, byte[] tag) throws OcrCryptoException;

    byte[] wrap(byte[] key, Keys.Public publicKey, SecureRandom random) throws OcrCryptoException;

    byte[] unwrap(byte[] blob, Keys.Private privateKey) throws OcrCryptoException;

    static Suite get(String algorithm) throws OcrCryptoException {
        return switch (algorithm == null ? "AES-256-CBC" : algorithm) {
            case "AES-256-CBC" -> new AesCbcSuite();
            case "SM4-GCM" -> new Sm4GcmSuite();
            default -> throw new OcrCryptoException(OcrCryptoException.UNSUPPORTED_ALGORITHM, "Algorithm: '" + algorithm + "' is not supported");
        };
    }
}
