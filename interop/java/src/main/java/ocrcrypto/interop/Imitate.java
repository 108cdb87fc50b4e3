package ocrcrypto.interop;

import java.io.UnsupportedEncodingException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.math.ec.ECPoint;

/**
 * A request with one known real-world mistake, made the way Java code makes it, so that the
 * Python doctor is tested on input it did not make itself.
 *
 * <ul>
 *   <li>{@code tag-appended}: SM4-GCM through {@code Cipher.getInstance("SM4/GCM/NoPadding")}
 *       (BouncyCastle provider), whose {@code doFinal} returns ciphertext||tag, sent as the
 *       ciphertext with an empty TagList (the vendor's Java demo until 2023).
 *   <li>{@code short-coordinate}: SM2 C1's X and Y written with {@code BigInteger.toByteArray()}
 *       and its sign byte dropped, so a coordinate below 2^248 is 31 bytes; wraps are repeated
 *       until one is, and the blob is one byte short (about 1 in 128 wraps).
 *   <li>{@code alphanumeric-key}: key and IV as alphanumeric text from a time-seeded
 *       {@code java.util.Random}, as the vendor's Java demo made them.
 *   <li>{@code gbk-body}: the plaintext (the body JSON, or each field) encoded with
 *       {@code String.getBytes("GBK")} instead of UTF-8 (the platform charset on a Chinese Windows
 *       machine; the vendor's Java demo used the platform charset until 2025).
 * </ul>
 */
public final class Imitate {
    private Imitate() {}

    static final String MISTAKES = "tag-appended, short-coordinate, alphanumeric-key, gbk-body";
    static final String ALPHANUMERIC = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    static final int MAX_WRAPS = 10_000;

    /** A suite that forwards to another, for the one step a mistake changes. */
    static class Forwarding implements Suite {
        final Suite inner;

        Forwarding(Suite inner) {
            this.inner = inner;
        }

        public String name() { return inner.name(); }
        public String keyType() { return inner.keyType(); }
        public int keySize() { return inner.keySize(); }
        public int ivSize() { return inner.ivSize(); }
        public boolean hasTag() { return inner.hasTag(); }

        public byte[][] seal(byte[] plaintext, byte[] key, byte[] iv) throws OcrCryptoException {
            return inner.seal(plaintext, key, iv);
        }

        public byte[] open(byte[] ciphertext, byte[] key, byte[] iv, byte[] tag) throws OcrCryptoException {
            return inner.open(ciphertext, key, iv, tag);
        }

        public byte[] wrap(byte[] key, Keys.Public publicKey, SecureRandom random) throws OcrCryptoException {
            return inner.wrap(key, publicKey, random);
        }

        public byte[] unwrap(byte[] blob, Keys.Private privateKey) throws OcrCryptoException {
            return inner.unwrap(blob, privateKey);
        }
    }

    /** SM4-GCM through the JCE: doFinal's whole output is taken as the ciphertext. */
    static final class CipherGcm extends Forwarding {
        CipherGcm(Suite inner) {
            super(inner);
        }

        @Override
        public byte[][] seal(byte[] plaintext, byte[] key, byte[] iv) throws OcrCryptoException {
            try {
                Cipher cipher = Cipher.getInstance("SM4/GCM/NoPadding", new BouncyCastleProvider());
                cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "SM4"), new GCMParameterSpec(128, iv));
                return new byte[][] {cipher.doFinal(plaintext), null};
            } catch (GeneralSecurityException e) {
                throw new OcrCryptoException(OcrCryptoException.ENVELOPE_FORMAT, "SM4/GCM/NoPadding: " + e.getMessage());
            }
        }
    }

    /** The plaintext re-encoded as Java's String.getBytes("GBK") encodes it. */
    static final class GbkText extends Forwarding {
        GbkText(Suite inner) {
            super(inner);
        }

        @Override
        public byte[][] seal(byte[] plaintext, byte[] key, byte[] iv) throws OcrCryptoException {
            String text = new String(plaintext, StandardCharsets.UTF_8);
            try {
                return inner.seal(text.getBytes("GBK"), key, iv);
            } catch (UnsupportedEncodingException e) {
                throw new OcrCryptoException(OcrCryptoException.ENVELOPE_FORMAT, "GBK is not available");
            }
        }
    }

    /** BigInteger.toByteArray() with its sign byte dropped: minimal, so sometimes 31 bytes. */
    static byte[] toByteArrayUnsigned(BigInteger value) {
        byte[] bytes = value.toByteArray();
        return bytes[0] == 0 ? Arrays.copyOfRange(bytes, 1, bytes.length) : bytes;
    }

    /** SM2 wrap whose C1 coordinates are written with BigInteger.toByteArray(); kept only when one byte short. */
    static final class ShortCoordinate extends Forwarding {
        ShortCoordinate(Suite inner) {
            super(inner);
        }

        @Override
        public byte[] wrap(byte[] key, Keys.Public publicKey, SecureRandom random) throws OcrCryptoException {
            int full = 1 + 64 + 32 + key.length;
            for (int i = 0; i < MAX_WRAPS; i++) {
                byte[] blob = inner.wrap(key, publicKey, random);
                ECPoint c1 = publicKey.sm2().getParameters().getCurve().decodePoint(Arrays.copyOfRange(blob, 0, 65)).normalize();
                byte[] x = toByteArrayUnsigned(c1.getAffineXCoord().toBigInteger());
                byte[] y = toByteArrayUnsigned(c1.getAffineYCoord().toBigInteger());
                byte[] out = new byte[1 + x.length + y.length + blob.length - 65];
                out[0] = 4;
                System.arraycopy(x, 0, out, 1, x.length);
                System.arraycopy(y, 0, out, 1 + x.length, y.length);
                System.arraycopy(blob, 65, out, 1 + x.length + y.length, blob.length - 65);
                if (out.length == full - 1) {
                    return out;
                }
            }
            throw new OcrCryptoException(OcrCryptoException.ENVELOPE_FORMAT, "no short coordinate in " + MAX_WRAPS + " wraps");
        }
    }

    static byte[] randomText(Random random, int n) {
        byte[] out = new byte[n];
        for (int i = 0; i < n; i++) {
            out[i] = (byte) ALPHANUMERIC.charAt(random.nextInt(ALPHANUMERIC.length()));
        }
        return out;
    }

    static Protocol.Request with(Suite suite, ObjectNode params, Keys.Public publicKey, List<String> fields, SecureRandom random) throws OcrCryptoException {
        return Protocol.encryptRequestWith(params, suite, Protocol.newSession(suite, publicKey, random), fields);
    }

    /** The CLI command: imitate MISTAKE --public-key F --algorithm A [--field PATH]...; {"wire", "session"} like encrypt. */
    static String run(List<String> positional, String publicKeyPath, String algorithm, List<String> fields, String stdin, SecureRandom random)
            throws OcrCryptoException, Main.UsageException, java.io.IOException {
        if (positional.size() != 1) {
            throw new Main.UsageException("imitate takes one MISTAKE: " + MISTAKES);
        }
        Keys.Public key = Keys.loadPublic(Main.read(Main.require(publicKeyPath, "--public-key")));
        Protocol.Request request = request(positional.get(0), Main.parse(stdin), key, algorithm, fields, random);
        ObjectNode out = Protocol.JSON.createObjectNode();
        out.set("wire", request.wire());
        out.set("session", request.session().toJson());
        return Protocol.JSON.writeValueAsString(out) + "\n";
    }

    public static Protocol.Request request(String mistake, ObjectNode params, Keys.Public publicKey, String algorithm, List<String> fields,
            SecureRandom random) throws OcrCryptoException, Main.UsageException {
        Suite suite = Suite.get(algorithm);
        switch (mistake) {
            case "tag-appended" -> {
                if (!suite.hasTag()) {
                    throw new Main.UsageException(mistake + " needs --algorithm SM4-GCM");
                }
                return with(new CipherGcm(suite), params, publicKey, fields, random);
            }
            case "short-coordinate" -> {
                if (!suite.keyType().equals("SM2")) {
                    throw new Main.UsageException(mistake + " needs --algorithm SM4-GCM");
                }
                return with(new ShortCoordinate(suite), params, publicKey, fields, random);
            }
            case "gbk-body" -> {
                return with(new GbkText(suite), params, publicKey, fields, random);
            }
            case "alphanumeric-key" -> {
                Random text = new Random(System.currentTimeMillis());
                byte[] key = randomText(text, suite.keySize());
                byte[] iv = randomText(text, suite.ivSize());
                Protocol.Session session = new Protocol.Session(suite.name(), key, iv, suite.wrap(key, publicKey, random));
                return Protocol.encryptRequestWith(params, suite, session, fields);
            }
            default -> throw new Main.UsageException("unknown mistake " + mistake + "; the Java reference imitates: " + MISTAKES);
        }
    }
}
