package ocrcrypto.interop;

import static ocrcrypto.interop.TestKeys.compact;
import static ocrcrypto.interop.TestKeys.json;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Contract additions on the request side: response-only, body mode's wire, the keyring, lenient shapes. */
class RequestAdditionsTest {
    static final SecureRandom RANDOM = new SecureRandom();

    static List<String> names(JsonNode node) {
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @ParameterizedTest
    @CsvSource({"AES-256-CBC,rsa-1024", "SM4-GCM,sm2"})
    void responseOnlyRequestEncryptsNothing(String algorithm, String keyName) throws Exception {
        Keys.Private key = TestKeys.get(keyName);
        ObjectNode params = json("{\"Action\":\"GetDetectInfoEnhanced\",\"BizToken\":\"t\",\"RuleId\":\"1\",\"IsEncryptResponse\":true}");
        Protocol.Request request = Protocol.responseOnlyRequest(params, key.publicKey(), algorithm, RANDOM);
        ObjectNode wire = request.wire();
        assertEquals(List.of("Action", "BizToken", "RuleId", "IsEncryptResponse", "Encryption"), names(wire));
        ObjectNode withoutBlock = wire.deepCopy();
        withoutBlock.remove("Encryption");
        assertEquals(compact(params), compact(withoutBlock));
        JsonNode block = wire.get("Encryption");
        assertEquals(List.of("EncryptList", "CiphertextBlob", "Iv", "Algorithm", "TagList"), names(block));
        assertEquals("[]", compact(block.get("EncryptList")));
        assertEquals("[]", compact(block.get("TagList")));
        assertEquals(algorithm, block.get("Algorithm").asText());
        Suite suite = Suite.get(algorithm);
        assertArrayEquals(request.session().iv(), Base64.getDecoder().decode(block.get("Iv").asText()));
        assertEquals(suite.ivSize(), request.session().iv().length);
        assertArrayEquals(request.session().key(), suite.unwrap(Base64.getDecoder().decode(block.get("CiphertextBlob").asText()), key));
        Protocol.Decrypted decrypted = Protocol.decryptRequest(wire, key);
        assertEquals(compact(params), compact(decrypted.params()));
        assertArrayEquals(request.session().key(), decrypted.session().key());
        assertArrayEquals(request.session().iv(), decrypted.session().iv());
        // Fresh key and IV every time.
        Protocol.Request again = Protocol.responseOnlyRequest(params, key.publicKey(), algorithm, RANDOM);
        assertNotEquals(compact(request.session().toJson()), compact(again.session().toJson()));
    }

    @Test
    void responseOnlyWithFieldIsAUsageError(@TempDir Path dir) throws Exception {
        Path pub = TestKeys.writePublic(dir, "sm2");
        assertThrows(Main.UsageException.class, () -> Main.run(
                new String[] {"encrypt", "--public-key", pub.toString(), "--algorithm", "SM4-GCM", "--response-only", "--field", "Name"}, "{\"Name\":\"x\"}"));
        JsonNode out = Protocol.JSON.readTree(Main.run(
                new String[] {"encrypt", "--public-key", pub.toString(), "--algorithm", "SM4-GCM", "--response-only"}, "{\"Name\":\"x\"}"));
        assertEquals("x", out.at("/wire/Name").asText());
        assertEquals(0, out.at("/wire/Encryption/EncryptList").size());
        assertEquals(List.of("Algorithm", "Key", "Iv"), names(out.get("session")));
    }

    @ParameterizedTest
    @CsvSource({"AES-256-CBC,rsa-1024", "SM4-GCM,sm2"})
    void bodyModeKeepsStringPlaceholdersAndDropsOtherValues(String algorithm, String keyName) throws Exception {
        Keys.Private key = TestKeys.get(keyName);
        ObjectNode params = json("{\"Action\":\"DetectAIFakeFaces\",\"FaceInput\":\"QUJD\",\"FaceInputType\":1,\"Version\":\"2018-03-01\","
                + "\"Flag\":true,\"Nothing\":null,\"Obj\":{\"a\":\"<&>\"},\"Arr\":[1,\"x\"],\"Region\":\"ap-guangzhou\",\"Name\":\"李明\"}");
        Protocol.Request request = Protocol.encryptRequest(params, key.publicKey(), algorithm, List.of(), RANDOM);
        ObjectNode wire = request.wire();
        assertEquals(List.of("Action", "FaceInput", "Version", "Region", "Name", "EncryptedBody", "Encryption"), names(wire));
        assertEquals("", wire.get("FaceInput").asText());
        assertEquals("", wire.get("Name").asText());
        assertEquals("DetectAIFakeFaces", wire.get("Action").asText());
        // The body is exactly the compact JSON of the sensitive params, in input order, UTF-8, unescaped.
        Suite suite = Suite.get(algorithm);
        JsonNode block = wire.get("Encryption");
        byte[] tag = suite.hasTag() ? Base64.getDecoder().decode(block.get("TagList").get(0).asText()) : null;
        byte[] body = suite.open(Base64.getDecoder().decode(wire.get("EncryptedBody").asText()), request.session().key(), request.session().iv(), tag);
        assertEquals("{\"FaceInput\":\"QUJD\",\"FaceInputType\":1,\"Flag\":true,\"Nothing\":null,\"Obj\":{\"a\":\"<&>\"},\"Arr\":[1,\"x\"],\"Name\":\"李明\"}",
                new String(body, StandardCharsets.UTF_8));
        // Decrypting merges the body back: every value as given (keys removed from the wire come last).
        ObjectNode decrypted = Protocol.decryptRequest(wire, key).params();
        assertEquals(params, decrypted);
        assertEquals(List.of("Action", "FaceInput", "Version", "Region", "Name", "FaceInputType", "Flag", "Nothing", "Obj", "Arr"), names(decrypted));
    }

    @Test
    void bodyModeWithNothingSensitiveIsAnError(@TempDir Path dir) throws Exception {
        ObjectNode params = json("{\"Action\":\"X\",\"Version\":\"v\",\"Region\":\"r\"}");
        OcrCryptoException e = assertThrows(OcrCryptoException.class,
                () -> Protocol.encryptRequest(params, TestKeys.get("sm2").publicKey(), "SM4-GCM", List.of(), RANDOM));
        assertTrue(e.getMessage().contains("nothing to encrypt"), e.getMessage());
        Path pub = TestKeys.writePublic(dir, "rsa-1024");
        OcrCryptoException cli = assertThrows(OcrCryptoException.class,
                () -> Main.run(new String[] {"encrypt", "--public-key", pub.toString(), "--algorithm", "AES-256-CBC"}, "{\"Action\":\"X\"}"));
        assertTrue(cli.getMessage().contains("nothing to encrypt"), cli.getMessage());
    }

    @Test
    void keyringTriesTheKeysOfTheRightTypeInOrder() throws Exception {
        ObjectNode params = json("{\"Name\":\"李明\",\"IdCard\":\"1\"}");
        Keys.Private rsa = TestKeys.get("rsa-1024"), rsaOther = TestKeys.get("rsa-1024-other"), rsa2048 = TestKeys.get("rsa-2048");
        Keys.Private sm2 = TestKeys.get("sm2"), sm2Other = TestKeys.get("sm2-other");
        ObjectNode cbc = Protocol.encryptRequest(params, rsa.publicKey(), "AES-256-CBC", List.of("Name"), RANDOM).wire();
        ObjectNode gcm = Protocol.encryptRequest(params, sm2.publicKey(), "SM4-GCM", List.of(), RANDOM).wire();
        assertEquals(params, Protocol.decryptRequest(cbc, List.of(sm2, rsaOther, rsa2048, rsa)).params());
        assertEquals(params, Protocol.decryptRequest(cbc, List.of(rsa, rsaOther)).params());
        assertEquals(params, Protocol.decryptRequest(gcm, List.of(rsa, sm2Other, sm2)).params());
        OcrCryptoException none = assertThrows(OcrCryptoException.class, () -> Protocol.decryptRequest(cbc, List.of(rsaOther, rsa2048, sm2)));
        assertEquals(OcrCryptoException.DECRYPTION, none.errorClass());
        assertEquals("decryption failed", none.getMessage());
        OcrCryptoException noneGcm = assertThrows(OcrCryptoException.class, () -> Protocol.decryptRequest(gcm, List.of(sm2Other)));
        assertEquals("decryption failed", noneGcm.getMessage());
        OcrCryptoException wrongType = assertThrows(OcrCryptoException.class, () -> Protocol.decryptRequest(gcm, List.of(rsa, rsaOther)));
        assertEquals(OcrCryptoException.KEY_FORMAT, wrongType.errorClass());
        assertTrue(wrongType.getMessage().contains("SM4-GCM"), wrongType.getMessage());
        OcrCryptoException wrongTypeCbc = assertThrows(OcrCryptoException.class, () -> Protocol.decryptRequest(cbc, List.of(sm2)));
        assertTrue(wrongTypeCbc.getMessage().contains("AES-256-CBC"), wrongTypeCbc.getMessage());
    }

    @Test
    void keyringOnTheCommandLine(@TempDir Path dir) throws Exception {
        Path pub = TestKeys.writePublic(dir, "rsa-1024");
        Path right = TestKeys.writePrivate(dir, "rsa-1024"), other = TestKeys.writePrivate(dir, "rsa-1024-other"), sm2 = TestKeys.writePrivate(dir, "sm2");
        String params = "{\"Action\":\"X\",\"ImageUrl\":\"https://x/a.jpg\"}";
        String wire = Protocol.JSON.readTree(Main.run(new String[] {"encrypt", "--public-key", pub.toString()}, params)).get("wire").toString();
        assertEquals(params, Main.run(new String[] {"decrypt", "--private-key", sm2.toString(), "--private-key", other.toString(),
            "--private-key", right.toString()}, wire).strip());
        OcrCryptoException failed = assertThrows(OcrCryptoException.class,
                () -> Main.run(new String[] {"decrypt", "--private-key", other.toString(), "--private-key", sm2.toString()}, wire));
        assertEquals("decryption failed", failed.getMessage());
        OcrCryptoException noRsa = assertThrows(OcrCryptoException.class, () -> Main.run(new String[] {"decrypt", "--private-key", sm2.toString()}, wire));
        assertTrue(noRsa.getMessage().contains("AES-256-CBC"));
        assertThrows(Main.UsageException.class, () -> Main.run(new String[] {"decrypt"}, wire));
    }

    /** The response-only shapes of the vendor's demos, each with the blob unwrapped to the sent key. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        // Node demo: EncryptList [], Iv null, TagList []
        "AES-256-CBC|rsa-1024|{\"EncryptList\":[],\"Iv\":null,\"TagList\":[]}|false",
        "SM4-GCM|sm2|{\"EncryptList\":[],\"Iv\":null,\"TagList\":[]}|false",
        // Java demo: EncryptList null, TagList null
        "AES-256-CBC|rsa-1024|{\"EncryptList\":null,\"TagList\":null}|true",
        "SM4-GCM|sm2|{\"EncryptList\":null,\"TagList\":null}|true",
        // Go demo: EncryptList names the body, which the request does not have; TagList null
        "AES-256-CBC|rsa-1024|{\"EncryptList\":[\"EncryptionBody\"],\"TagList\":null}|true",
        "SM4-GCM|sm2|{\"EncryptList\":[\"EncryptionBody\"],\"TagList\":null}|true",
        "SM4-GCM|sm2|{\"EncryptList\":[\"EncryptedBody\"],\"TagList\":[]}|true",
        // EncryptList and Iv absent
        "SM4-GCM|sm2|{\"EncryptList\":\"ABSENT\",\"Iv\":\"ABSENT\",\"TagList\":\"ABSENT\"}|false",
    })
    void responseOnlyShapesOfTheDemosDecrypt(String algorithm, String keyName, String changes, boolean hasIv, @TempDir Path dir) throws Exception {
        Keys.Private key = TestKeys.get(keyName);
        ObjectNode params = json("{\"Action\":\"GetDetectInfoEnhanced\",\"BizToken\":\"t\",\"IsEncryptResponse\":true}");
        Protocol.Request request = Protocol.responseOnlyRequest(params, key.publicKey(), algorithm, RANDOM);
        ObjectNode block = (ObjectNode) request.wire().get("Encryption");
        json(changes).fields().forEachRemaining(e -> {
            if (e.getValue().isTextual() && e.getValue().asText().equals("ABSENT")) {
                block.remove(e.getKey());
            } else {
                block.set(e.getKey(), e.getValue());
            }
        });
        Protocol.Decrypted decrypted = Protocol.decryptRequest(request.wire(), key);
        assertEquals(compact(params), compact(decrypted.params()));
        assertArrayEquals(request.session().key(), decrypted.session().key());
        if (hasIv) {
            assertArrayEquals(request.session().iv(), decrypted.session().iv());
        } else {
            assertEquals(null, decrypted.session().iv());
        }
        // The CLI writes the service's session, 0600, Iv null when the request had none.
        Path priv = TestKeys.writePrivate(dir, keyName);
        Path sessionFile = dir.resolve("service-session.json");
        String out = Main.run(new String[] {"decrypt", "--private-key", priv.toString(), "--session-out", sessionFile.toString()}, request.wire().toString());
        assertEquals(compact(params), out.strip());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sessionFile)));
        JsonNode session = Protocol.JSON.readTree(Files.readString(sessionFile));
        assertEquals(List.of("Algorithm", "Key", "Iv"), names(session));
        assertEquals(Base64.getEncoder().encodeToString(request.session().key()), session.get("Key").asText());
        assertEquals(hasIv, !session.get("Iv").isNull());
    }

    @Test
    void responseOnlyStillNeedsAGoodBlob() throws Exception {
        Keys.Private key = TestKeys.get("sm2");
        ObjectNode params = json("{\"BizToken\":\"t\"}");
        ObjectNode wire = Protocol.responseOnlyRequest(params, key.publicKey(), "SM4-GCM", RANDOM).wire();
        ObjectNode missing = wire.deepCopy();
        ((ObjectNode) missing.get("Encryption")).remove("CiphertextBlob");
        assertEquals(OcrCryptoException.ENVELOPE_FORMAT, assertThrows(OcrCryptoException.class, () -> Protocol.decryptRequest(missing, key)).errorClass());
        ObjectNode nullBlob = wire.deepCopy();
        ((ObjectNode) nullBlob.get("Encryption")).putNull("CiphertextBlob");
        assertEquals(OcrCryptoException.ENVELOPE_FORMAT, assertThrows(OcrCryptoException.class, () -> Protocol.decryptRequest(nullBlob, key)).errorClass());
        OcrCryptoException wrongKey = assertThrows(OcrCryptoException.class, () -> Protocol.decryptRequest(wire, TestKeys.get("sm2-other")));
        assertEquals("decryption failed", wrongKey.getMessage());
        ObjectNode altered = wire.deepCopy();
        byte[] blob = Base64.getDecoder().decode(altered.at("/Encryption/CiphertextBlob").asText());
        blob[blob.length - 1] ^= 1;
        ((ObjectNode) altered.get("Encryption")).put("CiphertextBlob", Base64.getEncoder().encodeToString(blob));
        assertEquals("decryption failed", assertThrows(OcrCryptoException.class, () -> Protocol.decryptRequest(altered, key)).getMessage());
        ObjectNode tags = wire.deepCopy();
        ((ObjectNode) tags.get("Encryption")).putArray("TagList").add("AAAAAAAAAAAAAAAAAAAAAA==");
        assertEquals(OcrCryptoException.ENVELOPE_FORMAT, assertThrows(OcrCryptoException.class, () -> Protocol.decryptRequest(tags, key)).errorClass());
        ObjectNode shortIv = wire.deepCopy();
        ((ObjectNode) shortIv.get("Encryption")).put("Iv", "AAAA");
        assertEquals(OcrCryptoException.ENVELOPE_FORMAT, assertThrows(OcrCryptoException.class, () -> Protocol.decryptRequest(shortIv, key)).errorClass());
    }

    @Test
    void emptyBodyFieldsGoAndAFullOneIsAnError() throws Exception {
        Keys.Private key = TestKeys.get("rsa-1024");
        ObjectNode params = json("{\"BizToken\":\"t\"}");
        ObjectNode wire = Protocol.responseOnlyRequest(params, key.publicKey(), "AES-256-CBC", RANDOM).wire();
        for (String empty : List.of("\"\"", "null")) {
            ObjectNode withBody = wire.deepCopy();
            withBody.set("EncryptedBody", Protocol.JSON.readTree(empty));
            assertEquals(compact(params), compact(Protocol.decryptRequest(withBody, key).params()));
        }
        ObjectNode full = wire.deepCopy();
        full.put("EncryptedBody", "QUJD");
        assertEquals(OcrCryptoException.ENVELOPE_FORMAT, assertThrows(OcrCryptoException.class, () -> Protocol.decryptRequest(full, key)).errorClass());
        // EncryptList names the body and the request has one (empty): that is not response-only; it fails.
        ObjectNode goWithBody = wire.deepCopy();
        ((ObjectNode) goWithBody.get("Encryption")).putArray("EncryptList").add("EncryptionBody");
        goWithBody.put("EncryptedBody", "");
        assertThrows(OcrCryptoException.class, () -> Protocol.decryptRequest(goWithBody, key));
    }

    /** TagList null (the vendor's CBC shape) and the EncryptionBody spelling, in body and field mode. */
    @Test
    void cbcTagListNullAndEncryptionBodySpelling() throws Exception {
        Keys.Private key = TestKeys.get("rsa-1024");
        ObjectNode params = json("{\"Action\":\"X\",\"Name\":\"李明\",\"IdCard\":\"1\"}");
        for (List<String> fields : List.of(List.<String>of(), List.of("Name", "IdCard"))) {
            ObjectNode wire = Protocol.encryptRequest(params, key.publicKey(), "AES-256-CBC", fields, RANDOM).wire();
            ((ObjectNode) wire.get("Encryption")).putNull("TagList");
            assertEquals(params, Protocol.decryptRequest(wire, key).params());
        }
        ObjectNode wire = Protocol.encryptRequest(params, key.publicKey(), "AES-256-CBC", List.of(), RANDOM).wire();
        ((ObjectNode) wire.get("Encryption")).putArray("EncryptList").add("EncryptionBody");
        assertEquals(params, Protocol.decryptRequest(wire, key).params());
        ObjectNode renamed = json(wire.toString().replace("\"EncryptedBody\":", "\"EncryptionBody\":"));
        assertFalse(renamed.has("EncryptedBody"));
        assertEquals(params, Protocol.decryptRequest(renamed, key).params());
        // SM4-GCM still needs its tags.
        Keys.Private sm2 = TestKeys.get("sm2");
        ObjectNode gcm = Protocol.encryptRequest(params, sm2.publicKey(), "SM4-GCM", List.of(), RANDOM).wire();
        ((ObjectNode) gcm.get("Encryption")).putNull("TagList");
        assertEquals(OcrCryptoException.ENVELOPE_FORMAT, assertThrows(OcrCryptoException.class, () -> Protocol.decryptRequest(gcm, sm2)).errorClass());
    }

    @Test
    void requestFieldPathsWithArrays() throws Exception {
        Keys.Private key = TestKeys.get("sm2");
        ObjectNode params = json("{\"Action\":\"X\",\"People\":[{\"IdCard\":\"1\",\"Age\":3},{\"IdCard\":\"2\"}],\"Name\":\"n\"}");
        ObjectNode wire = Protocol.encryptRequest(params, key.publicKey(), "SM4-GCM", List.of("People[1].IdCard", "Name"), RANDOM).wire();
        assertEquals("1", wire.at("/People/0/IdCard").asText());
        assertNotEquals("2", wire.at("/People/1/IdCard").asText());
        assertEquals(2, wire.at("/Encryption/TagList").size());
        assertEquals(compact(params), compact(Protocol.decryptRequest(wire, key).params()));
    }
}
