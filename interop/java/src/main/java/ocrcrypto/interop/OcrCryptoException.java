package ocrcrypto.interop;

/** A failure with the error class the test vectors name (DecryptionError, EnvelopeFormatError, ...). */
public final class OcrCryptoException extends Exception {
    public static final String DECRYPTION = "DecryptionError";
    public static final String ENVELOPE_FORMAT = "EnvelopeFormatError";
    public static final String UNSUPPORTED_ALGORITHM = "UnsupportedAlgorithmError";
    public static final String KEY_FORMAT = "KeyFormatError";

    private final String errorClass;

    public OcrCryptoException(String errorClass, String message) {
        super(message);
        this.errorClass = errorClass;
    }

    public String errorClass() {
        return errorClass;
    }

    /** The one service-side decryption failure, whatever went wrong. */
    public static OcrCryptoException decryptionFailed() {
        return new OcrCryptoException(DECRYPTION, "decryption failed");
    }
}
