package ocrcrypto.interop;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.engines.SM2Engine;
import org.bouncycastle.crypto.engines.SM4Engine;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.modes.GCMModeCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithRandom;
import org.bouncycastle.util.test.FixedSecureRandom;

/**
 * Strict verification of the vector files (vectors/README.md): the generated vectors
 * (ocrcrypto-vectors-2), the key vectors (ocrcrypto-key-vectors-1) and the decrypt manifest
 * (ocrcrypto-decrypt-manifest-1). A malformed file or case is a failure naming the file and the
 * case, never a crash.
 */
public final class Vectors {
    private Vectors() {}

    static final HexFormat HEX = HexFormat.of();

    public static final String SCHEMA = "ocrcrypto-vectors-2";
    public static final String KEY_SCHEMA = "ocrcrypto-key-vectors-1";
    public static final String MANIFEST_SCHEMA = "ocrcrypto-decrypt-manifest-1";

    static final long MAX_FILE_BYTES = 64L * 1024 * 1024;
    static final int MAX_DEPTH = 200;
    static final int MAX_STRING = 1024 * 1024;
    static final int MAX_LARGE = 64 * 1024 * 1024;
    static final int MAX_TESTS = 100_000;

    static final List<String> ERRORS = List.of(OcrCryptoException.DECRYPTION, OcrCryptoException.ENVELOPE_FORMAT,
            OcrCryptoException.UNSUPPORTED_ALGORITHM, OcrCryptoException.KEY_FORMAT);
    static final List<String> ALGORITHMS = List.of("AES-256-CBC", "SM4-GCM");

    static final Set<String> VECTOR_FLAGS = Set.of(
            "Ktv", "Typical", "Unicode", "BlockBoundary", "EmptyPlaintext", "OneByte", "Large", "Rsa2048", "FieldMode", "ResponseOnly",
            "EchoedIv", "FreshIv", "DottedPath", "ArrayIndexPath", "NoSessionIv", "Sm2C1xLeadingZero", "Sm2C1yLeadingZero", "Sm2X2LeadingZero",
            "DefaultAlgorithm", "EncryptionBodySpelling", "NullTagList", "NullIv", "NullEncryptList", "AbsentEncryptList", "BodyNameWithoutBody",
            "TruncatedBlob", "ModifiedTag", "ModifiedC3", "ModifiedBody", "WrongKey", "C1OffCurve", "Missing04", "C1C2C3", "Der", "BadPadding",
            "WrongIvLength", "TagCountMismatch", "TagOrder", "TagAppended", "UnknownAlgorithm", "MissingPath");
    static final Set<String> KEY_FLAGS = Set.of(
            "Rsa", "Sm2", "Vendor", "Pem", "Der", "Base64Der", "Hex", "Compressed", "Whitespace", "Bom", "EscapedNewlines", "Crlf",
            "Pkcs1", "Pkcs8", "Spki", "Sec1", "CurveOidInAlgorithm", "NoCurveParameters", "NoEmbeddedPublic", "ShortHexD",
            "WrongCurve", "OffCurve", "NoSquareRoot", "CoordinateTooLarge", "Truncated", "TrailingData", "WrongLabel", "WrongKind",
            "SmallRsa", "WrongHexLength", "ScalarOutOfRange", "PublicMismatch", "Encrypted", "NoEndLine", "OtherAlgorithm", "Empty", "Garbage");
    static final Set<String> MANIFEST_FLAGS = Set.of(
            "FieldMode", "ResponseOnly", "EchoedIv", "FreshIv", "DottedPath", "ArrayIndexPath", "Unicode", "VendorDemo", "RawTextKey", "NullFields");

    /** Strict JSON for vector files: no duplicate keys, bounded nesting, nothing after the value. */
    static final ObjectMapper STRICT = new ObjectMapper(JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
            .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** A case (or file) that does not hold. */
    static final class Mismatch extends Exception {
        Mismatch(String message) {
            super(message);
        }
    }

    public record Result(int checked, List<String> failures) {}

    // -- files -------------------------------------------------------------------------------------

    public static Result verify(Path dir) throws IOException {
        List<String> failures = new ArrayList<>();
        int checked = 0;
        List<Path> files = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            throw new IOException("cannot read " + dir + ": not a directory");
        }
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "*.json")) {
            stream.forEach(files::add);
        }
        files.removeIf(p -> p.getFileName().toString().equals("schema.json"));
        files.sort(null);
        if (files.isEmpty()) {
            return new Result(0, List.of(dir + ": no vector files"));
        }
        for (Path path : files) {
            String name = path.getFileName().toString();
            JsonNode data;
            try {
                long size = Files.size(path);
                if (size > MAX_FILE_BYTES) {
                    failures.add(name + ": unreadable (" + size + " bytes, more than " + MAX_FILE_BYTES + ")");
                    continue;
                }
                data = parse(Files.readAllBytes(path));
            } catch (IOException | Mismatch | RuntimeException e) {
                failures.add(name + ": unreadable (" + oneLine(e.getMessage()) + ")");
                continue;
            }
            checked += verifyData(data, name, failures);
        }
        return new Result(checked, failures);
    }

    static JsonNode parse(byte[] bytes) throws IOException, Mismatch {
        JsonNode data = STRICT.readTree(bytes);
        if (data == null || data.isMissingNode()) {
            throw new Mismatch("empty file");
        }
        return data;
    }

    static String oneLine(String message) {
        if (message == null) {
            return "unknown";
        }
        String line = message.lines().findFirst().orElse("unknown");
        return line.length() > 300 ? line.substring(0, 300) + "..." : line;
    }

    interface CaseCheck {
        void check(ObjectNode test) throws Mismatch, OcrCryptoException;
    }

    /** A file whose top level holds: its cases and the checker of one case. */
    record Prepared(String schema, JsonNode tests, CaseCheck check) {}

    /** Checks a file's top level (schema, fields, notes, counts, keys, sources). */
    static Prepared prepare(JsonNode data) throws Mismatch {
        bounded(data);
        ObjectNode top = obj(data, "file");
        if (!top.has("schema")) {
            throw new Mismatch("file: missing field schema");
        }
        String schema = str(top, "schema", "file");
        Set<String> known;
        switch (schema) {
            case SCHEMA -> {
                fields(top, "file", List.of("schema", "generator", "notes", "keys", "numberOfTests", "tests"), List.of());
                fields(top.get("generator"), "generator", List.of("seed", "command"), List.of());
                known = VECTOR_FLAGS;
            }
            case KEY_SCHEMA -> {
                fields(top, "file", List.of("schema", "generator", "notes", "numberOfTests", "tests"), List.of());
                fields(top.get("generator"), "generator", List.of("seed", "command"), List.of());
                known = KEY_FLAGS;
            }
            case MANIFEST_SCHEMA -> {
                fields(top, "file", List.of("schema", "generator", "notes", "sources", "keys", "numberOfTests", "tests"), List.of());
                fields(top.get("generator"), "generator", List.of("command"), List.of());
                known = MANIFEST_FLAGS;
            }
            default -> throw new Mismatch("file: unknown schema '" + schema + "' (expected " + SCHEMA + ", " + KEY_SCHEMA + " or " + MANIFEST_SCHEMA + ")");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = top.get("generator").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw new Mismatch("generator." + e.getKey() + ": expected a string");
            }
        }
        ObjectNode notes = obj(top.get("notes"), "notes");
        for (JsonNode note : notes) {
            if (!note.isTextual()) {
                throw new Mismatch("notes: every note must be a string");
            }
        }
        JsonNode tests = top.get("tests");
        if (!tests.isArray() || tests.isEmpty()) {
            throw new Mismatch("tests: expected a non-empty array");
        }
        int count = integer(top, "numberOfTests", "file", 1, MAX_TESTS);
        if (count != tests.size()) {
            throw new Mismatch("numberOfTests is " + count + ", but there are " + tests.size() + " tests");
        }
        Map<String, Keys.Private> keys = top.has("keys") ? loadKeys(top.get("keys"), "keys") : Map.of();
        return switch (schema) {
            case SCHEMA -> new Prepared(schema, tests, test -> checkVector(test, keys, notes, known));
            case KEY_SCHEMA -> new Prepared(schema, tests, test -> checkKeyVector(test, notes, known));
            default -> {
                ObjectNode sources = checkSources(top.get("sources"));
                yield new Prepared(schema, tests, test -> checkManifestCase(test, keys, notes, known, sources));
            }
        };
    }

    /** Checks one parsed file; returns the number of cases (0 when the top level is malformed). */
    static int verifyData(JsonNode data, String name, List<String> failures) {
        Prepared prepared;
        try {
            prepared = prepare(data);
        } catch (Mismatch e) {
            failures.add(name + ": " + oneLine(e.getMessage()));
            return 0;
        } catch (RuntimeException e) {
            failures.add(name + ": " + e.getClass().getSimpleName() + ": " + oneLine(e.getMessage()));
            return 0;
        }
        int index = 0;
        for (JsonNode test : prepared.tests()) {
            index++;
            String failure = checkCase(test, index, prepared.check());
            if (failure != null) {
                failures.add(name + " " + failure);
            }
        }
        return prepared.tests().size();
    }

    /** One case at its position (ids run 1, 2, 3, ...): null if it holds, else "#id (comment): why". */
    static String checkCase(JsonNode test, int index, CaseCheck check) {
        String label = "#" + index;
        if (test.isObject() && test.path("comment").isTextual()) {
            String comment = test.get("comment").asText();
            label += " (" + (comment.length() > 120 ? comment.substring(0, 120) + "..." : comment) + ")";
        }
        try {
            ObjectNode object = obj(test, "case");
            JsonNode id = object.get("id");
            if (id == null || !id.isInt() || id.intValue() != index) {
                throw new Mismatch("case: id must be " + index);
            }
            check.check(object);
            return null;
        } catch (Mismatch e) {
            return label + ": " + oneLine(e.getMessage());
        } catch (OcrCryptoException e) {
            return label + ": unexpected " + e.errorClass() + ": " + oneLine(e.getMessage());
        } catch (RuntimeException e) {
            return label + ": " + e.getClass().getSimpleName() + ": " + oneLine(e.getMessage());
        }
    }

    /** Every string (keys too) at most MAX_STRING characters (code points), iteratively. */
    static void bounded(JsonNode root) throws Mismatch {
        Deque<JsonNode> stack = new ArrayDeque<>();
        stack.push(root);
        while (!stack.isEmpty()) {
            JsonNode node = stack.pop();
            if (node.isTextual()) {
                checkLength(node.textValue());
            } else if (node.isObject()) {
                for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    checkLength(e.getKey());
                    stack.push(e.getValue());
                }
            } else if (node.isArray()) {
                node.forEach(stack::push);
            }
        }
    }

    private static void checkLength(String s) throws Mismatch {
        if (s.length() > MAX_STRING && s.codePointCount(0, s.length()) > MAX_STRING) {
            throw new Mismatch("file: a string of " + s.codePointCount(0, s.length()) + " characters (at most " + MAX_STRING + ")");
        }
    }

    // -- small strict readers ----------------------------------------------------------------------

    static String kind(JsonNode node) {
        return node == null ? "nothing" : FieldPath.kind(node);
    }

    static ObjectNode obj(JsonNode value, String where) throws Mismatch {
        if (value == null || !value.isObject()) {
            throw new Mismatch(where + ": expected an object, got " + kind(value));
        }
        return (ObjectNode) value;
    }

    /** The object, with every required field and no field but the required and optional ones. */
    static ObjectNode fields(JsonNode value, String where, List<String> required, List<String> optional) throws Mismatch {
        ObjectNode obj = obj(value, where);
        List<String> missing = required.stream().filter(n -> !obj.has(n)).toList();
        if (!missing.isEmpty()) {
            throw new Mismatch(where + ": missing field(s) " + String.join(", ", missing));
        }
        List<String> unknown = new ArrayList<>();
        obj.fieldNames().forEachRemaining(n -> {
            if (!required.contains(n) && !optional.contains(n)) {
                unknown.add(n);
            }
        });
        if (!unknown.isEmpty()) {
            throw new Mismatch(where + ": unknown field(s) " + String.join(", ", unknown));
        }
        return obj;
    }

    static String str(JsonNode obj, String name, String where) throws Mismatch {
        JsonNode value = obj.get(name);
        if (value == null || !value.isTextual()) {
            throw new Mismatch(where + "." + name + ": expected a string, got " + kind(value));
        }
        return value.textValue();
    }

    static String oneOf(JsonNode obj, String name, String where, List<String> allowed) throws Mismatch {
        String value = str(obj, name, where);
        if (!allowed.contains(value)) {
            throw new Mismatch(where + "." + name + ": unknown value '" + value + "' (expected one of " + String.join(", ", allowed) + ")");
        }
        return value;
    }

    static final Pattern LOWER_HEX = Pattern.compile("(?:[0-9a-f]{2})*");

    /** Lowercase hex of an even number of digits; size -1 for any length. */
    static byte[] hex(JsonNode obj, String name, String where, int size) throws Mismatch {
        String value = str(obj, name, where);
        if (!LOWER_HEX.matcher(value).matches()) {
            throw new Mismatch(where + "." + name + ": expected lowercase hex of an even number of digits");
        }
        byte[] data = HEX.parseHex(value);
        if (size >= 0 && data.length != size) {
            throw new Mismatch(where + "." + name + ": expected " + size + " bytes, got " + data.length);
        }
        return data;
    }

    static int integer(JsonNode obj, String name, String where, int low, int high) throws Mismatch {
        JsonNode value = obj.get(name);
        if (value == null || !value.isIntegralNumber()) {
            throw new Mismatch(where + "." + name + ": expected an integer, got " + kind(value));
        }
        BigInteger v = value.bigIntegerValue();
        if (v.compareTo(BigInteger.valueOf(low)) < 0 || v.compareTo(BigInteger.valueOf(high)) > 0) {
            throw new Mismatch(where + "." + name + ": " + v + " is outside [" + low + ", " + high + "]");
        }
        return v.intValue();
    }

    static List<String> strings(JsonNode obj, String name, String where) throws Mismatch {
        JsonNode value = obj.get(name);
        List<String> out = new ArrayList<>();
        if (value != null && value.isArray()) {
            for (JsonNode item : value) {
                if (!item.isTextual() || item.textValue().isEmpty()) {
                    out = null;
                    break;
                }
                out.add(item.textValue());
            }
        }
        if (value == null || !value.isArray() || out == null || out.isEmpty()) {
            throw new Mismatch(where + "." + name + ": expected a non-empty array of non-empty strings");
        }
        return out;
    }

    static void flags(ObjectNode test, String where, Set<String> known, ObjectNode notes) throws Mismatch {
        JsonNode flags = test.get("flags");
        if (!flags.isArray()) {
            throw new Mismatch(where + ".flags: expected an array of strings");
        }
        Set<String> seen = new HashSet<>();
        for (JsonNode flag : flags) {
            if (!flag.isTextual()) {
                throw new Mismatch(where + ".flags: expected an array of strings");
            }
            String f = flag.textValue();
            if (!seen.add(f)) {
                throw new Mismatch(where + ".flags: " + f + " is listed twice");
            }
            if (!known.contains(f)) {
                throw new Mismatch(where + ".flags: unknown flag '" + f + "'");
            }
            if (!notes.has(f)) {
                throw new Mismatch(where + ".flags: " + f + " is not explained in notes");
            }
        }
    }

    interface Action {
        void run() throws OcrCryptoException, Mismatch;
    }

    static void expectFailure(String error, Action action, String what) throws Mismatch {
        try {
            action.run();
        } catch (OcrCryptoException e) {
            if (!e.errorClass().equals(error)) {
                throw new Mismatch("expected " + error + ", got " + e.errorClass() + ": " + e.getMessage());
            }
            return;
        }
        throw new Mismatch("expected " + error + ", but " + what + " succeeded");
    }

    static String compact(JsonNode node) {
        try {
            return Protocol.JSON.writeValueAsString(node);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    // -- keys sections -----------------------------------------------------------------------------

    static final Pattern PUBLIC_HEX = Pattern.compile("04[0-9a-f]{128}");
    static final Pattern PRIVATE_HEX = Pattern.compile("[0-9a-f]{64}");

    /** Every key in every form given; the forms must agree. A key that does not load fails the file. */
    static Map<String, Keys.Private> loadKeys(JsonNode value, String where) throws Mismatch {
        ObjectNode keys = obj(value, where);
        if (keys.isEmpty()) {
            throw new Mismatch(where + ": no keys");
        }
        Map<String, Keys.Private> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = keys.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            String at = where + "." + entry.getKey();
            ObjectNode key = fields(entry.getValue(), at, List.of("type", "public", "private"), List.of("bits"));
            String type = oneOf(key, "type", at, List.of("RSA", "SM2"));
            boolean rsa = type.equals("RSA");
            ObjectNode priv = fields(key.get("private"), at + ".private", List.of("pkcs8_pem"),
                    rsa ? List.of("pkcs1_pem") : List.of("sec1_pem", "hex"));
            ObjectNode pub = fields(key.get("public"), at + ".public", List.of("vendor"),
                    rsa ? List.of("pkcs1_pem", "spki_pem") : List.of("spki_pem", "hex"));
            Keys.Private first;
            try {
                first = Keys.loadPrivate(str(priv, "pkcs8_pem", at + ".private"));
            } catch (OcrCryptoException e) {
                throw new Mismatch(at + ": private key does not load (" + e.getMessage() + ")");
            }
            if (!first.type().equals(type)) {
                throw new Mismatch(at + ": type " + type + ", but the key is " + first.type());
            }
            if (rsa) {
                int bits = integer(key, "bits", at, 1024, 65536);
                if (first.rsa().getModulus().bitLength() != bits) {
                    throw new Mismatch(at + ".bits: " + bits + ", but the key has " + first.rsa().getModulus().bitLength());
                }
            } else if (key.has("bits")) {
                throw new Mismatch(at + ": unknown field(s) bits (an SM2 key has none)");
            }
            for (Iterator<Map.Entry<String, JsonNode>> forms = priv.fields(); forms.hasNext(); ) {
                Map.Entry<String, JsonNode> form = forms.next();
                String text = str(priv, form.getKey(), at + ".private");
                if (form.getKey().equals("hex") && !PRIVATE_HEX.matcher(text).matches()) {
                    throw new Mismatch(at + ".private.hex: expected 64 lowercase hex digits");
                }
                try {
                    if (!samePrivate(first, Keys.loadPrivate(text))) {
                        throw new Mismatch(at + ".private." + form.getKey() + ": a different key from pkcs8_pem");
                    }
                } catch (OcrCryptoException e) {
                    throw new Mismatch(at + ".private." + form.getKey() + ": does not load (" + e.getMessage() + ")");
                }
            }
            for (Iterator<Map.Entry<String, JsonNode>> forms = pub.fields(); forms.hasNext(); ) {
                Map.Entry<String, JsonNode> form = forms.next();
                String text = str(pub, form.getKey(), at + ".public");
                if (form.getKey().equals("hex") && !PUBLIC_HEX.matcher(text).matches()) {
                    throw new Mismatch(at + ".public.hex: expected 04 and 128 lowercase hex digits");
                }
                try {
                    if (!samePublic(first.publicKey(), Keys.loadPublic(text))) {
                        throw new Mismatch(at + ".public." + form.getKey() + ": not the public half of the private key");
                    }
                } catch (OcrCryptoException e) {
                    throw new Mismatch(at + ".public." + form.getKey() + ": does not load (" + e.getMessage() + ")");
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

    static Keys.Private privateKey(Map<String, Keys.Private> keys, ObjectNode test, String where) throws Mismatch {
        String name = str(test, "key", where);
        Keys.Private key = keys.get(name);
        if (key == null) {
            throw new Mismatch(where + ".key: '" + name + "' is not in keys");
        }
        return key;
    }

    // -- ocrcrypto-vectors-2 -----------------------------------------------------------------------

    static final List<String> CASE_BASE = List.of("id", "comment", "flags", "algorithm", "mode", "input", "output", "result");

    static List<String> plus(List<String> base, String... more) {
        List<String> out = new ArrayList<>(base);
        out.addAll(Arrays.asList(more));
        return out;
    }

    static void checkVector(ObjectNode test, Map<String, Keys.Private> keys, ObjectNode notes, Set<String> known) throws Mismatch, OcrCryptoException {
        String where = "case";
        for (String name : List.of("mode", "result")) {
            if (!test.has(name)) {
                throw new Mismatch(where + ": missing field " + name);
            }
        }
        String mode = oneOf(test, "mode", where, List.of("body", "fields", "response-only", "response", "primitive"));
        String result = oneOf(test, "result", where, List.of("valid", "invalid", "acceptable"));
        switch (result) {
            case "valid" -> {
                if (mode.equals("primitive")) {
                    fields(test, where, CASE_BASE, List.of("key"));
                } else {
                    fields(test, where, plus(CASE_BASE, "key"), List.of());
                }
            }
            case "invalid" -> {
                if (mode.equals("primitive")) {
                    throw new Mismatch(where + ": a primitive case must be valid");
                }
                fields(test, where, plus(CASE_BASE, "key", "error"), List.of());
            }
            default -> {
                if (!List.of("body", "fields", "response-only").contains(mode)) {
                    throw new Mismatch(where + ": mode " + mode + " cannot be acceptable");
                }
                fields(test, where, plus(CASE_BASE, "key", "error", "ocrcrypto_result"), List.of());
            }
        }
        str(test, "comment", where);
        flags(test, where, known, notes);
        String algorithm = oneOf(test, "algorithm", where, ALGORITHMS);
        switch (result) {
            case "invalid" -> checkInvalid(test, mode, keys, where);
            case "acceptable" -> checkAcceptable(test, mode, algorithm, keys, where);
            default -> {
                switch (mode) {
                    case "primitive" -> checkPrimitive(test, keys, where);
                    case "response" -> checkResponse(test, algorithm, keys, where);
                    default -> checkRequest(test, mode, algorithm, keys, where);
                }
            }
        }
    }

    /** A SecureRandom that makes BouncyCastle's SM2Engine choose exactly this k (it reads 32 bytes). */
    static FixedSecureRandom kRandom(String kHex) {
        return new FixedSecureRandom(HEX.parseHex(kHex));
    }

    static byte[] sm2K(JsonNode inputs, String where) throws Mismatch {
        byte[] k = hex(inputs, "sm2_k", where, 32);
        BigInteger value = new BigInteger(1, k);
        if (value.signum() == 0 || value.compareTo(Keys.N) >= 0) {
            throw new Mismatch(where + ".sm2_k: not in [1, n-1]");
        }
        return k;
    }

    /** The wrapped key, from the given randomness: SM2 with k, or RSA PKCS#1 v1.5 with the padding string PS. */
    static byte[] wrap(Suite suite, Keys.Private key, byte[] symmetricKey, JsonNode inputs, String where) throws Mismatch, OcrCryptoException {
        if (suite.keyType().equals("SM2")) {
            return suite.wrap(symmetricKey, key.publicKey(), new FixedSecureRandom(sm2K(inputs, where)));
        }
        byte[] ps = hex(inputs, "rsa_padding", where, -1);
        int size = (key.rsa().getModulus().bitLength() + 7) / 8;
        if (ps.length != size - 3 - symmetricKey.length) {
            throw new Mismatch(where + ".rsa_padding: " + ps.length + " bytes, but the key needs " + (size - 3 - symmetricKey.length));
        }
        for (byte b : ps) {
            if (b == 0) {
                throw new Mismatch(where + ".rsa_padding: PS holds a zero byte");
            }
        }
        return AesCbcSuite.wrapWithPadding(key.publicKey().rsa(), symmetricKey, ps);
    }

    static ObjectNode largeParams(int size, byte[] seed) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] raw = new byte[size + 32];
            int filled = 0;
            for (int counter = 0; filled < size; counter++) {
                sha.update(seed);
                sha.update(new byte[] {(byte) (counter >>> 24), (byte) (counter >>> 16), (byte) (counter >>> 8), (byte) counter});
                System.arraycopy(sha.digest(), 0, raw, filled, 32);
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
            return HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<String> requestInputs(String mode) {
        return switch (mode) {
            case "body" -> List.of("params", "body");
            case "fields" -> List.of("params", "fields");
            default -> List.of("params");
        };
    }

    static void checkRequest(ObjectNode test, String mode, String algorithm, Map<String, Keys.Private> keys, String where) throws Mismatch, OcrCryptoException {
        Keys.Private key = privateKey(keys, test, where);
        Suite suite = Suite.get(algorithm);
        if (!key.type().equals(suite.keyType())) {
            throw new Mismatch(where + ".key: " + algorithm + " needs an " + suite.keyType() + " key");
        }
        String randomness = suite.keyType().equals("SM2") ? "sm2_k" : "rsa_padding";
        boolean large = mode.equals("body") && test.get("input").isObject() && test.get("input").has("large");
        ObjectNode inputs, output, params;
        if (large) {
            inputs = fields(test.get("input"), where + ".input", List.of("large", "symmetric_key", "iv", randomness), List.of());
            ObjectNode spec = fields(inputs.get("large"), where + ".input.large", List.of("size", "seed"), List.of());
            int size = integer(spec, "size", where + ".input.large", 1, MAX_LARGE);
            params = largeParams(size, hex(spec, "seed", where + ".input.large", -1));
            output = fields(test.get("output"), where + ".output", List.of("wire", "encrypted_body_sha256"), List.of());
            hex(output, "encrypted_body_sha256", where + ".output", 32);
        } else {
            inputs = fields(test.get("input"), where + ".input", plus(requestInputs(mode), "symmetric_key", "iv", randomness), List.of());
            params = obj(inputs.get("params"), where + ".input.params");
            output = fields(test.get("output"), where + ".output", List.of("wire"), List.of());
        }
        byte[] symmetricKey = hex(inputs, "symmetric_key", where + ".input", suite.keySize());
        byte[] iv = hex(inputs, "iv", where + ".input", suite.ivSize());
        String body = mode.equals("body") && !large ? str(inputs, "body", where + ".input") : null;
        List<String> fieldList = mode.equals("fields") ? strings(inputs, "fields", where + ".input") : List.of();
        ObjectNode wire = obj(output.get("wire"), where + ".output.wire");
        byte[] blob = wrap(suite, key, symmetricKey, inputs, where + ".input");
        Protocol.Session session = new Protocol.Session(suite.name(), symmetricKey, iv, blob);
        ObjectNode again = mode.equals("response-only")
                ? Protocol.responseOnlyRequestWith(params, suite, session).wire()
                : Protocol.encryptRequestWith(params, suite, session, fieldList).wire();
        if (large) {
            if (wire.has("EncryptedBody")) {
                throw new Mismatch("a Large case's wire must not hold EncryptedBody");
            }
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
        checkDecryption(wire, key, params, symmetricKey, iv, body);
    }

    /** Decrypting the wire gives exactly params, the symmetric key and IV, and (body mode) the body text. */
    static void checkDecryption(ObjectNode wire, Keys.Private key, ObjectNode params, byte[] symmetricKey, byte[] iv, String body) throws Mismatch, OcrCryptoException {
        Protocol.Decrypted got;
        try {
            got = Protocol.decryptRequest(wire, key);
        } catch (OcrCryptoException e) {
            throw new Mismatch("decryption failed: " + e.errorClass() + ": " + e.getMessage());
        }
        if (!got.params().equals(params)) {
            throw new Mismatch("decrypted params differ: " + compact(got.params()));
        }
        if (!Arrays.equals(got.session().key(), symmetricKey)) {
            throw new Mismatch("unwrapped symmetric key differs");
        }
        if (!Arrays.equals(got.session().iv(), iv)) {
            throw new Mismatch("recovered IV differs");
        }
        if (body != null) {
            Protocol.Block block = Protocol.Block.parse(wire.get("Encryption"), "Encryption");
            Suite suite = Suite.get(block.algorithm());
            String field = wire.has("EncryptedBody") ? "EncryptedBody" : "EncryptionBody";
            if (iv == null || !wire.has(field) || block.encryptList().size() != 1) {
                throw new Mismatch("a body-mode case whose wire has no single body");
            }
            byte[] ct = Protocol.b64(wire.get(field), field);
            byte[] plain = suite.open(ct == null ? new byte[0] : ct, symmetricKey, iv, block.tagsFor(suite).get(0));
            if (!Arrays.equals(plain, body.getBytes(StandardCharsets.UTF_8))) {
                throw new Mismatch("decrypted body text differs: " + new String(plain, StandardCharsets.UTF_8));
            }
        }
    }

    static void checkResponse(ObjectNode test, String algorithm, Map<String, Keys.Private> keys, String where) throws Mismatch, OcrCryptoException {
        privateKey(keys, test, where);
        ObjectNode inputs = fields(test.get("input"), where + ".input", List.of("session", "ciphertext_blob", "response", "response_iv"), List.of("response_fields"));
        ObjectNode output = fields(test.get("output"), where + ".output", List.of("wire"), List.of());
        Protocol.Session session = session(inputs.get("session"), where + ".input.session");
        if (!session.algorithm().equals(algorithm)) {
            throw new Mismatch("session Algorithm differs from the case's algorithm");
        }
        Suite suite = Suite.get(algorithm);
        ObjectNode response = obj(inputs.get("response"), where + ".input.response");
        ObjectNode wire = obj(output.get("wire"), where + ".output.wire");
        str(inputs, "ciphertext_blob", where + ".input");
        byte[] blob = Protocol.b64(inputs.get("ciphertext_blob"), where + ".input.ciphertext_blob");
        byte[] responseIv = hex(inputs, "response_iv", where + ".input", suite.ivSize());
        List<String> fieldList = inputs.has("response_fields") ? strings(inputs, "response_fields", where + ".input") : List.of();
        ObjectNode plain;
        try {
            plain = Protocol.decryptResponse(session, wire);
        } catch (OcrCryptoException e) {
            throw new Mismatch("decryption failed: " + e.errorClass() + ": " + e.getMessage());
        }
        if (!plain.equals(response)) {
            throw new Mismatch("decrypted response differs: " + compact(plain));
        }
        Protocol.Session server = new Protocol.Session(session.algorithm(), session.key(), session.iv(), blob);
        ObjectNode again = Protocol.encryptResponse(server, response, fieldList, responseIv);
        if (!compact(again).equals(compact(wire))) {
            throw new Mismatch("re-encrypted response differs:\n got  " + compact(again) + "\n want " + compact(wire));
        }
    }

    static Protocol.Session session(JsonNode node, String where) throws Mismatch {
        fields(node, where, List.of("Algorithm", "Key", "Iv"), List.of());
        try {
            return Protocol.Session.fromJson(node);
        } catch (OcrCryptoException e) {
            throw new Mismatch(where + ": " + e.getMessage());
        }
    }

    static void checkPrimitive(ObjectNode test, Map<String, Keys.Private> keys, String where) throws Mismatch {
        ObjectNode inputs = obj(test.get("input"), where + ".input");
        if (!inputs.has("operation")) {
            throw new Mismatch(where + ".input: missing field operation");
        }
        String operation = oneOf(inputs, "operation", where + ".input", List.of("sm2_encrypt", "sm4_gcm_encrypt"));
        try {
            if (operation.equals("sm2_encrypt")) {
                fields(test, where, plus(CASE_BASE, "key"), List.of());
                fields(inputs, where + ".input", List.of("operation", "plaintext", "sm2_k"), List.of());
                ObjectNode output = fields(test.get("output"), where + ".output", List.of("ciphertext"), List.of());
                Keys.Private key = privateKey(keys, test, where);
                if (key.sm2() == null) {
                    throw new Mismatch(where + ".key: not an SM2 key");
                }
                byte[] plaintext = hex(inputs, "plaintext", where + ".input", -1);
                SM2Engine engine = Sm4GcmSuite.engine();
                engine.init(true, new ParametersWithRandom(key.publicKey().sm2(), new FixedSecureRandom(sm2K(inputs, where + ".input"))));
                byte[] ct = engine.processBlock(plaintext, 0, plaintext.length);
                if (!Arrays.equals(ct, hex(output, "ciphertext", where + ".output", -1))) {
                    throw new Mismatch("SM2 ciphertext differs: " + HEX.formatHex(ct));
                }
                SM2Engine decrypt = Sm4GcmSuite.engine();
                decrypt.init(false, key.sm2());
                if (!Arrays.equals(decrypt.processBlock(ct, 0, ct.length), plaintext)) {
                    throw new Mismatch("SM2 decryption differs");
                }
                return;
            }
            fields(test, where, CASE_BASE, List.of());
            fields(inputs, where + ".input", List.of("operation", "symmetric_key", "iv", "aad", "plaintext"), List.of());
            ObjectNode output = fields(test.get("output"), where + ".output", List.of("ciphertext", "tag"), List.of());
            byte[] plaintext = hex(inputs, "plaintext", where + ".input", -1);
            byte[] iv = hex(inputs, "iv", where + ".input", -1);
            if (iv.length == 0) {
                throw new Mismatch(where + ".input.iv: empty");
            }
            GCMModeCipher gcm = GCMBlockCipher.newInstance(new SM4Engine());
            gcm.init(true, new AEADParameters(new KeyParameter(hex(inputs, "symmetric_key", where + ".input", 16)), 128,
                    iv, hex(inputs, "aad", where + ".input", -1)));
            byte[] out = new byte[gcm.getOutputSize(plaintext.length)];
            int n = gcm.processBytes(plaintext, 0, plaintext.length, out, 0);
            gcm.doFinal(out, n);
            if (!Arrays.equals(Arrays.copyOf(out, plaintext.length), hex(output, "ciphertext", where + ".output", -1))
                    || !Arrays.equals(Arrays.copyOfRange(out, plaintext.length, out.length), hex(output, "tag", where + ".output", 16))) {
                throw new Mismatch("SM4-GCM output differs");
            }
        } catch (InvalidCipherTextException e) {
            throw new Mismatch("primitive failed: " + e.getMessage());
        }
    }

    static void checkInvalid(ObjectNode test, String mode, Map<String, Keys.Private> keys, String where) throws Mismatch {
        String error = oneOf(test, "error", where, ERRORS);
        ObjectNode output = fields(test.get("output"), where + ".output", List.of("wire"), List.of());
        ObjectNode wire = obj(output.get("wire"), where + ".output.wire");
        Keys.Private key = privateKey(keys, test, where);
        if (mode.equals("response")) {
            ObjectNode inputs = fields(test.get("input"), where + ".input", List.of("session"), List.of());
            Protocol.Session session = session(inputs.get("session"), where + ".input.session");
            expectFailure(error, () -> Protocol.decryptResponse(session, wire.deepCopy()), "decryption");
        } else {
            fields(test.get("input"), where + ".input", List.of(), List.of());
            expectFailure(error, () -> Protocol.decryptRequest(wire.deepCopy(), key), "decryption");
        }
    }

    /**
     * Legacy forms: ocrcrypto's own result decides (ocrcrypto_result "valid": it must decrypt to
     * exactly the inputs; "invalid": it must fail with the error class).
     */
    static void checkAcceptable(ObjectNode test, String mode, String algorithm, Map<String, Keys.Private> keys, String where) throws Mismatch, OcrCryptoException {
        String error = oneOf(test, "error", where, ERRORS);
        String ocrcryptoResult = oneOf(test, "ocrcrypto_result", where, List.of("valid", "invalid"));
        ObjectNode inputs = fields(test.get("input"), where + ".input", plus(requestInputs(mode), "symmetric_key", "iv"), List.of());
        ObjectNode output = fields(test.get("output"), where + ".output", List.of("wire"), List.of());
        ObjectNode params = obj(inputs.get("params"), where + ".input.params");
        Suite suite = Suite.get(algorithm);
        byte[] symmetricKey = hex(inputs, "symmetric_key", where + ".input", suite.keySize());
        byte[] iv = inputs.get("iv").isNull() ? null : hex(inputs, "iv", where + ".input", suite.ivSize());
        String body = mode.equals("body") ? str(inputs, "body", where + ".input") : null;
        if (mode.equals("fields")) {
            strings(inputs, "fields", where + ".input");
        }
        ObjectNode wire = obj(output.get("wire"), where + ".output.wire");
        Keys.Private key = privateKey(keys, test, where);
        if (ocrcryptoResult.equals("invalid")) {
            expectFailure(error, () -> Protocol.decryptRequest(wire.deepCopy(), key), "decryption");
            return;
        }
        checkDecryption(wire, key, params, symmetricKey, iv, body);
    }

    // -- ocrcrypto-key-vectors-1 -------------------------------------------------------------------

    static final Pattern MINIMAL_HEX = Pattern.compile("(?:[1-9a-f][0-9a-f]|0[1-9a-f])(?:[0-9a-f]{2})*");

    static void checkKeyVector(ObjectNode test, ObjectNode notes, Set<String> known) throws Mismatch {
        String where = "case";
        if (!test.has("result")) {
            throw new Mismatch(where + ": missing field result");
        }
        String result = oneOf(test, "result", where, List.of("valid", "invalid"));
        fields(test, where, List.of("id", "comment", "flags", "operation", "input", "result", result.equals("valid") ? "key" : "error"), List.of());
        str(test, "comment", where);
        flags(test, where, known, notes);
        String operation = oneOf(test, "operation", where, List.of("load_public_key", "load_private_key"));
        boolean isPrivate = operation.equals("load_private_key");
        ObjectNode inputs = obj(test.get("input"), where + ".input");
        if (inputs.size() != 1 || !(inputs.has("text") || inputs.has("binary"))) {
            throw new Mismatch(where + ".input: expected exactly one of text, binary");
        }
        String text = inputs.has("text") ? str(inputs, "text", where + ".input") : null;
        byte[] binary = inputs.has("binary") ? hex(inputs, "binary", where + ".input", -1) : null;
        Action load = () -> {
            if (isPrivate) {
                Object unused = text != null ? Keys.loadPrivate(text) : Keys.loadPrivate(binary);
            } else {
                Object unused = text != null ? Keys.loadPublic(text) : Keys.loadPublic(binary);
            }
        };
        if (result.equals("invalid")) {
            String error = oneOf(test, "error", where, List.of(OcrCryptoException.KEY_FORMAT));
            expectFailure(error, load, "loading");
            return;
        }
        ObjectNode expected = obj(test.get("key"), where + ".key");
        if (!expected.has("type")) {
            throw new Mismatch(where + ".key: missing field type");
        }
        String type = oneOf(expected, "type", where + ".key", List.of("RSA", "SM2"));
        if (type.equals("RSA")) {
            List<String> names = isPrivate ? List.of("n", "e", "d") : List.of("n", "e");
            fields(expected, where + ".key", plus(names, "type", "bits"), List.of());
            for (String name : names) {
                if (!MINIMAL_HEX.matcher(str(expected, name, where + ".key")).matches()) {
                    throw new Mismatch(where + ".key." + name + ": expected minimal big-endian lowercase hex");
                }
            }
            integer(expected, "bits", where + ".key", 1, 65536);
        } else {
            fields(expected, where + ".key", isPrivate ? List.of("type", "point", "d") : List.of("type", "point"), List.of());
            hex(expected, "point", where + ".key", 65);
            if (isPrivate) {
                hex(expected, "d", where + ".key", 32);
            }
        }
        ObjectNode got;
        try {
            got = isPrivate
                    ? describe(text != null ? Keys.loadPrivate(text) : Keys.loadPrivate(binary))
                    : describe(text != null ? Keys.loadPublic(text) : Keys.loadPublic(binary), null);
        } catch (OcrCryptoException e) {
            throw new Mismatch("expected the key to load, got " + e.errorClass() + ": " + e.getMessage());
        }
        if (!got.equals(expected)) {
            throw new Mismatch("the loaded key differs from key: " + compact(got));
        }
    }

    static String minimalHex(BigInteger value) {
        byte[] bytes = value.toByteArray();
        int start = 0;
        while (start < bytes.length - 1 && bytes[start] == 0) {
            start++;
        }
        return HEX.formatHex(bytes, start, bytes.length);
    }

    /** What a loaded key is, in the form of a key vector's "key". */
    static ObjectNode describe(Keys.Public key, Keys.Private privateKey) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        if (key.rsa() != null) {
            out.put("type", "RSA");
            out.put("bits", key.rsa().getModulus().bitLength());
            out.put("n", minimalHex(key.rsa().getModulus()));
            out.put("e", minimalHex(key.rsa().getPublicExponent()));
            if (privateKey != null) {
                out.put("d", minimalHex(privateKey.rsa().getPrivateExponent()));
            }
        } else {
            out.put("type", "SM2");
            out.put("point", HEX.formatHex(key.sm2().getQ().getEncoded(false)));
            if (privateKey != null) {
                String d = privateKey.sm2().getD().toString(16);
                out.put("d", "0".repeat(64 - d.length()) + d);
            }
        }
        return out;
    }

    static ObjectNode describe(Keys.Private key) {
        return describe(key.publicKey(), key);
    }

    // -- ocrcrypto-decrypt-manifest-1 --------------------------------------------------------------

    static ObjectNode checkSources(JsonNode value) throws Mismatch {
        ObjectNode sources = obj(value, "sources");
        if (sources.isEmpty()) {
            throw new Mismatch("sources: no sources");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = sources.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String at = "sources." + e.getKey();
            ObjectNode entry = fields(e.getValue(), at, List.of("implementation", "libraries"), List.of());
            str(entry, "implementation", at);
            for (JsonNode version : obj(entry.get("libraries"), at + ".libraries")) {
                if (!version.isTextual()) {
                    throw new Mismatch(at + ".libraries: every version must be a string");
                }
            }
        }
        return sources;
    }

    static Protocol.Block block(ObjectNode message, String where) throws Mismatch {
        try {
            return Protocol.Block.parse(message.get("Encryption"), where + ".Encryption");
        } catch (OcrCryptoException e) {
            throw new Mismatch(e.getMessage());
        }
    }

    static void checkManifestCase(ObjectNode test, Map<String, Keys.Private> keys, ObjectNode notes, Set<String> known, ObjectNode sources) throws Mismatch, OcrCryptoException {
        String where = "case";
        if (!test.has("operation")) {
            throw new Mismatch(where + ": missing field operation");
        }
        String operation = oneOf(test, "operation", where, List.of("decrypt", "decrypt-response", "symmetric-decrypt"));
        List<String> base = List.of("id", "comment", "flags", "source", "algorithm", "operation", "mode", "input", "expected", "result");
        fields(test, where, operation.equals("decrypt") ? plus(base, "key") : base, List.of());
        str(test, "comment", where);
        flags(test, where, known, notes);
        String source = str(test, "source", where);
        if (!sources.has(source)) {
            throw new Mismatch(where + ".source: '" + source + "' is not in sources");
        }
        oneOf(test, "result", where, List.of("valid"));
        String algorithm = oneOf(test, "algorithm", where, ALGORITHMS);
        Suite suite = Suite.get(algorithm);
        switch (operation) {
            case "decrypt" -> {
                String mode = oneOf(test, "mode", where, List.of("body", "fields", "response-only"));
                ObjectNode inputs = fields(test.get("input"), where + ".input", List.of("wire"), List.of());
                ObjectNode expected = fields(test.get("expected"), where + ".expected", List.of("params", "session"), List.of());
                Keys.Private key = privateKey(keys, test, where);
                ObjectNode wire = obj(inputs.get("wire"), where + ".input.wire");
                ObjectNode params = obj(expected.get("params"), where + ".expected.params");
                ObjectNode session = fields(expected.get("session"), where + ".expected.session", List.of("Algorithm", "Key", "Iv"), List.of());
                Protocol.Block block = block(wire, "input.wire");
                if (!block.algorithm().equals(algorithm)) {
                    throw new Mismatch("the wire's Algorithm differs from the case's algorithm");
                }
                List<String> names = block.encryptList();
                String got = names.isEmpty() ? "response-only" : Protocol.BODY_NAMES.contains(names.get(0)) ? "body" : "fields";
                if (!got.equals(mode)) {
                    throw new Mismatch("the wire is in " + got + " mode, the case says " + mode);
                }
                Protocol.Decrypted decrypted;
                try {
                    decrypted = Protocol.decryptRequest(wire.deepCopy(), key);
                } catch (OcrCryptoException e) {
                    throw new Mismatch("decryption failed: " + e.errorClass() + ": " + e.getMessage());
                }
                if (!decrypted.params().equals(params)) {
                    throw new Mismatch("decrypted params differ: " + compact(decrypted.params()));
                }
                if (!compact(decrypted.session().toJson()).equals(compact(session))) {
                    throw new Mismatch("recovered session differs: " + compact(decrypted.session().toJson()));
                }
            }
            case "decrypt-response" -> {
                String mode = oneOf(test, "mode", where, List.of("body", "fields"));
                ObjectNode inputs = fields(test.get("input"), where + ".input", List.of("session", "wire"), List.of());
                ObjectNode expected = fields(test.get("expected"), where + ".expected", List.of("response"), List.of());
                Protocol.Session session = session(inputs.get("session"), where + ".input.session");
                if (!session.algorithm().equals(algorithm)) {
                    throw new Mismatch("session Algorithm differs from the case's algorithm");
                }
                ObjectNode wire = obj(inputs.get("wire"), where + ".input.wire");
                ObjectNode inner = Protocol.isWrapped(wire) ? (ObjectNode) wire.get("Response") : wire;
                List<String> names = block(inner, "Response").encryptList();
                String got = !names.isEmpty() && Protocol.BODY_NAMES.contains(names.get(0)) ? "body" : "fields";
                if (!got.equals(mode)) {
                    throw new Mismatch("the response is in " + got + " mode, the case says " + mode);
                }
                ObjectNode response = obj(expected.get("response"), where + ".expected.response");
                ObjectNode plain;
                try {
                    plain = Protocol.decryptResponse(session, wire.deepCopy());
                } catch (OcrCryptoException e) {
                    throw new Mismatch("decryption failed: " + e.errorClass() + ": " + e.getMessage());
                }
                if (!plain.equals(response)) {
                    throw new Mismatch("decrypted response differs: " + compact(plain));
                }
            }
            default -> {
                oneOf(test, "mode", where, List.of("primitive"));
                List<String> required = suite.hasTag() ? List.of("symmetric_key", "iv", "ciphertext", "tag") : List.of("symmetric_key", "iv", "ciphertext");
                ObjectNode inputs = fields(test.get("input"), where + ".input", required, List.of());
                ObjectNode expected = fields(test.get("expected"), where + ".expected", List.of("plaintext"), List.of());
                byte[] key = hex(inputs, "symmetric_key", where + ".input", suite.keySize());
                byte[] iv = hex(inputs, "iv", where + ".input", suite.ivSize());
                byte[] tag = suite.hasTag() ? hex(inputs, "tag", where + ".input", Sm4GcmSuite.TAG_BYTES) : null;
                byte[] ciphertext = hex(inputs, "ciphertext", where + ".input", -1);
                byte[] want = hex(expected, "plaintext", where + ".expected", -1);
                byte[] plain;
                try {
                    plain = suite.open(ciphertext, key, iv, tag);
                } catch (OcrCryptoException e) {
                    throw new Mismatch("decryption failed: " + e.errorClass() + ": " + e.getMessage());
                }
                if (!Arrays.equals(plain, want)) {
                    throw new Mismatch("decrypted plaintext differs");
                }
            }
        }
    }
}
