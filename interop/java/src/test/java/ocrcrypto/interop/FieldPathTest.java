package ocrcrypto.interop;

import static ocrcrypto.interop.TestKeys.compact;
import static ocrcrypto.interop.TestKeys.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.util.List;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class FieldPathTest {
    static final String DOC = """
            {"IdCard":"a","Text":{"IdCard":"b","LivenessDetail":[{"Idcard":"c"},{"Idcard":"d"}],"N":1,"Z":null},
             "A":[["x",["y","z"]],[{"B":"e"},[{"B":"f"},{"B":"g"},{"B":"h"}]]],"Response":null,"k-1 x":"i"}""";

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "IdCard|a",
        "Text.IdCard|b",
        "Response.Text.IdCard|b",
        "Text.LivenessDetail[0].Idcard|c",
        "Response.Text.LivenessDetail[1].Idcard|d",
        "A[0][0]|x",
        "A[0][1][1]|z",
        "A[1][0].B|e",
        "A[1][1][2].B|h",
        "k-1 x|i",
    })
    void resolvesToTheString(String path, String expected) throws Exception {
        ObjectNode doc = json(DOC);
        doc.remove("Response");
        assertEquals(expected, FieldPath.parse(path).resolve(doc).text());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".", "A.", ".A", "A..B", "A[", "A]", "A[]", "A[01]", "A[-1]", "A[+1]", "A[1", "A[ 1]",
        "[0]", "A[0]B", "A[0].[1]", "A[x]", "A[1]]"})
    void grammarRejects(String path) {
        OcrCryptoException e = assertThrows(OcrCryptoException.class, () -> FieldPath.parse(path));
        assertEquals(OcrCryptoException.ENVELOPE_FORMAT, e.errorClass());
        assertTrue(e.getMessage().contains("'" + path + "'"), e.getMessage());
    }

    @Test
    void grammarParsesSegmentsAndIndices() throws Exception {
        FieldPath path = FieldPath.parse("A[1][20].B[0]");
        assertEquals(List.of(new FieldPath.Segment("A", List.of(1, 20)), new FieldPath.Segment("B", List.of(0))), path.segments());
        assertThrows(OcrCryptoException.class, () -> FieldPath.parse("A[99999999999]"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"Missing", "Text.N", "Text.Z", "Text", "Text.LivenessDetail", "Text.LivenessDetail[2].Idcard",
        "Text.LivenessDetail.Idcard", "IdCard[0]", "A[0][1]", "A[1][0].C", "Text.IdCard.X", "Response.Text.IdCard"})
    void unresolvedPathsAreErrorsNamingThePath(String path) throws Exception {
        // The document has a "Response" key (null) here, so "Response." is not skipped.
        OcrCryptoException e = assertThrows(OcrCryptoException.class, () -> FieldPath.parse(path).resolve(json(DOC)));
        assertEquals(OcrCryptoException.ENVELOPE_FORMAT, e.errorClass());
        assertTrue(e.getMessage().contains("'" + path + "'"), e.getMessage());
    }

    @Test
    void responseIsSkippedOnlyAsAWholeFirstSegment() throws Exception {
        ObjectNode doc = json("{\"Text\":{\"IdCard\":\"b\"},\"Response\":{\"Text\":{\"IdCard\":\"inner\"}}}");
        assertEquals("inner", FieldPath.parse("Response.Text.IdCard").resolve(doc).text());
        ObjectNode without = json("{\"Text\":{\"IdCard\":\"b\"}}");
        assertThrows(OcrCryptoException.class, () -> FieldPath.parse("Response[0].Text.IdCard").resolve(without));
        assertThrows(OcrCryptoException.class, () -> FieldPath.parse("Responses.Text.IdCard").resolve(without));
    }

    /** Array paths through the real ciphers: replaced in place, everything else untouched. */
    @ParameterizedTest
    @CsvSource({"AES-256-CBC", "SM4-GCM"})
    void encryptsAndDecryptsInPlaceThroughArrays(String algorithm) throws Exception {
        Suite suite = Suite.get(algorithm);
        byte[] key = new byte[suite.keySize()];
        byte[] iv = new byte[suite.ivSize()];
        new SecureRandom().nextBytes(key);
        new SecureRandom().nextBytes(iv);
        Protocol.Session session = new Protocol.Session(algorithm, key, iv, null);
        ObjectNode response = json("{\"Response\":{\"Text\":{\"LivenessDetail\":[{\"Idcard\":\"11010119900101001X\",\"N\":2},"
                + "{\"Idcard\":\"other\"}],\"Name\":\"李明\",\"Null\":null},\"A\":[[\"x\",\"y\"]],\"RequestId\":\"r\"}}");
        List<String> paths = List.of("Response.Text.LivenessDetail[0].Idcard", "A[0][1]", "Text.Name");
        ObjectNode encrypted = Protocol.encryptResponse(session, response, paths, null);
        ObjectNode inner = (ObjectNode) encrypted.get("Response");
        assertNotEquals("11010119900101001X", inner.at("/Text/LivenessDetail/0/Idcard").asText());
        assertEquals("other", inner.at("/Text/LivenessDetail/1/Idcard").asText());
        assertEquals(2, inner.at("/Text/LivenessDetail/0/N").asInt());
        assertEquals("x", inner.at("/A/0/0").asText());
        assertEquals(List.of("Text", "A", "Encryption", "RequestId"), List.copyOf(iterable(inner)));
        assertEquals(compact(response), compact(Protocol.decryptResponse(session, encrypted)));
        OcrCryptoException notString = assertThrows(OcrCryptoException.class,
                () -> Protocol.encryptResponse(session, response, List.of("Text.LivenessDetail[0].N"), null));
        assertTrue(notString.getMessage().contains("Text.LivenessDetail[0].N"), notString.getMessage());
    }

    static List<String> iterable(ObjectNode node) {
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
