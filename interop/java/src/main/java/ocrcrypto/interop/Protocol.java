package ocrcrypto.interop;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Requests and responses: body mode, field mode, the Encryption block, and sessions. */
public final class Protocol {
    private Protocol() {}

    public static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    static final Set<String> PROTOCOL_PARAMS = Set.of("Action", "Version", "Region");
    static final Set<String> RESPONSE_CLEAR = Set.of("RequestId", "Error");
    static final List<String> BODY_NAMES = List.of("EncryptedBody", "EncryptionBody");
    static final Base64.Encoder B64 = Base64.getEncoder();

    /** The key and IV of one request and its response; blob is the wrapped key (null if unknown). */
    public record Session(String algorithm, byte[] key, byte[] iv, byte[] blob) {
        public ObjectNode toJson() {
            ObjectNode node = JsonNodeFactory.instance.objectNode();
            node.put("Algorithm", algorithm);
            node.put("Key", B64.encodeToString(key));
            node.put("Iv", B64.encodeToString(iv));
            return node;
        }

        public static Session fromJson(JsonNode node) throws OcrCryptoException {
            if (node == null || !node.isObject() || !node.path("Algorithm").isTextual()) {
                throw new OcrCryptoException(OcrCryptoException.ENVELOPE_FORMAT, "session: expected {Algorithm, Key, Iv}");
            }
            Suite suite = Suite.get(node.get("Algorithm").asText());
            byte[] key = b64(node.get("Key"), "session.Key");
            byte[] iv = b64(node.get("Iv"), "session.Iv");
            if (key == null || iv == null || key.length != suite.keySize() || iv.length != suite.ivSize()) {
                throw new OcrCryptoException(OcrCryptoException.ENVELOPE_FORMAT, "session: wrong key or IV length");
            }
            return new Session(suite.name(), key, iv, null);
        }
    }

    static byte[] b64(JsonNode node, String field) throws OcrCryptoException {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw new OcrCryptoException(OcrCryptoException.ENVELOPE_FORMAT, field + ": expected a base64 string");
        }
        String text = node.asText();
        try {
            byte[] data = Base64.getDecoder().decode(text);
            if (!B64.encodeToString(data).equals(text)) {
                throw new IllegalArgumentException("not canonical");
            }
            return data;
        } catch (IllegalArgumentException e) {
            throw new OcrCryptoException(OcrCryptoException.ENVELOPE_FORMAT, field + ": not valid standard base64");
        }
    }

    /** The parsed Encryption block. */
    record Block(List<String> encryptList, byte[] blob, byte[] iv, String algorithm, List<byte[]> tags) {
        static Block parse(JsonNode node) throws OcrCryptoException {
            if (node == null || !node.isObject()) {
                throw new OcrCryptoException(OcrCryptoException.ENVELOPE_FORMAT, "Encryption: missing or not an object");
            }
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String name = it.next();
                if (!Set.of("EncryptList", "CiphertextBlob", "Iv", "Algorithm", "TagList").contains(name)) {
                    throw new OcrCryptoException(OcrCryptoException.ENVELOPE_FORMAT, "Encryption: unknown field '" + name + "'");
                }
            }
            JsonNode list = node.get("EncryptList");
            if (list == null || !list.isArray() || list.isEmpty()) {
                throw new OcrCryptoException(OcrCryptoException.ENVELOPE_FORMAT, "Encryption.EncryptList: expected a non-empty array of names");
            }
            List<String> names = new ArrayList<>();
            for (JsonNode name : list) {
                if (!name.isTextual()) {
                    throw new OcrCryptoException(OcrCryptoException.ENVELOPE_FORMAT, "Encryption.EncryptList: names must be strings");
                }
                names.add(name.asText());
            }
            JsonNode algorithm = node.get("Algorithm");
            String alg = algorithm == null || algorithm.isNull() ? "AES-256-CBC" : algorithm.asText();
            List<byte[]> tags = null;
            JsonNode tagList = node.get("TagList");
            if (tagList != null && !tagList.isNull()) {
                if (!tagList.isArray()) {
                    throw new OcrCryptoException(OcrCryptoException.ENVELOPE_FORMAT, "Encryption.TagList: expected an array or null");
                }
                tags = new ArrayList<>();
                for (JsonNode tag : tagList) {
                    tags.add(b64(tag, "Encryption.TagList[]"));
                }
            }
            return new Block(names, b64(node.get("CiphertextBlob"), "Encryption.CiphertextBlob"), b64(node.get("Iv"), "Encryption.Iv"), alg, tags);
        }

        List<byte[]> tagsFor(Suite suite) throws OcrCryptoException {
            if (!suite.hasTag()) {
                if (tags != null && !tags.isEmpty()) {
                    throw new OcrCryptoException(OcrCryptoException.ENVELOPE_FORMAT, "Encryption.TagList: " + suite.name() + " carries no tags");
                }
                return Arrays.asList(new byte[encryptList.size()][]);
            }
            if (tags == null || tags.size() != encryptList.size()) {
                throw new OcrCryptoException(OcrCryptoException.ENVELOPE_FORMAT, "Encryption.TagList: " + suite.name() + " needs one tag per EncryptList entry");
            }
            return tags;
        }
    }

    static ObjectNode writeBlock(List<String> names, byte[] blob, byte[] iv, String algorithm, List<byte[]> tags, boolean tagsNull) {
        ObjectNode block = JsonNodeFactory.instance.objectNode();
        ArrayNode list = block.putArray("EncryptList");
        names.forEach(list::add);
        if (blob == null) {
            block.putNull("CiphertextBlob");
        } else {
            block.put("CiphertextBlob", B64.encodeToString(blob));
        }
        block.put("Iv", B64.encodeToString(iv));
        block.put("Algorithm", algorithm);
        if (tagsNull) {
            block.putNull("TagList");
        } else {
            ArrayNode tagList = block.putArray("TagList");
            tags.forEach(t -> tagList.add(B64.encodeToString(t)));
        }
        return block;
    }

    /** The parent object and the last name of a field name or dotted path ("Response." optional). */
    record Location(ObjectNode parent, String name) {}

    static Location locate(ObjectNode root, String path) throws OcrCryptoException {
        List<String> parts = new ArrayList<>(Arrays.asList(path.split("\\.")));
        if (parts.size() > 1 && parts.get(0).equals("Response") && !root.has("Response")) {
            parts.remove(0);
        }
        JsonNode node = root;
        for (String part : parts.subList(0, parts.size() - 1)) {
            node = node.get(part);
            if (node == null || !node.isObject()) {
                throw new OcrCryptoException(OcrCryptoException.ENVELOPE_FORMAT, "Encryption.EncryptList: names '" + path + "', which is absent");
            }
        }
        String last = parts.get(parts.size() - 1);
        if (!node.has(last)) {
            throw new OcrCryptoException(OcrCryptoException.ENVELOPE_FORMAT, "Encryption.EncryptList: names '" + path + "', which is absent");
        }
        return new Location((ObjectNode) node, last);
    }

    /** The compact JSON of the payload's fields that pass keep, in order: the body plaintext. */
    static String compactBody(ObjectNode payload, Predicate<String> keep) throws OcrCryptoException {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        payload.fields().forEachRemaining(e -> {
            if (keep.test(e.getKey())) {
                body.set(e.getKey(), e.getValue());
            }
        });
        try {
            return JSON.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new OcrCryptoException(OcrCryptoException.ENVELOPE_FORMAT, "payload: " + e.getMessage());
        }
    }

    record Sealed(ObjectNode payload, List<String> names, List<byte[]> tags) {}

    static Sealed seal(Session session, Suite suite, ObjectNode payload, Set<String> clear, List<String> fields, byte[] iv) throws OcrCryptoException {
        ObjectNode out = payload.deepCopy();
        List<byte[]> tags = new ArrayList<>();
        if (fields == null || fields.isEmpty()) {
            String body = compactBody(payload, k -> !clear.contains(k));
            if (body.equals("{}")) {
                throw new OcrCryptoException(OcrCryptoException.ENVELOPE_FORMAT, "payload: nothing to encrypt");
            }
            byte[][] sealed = suite.seal(body.getBytes(StandardCharsets.UTF_8), session.key(), iv);
            payload.fieldNames().forEachRemaining(k -> {
                if (!clear.contains(k)) {
                    out.put(k, "");
                }
            });
            out.put("EncryptedBody", B64.encodeToString(sealed[0]));
            if (sealed[1] != null) {
                tags.add(sealed[1]);
            }
            return new Sealed(out, List.of("EncryptedBody"), tags);
        }
        for (String field : fields) {
            Location at = locate(out, field);
            JsonNode value = at.parent().get(at.name());
            if (!value.isTextual()) {
                throw new OcrCryptoException(OcrCryptoException.ENVELOPE_FORMAT, field + ": field mode encrypts strings");
            }
            byte[][] sealed = suite.seal(value.asText().getBytes(StandardCharsets.UTF_8), session.key(), iv);
            at.parent().put(at.name(), B64.encodeToString(sealed[0]));
            if (sealed[1] != null) {
                tags.add(sealed[1]);
            }
        }
        return new Sealed(out, fields, tags);
    }

    /** Decrypts every EncryptList entry into a copy of the payload; uniform on the service side. */
    static ObjectNode open(Session session, Suite suite, ObjectNode payload, Block block, byte[] iv, boolean uniform) throws OcrCryptoException {
        List<byte[]> tags = block.tagsFor(suite);
        List<String> fieldNames = new ArrayList<>();
        List<byte[]> ciphertexts = new ArrayList<>();
        for (String name : block.encryptList()) {
            String field = name;
            JsonNode raw = null;
            if (BODY_NAMES.contains(name)) {
                for (String candidate : BODY_NAMES) {
                    if (payload.has(candidate)) {
                        raw = payload.get(candidate);
                        field = candidate;
                    }
                }
            } else {
                Location at = locate(payload, name);
                raw = at.parent().get(at.name());
            }
            if (raw == null) {
                throw new OcrCryptoException(OcrCryptoException.ENVELOPE_FORMAT, "Encryption.EncryptList: names '" + name + "', which is absent");
            }
            byte[] ct = b64(raw, field);
            if (ct == null) {
                throw new OcrCryptoException(OcrCryptoException.ENVELOPE_FORMAT, field + ": null");
            }
            fieldNames.add(field);
            ciphertexts.add(ct);
        }
        ObjectNode out = payload.deepCopy();
        BODY_NAMES.forEach(out::remove);
        out.remove("Encryption");
        try {
            for (int i = 0; i < fieldNames.size(); i++) {
                String field = fieldNames.get(i);
                byte[] plain = suite.open(ciphertexts.get(i), session.key(), iv, tags.get(i));
                if (BODY_NAMES.contains(field)) {
                    JsonNode body;
                    try {
                        body = JSON.readTree(new String(plain, StandardCharsets.UTF_8));
                    } catch (JsonProcessingException e) {
                        throw new OcrCryptoException(OcrCryptoException.ENVELOPE_FORMAT, field + ": decrypted body is not JSON");
                    }
                    if (body == null || !body.isObject()) {
                        throw new OcrCryptoException(OcrCryptoException.ENVELOPE_FORMAT, field + ": decrypted body is not a JSON object");
                    }
                    out.setAll((ObjectNode) body);
                } else {
                    Location at = locate(out, field);
                    at.parent().put(at.name(), new String(plain, StandardCharsets.UTF_8));
                }
            }
        } catch (OcrCryptoException e) {
            throw uniform ? OcrCryptoException.decryptionFailed() : e;
        }
        return out;
    }

    public record Request(ObjectNode wire, Session session) {}

    public static Request encryptRequest(ObjectNode params, Keys.Public publicKey, String algorithm, List<String> fields, SecureRandom random) throws OcrCryptoException {
        Suite suite = Suite.get(algorithm);
        byte[] key = new byte[suite.keySize()];
        byte[] iv = new byte[suite.ivSize()];
        random.nextBytes(key);
        random.nextBytes(iv);
        byte[] blob = suite.wrap(key, publicKey, random);
        return encryptRequestWith(params, suite, new Session(suite.name(), key, iv, blob), fields);
    }

    static Request encryptRequestWith(ObjectNode params, Suite suite, Session session, List<String> fields) throws OcrCryptoException {
        Sealed sealed = seal(session, suite, params, PROTOCOL_PARAMS, fields, session.iv());
        sealed.payload().set("Encryption", writeBlock(sealed.names(), session.blob(), session.iv(), suite.name(), sealed.tags(), false));
        return new Request(sealed.payload(), session);
    }

    public record Decrypted(ObjectNode params, Session session) {}

    public static Decrypted decryptRequest(ObjectNode wire, Keys.Private privateKey) throws OcrCryptoException {
        Block block = Block.parse(wire.get("Encryption"));
        Suite suite = Suite.get(block.algorithm());
        if (block.blob() == null || block.iv() == null) {
            throw new OcrCryptoException(OcrCryptoException.ENVELOPE_FORMAT, "Encryption: CiphertextBlob and Iv are required");
        }
        if (block.iv().length != suite.ivSize()) {
            throw new OcrCryptoException(OcrCryptoException.ENVELOPE_FORMAT, "Encryption.Iv: " + suite.name() + " needs " + suite.ivSize() + " bytes");
        }
        block.tagsFor(suite);
        if (!suite.keyType().equals(privateKey.type())) {
            throw new OcrCryptoException(OcrCryptoException.KEY_FORMAT, suite.name() + " wraps its key with " + suite.keyType() + ": got an " + privateKey.type() + " private key");
        }
        byte[] key = suite.unwrap(block.blob(), privateKey);
        Session session = new Session(suite.name(), key, block.iv(), block.blob());
        return new Decrypted(open(session, suite, wire, block, block.iv(), true), session);
    }

    static boolean isWrapped(ObjectNode response) {
        return response.size() == 1 && response.has("Response") && response.get("Response").isObject();
    }

    /** Encrypts a response with the session; iv null means the session's IV. */
    public static ObjectNode encryptResponse(Session session, ObjectNode response, List<String> fields, byte[] iv) throws OcrCryptoException {
        Suite suite = Suite.get(session.algorithm());
        boolean wrapped = isWrapped(response);
        ObjectNode inner = wrapped ? (ObjectNode) response.get("Response") : response;
        byte[] useIv = iv == null ? session.iv() : iv;
        Sealed sealed = seal(session, suite, inner, RESPONSE_CLEAR, fields, useIv);
        ObjectNode out = sealed.payload();
        out.set("Encryption", writeBlock(sealed.names(), session.blob(), useIv, suite.name(), sealed.tags(), !suite.hasTag()));
        if (out.has("RequestId")) {
            JsonNode requestId = out.remove("RequestId");
            out.set("RequestId", requestId);
        }
        if (!wrapped) {
            return out;
        }
        ObjectNode outer = JsonNodeFactory.instance.objectNode();
        outer.set("Response", out);
        return outer;
    }

    /** Decrypts with the response's own Iv when it has one, else the session's. */
    public static ObjectNode decryptResponse(Session session, ObjectNode response) throws OcrCryptoException {
        Suite suite = Suite.get(session.algorithm());
        boolean wrapped = isWrapped(response);
        ObjectNode inner = wrapped ? (ObjectNode) response.get("Response") : response;
        if (!inner.has("Encryption") || inner.get("Encryption").isNull()) {
            return response.deepCopy();
        }
        Block block = Block.parse(inner.get("Encryption"));
        if (!block.algorithm().equals(session.algorithm())) {
            throw new OcrCryptoException(OcrCryptoException.ENVELOPE_FORMAT, "Response.Encryption.Algorithm: '" + block.algorithm() + "', but the session is '" + session.algorithm() + "'");
        }
        byte[] iv = block.iv() != null ? block.iv() : session.iv();
        if (iv.length != suite.ivSize()) {
            throw new OcrCryptoException(OcrCryptoException.ENVELOPE_FORMAT, "Response.Encryption.Iv: wrong length");
        }
        ObjectNode plain = open(session, suite, inner, block, iv, false);
        if (!wrapped) {
            return plain;
        }
        ObjectNode outer = JsonNodeFactory.instance.objectNode();
        outer.set("Response", plain);
        return outer;
    }
}
