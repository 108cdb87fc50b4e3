package ocrcrypto.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.bouncycastle.crypto.engines.SM2Engine;
import org.bouncycastle.crypto.params.ParametersWithRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ProtocolTest {
    static final Path VECTORS = Path.of("../../vectors");
    static Map<String, Keys.Private> keys;
    static JsonNode file;

    @BeforeAll
    static void loadKeys() throws Exception {
        file = Protocol.JSON.readTree(Files.readString(VECTORS.resolve("ocrcrypto_vectors.json"), StandardCharsets.UTF_8));
        keys = Vectors.loadKeys(file.get("keys"), "keys");
    }

    static ObjectNode json(String text) throws Exception {
        return (ObjectNode) Protocol.JSON.readTree(text);
    }

    @Test
    void committedVectorsVerify() throws Exception {
        Vectors.Result result = Vectors.verify(VECTORS);
        assertEquals(List.of(), result.failures());
        int total = 0;
        for (String name : List.of("ocrcrypto_vectors.json", "ocrcrypto_key_vectors.json", "ocrcrypto_decrypt_manifest.json")) {
            total += Protocol.JSON.readTree(Files.readString(VECTORS.resolve(name), StandardCharsets.UTF_8)).get("numberOfTests").asInt();
        }
        assertEquals(total, result.checked());
    }

    @Test
    void alteredVectorFails(@TempDir Path dir) throws Exception {
        ObjectNode altered = ((ObjectNode) file).deepCopy();
        for (JsonNode test : altered.get("tests")) {
            if (test.get("mode").asText().equals("response") && test.get("result").asText().equals("valid")) {
                ((ObjectNode) test.get("input").get("response")).put("Injected", "x");
                break;
            }
        }
        Files.writeString(dir.resolve("ocrcrypto_vectors.json"), Protocol.JSON.writeValueAsString(altered));
        assertEquals(1, Vectors.verify(dir).failures().size());
    }

    @Test
    void gbtKnownAnswer() throws Exception {
        Keys.Private key = keys.get("sm2-gbt");
        byte[] message = "encryption standard".getBytes(StandardCharsets.US_ASCII);
        SM2Engine engine = Sm4GcmSuite.engine();
        engine.init(true, new ParametersWithRandom(key.publicKey().sm2(),
                Vectors.kRandom("59276e27d506861a16680f3ad9c02dccef3cc1fa3cdbe4ce6d54b80deac1bc21")));
        byte[] ct = engine.processBlock(message, 0, message.length);
        assertEquals("0404ebfc718e8d1798620432268e77feb6415e2ede0e073c0f4f640ecd2e149a73e858f9d81e5430a57b36daab8f950a3c64e6ee"
                + "6a63094d99283aff767e124df059983c18f809e262923c53aec295d30383b54e39d609d160afcb1908d0bd876621886ca989ca9c"
                + "7d58087307ca93092d651efa", HexFormat.of().formatHex(ct));
    }

    /** SM2Engine's default mode is C1C2C3: a key wrapped that way must not pass as C1C3C2. */
    @Test
    void defaultSm2EngineModeIsTheClassicMistake() throws Exception {
        Keys.Private key = keys.get("sm2");
        byte[] symmetric = new byte[16];
        SM2Engine wrong = new SM2Engine();
        wrong.init(true, new ParametersWithRandom(key.publicKey().sm2(), new SecureRandom()));
        byte[] blob = wrong.processBlock(symmetric, 0, symmetric.length);
        OcrCryptoException e = assertThrows(OcrCryptoException.class, () -> new Sm4GcmSuite().unwrap(blob, key));
        assertEquals(OcrCryptoException.DECRYPTION, e.errorClass());
        byte[] right = new Sm4GcmSuite().wrap(symmetric, key.publicKey(), new SecureRandom());
        assertArrayEquals(symmetric, new Sm4GcmSuite().unwrap(right, key));
    }

    @ParameterizedTest
    @CsvSource({"AES-256-CBC,rsa-1024", "AES-256-CBC,rsa-2048", "SM4-GCM,sm2"})
    void roundTrips(String algorithm, String keyName) throws Exception {
        Keys.Private key = keys.get(keyName);
        for (List<String> fields : List.of(List.<String>of(), List.of("IdCard", "Name"))) {
            ObjectNode params = json("{\"Action\":\"X\",\"IdCard\":\"11010119900101001X\",\"Name\":\"李明\",\"Config\":\"{\\\"a\\\":\\\"<&>\\\"}\"}");
            Protocol.Request request = Protocol.encryptRequest(params, key.publicKey(), algorithm, fields, new SecureRandom());
            Protocol.Decrypted got = Protocol.decryptRequest(request.wire(), key);
            assertEquals(params, got.params());
            ObjectNode response = json("{\"Response\":{\"Name\":\"李明\",\"Text\":{\"IdNum\":\"1\"},\"RequestId\":\"r\"}}");
            for (List<String> responseFields : List.of(List.<String>of(), List.of("Response.Text.IdNum"))) {
                ObjectNode encrypted = Protocol.encryptResponse(got.session(), response, responseFields, null);
                assertEquals(response, Protocol.decryptResponse(request.session(), encrypted));
            }
        }
    }

    @Test
    void errorsHaveTheirClasses() throws Exception {
        ObjectNode params = json("{\"ImageUrl\":\"https://x/a.jpg\"}");
        OcrCryptoException wrongKey = assertThrows(OcrCryptoException.class,
                () -> Protocol.encryptRequest(params, keys.get("rsa-1024").publicKey(), "SM4-GCM", List.of(), new SecureRandom()));
        assertEquals(OcrCryptoException.KEY_FORMAT, wrongKey.errorClass());
        OcrCryptoException unknown = assertThrows(OcrCryptoException.class,
                () -> Protocol.encryptRequest(params, keys.get("sm2").publicKey(), "SM4-CBC", List.of(), new SecureRandom()));
        assertEquals(OcrCryptoException.UNSUPPORTED_ALGORITHM, unknown.errorClass());
        Protocol.Request request = Protocol.encryptRequest(params, keys.get("sm2").publicKey(), "SM4-GCM", List.of(), new SecureRandom());
        ((ObjectNode) request.wire().get("Encryption")).put("EncryptList", "x");
        OcrCryptoException shape = assertThrows(OcrCryptoException.class, () -> Protocol.decryptRequest(request.wire(), keys.get("sm2")));
        assertEquals(OcrCryptoException.ENVELOPE_FORMAT, shape.errorClass());
        assertThrows(OcrCryptoException.class, () -> Keys.loadPublic("not a key"));
    }

    @Test
    void cliContract(@TempDir Path dir) throws Exception {
        Path pub = dir.resolve("pub.txt");
        Path priv = dir.resolve("priv.pem");
        Files.writeString(pub, file.get("keys").get("sm2").get("public").get("vendor").asText());
        Files.writeString(priv, file.get("keys").get("sm2").get("private").get("sec1_pem").asText());
        String params = "{\"ImageUrl\":\"https://x/a.jpg\",\"CardSide\":\"FRONT\"}";
        JsonNode out = Protocol.JSON.readTree(Main.run(new String[] {"encrypt", "--public-key", pub.toString(), "--algorithm", "SM4-GCM"}, params));
        String decrypted = Main.run(new String[] {"decrypt", "--private-key", priv.toString()}, out.get("wire").toString());
        assertEquals(params, decrypted.strip());
        Path session = dir.resolve("session.json");
        Files.writeString(session, out.get("session").toString());
        String encrypted = Main.run(new String[] {"encrypt-response", "--session", session.toString(), "--fresh-iv"}, "{\"Name\":\"x\",\"RequestId\":\"r\"}");
        assertEquals("{\"Name\":\"x\",\"RequestId\":\"r\"}", Main.run(new String[] {"decrypt-response", "--session", session.toString()}, encrypted).strip());
        assertThrows(Main.UsageException.class, () -> Main.run(new String[] {"decrypt"}, "{}"));
        assertTrue(Main.run(new String[] {"verify", VECTORS.toString()}, "").endsWith("vectors verified\n"));
    }
}
