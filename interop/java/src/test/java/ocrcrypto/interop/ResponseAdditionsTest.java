package ocrcrypto.interop;

import static ocrcrypto.interop.TestKeys.compact;
import static ocrcrypto.interop.TestKeys.json;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Contract additions on the response side: sessions without an Iv, empty EncryptList, TagList null, body merge. */
class ResponseAdditionsTest {
    static final SecureRandom RANDOM = new SecureRandom();
    static final String RESPONSE = "{\"Response\":{\"Text\":{\"IdCard\":\"440111111111111111\",\"Name\":\"爱新觉罗永琪\",\"ErrCode\":0},"
            + "\"Extra\":\"x\",\"RequestId\":\"r-1\"}}";

    static Protocol.Session session(String algorithm, boolean withIv) throws Exception {
        Suite suite = Suite.get(algorithm);
        byte[] key = new byte[suite.keySize()];
        RANDOM.nextBytes(key);
        byte[] iv = null;
        if (withIv) {
            iv = new byte[suite.ivSize()];
            RANDOM.nextBytes(iv);
        }
        return new Protocol.Session(algorithm, key, iv, null);
    }

    static Path write(Path dir, Protocol.Session session) throws Exception {
        Path path = dir.resolve("session.json");
        Files.writeString(path, session.toJson().toString());
        return path;
    }

    @Test
    void sessionJsonMayHaveANullIvButNotAnAbsentOne() throws Exception {
        Protocol.Session session = session("SM4-GCM", false);
        JsonNode json = session.toJson();
        assertTrue(json.get("Iv").isNull());
        Protocol.Session back = Protocol.Session.fromJson(json);
        assertArrayEquals(session.key(), back.key());
        assertEquals(null, back.iv());
        ObjectNode absent = (ObjectNode) json.deepCopy();
        absent.remove("Iv");
        assertThrows(OcrCryptoException.class, () -> Protocol.Session.fromJson(absent));
        ObjectNode shortIv = (ObjectNode) json.deepCopy();
        shortIv.put("Iv", "AAAA");
        assertThrows(OcrCryptoException.class, () -> Protocol.Session.fromJson(shortIv));
    }

    @ParameterizedTest
    @CsvSource({"AES-256-CBC", "SM4-GCM"})
    void sessionWithoutIvEncryptsWithAFreshIvAndDecryptsWithTheResponses(String algorithm, @TempDir Path dir) throws Exception {
        Protocol.Session session = session(algorithm, false);
        Path file = write(dir, session);
        for (List<String> fields : List.of(List.<String>of(), List.of("Response.Text.IdCard", "Text.Name"))) {
            String[] args = fields.isEmpty()
                    ? new String[] {"encrypt-response", "--session", file.toString()}
                    : new String[] {"encrypt-response", "--session", file.toString(), "--field", fields.get(0), "--field", fields.get(1)};
            ObjectNode first = json(Main.run(args, RESPONSE));
            ObjectNode second = json(Main.run(args, RESPONSE));
            String iv = first.at("/Response/Encryption/Iv").asText();
            assertEquals(Suite.get(algorithm).ivSize(), Base64.getDecoder().decode(iv).length);
            assertNotEquals(iv, second.at("/Response/Encryption/Iv").asText());
            // Equal as JSON objects: in body mode the Text object comes back after the fields the wire kept.
            assertEquals(json(RESPONSE), json(Main.run(new String[] {"decrypt-response", "--session", file.toString()}, first.toString())));
            // Without the response's own Iv, a session without one cannot decrypt.
            ((ObjectNode) first.at("/Response/Encryption")).putNull("Iv");
            OcrCryptoException e = assertThrows(OcrCryptoException.class, () -> Protocol.decryptResponse(session, first));
            assertTrue(e.getMessage().contains("Iv"), e.getMessage());
            ((ObjectNode) first.at("/Response/Encryption")).remove("Iv");
            assertThrows(OcrCryptoException.class, () -> Protocol.decryptResponse(session, first));
        }
        assertThrows(OcrCryptoException.class, () -> Protocol.encryptResponse(session, json(RESPONSE), List.of(), null));
    }

    @ParameterizedTest
    @CsvSource({"AES-256-CBC", "SM4-GCM"})
    void theResponsesOwnIvWinsOverTheSessions(String algorithm) throws Exception {
        Protocol.Session session = session(algorithm, true);
        byte[] fresh = new byte[Suite.get(algorithm).ivSize()];
        RANDOM.nextBytes(fresh);
        ObjectNode encrypted = Protocol.encryptResponse(session, json(RESPONSE), List.of(), fresh);
        assertEquals(json(RESPONSE), Protocol.decryptResponse(session, encrypted));
        // With its Iv removed, the session's Iv is used, which is the wrong one here.
        ((ObjectNode) encrypted.at("/Response/Encryption")).putNull("Iv");
        assertThrows(OcrCryptoException.class, () -> Protocol.decryptResponse(session, encrypted));
    }

    @Test
    void writesTagListNullForCbcAndTagsForGcm() throws Exception {
        ObjectNode cbc = Protocol.encryptResponse(session("AES-256-CBC", true), json(RESPONSE), List.of("Text.IdCard", "Text.Name"), null);
        assertTrue(cbc.at("/Response/Encryption/TagList").isNull());
        ObjectNode gcm = Protocol.encryptResponse(session("SM4-GCM", true), json(RESPONSE), List.of("Text.IdCard", "Text.Name"), null);
        assertEquals(2, gcm.at("/Response/Encryption/TagList").size());
        assertEquals(List.of("EncryptList", "CiphertextBlob", "Iv", "Algorithm", "TagList"),
                RequestAdditionsTest.names(gcm.at("/Response/Encryption")));
    }

    @ParameterizedTest
    @CsvSource({"AES-256-CBC", "SM4-GCM"})
    void emptyEncryptListMeansNothingToDecrypt(String algorithm) throws Exception {
        Protocol.Session session = session(algorithm, true);
        for (String list : List.of("[]", "null")) {
            for (String body : List.of("", ",\"EncryptedBody\":null", ",\"EncryptedBody\":\"\"")) {
                ObjectNode response = json("{\"Response\":{\"Text\":{\"Name\":\"n\"}" + body + ",\"Encryption\":{\"EncryptList\":" + list
                        + ",\"CiphertextBlob\":null,\"Iv\":null,\"Algorithm\":\"" + algorithm + "\",\"TagList\":null},\"RequestId\":\"r\"}}");
                assertEquals("{\"Response\":{\"Text\":{\"Name\":\"n\"},\"RequestId\":\"r\"}}", compact(Protocol.decryptResponse(session, response)));
            }
        }
        ObjectNode stray = json("{\"Text\":{},\"EncryptedBody\":\"QUJD\",\"Encryption\":{\"EncryptList\":[],\"Algorithm\":\"" + algorithm + "\"}}");
        assertEquals(OcrCryptoException.ENVELOPE_FORMAT, assertThrows(OcrCryptoException.class, () -> Protocol.decryptResponse(session, stray)).errorClass());
    }

    @Test
    void cbcResponsesAcceptTagListNullOrEmpty() throws Exception {
        Protocol.Session session = session("AES-256-CBC", true);
        ObjectNode encrypted = Protocol.encryptResponse(session, json(RESPONSE), List.of(), null);
        ((ObjectNode) encrypted.at("/Response/Encryption")).putArray("TagList");
        assertEquals(json(RESPONSE), Protocol.decryptResponse(session, encrypted));
        ((ObjectNode) encrypted.at("/Response/Encryption")).remove("TagList");
        assertEquals(json(RESPONSE), Protocol.decryptResponse(session, encrypted));
        ((ObjectNode) encrypted.at("/Response/Encryption")).putArray("TagList").add("AAAAAAAAAAAAAAAAAAAAAA==");
        assertThrows(OcrCryptoException.class, () -> Protocol.decryptResponse(session, encrypted));
    }

    @ParameterizedTest
    @CsvSource({"AES-256-CBC", "SM4-GCM"})
    void bodyModeMergesOverThePlaceholders(String algorithm) throws Exception {
        Protocol.Session session = session(algorithm, true);
        ObjectNode response = json("{\"Response\":{\"Name\":\"李明\",\"Sex\":\"男\",\"Advanced\":{\"Quality\":90},\"RequestId\":\"r\"}}");
        ObjectNode encrypted = Protocol.encryptResponse(session, response, List.of(), null);
        JsonNode inner = encrypted.get("Response");
        // Strings stay as "" placeholders; a value of another type leaves the response until decrypted.
        assertEquals(List.of("Name", "Sex", "EncryptedBody", "Encryption", "RequestId"), RequestAdditionsTest.names(inner));
        assertEquals("", inner.get("Name").asText());
        ObjectNode plain = Protocol.decryptResponse(session, encrypted);
        assertEquals(response, plain);
        // The body's values replace the placeholders in place; a key the wire lacked comes last.
        assertEquals(List.of("Name", "Sex", "RequestId", "Advanced"), RequestAdditionsTest.names(plain.get("Response")));
        // The vendor's spelling, EncryptionBody, in EncryptList.
        ((ObjectNode) inner.get("Encryption")).putArray("EncryptList").add("EncryptionBody");
        assertEquals(response, Protocol.decryptResponse(session, encrypted));
        // All strings: exactly the response back, order included.
        ObjectNode strings = json("{\"Response\":{\"Name\":\"李明\",\"Sex\":\"男\",\"RequestId\":\"r\"}}");
        assertEquals(compact(strings), compact(Protocol.decryptResponse(session, Protocol.encryptResponse(session, strings, List.of(), null))));
    }

    @Test
    void serviceSessionOfAResponseOnlyRequestRoundTrips(@TempDir Path dir) throws Exception {
        // Client: a response-only request, sent the Node demo's way (Iv null).
        Path pub = TestKeys.writePublic(dir, "sm2");
        Path priv = TestKeys.writePrivate(dir, "sm2");
        JsonNode out = Protocol.JSON.readTree(Main.run(new String[] {"encrypt", "--public-key", pub.toString(), "--algorithm", "SM4-GCM", "--response-only"},
                "{\"Action\":\"GetFaceIdResult\",\"FaceIdToken\":\"t\"}"));
        ObjectNode wire = (ObjectNode) out.get("wire");
        ((ObjectNode) wire.get("Encryption")).putNull("Iv");
        ObjectNode clientSession = (ObjectNode) out.get("session");
        clientSession.putNull("Iv");
        Path clientFile = dir.resolve("client.json");
        Files.writeString(clientFile, clientSession.toString());
        // Service: decrypt with --session-out, answer with a fresh IV.
        Path serviceFile = dir.resolve("service.json");
        Main.run(new String[] {"decrypt", "--private-key", priv.toString(), "--session-out", serviceFile.toString()}, wire.toString());
        assertTrue(Protocol.JSON.readTree(Files.readString(serviceFile)).get("Iv").isNull());
        String encrypted = Main.run(new String[] {"encrypt-response", "--session", serviceFile.toString(), "--field", "Response.Text.IdCard"}, RESPONSE);
        assertFalse(json(encrypted).at("/Response/Encryption/Iv").isNull());
        assertEquals(compact(json(RESPONSE)), Main.run(new String[] {"decrypt-response", "--session", clientFile.toString()}, encrypted).strip());
    }
}
