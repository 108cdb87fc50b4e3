package ocrcrypto.interop;

import static ocrcrypto.interop.TestKeys.compact;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The example responses of the vendor's demo SDKs (shared/vectors/vendor-demos) decrypt to their stated values. */
class VendorDemosTest {
    static final Path FILE = Path.of("../../../shared/vectors/vendor-demos/vendor_demo_examples.json");

    static JsonNode example(String id) throws Exception {
        if (!Files.isRegularFile(FILE)) {
            throw new AssertionError("vendor demo examples not found at " + FILE.toAbsolutePath().normalize()
                    + " (expected the shared checkout beside the repository: /work/shared/vectors/vendor-demos/)");
        }
        for (JsonNode example : Protocol.JSON.readTree(Files.readString(FILE, StandardCharsets.UTF_8)).get("examples")) {
            if (example.get("id").asText().equals(id)) {
                return example;
            }
        }
        throw new AssertionError("no example '" + id + "' in " + FILE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"node-sm4gcm-response-fields", "node-aes256cbc-response-fields", "go-sm4gcm-getdetectinfoenhanced-fields"})
    void decryptsToTheStatedValues(String id) throws Exception {
        JsonNode example = example(id);
        String algorithm = example.get("algorithm").asText();
        byte[] key = HexFormat.of().parseHex(example.get("key_hex").asText());
        byte[] iv = Base64.getDecoder().decode(example.get("iv").asText());
        ObjectNode response = (ObjectNode) example.get("response");
        for (Protocol.Session session : new Protocol.Session[] {
                new Protocol.Session(algorithm, key, iv, null),
                new Protocol.Session(algorithm, key, null, null)}) {
            ObjectNode plain = Protocol.decryptResponse(session, response);
            for (Iterator<Map.Entry<String, JsonNode>> it = example.get("expected").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> expected = it.next();
                assertEquals(expected.getValue().asText(), plain.at("/" + expected.getKey().replace('.', '/')).asText(), expected.getKey());
            }
            // Everything else is as it was, less the Encryption block.
            ObjectNode rest = response.deepCopy();
            ObjectNode inner = (ObjectNode) rest.get("Response");
            inner.remove("Encryption");
            for (Iterator<Map.Entry<String, JsonNode>> it = example.get("expected").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> expected = it.next();
                String pointer = "/" + expected.getKey().replace('.', '/');
                int last = pointer.lastIndexOf('/');
                ((ObjectNode) rest.at(pointer.substring(0, last))).put(pointer.substring(last + 1), expected.getValue().asText());
            }
            assertEquals(compact(rest), compact(plain));
            assertFalse(plain.get("Response").has("Encryption"));
        }
        // A wrong key must not give the same values.
        byte[] wrong = key.clone();
        wrong[0] ^= 1;
        ObjectNode plainOrError;
        try {
            plainOrError = Protocol.decryptResponse(new Protocol.Session(algorithm, wrong, iv, null), response);
        } catch (OcrCryptoException e) {
            return;
        }
        String first = example.get("expected").fieldNames().next();
        assertTrue(!example.get("expected").get(first).asText().equals(plainOrError.at("/" + first.replace('.', '/')).asText()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"node-sm4gcm-response-fields", "go-sm4gcm-getdetectinfoenhanced-fields"})
    void alteredGcmTagFails(String id) throws Exception {
        JsonNode example = example(id);
        byte[] key = HexFormat.of().parseHex(example.get("key_hex").asText());
        ObjectNode response = ((ObjectNode) example.get("response")).deepCopy();
        ObjectNode block = (ObjectNode) response.at("/Response/Encryption");
        byte[] tag = Base64.getDecoder().decode(block.get("TagList").get(1).asText());
        tag[0] ^= 1;
        ((com.fasterxml.jackson.databind.node.ArrayNode) block.get("TagList")).set(1, Base64.getEncoder().encodeToString(tag));
        OcrCryptoException e = assertThrows(OcrCryptoException.class,
                () -> Protocol.decryptResponse(new Protocol.Session("SM4-GCM", key, null, null), response));
        assertEquals(OcrCryptoException.DECRYPTION, e.errorClass());
    }
}
