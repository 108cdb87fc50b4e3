package ocrcrypto.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Random;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The key loaders: every form of vectors/README.md ("What the loaders read"), and refusals. */
class KeysTest {
    static final HexFormat HEX = HexFormat.of();

    static JsonNode key(String name) throws Exception {
        return TestKeys.file().get("keys").get(name);
    }

    static String pemBody(String pem) {
        return pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    }

    static OcrCryptoException refusedPublic(Object input) {
        OcrCryptoException e = assertThrows(OcrCryptoException.class,
                () -> { if (input instanceof String s) Keys.loadPublic(s); else Keys.loadPublic((byte[]) input); });
        assertEquals(OcrCryptoException.KEY_FORMAT, e.errorClass());
        return e;
    }

    static OcrCryptoException refusedPrivate(Object input) {
        OcrCryptoException e = assertThrows(OcrCryptoException.class,
                () -> { if (input instanceof String s) Keys.loadPrivate(s); else Keys.loadPrivate((byte[]) input); });
        assertEquals(OcrCryptoException.KEY_FORMAT, e.errorClass());
        return e;
    }

    @Test
    void everyPublicFormOfTheSm2KeyIsTheSamePoint() throws Exception {
        Keys.Private sm2 = TestKeys.get("sm2");
        String hex = key("sm2").get("public").get("hex").asText();
        String spki = key("sm2").get("public").get("spki_pem").asText();
        byte[] der = Base64.getDecoder().decode(pemBody(spki));
        BigInteger y = new BigInteger(1, HEX.parseHex(hex.substring(66)));
        String compressed = (y.testBit(0) ? "03" : "02") + hex.substring(2, 66);
        for (Object form : new Object[] {hex, hex.toUpperCase(), hex.substring(2), " " + hex.substring(2, 66) + "\n" + hex.substring(66) + " ",
                compressed, spki, spki.replace("\n", "\r\n"), spki.replace("\n", "\\n"), "\ufeff" + spki, der, pemBody(spki),
                Base64.getEncoder().encodeToString(spki.getBytes(StandardCharsets.US_ASCII)), key("sm2").get("public").get("vendor").asText()}) {
            Keys.Public got = form instanceof String s ? Keys.loadPublic(s) : Keys.loadPublic((byte[]) form);
            assertEquals(sm2.publicKey().sm2().getQ(), got.sm2().getQ(), String.valueOf(form));
        }
        // The other parity is the point -P.
        String other = (y.testBit(0) ? "02" : "03") + hex.substring(2, 66);
        assertEquals(sm2.publicKey().sm2().getQ().negate(), Keys.loadPublic(other).sm2().getQ());
    }

    @Test
    void compressedPointsAreValidated() {
        // x = 0 .. 40: roughly half have no square root; those that decompress lie on the curve.
        int refused = 0;
        for (int x = 0; x < 40; x++) {
            String hex = "02" + String.format("%064x", x);
            try {
                Keys.Public key = Keys.loadPublic(hex);
                assertTrue(key.sm2().getQ().isValid());
                assertEquals(BigInteger.valueOf(x), key.sm2().getQ().getAffineXCoord().toBigInteger());
                assertTrue(!key.sm2().getQ().getAffineYCoord().toBigInteger().testBit(0));
            } catch (OcrCryptoException e) {
                assertEquals(OcrCryptoException.KEY_FORMAT, e.errorClass());
                refused++;
            }
        }
        assertTrue(refused > 5 && refused < 35, "refused " + refused);
        refusedPublic("02" + Keys.P.toString(16));
    }

    @Test
    void sm2PrivateHexMayBeShortButNotLongOrOutOfRange() throws Exception {
        assertEquals(BigInteger.ONE, Keys.loadPrivate("1").sm2().getD());
        assertEquals(Keys.SM2.getG().normalize(), Keys.loadPrivate(" 01 ").publicKey().sm2().getQ());
        assertEquals(BigInteger.valueOf(0xabc), Keys.loadPrivate("ABC").sm2().getD());
        assertEquals(Keys.N.subtract(BigInteger.TWO), Keys.loadPrivate(Keys.N.subtract(BigInteger.TWO).toString(16)).sm2().getD());
        refusedPrivate(Keys.N.subtract(BigInteger.ONE).toString(16));
        refusedPrivate("0");
        refusedPrivate("0" + "1".repeat(64));
        String d = key("sm2").get("private").get("hex").asText();
        assertEquals(TestKeys.get("sm2").sm2().getD(), Keys.loadPrivate(d).sm2().getD());
    }

    @Test
    void rsaFormsLoadAndSmallKeysAreRefused() throws Exception {
        Keys.Private rsa = TestKeys.get("rsa-1024");
        String pkcs1 = key("rsa-1024").get("public").get("pkcs1_pem").asText();
        byte[] der = Base64.getDecoder().decode(pemBody(pkcs1));
        byte[] bom = new byte[der.length + 3];
        for (Object form : new Object[] {pkcs1, der, pemBody(pkcs1), key("rsa-1024").get("public").get("spki_pem").asText(),
                ("\uFEFF" + pkcs1).getBytes(StandardCharsets.UTF_8), pkcs1.replace("\n", "\\n")}) {
            Keys.Public got = form instanceof String s ? Keys.loadPublic(s) : Keys.loadPublic((byte[]) form);
            assertEquals(rsa.rsa().getModulus(), got.rsa().getModulus());
        }
        String priv = key("rsa-1024").get("private").get("pkcs1_pem").asText();
        assertEquals(rsa.rsa().getPrivateExponent(), Keys.loadPrivate(Base64.getDecoder().decode(pemBody(priv))).rsa().getPrivateExponent());
        assertTrue(bom.length > 3);
        for (JsonNode test : Protocol.JSON.readTree(Files.readString(TestKeys.VECTORS.resolve("ocrcrypto_key_vectors.json"))).get("tests")) {
            boolean small = false;
            for (JsonNode flag : test.get("flags")) {
                small |= flag.asText().equals("SmallRsa");
            }
            if (small) {
                JsonNode input = test.get("input");
                Object data = input.has("text") ? input.get("text").asText() : HEX.parseHex(input.get("binary").asText());
                OcrCryptoException e = test.get("operation").asText().equals("load_public_key") ? refusedPublic(data) : refusedPrivate(data);
                assertTrue(e.getMessage().contains("too small"), e.getMessage());
            }
        }
    }

    @Test
    void refusals() throws Exception {
        String pkcs8 = key("sm2").get("private").get("pkcs8_pem").asText();
        refusedPublic(pkcs8);
        refusedPrivate(key("sm2").get("public").get("spki_pem").asText());
        refusedPrivate(pkcs8.replace("PRIVATE KEY", "ENCRYPTED PRIVATE KEY"));
        refusedPrivate(pkcs8.substring(0, pkcs8.indexOf("-----END")));
        refusedPrivate(pkcs8.replace("-----BEGIN PRIVATE KEY-----\n", "-----BEGIN PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n"));
        byte[] der = Base64.getDecoder().decode(pemBody(pkcs8));
        byte[] trailing = java.util.Arrays.copyOf(der, der.length + 1);
        refusedPrivate(trailing);
        refusedPrivate(java.util.Arrays.copyOf(der, der.length - 1));
        refusedPublic("");
        refusedPublic(new byte[0]);
        refusedPublic("   \r\n");
        refusedPublic(new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf});
        refusedPublic("-----BEGIN");
        refusedPublic("-----BEGIN PUBLIC KEY-----");
    }

    /** Whatever the bytes, a loader loads or raises KeyFormatError: never another exception. */
    @Test
    void garbageNeverCrashesTheLoaders() throws Exception {
        Random random = new Random(1);
        String[] seeds = {
                key("sm2").get("private").get("pkcs8_pem").asText(), key("sm2").get("private").get("sec1_pem").asText(),
                key("rsa-1024").get("private").get("pkcs1_pem").asText(), key("rsa-1024").get("public").get("spki_pem").asText(),
                key("sm2").get("public").get("spki_pem").asText()};
        for (String seed : seeds) {
            byte[] der = Base64.getDecoder().decode(pemBody(seed));
            for (int i = 0; i < 300; i++) {
                byte[] mutated = der.clone();
                int flips = 1 + random.nextInt(3);
                for (int j = 0; j < flips; j++) {
                    mutated[random.nextInt(mutated.length)] ^= (byte) (1 << random.nextInt(8));
                }
                byte[] cut = java.util.Arrays.copyOf(mutated, 1 + random.nextInt(mutated.length));
                for (byte[] data : new byte[][] {mutated, cut}) {
                    try {
                        Keys.loadPrivate(data);
                    } catch (OcrCryptoException e) {
                        assertEquals(OcrCryptoException.KEY_FORMAT, e.errorClass());
                    }
                    try {
                        Keys.loadPublic(data);
                    } catch (OcrCryptoException e) {
                        assertEquals(OcrCryptoException.KEY_FORMAT, e.errorClass());
                    }
                }
            }
        }
    }

    /** The CLI's --public-key and --private-key read key files of every form, DER included. */
    @Test
    void cliReadsDerAndHexKeyFiles(@TempDir Path dir) throws Exception {
        Path pub = dir.resolve("sm2.hex");
        Files.writeString(pub, key("sm2").get("public").get("hex").asText().toUpperCase() + "\r\n");
        Path priv = dir.resolve("sm2.der");
        Files.write(priv, Base64.getDecoder().decode(pemBody(key("sm2").get("private").get("sec1_pem").asText())));
        String params = "{\"ImageUrl\":\"https://x/a.jpg\"}";
        JsonNode out = Protocol.JSON.readTree(Main.run(new String[] {"encrypt", "--public-key", pub.toString(), "--algorithm", "SM4-GCM"}, params));
        assertEquals(params, Main.run(new String[] {"decrypt", "--private-key", priv.toString()}, out.get("wire").toString()).strip());
        Path rsaDer = dir.resolve("rsa.der");
        Files.write(rsaDer, Base64.getDecoder().decode(pemBody(key("rsa-1024").get("private").get("pkcs8_pem").asText())));
        Path rsaPub = dir.resolve("rsa.pub");
        Files.write(rsaPub, ("\uFEFF" + key("rsa-1024").get("public").get("spki_pem").asText()).getBytes(StandardCharsets.UTF_8));
        out = Protocol.JSON.readTree(Main.run(new String[] {"encrypt", "--public-key", rsaPub.toString()}, params));
        assertEquals(params, Main.run(new String[] {"decrypt", "--private-key", rsaDer.toString()}, out.get("wire").toString()).strip());
        Path bad = dir.resolve("bad.pem");
        for (JsonNode test : Protocol.JSON.readTree(Files.readString(TestKeys.VECTORS.resolve("ocrcrypto_key_vectors.json"))).get("tests")) {
            if (test.get("flags").toString().contains("SmallRsa") && test.get("operation").asText().equals("load_public_key") && test.get("input").has("text")) {
                Files.writeString(bad, test.get("input").get("text").asText());
            }
        }
        assertTrue(Files.exists(bad));
        OcrCryptoException e = assertThrows(OcrCryptoException.class, () -> Main.run(new String[] {"encrypt", "--public-key", bad.toString()}, params));
        assertEquals(OcrCryptoException.KEY_FORMAT, e.errorClass());
    }
}
