package ocrcrypto.interop;

import java.io.IOException;

import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.bouncycastle.crypto.engines.SM2Engine;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.modes.GCMModeCipher;
import org.bouncycastle.crypto.engines.SM4Engine;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithRandom;
import org.bouncycastle.util.test.FixedSecureRandom;

/** Strict verification of the vector files (vectors/README.md says what each case requires). */
public final class Vectors {
    private Vectors() {}

    static final HexFormat HEX = HexFormat.of();

    /** Thrown when a case does not hold. */
    static final class Mismatch extends Exception {
        Mismatch(String message) {
            super(message);
        }
    }

    public record Result(int checked, List<String> failures) {}

    public static Result verify(Path dir) throws IOException {
        List<String> failures = new ArrayList<>();
        int checked = 0;
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "*.json")) {
            stream.forEach(files::add);
        }
        files.sort(null);
        for (Path path : files) {
            String name = path.getFileName().toString();
            if (name.equals("schema.json")) {
                continue;
            }
            JsonNode file;
            Map<String, Keys.Private> keys;
            try {
                file = Protocol.JSON.readTree(Files.readString(path, StandardCharsets.UTF_8));
                keys = loadKeys(file.get("keys"));
            } catch (IOException | OcrCryptoException | Mismatch e) {
                failures.add(name + ": unreadable (" + e.getMessage() + ")");
                continue;
            }
            JsonNode tests = file.get("tests");
            if (file.path("numberOfTests").asInt() != tests.size()) {
                failures.add(name + ": numberOfTests is " + file.path("numberOfTests").asInt() + ", but there are " + tests.size() + " tests");
            }
            for (JsonNode test : tests) {
                checked++;
                try {
                    check(test, keys);
                } catch (Mismatch | OcrCryptoException | RuntimeException e) {
                    failures.add(name + " #" + test.path("id").asInt() + " (" + test.path("comment").asText() + "): " + e.getMessage());
                }
            }
        }
        if (checked == 0 && failures.isEmpty()) {
            failures.add(dir + ": no vector files");
        }
        return new Result(checked, failures);
    }

    /** Every key in every form given; the forms must agree. */
    static Map<String, Keys.Private> loadKeys(JsonNode keys) throws OcrCryptoException, Mismatch {
        Map<String, Keys.Private> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = keys.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            Keys.Private first = null;
            for (Iterator<Map.Entry<String, JsonNode>> forms = entry.getValue().get("private").fields(); forms.hasNext(); ) {
                Map.Entry<String, JsonNode> form = forms.next();
                if (form.getKey().equals("hex")) {
                    continue;
                }
                Keys.Private key = Keys.loadPrivate(form.getValue().asText());
                if (first == null) {
                    first = key;
                } else if (!samePrivate(first, key)) {
                    throw new Mismatch("key " + entry.getKey() + ": private." + form.getKey() + " differs");
                }
            }
            for (Iterator<Map.Entry<String, JsonNode>> forms = entry.getValue().get("public").fields(); forms.hasNext(); ) {
                Map.Entry<String, JsonNode> form = forms.next();
                if (form.getKey().equals("hex")) {
                    continue;
                }
                if (!samePublic(first.publicKey(), Keys.loadPublic(form.getValue().asText()))) {
                    throw new Mismatch("key " + entry.getKey() + ": public." + form.getKey() + " does not match");
                }
            }
            out.put(entry.getKey(), first);
        }
        return out;
    }

    static boolean samePrivate(Keys.Private a, Keys.Private b) {
        if (a.rsa() != null && b.rsa() != null) {
            return a.rsa().getPrivateExponent().equals(b.rsa().getPrivateExponent()) && a.rsa().getModulus().equals(b.rsa().getModulus());
        }
        return a.sm2() != null && b.sm2() != null && a.sm2().getD().equals(b.sm2().getD());
    }

    static boolean samePublic(Keys.Public a, Keys.Public b) {
        if (a.rsa() != null && b.rsa() != null) {
            return a.rsa().getModulus().equals(b.rsa().getModulus()) && a.rsa().getPublicExponent().equals(b.rsa().getPublicExponent());
        }
        return a.sm2() != null && b.sm2() != null && a.sm2().getQ().equals(b.sm2().getQ());
    }

    static ObjectNode object(JsonNode node) throws Mismatch {
        if (node == null || !node.isObject()) {
            throw new Mismatch("expected an object");
        }
        return ((ObjectNode) node).deepCopy();
    }

    static void check(JsonNode test, Map<String, Keys.Private> keys) throws Mismatch, OcrCryptoException {
        String mode = test.get("mode").asText();
        JsonNode input = test.get("input");
        JsonNode output = test.get("output");
        if (test.get("result").asText().equals("invalid")) {
            String expected = test.get("error").asText();
            try {
                if (mode.equals("response")) {
                    Protocol.decryptResponse(Protocol.Session.fromJson(input.get("session")), object(output.get("wire")));
                } else {
                    Protocol.decryptRequest(object(output.get("wire")), keys.get(test.get("key").asText()));
                }
            } catch (OcrCryptoException e) {
                if (!e.errorClass().equals(expected)) {
                    throw new Mismatch("expected " + expected + ", got " + e.errorClass() + ": " + e.getMessage());
                }
                return;
            }
            throw new Mismatch("expected " + expected + ", but it decrypted");
        }
        switch (mode) {
            case "primitive" -> checkPrimitive(test, keys);
            case "response" -> checkResponse(test);
            default -> checkRequest(test, keys);
        }
    }

    /** A SecureRandom that makes BouncyCastle's SM2Engine choose exactly this k (it reads 32 bytes). */
    static FixedSecureRandom kRandom(String kHex) {
        return new FixedSecureRandom(HEX.parseHex(kHex));
    }

    static void checkPrimitive(JsonNode test, Map<String, Keys.Private> keys) throws Mismatch {
        JsonNode input = test.get("input");
        JsonNode output = test.get("output");
        byte[] plaintext = HEX.parseHex(input.get("plaintext").asText());
        try {
            if (input.get("operation").asText().equals("sm2_encrypt")) {
                Keys.Private key = keys.get(test.get("key").asText());
                SM2Engine engine = Sm4GcmSuite.engine();
                engine.init(true, new ParametersWithRandom(key.publicKey().sm2(), kRandom(input.get("sm2_k").asText())));
                byte[] ct = engine.processBlock(plaintext, 0, plaintext.length);
                if (!HEX.formatHex(ct).equals(output.get("ciphertext").asText())) {
                    throw new Mismatch("SM2 ciphertext differs");
                }
                SM2Engine decrypt = Sm4GcmSuite.engine();
                decrypt.init(false, key.sm2());
                if (!Arrays.equals(decrypt.processBlock(ct, 0, ct.length), plaintext)) {
                    throw new Mismatch("SM2 decryption differs");
                }
                return;
            }
            GCMModeCipher gcm = GCMBlockCipher.newInstance(new SM4Engine());
            gcm.init(true, new AEADParameters(new KeyParameter(HEX.parseHex(input.get("symmetric_key").asText())), 128,
                    HEX.parseHex(input.get("iv").asText()), HEX.parseHex(input.get("aad").asText())));
            byte[] out = new byte[gcm.getOutputSize(plaintext.length)];
            int n = gcm.processBytes(plaintext, 0, plaintext.length, out, 0);
            gcm.doFinal(out, n);
            String ct = HEX.formatHex(Arrays.copyOf(out, plaintext.length));
            String tag = HEX.formatHex(Arrays.copyOfRange(out, plaintext.length, out.length));
            if (!ct.equals(output.get("ciphertext").asText()) || !tag.equals(output.get("tag").asText())) {
                throw new Mismatch("SM4-GCM output differs");
            }
        } catch (org.bouncycastle.crypto.InvalidCipherTextException e) {
            throw new Mismatch("primitive failed: " + e.getMessage());
        }
    }

    static ObjectNode largeParams(int size, byte[] seed) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] raw = new byte[size + 32];
            int filled = 0;
            for (int counter = 0; filled < size; counter++) {
                sha.update(seed);
                sha.update(new byte[] {(byte) (counter >>> 24), (byte) (counter >>> 16), (byte) (counter >>> 8), (byte) counter});
                byte[] block = sha.digest();
                System.arraycopy(block, 0, raw, filled, 32);
                filled += 32;
            }
            ObjectNode params = JsonNodeFactory.instance.objectNode();
            params.put("ImageBase64", Protocol.B64.encodeToString(Arrays.copyOf(raw, size)));
            params.put("CardSide", "FRONT");
            return params;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256Hex(String text) {
        try {
            return HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String compact(JsonNode node) {
        try {
            return Protocol.JSON.writeValueAsString(node);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static void checkRequest(JsonNode test, Map<String, Keys.Private> keys) throws Mismatch, OcrCryptoException {
        JsonNode input = test.get("input");
        JsonNode output = test.get("output");
        Keys.Private key = keys.get(test.get("key").asText());
        ObjectNode params = input.has("large")
                ? largeParams(input.get("large").get("size").asInt(), HEX.parseHex(input.get("large").get("seed").asText()))
                : object(input.get("params"));
        ObjectNode wire = object(output.get("wire"));
        boolean readerOnly = false;
        for (JsonNode flag : test.get("flags")) {
            readerOnly |= flag.asText().equals("ReaderOnly");
        }
        Suite suite = Suite.get(test.get("algorithm").asText());
        byte[] symmetricKey = HEX.parseHex(input.get("symmetric_key").asText());
        byte[] iv = HEX.parseHex(input.get("iv").asText());
        if (!readerOnly) {
            byte[] blob = suite.keyType().equals("SM2")
                    ? suite.wrap(symmetricKey, key.publicKey(), kRandom(input.get("sm2_k").asText()))
                    : AesCbcSuite.wrapWithPadding(key.publicKey().rsa(), symmetricKey, HEX.parseHex(input.get("rsa_padding").asText()));
            List<String> fields = new ArrayList<>();
            if (input.has("fields")) {
                input.get("fields").forEach(f -> fields.add(f.asText()));
            }
            ObjectNode again = Protocol.encryptRequestWith(params, suite, new Protocol.Session(suite.name(), symmetricKey, iv, blob), fields).wire();
            if (input.has("large")) {
                if (!sha256Hex(again.get("EncryptedBody").asText()).equals(output.get("encrypted_body_sha256").asText())) {
                    throw new Mismatch("EncryptedBody digest differs");
                }
                ObjectNode withoutBody = again.deepCopy();
                withoutBody.remove("EncryptedBody");
                if (!compact(withoutBody).equals(compact(wire))) {
                    throw new Mismatch("re-encrypted wire differs");
                }
                wire = again;
            } else if (!compact(again).equals(compact(wire))) {
                throw new Mismatch("re-encrypted wire differs:\n got  " + compact(again) + "\n want " + compact(wire));
            }
        }
        Protocol.Decrypted got = Protocol.decryptRequest(wire, key);
        if (!compact(got.params()).equals(compact(params))) {
            throw new Mismatch("decrypted params differ");
        }
        if (!Arrays.equals(got.session().key(), symmetricKey) || !Arrays.equals(got.session().iv(), iv)) {
            throw new Mismatch("unwrapped key or IV differs");
        }
        if (input.has("body")) {
            String body = Protocol.compactBody(params, k -> !Protocol.PROTOCOL_PARAMS.contains(k));
            if (!body.equals(input.get("body").asText())) {
                throw new Mismatch("compact JSON body differs: " + body);
            }
        }
    }

    static void checkResponse(JsonNode test) throws Mismatch, OcrCryptoException {
        JsonNode input = test.get("input");
        Protocol.Session session = Protocol.Session.fromJson(input.get("session"));
        ObjectNode wire = object(test.get("output").get("wire"));
        ObjectNode response = object(input.get("response"));
        ObjectNode plain = Protocol.decryptResponse(session, wire);
        if (!compact(plain).equals(compact(response))) {
            throw new Mismatch("decrypted response differs");
        }
        List<String> fields = new ArrayList<>();
        if (input.has("response_fields")) {
            input.get("response_fields").forEach(f -> fields.add(f.asText()));
        }
        Protocol.Session server = new Protocol.Session(session.algorithm(), session.key(), session.iv(),
                java.util.Base64.getDecoder().decode(input.get("ciphertext_blob").asText()));
        ObjectNode again = Protocol.encryptResponse(server, response, fields, HEX.parseHex(input.get("response_iv").asText()));
        if (!compact(again).equals(compact(wire))) {
            throw new Mismatch("re-encrypted response differs");
        }
    }

}
