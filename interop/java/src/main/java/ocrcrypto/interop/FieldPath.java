package ocrcrypto.interop;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

/**
 * A field name or dotted path with optional array indices, as in EncryptList and --field:
 * {@code IdCard}, {@code Response.Text.IdCard}, {@code Response.Text.LivenessDetail[0].Idcard},
 * {@code A[1][2].B}. Segments are separated by '.'; a segment is a non-empty name (no '.', '[' or
 * ']') followed by zero or more [N] (N decimal, 0-based, no sign, no leading zeros but "0").
 */
public record FieldPath(String text, List<Segment> segments) {
    /** One name and the array indices that follow it. */
    public record Segment(String name, List<Integer> indices) {}

    private static final Pattern SEGMENT = Pattern.compile("([^.\\[\\]]+)((?:\\[(?:0|[1-9][0-9]*)\\])*)");
    private static final Pattern INDEX = Pattern.compile("\\[([0-9]+)\\]");

    public static FieldPath parse(String text) throws OcrCryptoException {
        if (text == null || text.isEmpty()) {
            throw new OcrCryptoException(OcrCryptoException.ENVELOPE_FORMAT, "path '': expected a field name or dotted path");
        }
        List<Segment> segments = new ArrayList<>();
        for (String part : text.split("\\.", -1)) {
            Matcher m = SEGMENT.matcher(part);
            if (!m.matches()) {
                throw new OcrCryptoException(OcrCryptoException.ENVELOPE_FORMAT,
                        "path '" + text + "': segment '" + part + "' is not a name with optional [N] indices");
            }
            List<Integer> indices = new ArrayList<>();
            Matcher index = INDEX.matcher(m.group(2));
            while (index.find()) {
                try {
                    indices.add(Integer.parseInt(index.group(1)));
                } catch (NumberFormatException e) {
                    throw new OcrCryptoException(OcrCryptoException.ENVELOPE_FORMAT, "path '" + text + "': index " + index.group(1) + " is too large");
                }
            }
            segments.add(new Segment(m.group(1), List.copyOf(indices)));
        }
        return new FieldPath(text, List.copyOf(segments));
    }

    /** Where a path leads: an object and a name, or an array and an index; the value there is a string. */
    public record Location(JsonNode parent, String name, int index) {
        public String text() {
            return (name != null ? parent.get(name) : parent.get(index)).asText();
        }

        public void set(String value) {
            if (name != null) {
                ((ObjectNode) parent).put(name, value);
            } else {
                ((ArrayNode) parent).set(index, TextNode.valueOf(value));
            }
        }
    }

    /**
     * Resolves the path in root (the object that holds the fields). A leading "Response" segment
     * is skipped when root has no "Response" key. Anything but an existing JSON string is an error.
     */
    public Location resolve(ObjectNode root) throws OcrCryptoException {
        List<Segment> steps = segments;
        Segment first = steps.get(0);
        if (steps.size() > 1 && first.name().equals("Response") && first.indices().isEmpty() && !root.has("Response")) {
            steps = steps.subList(1, steps.size());
        }
        JsonNode node = root;
        JsonNode parent = null;
        String name = null;
        int position = -1;
        StringBuilder walked = new StringBuilder();
        for (Segment step : steps) {
            if (!node.isObject()) {
                throw unresolved("'" + walked + "' is " + kind(node) + ", not an object");
            }
            parent = node;
            name = step.name();
            position = -1;
            walked.append(walked.length() == 0 ? "" : ".").append(step.name());
            node = node.get(step.name());
            if (node == null) {
                throw unresolved("no field '" + walked + "'");
            }
            for (int index : step.indices()) {
                if (!node.isArray()) {
                    throw unresolved("'" + walked + "' is " + kind(node) + ", not an array");
                }
                if (index >= node.size()) {
                    throw unresolved("'" + walked + "' has " + node.size() + " element(s), no [" + index + "]");
                }
                parent = node;
                name = null;
                position = index;
                walked.append('[').append(index).append(']');
                node = node.get(index);
            }
        }
        if (!node.isTextual()) {
            throw unresolved("it holds " + kind(node) + ", not a string");
        }
        return new Location(parent, name, position);
    }

    private OcrCryptoException unresolved(String why) {
        return new OcrCryptoException(OcrCryptoException.ENVELOPE_FORMAT, "path '" + text + "' does not name a string: " + why);
    }

    static String kind(JsonNode node) {
        return switch (node.getNodeType()) {
            case OBJECT -> "an object";
            case ARRAY -> "an array";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> node.getNodeType().name().toLowerCase();
        };
    }
}
