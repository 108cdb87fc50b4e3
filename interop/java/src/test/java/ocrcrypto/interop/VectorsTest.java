package ocrcrypto.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The three vector files verify; altering any case of any kind, or a file's top level, makes them fail. */
class VectorsTest {
    static final Path VECTORS = Path.of("../../vectors");
    static final List<String> FILES = List.of("ocrcrypto_vectors.json", "ocrcrypto_key_vectors.json", "ocrcrypto_decrypt_manifest.json");
    static final Map<String, ObjectNode> DOCS = new HashMap<>();
    static final Map<String, Vectors.Prepared> PREPARED = new HashMap<>();

    @BeforeAll
    static void load() throws Exception {
        for (String name : FILES) {
            ObjectNode doc = (ObjectNode) Vectors.parse(Files.readAllBytes(VECTORS.resolve(name)));
            DOCS.put(name, doc);
            PREPARED.put(name, Vectors.prepare(doc));
        }
    }

    @Test
    void committedVectorsVerify() throws Exception {
        Vectors.Result result = Vectors.verify(VECTORS);
        assertEquals(List.of(), result.failures());
        int total = 0;
        for (String name : FILES) {
            total += DOCS.get(name).get("numberOfTests").asInt();
        }
        assertEquals(total, result.checked());
        assertEquals(total + " vectors verified\n", Main.run(new String[] {"verify", VECTORS.toString()}, ""));
    }

    // -- altering cases ---------------------------------------------------------------------------

    /** The altered copy of case #index (1-based) must fail, with its own checker. */
    static void assertFails(String file, int index, String what, Consumer<ObjectNode> alter) {
        ObjectNode test = ((ObjectNode) DOCS.get(file).get("tests").get(index - 1)).deepCopy();
        alter.accept(test);
        String failure = Vectors.checkCase(test, index, PREPARED.get(file).check());
        assertNotNull(failure, file + " #" + index + ": altered (" + what + ") but it still verifies");
        assertTrue(failure.startsWith("#" + index), failure);
    }

    static String flipHex(String hex) {
        char last = hex.charAt(hex.length() - 1);
        return hex.substring(0, hex.length() - 1) + (last == '0' ? '1' : '0');
    }

    static String flipBase64(String b64) {
        int i = Math.min(4, b64.length() - 1);
        char c = b64.charAt(i);
        return b64.substring(0, i) + (c == 'A' ? 'B' : 'A') + b64.substring(i + 1);
    }

    static ObjectNode at(ObjectNode test, String... path) {
        JsonNode node = test;
        for (String p : path) {
            node = node.get(p);
        }
        return (ObjectNode) node;
    }

    static void flipHexField(ObjectNode obj, String name) {
        obj.put(name, flipHex(obj.get(name).asText()));
    }

    /** Mutations every case of every file must fail: structure, result, flags, id. */
    @Test
    void structuralAlterationsFailEveryCase() {
        for (String file : FILES) {
            JsonNode tests = DOCS.get(file).get("tests");
            for (int index = 1; index <= tests.size(); index++) {
                JsonNode original = tests.get(index - 1);
                assertNull(Vectors.checkCase(original, index, PREPARED.get(file).check()));
                assertFails(file, index, "unknown field", t -> t.put("extra", 1));
                for (Iterator<String> it = original.fieldNames(); it.hasNext(); ) {
                    String field = it.next();
                    assertFails(file, index, "without " + field, t -> t.remove(field));
                }
                assertFails(file, index, "unknown result", t -> t.put("result", "maybe"));
                assertFails(file, index, "unknown flag", t -> ((ArrayNode) t.get("flags")).add("NoSuchFlag"));
                assertFails(file, index, "flag twice", t -> ((ArrayNode) t.get("flags")).add("Pem").add("Pem"));
                assertFails(file, index, "id", t -> t.put("id", 100000));
                assertFails(file, index, "id as a string", t -> t.put("id", String.valueOf(t.get("id").asInt())));
                assertFails(file, index, "input not an object", t -> t.put("input", "x"));
                assertFails(file, index, "input with an unknown field", t -> at(t, "input").put("extra", "00"));
                if (original.has("mode")) {
                    assertFails(file, index, "unknown mode", t -> t.put("mode", "stream"));
                }
                if (original.has("operation")) {
                    assertFails(file, index, "unknown operation", t -> t.put("operation", "sign"));
                }
                if (original.has("error")) {
                    assertFails(file, index, "unknown error class", t -> t.put("error", "ValueError"));
                }
                if (original.has("algorithm")) {
                    assertFails(file, index, "unknown algorithm", t -> t.put("algorithm", "SM4-CBC"));
                }
            }
        }
    }

    static final String VEC = "ocrcrypto_vectors.json";

    @Test
    void alteredGeneratedVectorsFail() {
        JsonNode tests = DOCS.get(VEC).get("tests");
        int kinds = 0;
        for (int index = 1; index <= tests.size(); index++) {
            JsonNode t = tests.get(index - 1);
            String mode = t.get("mode").asText(), result = t.get("result").asText();
            boolean sm2 = t.get("algorithm").asText().equals("SM4-GCM");
            if (result.equals("invalid")) {
                String other = t.get("error").asText().equals("DecryptionError") ? "EnvelopeFormatError" : "DecryptionError";
                assertFails(VEC, index, "error class", c -> c.put("error", other));
                assertFails(VEC, index, "valid", c -> c.put("result", "valid"));
                assertFails(VEC, index, "unknown key", c -> c.put("key", "nope"));
                kinds |= 1;
            } else if (result.equals("acceptable")) {
                assertFails(VEC, index, "params", c -> at(c, "input", "params").put("Injected", "x"));
                assertFails(VEC, index, "symmetric key", c -> flipHexField(at(c, "input"), "symmetric_key"));
                if (t.get("input").get("iv").isNull()) {
                    assertFails(VEC, index, "iv", c -> at(c, "input").put("iv", sm2 ? "00".repeat(12) : "00".repeat(16)));
                } else {
                    assertFails(VEC, index, "iv", c -> flipHexField(at(c, "input"), "iv"));
                    assertFails(VEC, index, "iv null", c -> at(c, "input").putNull("iv"));
                }
                assertFails(VEC, index, "ocrcrypto_result", c -> c.put("ocrcrypto_result", "invalid"));
                assertFails(VEC, index, "ocrcrypto_result unknown", c -> c.put("ocrcrypto_result", "maybe"));
                assertFails(VEC, index, "randomness added", c -> at(c, "input").put(sm2 ? "sm2_k" : "rsa_padding", "01"));
                if (mode.equals("body")) {
                    assertFails(VEC, index, "body text", c -> at(c, "input").put("body", t.get("input").get("body").asText() + " "));
                }
                kinds |= 2;
            } else if (mode.equals("primitive")) {
                assertFails(VEC, index, "ciphertext", c -> flipHexField(at(c, "output"), "ciphertext"));
                assertFails(VEC, index, "plaintext", c -> flipHexField(at(c, "input"), "plaintext"));
                if (t.get("input").get("operation").asText().equals("sm2_encrypt")) {
                    assertFails(VEC, index, "k", c -> flipHexField(at(c, "input"), "sm2_k"));
                    assertFails(VEC, index, "key", c -> c.put("key", "sm2"));
                } else {
                    assertFails(VEC, index, "tag", c -> flipHexField(at(c, "output"), "tag"));
                    assertFails(VEC, index, "aad", c -> flipHexField(at(c, "input"), "aad"));
                    assertFails(VEC, index, "a key", c -> c.put("key", "sm2"));
                }
                kinds |= 4;
            } else if (mode.equals("response")) {
                assertFails(VEC, index, "response", c -> at(c, "input", "response").put("Injected", "x"));
                assertFails(VEC, index, "response_iv", c -> flipHexField(at(c, "input"), "response_iv"));
                assertFails(VEC, index, "ciphertext_blob", c -> at(c, "input").put("ciphertext_blob", flipBase64(t.get("input").get("ciphertext_blob").asText())));
                assertFails(VEC, index, "session key", c -> at(c, "input", "session").put("Key", flipBase64(t.get("input").get("session").get("Key").asText())));
                assertFails(VEC, index, "wire", c -> at(c, "output", "wire").put("Injected", "x"));
                if (t.get("input").has("response_fields")) {
                    assertFails(VEC, index, "response_fields", c -> at(c, "input").remove("response_fields"));
                }
                kinds |= 8;
            } else {
                boolean large = t.get("input").has("large");
                assertFails(VEC, index, "wire", c -> at(c, "output", "wire").put("Injected", "x"));
                assertFails(VEC, index, "iv", c -> flipHexField(at(c, "input"), "iv"));
                assertFails(VEC, index, "symmetric key", c -> flipHexField(at(c, "input"), "symmetric_key"));
                assertFails(VEC, index, "randomness", c -> flipHexField(at(c, "input"), sm2 ? "sm2_k" : "rsa_padding"));
                assertFails(VEC, index, "another key", c -> c.put("key", sm2 ? "sm2-other" : "rsa-1024-other"));
                assertFails(VEC, index, "blob", c -> at(c, "output", "wire", "Encryption").put("CiphertextBlob",
                        flipBase64(t.get("output").get("wire").get("Encryption").get("CiphertextBlob").asText())));
                if (large) {
                    assertFails(VEC, index, "size", c -> at(c, "input", "large").put("size", t.get("input").get("large").get("size").asInt() - 1));
                    assertFails(VEC, index, "digest", c -> flipHexField(at(c, "output"), "encrypted_body_sha256"));
                    assertFails(VEC, index, "size too large", c -> at(c, "input", "large").put("size", 67108865));
                } else {
                    assertFails(VEC, index, "params", c -> at(c, "input", "params").put("Injected", "x"));
                    if (mode.equals("body")) {
                        assertFails(VEC, index, "body text", c -> at(c, "input").put("body", t.get("input").get("body").asText() + " "));
                    }
                    if (mode.equals("fields")) {
                        assertFails(VEC, index, "fields", c -> ((ArrayNode) at(c, "input").get("fields")).remove(0));
                    }
                }
                kinds |= 16;
            }
        }
        assertEquals(31, kinds, "every kind of case was altered");
    }

    static final String KEYS = "ocrcrypto_key_vectors.json";

    @Test
    void alteredKeyVectorsFail() {
        JsonNode tests = DOCS.get(KEYS).get("tests");
        for (int index = 1; index <= tests.size(); index++) {
            JsonNode t = tests.get(index - 1);
            boolean isPrivate = t.get("operation").asText().equals("load_private_key");
            assertFails(KEYS, index, "both inputs", c -> at(c, "input").put(t.get("input").has("text") ? "binary" : "text", ""));
            if (t.get("result").asText().equals("invalid")) {
                assertFails(KEYS, index, "error class", c -> c.put("error", "DecryptionError"));
                assertFails(KEYS, index, "valid", c -> c.put("result", "valid"));
            } else {
                ObjectNode key = (ObjectNode) t.get("key");
                for (Iterator<String> it = key.fieldNames(); it.hasNext(); ) {
                    String field = it.next();
                    if (!field.equals("type") && !field.equals("bits")) {
                        assertFails(KEYS, index, "key." + field, c -> flipHexField(at(c, "key"), field));
                    }
                }
                if (key.has("bits")) {
                    assertFails(KEYS, index, "bits", c -> at(c, "key").put("bits", key.get("bits").asInt() + 1));
                }
                assertFails(KEYS, index, "type", c -> at(c, "key").put("type", key.get("type").asText().equals("RSA") ? "SM2" : "RSA"));
                assertFails(KEYS, index, "invalid", c -> c.put("result", "invalid"));
                assertFails(KEYS, index, "other loader", c -> c.put("operation", isPrivate ? "load_public_key" : "load_private_key"));
                if (t.get("input").has("text")) {
                    String text = t.get("input").get("text").asText();
                    int mid = text.length() / 2;
                    assertFails(KEYS, index, "text", c -> at(c, "input").put("text", text.substring(0, mid) + "#" + text.substring(mid + 1)));
                } else {
                    assertFails(KEYS, index, "binary", c -> at(c, "input").put("binary", t.get("input").get("binary").asText().substring(2)));
                }
            }
        }
    }

    static final String MAN = "ocrcrypto_decrypt_manifest.json";

    @Test
    void alteredManifestCasesFail() {
        JsonNode tests = DOCS.get(MAN).get("tests");
        int kinds = 0;
        for (int index = 1; index <= tests.size(); index++) {
            JsonNode t = tests.get(index - 1);
            assertFails(MAN, index, "unknown source", c -> c.put("source", "nowhere"));
            assertFails(MAN, index, "result", c -> c.put("result", "invalid"));
            switch (t.get("operation").asText()) {
                case "decrypt" -> {
                    assertFails(MAN, index, "params", c -> at(c, "expected", "params").put("Injected", "x"));
                    assertFails(MAN, index, "session key", c -> at(c, "expected", "session").put("Key", flipBase64(t.get("expected").get("session").get("Key").asText())));
                    if (t.get("expected").get("session").get("Iv").isNull()) {
                        assertFails(MAN, index, "session iv", c -> at(c, "expected", "session").put("Iv", "AAAAAAAAAAAAAAAA"));
                    } else {
                        assertFails(MAN, index, "session iv", c -> at(c, "expected", "session").putNull("Iv"));
                    }
                    assertFails(MAN, index, "mode", c -> c.put("mode", t.get("mode").asText().equals("body") ? "fields" : "body"));
                    assertFails(MAN, index, "another key", c -> c.put("key", t.get("algorithm").asText().equals("SM4-GCM") ? "rsa-1024" : "sm2"));
                    assertFails(MAN, index, "blob", c -> at(c, "input", "wire", "Encryption").put("CiphertextBlob",
                            flipBase64(t.get("input").get("wire").get("Encryption").get("CiphertextBlob").asText())));
                    kinds |= 1;
                }
                case "decrypt-response" -> {
                    assertFails(MAN, index, "response", c -> at(c, "expected", "response").put("Injected", "x"));
                    assertFails(MAN, index, "session key", c -> at(c, "input", "session").put("Key", flipBase64(t.get("input").get("session").get("Key").asText())));
                    assertFails(MAN, index, "mode", c -> c.put("mode", t.get("mode").asText().equals("body") ? "fields" : "body"));
                    assertFails(MAN, index, "a key", c -> c.put("key", "sm2"));
                    kinds |= 2;
                }
                default -> {
                    assertFails(MAN, index, "plaintext", c -> flipHexField(at(c, "expected"), "plaintext"));
                    assertFails(MAN, index, "ciphertext", c -> flipHexField(at(c, "input"), "ciphertext"));
                    assertFails(MAN, index, "iv", c -> flipHexField(at(c, "input"), "iv"));
                    assertFails(MAN, index, "tag", c -> at(c, "input").put("tag", "00".repeat(16)));
                    kinds |= 4;
                }
            }
        }
        assertEquals(7, kinds, "every operation was altered");
    }

    // -- altering files ---------------------------------------------------------------------------

    static List<String> verifyOne(Path dir, String name, String text) throws Exception {
        Files.writeString(dir.resolve(name), text);
        Vectors.Result result = Vectors.verify(dir);
        assertTrue(!result.failures().isEmpty(), "altered " + name + " still verifies");
        return result.failures();
    }

    static String json(JsonNode node) throws Exception {
        return Protocol.JSON.writeValueAsString(node);
    }

    @Test
    void malformedFilesFailWithoutCrashing(@TempDir Path root) throws Exception {
        List<Consumer<ObjectNode>> alterations = List.of(
                d -> d.put("schema", "ocrcrypto-vectors-1"),
                d -> d.remove("schema"),
                d -> d.put("numberOfTests", d.get("numberOfTests").asInt() + 1),
                d -> d.put("numberOfTests", 100001),
                d -> d.put("extra", 1),
                d -> d.remove("notes"),
                d -> d.put("notes", "x"),
                d -> ((ObjectNode) d.get("notes")).put("Extra", 1),
                d -> d.put("tests", "x"),
                d -> ((ArrayNode) d.get("tests")).insert(0, 1),
                d -> ((ObjectNode) d.get("generator")).put("extra", "x"),
                d -> d.remove("generator"));
        int n = 0;
        for (String file : FILES) {
            for (Consumer<ObjectNode> alteration : alterations) {
                ObjectNode doc = DOCS.get(file).deepCopy();
                alteration.accept(doc);
                Path dir = Files.createDirectory(root.resolve("d" + n++));
                List<String> failures = verifyOne(dir, file, json(doc));
                assertTrue(failures.get(0).startsWith(file), failures.get(0));
            }
        }
        for (String file : List.of(VEC, MAN)) {
            List<Consumer<ObjectNode>> keyAlterations = List.of(
                    d -> ((ObjectNode) d.get("keys")).put("rsa-1024", "x"),
                    d -> ((ObjectNode) d.at("/keys/rsa-1024/private")).put("pkcs8_pem", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
                    d -> ((ObjectNode) d.at("/keys/rsa-1024/public")).put("vendor", DOCS.get(VEC).at("/keys/rsa-2048/public/vendor").asText()),
                    d -> ((ObjectNode) d.at("/keys/rsa-1024")).put("type", "SM2"),
                    d -> ((ObjectNode) d.at("/keys/rsa-1024")).put("bits", 2048),
                    d -> ((ObjectNode) d.at("/keys/sm2/private")).put("extra", "x"),
                    d -> d.put("keys", Protocol.JSON.createObjectNode()));
            for (Consumer<ObjectNode> alteration : keyAlterations) {
                ObjectNode doc = DOCS.get(file).deepCopy();
                alteration.accept(doc);
                Path dir = Files.createDirectory(root.resolve("d" + n++));
                verifyOne(dir, file, json(doc));
            }
        }
        ObjectNode manifest = DOCS.get(MAN).deepCopy();
        ((ObjectNode) manifest.get("sources")).put("java", "x");
        verifyOne(Files.createDirectory(root.resolve("d" + n++)), MAN, json(manifest));

        String small = "{\"schema\":\"ocrcrypto-key-vectors-1\",\"generator\":{\"seed\":\"s\",\"command\":\"c\"},\"notes\":{\"Empty\":\"e\"},"
                + "\"numberOfTests\":1,\"tests\":[{\"id\":1,\"comment\":\"c\",\"flags\":[\"Empty\"],\"operation\":\"load_public_key\","
                + "\"input\":{\"text\":\"\"},\"result\":\"invalid\",\"error\":\"KeyFormatError\"}]}";
        Path ok = Files.createDirectory(root.resolve("ok"));
        Files.writeString(ok.resolve("k.json"), small);
        assertEquals(new Vectors.Result(1, List.of()), Vectors.verify(ok));
        for (String bad : List.of(
                small.replace("\"numberOfTests\":1", "\"numberOfTests\":1,\"numberOfTests\":1"),   // duplicate key
                small + " x",                                                                       // trailing data
                small.substring(0, small.length() - 1),                                             // truncated
                "[]", "", "null", "\"x\"",
                small.replace("\"comment\":\"c\"", "\"comment\":\"" + "x".repeat(1024 * 1024 + 1) + "\""),  // string too long
                small.replace("\"generator\":", "\"deep\":" + "[".repeat(250) + "]".repeat(250) + ",\"generator\":"),  // too deep
                small.replace("\"flags\":[\"Empty\"]", "\"flags\":[\"Empty\",\"Hex\"]"),              // flag not in notes
                small.replace("\"id\":1", "\"id\":1.0"),
                small.replace("\"numberOfTests\":1", "\"numberOfTests\":\"1\""))) {
            Path dir = Files.createDirectory(root.resolve("d" + n++));
            verifyOne(dir, "k.json", bad);
        }
        Path tooBig = Files.createDirectory(root.resolve("big"));
        try (RandomAccessFile f = new RandomAccessFile(tooBig.resolve("big.json").toFile(), "rw")) {
            f.setLength(64L * 1024 * 1024 + 1);
        }
        assertTrue(Vectors.verify(tooBig).failures().get(0).contains("more than"));
        Path empty = Files.createDirectory(root.resolve("empty"));
        Files.writeString(empty.resolve("schema.json"), "{}");
        assertEquals(1, Vectors.verify(empty).failures().size());
    }

    @Test
    void failuresNameFileAndCaseAndTheCliExitsWithOneLine(@TempDir Path dir) throws Exception {
        ObjectNode doc = DOCS.get(KEYS).deepCopy();
        ((ObjectNode) doc.get("tests").get(2)).put("result", "sideways");
        ((ObjectNode) doc.get("tests").get(4)).put("error", "KeyFormatError");
        Files.writeString(dir.resolve(KEYS), json(doc));
        Vectors.Result result = Vectors.verify(dir);
        assertEquals(doc.get("numberOfTests").asInt(), result.checked());
        assertEquals(2, result.failures().size(), result.failures().toString());
        assertTrue(result.failures().get(0).startsWith(KEYS + " #3 "), result.failures().get(0));
        assertTrue(result.failures().get(1).startsWith(KEYS + " #5 "), result.failures().get(1));
        OcrCryptoException e = assertThrows(OcrCryptoException.class, () -> Main.run(new String[] {"verify", dir.toString()}, ""));
        assertEquals("2 of " + result.checked() + " vectors failed", e.getMessage());
    }

    @Test
    void theSchemaFileIsSkippedAndEveryOtherJsonIsRead(@TempDir Path dir) throws Exception {
        for (String file : FILES) {
            Files.copy(VECTORS.resolve(file), dir.resolve(file));
        }
        Files.writeString(dir.resolve("schema.json"), "not json at all");
        List<String> failures = new ArrayList<>(Vectors.verify(dir).failures());
        assertEquals(List.of(), failures);
        Files.writeString(dir.resolve("notes.json"), "{\"schema\":\"something-else\"}");
        failures = Vectors.verify(dir).failures();
        assertEquals(1, failures.size());
        assertTrue(failures.get(0).startsWith("notes.json: file: unknown schema"), failures.get(0));
        assertTrue(new String(Files.readAllBytes(dir.resolve(VEC)), StandardCharsets.UTF_8).contains(Vectors.SCHEMA));
    }
}
