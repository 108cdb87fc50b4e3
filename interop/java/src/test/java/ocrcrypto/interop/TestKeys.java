package ocrcrypto.interop;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The test keys of the committed vector file, and small JSON helpers for the tests. */
final class TestKeys {
    private TestKeys() {}

    static final Path VECTORS = Path.of("../../vectors");
    private static JsonNode file;
    private static Map<String, Keys.Private> keys;

    static synchronized JsonNode file() throws Exception {
        if (file == null) {
            file = Protocol.JSON.readTree(Files.readString(VECTORS.resolve("ocrcrypto_vectors.json"), StandardCharsets.UTF_8));
        }
        return file;
    }

    static synchronized Keys.Private get(String name) throws Exception {
        if (keys == null) {
            keys = Vectors.loadKeys(file().get("keys"), "keys");
        }
        return keys.get(name);
    }

    /** Writes the key the way users hold it: the vendor's public form and a PKCS#8 private PEM. */
    static Path writePublic(Path dir, String name) throws Exception {
        Path path = dir.resolve(name + ".pub");
        Files.writeString(path, file().get("keys").get(name).get("public").get("vendor").asText());
        return path;
    }

    static Path writePrivate(Path dir, String name) throws Exception {
        Path path = dir.resolve(name + ".pem");
        Files.writeString(path, file().get("keys").get(name).get("private").get("pkcs8_pem").asText());
        return path;
    }

    static ObjectNode json(String text) throws Exception {
        return (ObjectNode) Protocol.JSON.readTree(text);
    }

    static String compact(JsonNode node) throws Exception {
        return Protocol.JSON.writeValueAsString(node);
    }
}
