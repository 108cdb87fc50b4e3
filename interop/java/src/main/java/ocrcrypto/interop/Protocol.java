package ocrcrypto.interop;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
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

/** Requests and responses: body mode, field mode, response-only, the Encryption block, and sessions. */
public final class Protocol {
    private Protocol() {}

    public static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    static final Set<String> PROTOCOL_PARAMS = Set.of("Action", "Version", "Region");
    static final Set<String> RESPONSE_CLEAR = Set.of("RequestId", "Error");
    static final List<String> BODY_NAMES = List.of("EncryptedBody", "EncryptionBody");
    static final List<String> BLOCK_FIELDS = List.of("EncryptList", "CiphertextBlob", "Iv", "Algorithm", "TagList");
    static final Base64.Encoder B64 = Base64.getEncoder();

    static OcrCryptoException format(String message) {
        return new OcrCryptoException(OcrCryptoException.ENVELOPE_FORMAT, message);
    }

    /**
     * The key and IV of one request and its response; iv is null when the request carried none
     * (a response-only request may), blob is the wrapped key (null if unknown).
     */
    public record Session(String algorithm, byte[] key, byte[] iv, byte[] blob) {
        public ObjectNode toJson() {
            ObjectNode node = JsonNodeFactory.instance.objectNode();
            node.put("Algorithm", algorithm);
            node.put("Key", B64.encodeToString(key));
            if (iv == null) {
                node.putNull("Iv");
            } else {
                node.put("Iv", B64.encodeToString(iv));
            }
            return node;
        }

        /** {"Algorithm", "Key", "Iv"} with base64 values; "Iv" may be null, but not absent. */
        public static Session fromJson(JsonNode node) throws OcrCryptoException {
            if (node == null || !node.isObject() || !node.path("Algorithm").isTextual() || !node.has("Key") || !node.has("Iv")) {
                throw format("session: expected {Algorithm, Key, Iv}");
            }
            Suite suite = Suite.get(node.get("Algorithm").asText());
            byte[] key = b64(node.get("Key"), "session.Key");
            byte[] iv = b64(node.get("Iv"), "session.Iv");
            if (key == null || key.length != suite.keySize()) {
                throw format("session.Key: " + suite.name() + " needs " + suite.keySize() + " bytes");
            }
            if (iv != null && iv.length != suite.ivSize()) {
                throw format("session.Iv: " + suite.name() + " needs " + suite.ivSize() + " bytes");
            }
            return new Session(suite.name(), key, iv, null);
        }
    }

    static byte[] b64(JsonNode node, String field) throws OcrCryptoException {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw format(field + ": expected a base64 string");
        }
        String text = node.asText();
        try {
            byte[] data = Base64.getDecoder().decode(text);
            if (!B64.encodeToString(data).equals(text)) {
                throw new IllegalArgumentException("not canonical");
            }
            return data;
        } catch (IllegalArgumentException e) {
            throw format(field + ": not valid standard base64");
        }
    }

    /** Strict UTF-8: malformed bytes are an error, never silently replaced. */
    static String utf8(byte[] data, String field) throws OcrCryptoException {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(data)).toString();
        } catch (CharacterCodingException e) {
            throw format(field + ": decrypted bytes are not UTF-8");
        }
    }

    /**
     * The parsed Encryption block. An absent or null EncryptList is an empty one (nothing
     * encrypted); tags is null where TagList is null or absent.
     */
    record Block(List<String> encryptList, byte[] blob, byte[] iv, String algorithm, List<byte[]> tags) {
        static Block parse(JsonNode node, String where) throws OcrCryptoException {
            if (node == null || !node.isObject()) {
                throw format(where + ": missing or not an object");
            }
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String name = it.next();
                if (!BLOCK_FIELDS.contains(name)) {
                    throw format(where + ": unknown field '" + name + "'");
                }
            }
            JsonNode list = node.get("EncryptList");
            List<String> names = new ArrayList<>();
            if (list != null && !list.isNull()) {
                if (!list.isArray()) {
                    throw format(where + ".EncryptList: expected an array of names or null");
                }
                for (JsonNode name : list) {
                    if (!name.isTextual() || name.asText().isEmpty()) {
                        throw format(where + ".EncryptList: names must be non-empty strings");
                    }
                    names.add(name.asText());
                }
                if (new HashSet<>(names).size() != names.size()) {
                    throw format(where + ".EncryptList: names a field more than once");
                }
            }
            JsonNode algorithm = node.get("Algorithm");
            if (algorithm != null && !algorithm.isNull() && !algorithm.isTextual()) {
                throw format(where + ".Algorithm: expected a string");
            }
            String alg = algorithm == null || algorithm.isNull() ? "AES-256-CBC" : algorithm.asText();
            List<byte[]> tags = null;
            JsonNode tagList = node.get("TagList");
            if (tagList != null && !tagList.isNull()) {
                if (!tagList.isArray()) {
                    throw format(where + ".TagList: expected an array or null");
                }
                tags = new ArrayList<>();
                for (JsonNode tag : tagList) {
                    tags.add(b64(tag, where + ".TagList[]"));
                }
            }
            return new Block(List.copyOf(names), b64(node.get("CiphertextBlob"), where + ".CiphertextBlob"), b64(node.get("Iv"), where + ".Iv"), alg, tags);
        }

        /** One tag (null for suites without) per EncryptList entry; TagList null is fine for CBC. */
        List<byte[]> tagsFor(Suite suite) throws OcrCryptoException {
            if (encryptList.isEmpty()) {
                requireNoTags();
                return List.of();
            }
            if (!suite.hasTag()) {
                if (tags != null && !tags.isEmpty()) {
                    throw format("Encryption.TagList: " + suite.name() + " carries no tags");
                }
                return Arrays.asList(new byte[encryptList.size()][]);
            }
            if (tags == null || tags.size() != encryptList.size()) {
                throw format("Encryption.TagList: " + suite.name() + " needs one tag per EncryptList entry");
            }
            return tags;
        }

        /** Nothing is encrypted: TagList must be [] or null. */
        void requireNoTags() throws OcrCryptoException {
            if (tags != null && !tags.isEmpty()) {
                throw format("Encryption.TagList: nothing is encrypted, so there are no tags");
            }
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
        if (iv == null) {
            block.putNull("Iv");
        } else {
            block.put("Iv", B64.encodeToString(iv));
        }
        block.put("Algorithm", algorithm);
        if (tagsNull) {
            block.putNull("TagList");
        } else {
            ArrayNode tagList = block.putArray("TagList");
            tags.forEach(t -> tagList.add(B64.encodeToString(t)));
        }
        return block;
    }

    /** The string a field name or path (FieldPath's grammar) names in root; anything else is an error. */
    static FieldPath.Location locate(ObjectNode root, String path) throws OcrCryptoException {
        return FieldPath.parse(path).resolve(root);
    }

    static boolean isEmptyValue(JsonNode value) {
        return value == null || value.isNull() || (value.isTextual() && value.asText().isEmpty());
    }

    /**
     * The payload without its envelope (Encryption, and a null or "" body field) when nothing in
     * it is encrypted; a body field with content is an error then.
     */
    static ObjectNode withoutEnvelope(ObjectNode payload, String where) throws OcrCryptoException {
        ObjectNode out = payload.deepCopy();
        out.remove("Encryption");
        for (String name : BODY_NAMES) {
            if (out.has(name)) {
                if (!isEmptyValue(out.get(name))) {
                    throw format(where + "." + name + ": present, but Encryption.EncryptList names nothing to decrypt");
                }
                out.remove(name);
            }
        }
        return out;
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
            throw format("payload: " + e.getMessage());
        }
    }

    record Sealed(ObjectNode payload, List<String> names, List<byte[]> tags) {}

    /** A payload that already has an envelope field is refused: it would be encrypted twice. */
    static void requirePlain(ObjectNode payload, String where) throws OcrCryptoException {
        for (String reserved : List.of("Encryption", "EncryptedBody", "EncryptionBody")) {
            if (payload.has(reserved)) {
                throw format(where + "." + reserved + ": already present; is this payload encrypted already?");
            }
        }
    }

    /**
     * Body mode (fields empty) or field mode. In body mode a sensitive value that is a string
     * stays as "" and one of any other type leaves the payload (an SDK's typed model cannot hold
     * "" in its place), in requests and responses alike.
     */
    static Sealed seal(Session session, Suite suite, ObjectNode payload, Set<String> clear, List<String> fields, byte[] iv,
            String where) throws OcrCryptoException {
        requirePlain(payload, where);
        ObjectNode out = payload.deepCopy();
        List<byte[]> tags = new ArrayList<>();
        if (fields == null || fields.isEmpty()) {
            String body = compactBody(payload, k -> !clear.contains(k));
            if (body.equals("{}")) {
                throw format(where + ": nothing to encrypt (only protocol-level fields)");
            }
            byte[][] sealed = suite.seal(body.getBytes(StandardCharsets.UTF_8), session.key(), iv);
            for (Iterator<String> it = payload.fieldNames(); it.hasNext(); ) {
                String name = it.next();
                if (clear.contains(name)) {
                    continue;
                }
                if (payload.get(name).isTextual()) {
                    out.put(name, "");
                } else {
                    out.remove(name);
                }
            }
            out.put("EncryptedBody", B64.encodeToString(sealed[0]));
            if (sealed[1] != null) {
                tags.add(sealed[1]);
            }
            return new Sealed(out, List.of("EncryptedBody"), tags);
        }
        if (new HashSet<>(fields).size() != fields.size()) {
            throw format("fields: a field is named more than once");
        }
        for (String field : fields) {
            FieldPath.Location at = locate(out, field);
            byte[][] sealed = suite.seal(at.text().getBytes(StandardCharsets.UTF_8), session.key(), iv);
            at.set(B64.encodeToString(sealed[0]));
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
            byte[] ct;
            if (BODY_NAMES.contains(name)) {
                JsonNode raw = null;
                for (String candidate : BODY_NAMES) {
                    if (payload.has(candidate)) {
                        raw = payload.get(candidate);
                        field = candidate;
                    }
                }
                if (raw == null) {
                    throw format("Encryption.EncryptList: names '" + name + "', which is absent");
                }
                ct = b64(raw, field);
                if (ct == null) {
                    throw format(field + ": null");
                }
            } else {
                ct = b64(JsonNodeFactory.instance.textNode(locate(payload, name).text()), name);
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
                        body = JSON.readTree(utf8(plain, field));
                    } catch (JsonProcessingException e) {
                        throw format(field + ": decrypted body is not JSON");
                    }
                    if (body == null || !body.isObject()) {
                        throw format(field + ": decrypted body is not a JSON object");
                    }
                    out.setAll((ObjectNode) body);
                } else {
                    locate(out, field).set(utf8(plain, field));
                }
            }
        } catch (OcrCryptoException e) {
            throw uniform ? OcrCryptoException.decryptionFailed() : e;
        }
        return out;
    }

    public record Request(ObjectNode wire, Session session) {}

    static Session newSession(Suite suite, Keys.Public publicKey, SecureRandom random) throws OcrCryptoException {
        byte[] key = new byte[suite.keySize()];
        byte[] iv = new byte[suite.ivSize()];
        random.nextBytes(key);
        random.nextBytes(iv);
        return new Session(suite.name(), key, iv, suite.wrap(key, publicKey, random));
    }

    public static Request encryptRequest(ObjectNode params, Keys.Public publicKey, String algorithm, List<String> fields, SecureRandom random) throws OcrCryptoException {
        Suite suite = Suite.get(algorithm);
        return encryptRequestWith(params, suite, newSession(suite, publicKey, random), fields);
    }

    static Request encryptRequestWith(ObjectNode params, Suite suite, Session session, List<String> fields) throws OcrCryptoException {
        Sealed sealed = seal(session, suite, params, PROTOCOL_PARAMS, fields, session.iv(), "params");
        sealed.payload().set("Encryption", writeBlock(sealed.names(), session.blob(), session.iv(), suite.name(), sealed.tags(), false));
        return new Request(sealed.payload(), session);
    }

    /** A response-only request: the params unchanged, plus the wrapped key and a fresh IV, nothing encrypted. */
    public static Request responseOnlyRequest(ObjectNode params, Keys.Public publicKey, String algorithm, SecureRandom random) throws OcrCryptoException {
        Suite suite = Suite.get(algorithm);
        requirePlain(params, "params");
        Session session = newSession(suite, publicKey, random);
        ObjectNode wire = params.deepCopy();
        wire.set("Encryption", writeBlock(List.of(), session.blob(), session.iv(), suite.name(), List.of(), false));
        return new Request(wire, session);
    }

    /** A response-only request with the session given (its key, IV and wrapped key): for the vectors. */
    static Request responseOnlyRequestWith(ObjectNode params, Suite suite, Session session) throws OcrCryptoException {
        requirePlain(params, "params");
        ObjectNode wire = params.deepCopy();
        wire.set("Encryption", writeBlock(List.of(), session.blob(), session.iv(), suite.name(), List.of(), false));
        return new Request(wire, session);
    }

    public record Decrypted(ObjectNode params, Session session) {}

    public static Decrypted decryptRequest(ObjectNode wire, Keys.Private privateKey) throws OcrCryptoException {
        return decryptRequest(wire, List.of(privateKey));
    }

    /**
     * A request is response-only when its EncryptList names nothing, or only the body (either
     * spelling) while the request has no body field (the vendor's Go demo).
     */
    static boolean isResponseOnly(ObjectNode wire, Block block) {
        if (block.encryptList().isEmpty()) {
            return true;
        }
        return BODY_NAMES.containsAll(block.encryptList()) && BODY_NAMES.stream().noneMatch(wire::has);
    }

    /**
     * The service side, with a keyring: the keys whose type fits the Algorithm are tried in
     * order. Shape errors name what is wrong; a request no key opens fails with the one uniform
     * DecryptionError.
     */
    public static Decrypted decryptRequest(ObjectNode wire, List<Keys.Private> keyring) throws OcrCryptoException {
        Block block = Block.parse(wire.get("Encryption"), "Encryption");
        Suite suite = Suite.get(block.algorithm());
        if (block.blob() == null) {
            throw format("Encryption.CiphertextBlob: required");
        }
        boolean responseOnly = isResponseOnly(wire, block);
        if (block.iv() == null && !responseOnly) {
            throw format("Encryption.Iv: required when something is encrypted");
        }
        if (block.iv() != null && block.iv().length != suite.ivSize()) {
            throw format("Encryption.Iv: " + suite.name() + " needs " + suite.ivSize() + " bytes");
        }
        ObjectNode plain = null;
        if (responseOnly) {
            block.requireNoTags();
            plain = withoutEnvelope(wire, "params");
        } else {
            block.tagsFor(suite);
        }
        List<Keys.Private> fitting = keyring.stream().filter(k -> k.type().equals(suite.keyType())).toList();
        if (fitting.isEmpty()) {
            throw new OcrCryptoException(OcrCryptoException.KEY_FORMAT,
                    suite.name() + " wraps its key with " + suite.keyType() + ": no " + suite.keyType() + " private key was given");
        }
        for (Keys.Private privateKey : fitting) {
            byte[] key;
            boolean unwrapped;
            try {
                key = suite.unwrap(block.blob(), privateKey);
                unwrapped = true;
            } catch (OcrCryptoException e) {
                if (!e.errorClass().equals(OcrCryptoException.DECRYPTION)) {
                    throw e;
                }
                // Go on with a random key, so that a failed unwrap costs the same decryption as a good one.
                key = new byte[suite.keySize()];
                new SecureRandom().nextBytes(key);
                unwrapped = false;
            }
            Session session = new Session(suite.name(), key, block.iv(), block.blob());
            try {
                ObjectNode params = responseOnly ? plain : open(session, suite, wire, block, block.iv(), true);
                if (unwrapped) {
                    return new Decrypted(params, session);
                }
            } catch (OcrCryptoException e) {
                if (!e.errorClass().equals(OcrCryptoException.DECRYPTION)) {
                    throw e;
                }
            }
        }
        throw OcrCryptoException.decryptionFailed();
    }

    static boolean isWrapped(ObjectNode response) {
        return response.size() == 1 && response.has("Response") && response.get("Response").isObject();
    }

    static ObjectNode rewrap(boolean wrapped, ObjectNode inner) {
        if (!wrapped) {
            return inner;
        }
        ObjectNode outer = JsonNodeFactory.instance.objectNode();
        outer.set("Response", inner);
        return outer;
    }

    /** Encrypts a response with the session; iv null means the session's (which must then have one). */
    public static ObjectNode encryptResponse(Session session, ObjectNode response, List<String> fields, byte[] iv) throws OcrCryptoException {
        Suite suite = Suite.get(session.algorithm());
        boolean wrapped = isWrapped(response);
        ObjectNode inner = wrapped ? (ObjectNode) response.get("Response") : response;
        byte[] useIv = iv == null ? session.iv() : iv;
        if (useIv == null) {
            throw format("session.Iv: null, so the response needs a fresh IV");
        }
        if (useIv.length != suite.ivSize()) {
            throw format("Response.Encryption.Iv: " + suite.name() + " needs " + suite.ivSize() + " bytes");
        }
        Sealed sealed = seal(session, suite, inner, RESPONSE_CLEAR, fields, useIv, "Response");
        ObjectNode out = sealed.payload();
        out.set("Encryption", writeBlock(sealed.names(), session.blob(), useIv, suite.name(), sealed.tags(), !suite.hasTag()));
        if (out.has("RequestId")) {
            JsonNode requestId = out.remove("RequestId");
            out.set("RequestId", requestId);
        }
        return rewrap(wrapped, out);
    }

    /** Decrypts with the response's own Iv when it has one, else the session's. */
    public static ObjectNode decryptResponse(Session session, ObjectNode response) throws OcrCryptoException {
        Suite suite = Suite.get(session.algorithm());
        boolean wrapped = isWrapped(response);
        ObjectNode inner = wrapped ? (ObjectNode) response.get("Response") : response;
        if (!inner.has("Encryption") || inner.get("Encryption").isNull()) {
            return rewrap(wrapped, withoutEnvelope(inner, "Response"));
        }
        Block block = Block.parse(inner.get("Encryption"), "Response.Encryption");
        if (!block.algorithm().equals(session.algorithm())) {
            throw format("Response.Encryption.Algorithm: '" + block.algorithm() + "', but the session is '" + session.algorithm() + "'");
        }
        if (block.encryptList().isEmpty()) {
            block.requireNoTags();
            return rewrap(wrapped, withoutEnvelope(inner, "Response"));
        }
        byte[] iv = block.iv() != null ? block.iv() : session.iv();
        if (iv == null) {
            throw format("Response.Encryption.Iv: absent, and the session has no Iv either");
        }
        if (iv.length != suite.ivSize()) {
            throw format("Response.Encryption.Iv: " + suite.name() + " needs " + suite.ivSize() + " bytes");
        }
        return rewrap(wrapped, open(session, suite, inner, block, iv, false));
    }
}
