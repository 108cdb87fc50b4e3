package ocrcrypto.interop;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An independent Java implementation of the OCR API's envelope over BouncyCastle and the JCE,
 * with the same command-line contract as interop/go.
 */
public final class Main {
    private Main() {}

    static final String USAGE = """
            usage: ocrcrypto-java COMMAND [flags]
              verify DIR
              encrypt --public-key F --algorithm A [--field NAME]... [--response-only]
                                                       params on stdin; {"wire","session"} out
              decrypt --private-key F [--private-key F2]... [--session-out F]
                                                       wire on stdin; params out
              encrypt-response --session F [--field PATH]... [--fresh-iv]
              decrypt-response --session F
              imitate MISTAKE --public-key F --algorithm A [--field NAME]...
                                                       like encrypt, with one real-world mistake (Imitate.java)
            """;

    static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    /** Bad arguments: exit 2. */
    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    public static void main(String[] args) {
        try {
            System.out.print(run(args, new String(System.in.readAllBytes(), StandardCharsets.UTF_8)));
            System.out.flush();
        } catch (UsageException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
        } catch (OcrCryptoException | IOException e) {
            System.err.println("error: " + oneLine(e.getMessage()));
            System.exit(1);
        } catch (RuntimeException e) {
            System.err.println("error: internal error (" + e.getClass().getSimpleName() + ")");
            System.exit(1);
        }
    }

    static String oneLine(String message) {
        return message == null ? "unknown" : message.lines().findFirst().orElse("unknown");
    }

    static String run(String[] args, String stdin) throws UsageException, OcrCryptoException, IOException {
        if (args.length == 0) {
            throw new UsageException("no command\n" + USAGE);
        }
        String command = args[0];
        String publicKey = null, sessionPath = null, sessionOut = null, algorithm = "AES-256-CBC";
        boolean freshIv = false, responseOnly = false;
        List<String> privateKeys = new ArrayList<>();
        List<String> fields = new ArrayList<>();
        List<String> positional = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--public-key" -> publicKey = value(args, ++i, arg);
                case "--private-key" -> privateKeys.add(value(args, ++i, arg));
                case "--session" -> sessionPath = value(args, ++i, arg);
                case "--session-out" -> sessionOut = value(args, ++i, arg);
                case "--algorithm" -> algorithm = value(args, ++i, arg);
                case "--field" -> fields.add(value(args, ++i, arg));
                case "--fresh-iv" -> freshIv = true;
                case "--response-only" -> responseOnly = true;
                default -> {
                    if (arg.startsWith("--")) {
                        throw new UsageException("unknown flag " + arg);
                    }
                    positional.add(arg);
                }
            }
        }
        SecureRandom random = new SecureRandom();
        switch (command) {
            case "verify" -> {
                if (positional.size() != 1) {
                    throw new UsageException("verify takes one directory");
                }
                Vectors.Result result = Vectors.verify(Path.of(positional.get(0)));
                result.failures().forEach(f -> System.err.println("FAIL " + f));
                if (!result.failures().isEmpty()) {
                    throw new OcrCryptoException("VerificationError", result.failures().size() + " of " + result.checked() + " vectors failed");
                }
                return result.checked() + " vectors verified\n";
            }
            case "encrypt" -> {
                if (responseOnly && !fields.isEmpty()) {
                    throw new UsageException("--field and --response-only exclude each other: a response-only request encrypts nothing");
                }
                Keys.Public key = Keys.loadPublic(readBytes(require(publicKey, "--public-key")));
                ObjectNode params = parse(stdin);
                Protocol.Request request = responseOnly
                        ? Protocol.responseOnlyRequest(params, key, algorithm, random)
                        : Protocol.encryptRequest(params, key, algorithm, fields, random);
                ObjectNode out = Protocol.JSON.createObjectNode();
                out.set("wire", request.wire());
                out.set("session", request.session().toJson());
                return Protocol.JSON.writeValueAsString(out) + "\n";
            }
            case "decrypt" -> {
                if (privateKeys.isEmpty()) {
                    throw new UsageException("missing --private-key");
                }
                List<Keys.Private> keyring = new ArrayList<>();
                for (String path : privateKeys) {
                    keyring.add(Keys.loadPrivate(readBytes(path)));
                }
                Protocol.Decrypted decrypted = Protocol.decryptRequest(parse(stdin), keyring);
                if (sessionOut != null) {
                    writeOwnerOnly(Path.of(sessionOut), Protocol.JSON.writeValueAsString(decrypted.session().toJson()) + "\n");
                }
                return Protocol.JSON.writeValueAsString(decrypted.params()) + "\n";
            }
            case "encrypt-response", "decrypt-response" -> {
                String sessionText = read(require(sessionPath, "--session"));
                Protocol.Session session;
                try {
                    session = Protocol.Session.fromJson(Protocol.JSON.readTree(sessionText));
                } catch (IOException e) {
                    throw new OcrCryptoException(OcrCryptoException.ENVELOPE_FORMAT, "session: not valid JSON");
                }
                ObjectNode response = parse(stdin);
                ObjectNode out;
                if (command.equals("decrypt-response")) {
                    out = Protocol.decryptResponse(session, response);
                } else {
                    byte[] iv = null;
                    if (freshIv || session.iv() == null) {
                        iv = new byte[Suite.get(session.algorithm()).ivSize()];
                        random.nextBytes(iv);
                    }
                    out = Protocol.encryptResponse(session, response, fields, iv);
                }
                return Protocol.JSON.writeValueAsString(out) + "\n";
            }
            case "imitate" -> {
                return Imitate.run(positional, publicKey, algorithm, fields, stdin, random);
            }
            default -> throw new UsageException("unknown command " + command + "\n" + USAGE);
        }
    }

    static String value(String[] args, int i, String flag) throws UsageException {
        if (i >= args.length) {
            throw new UsageException(flag + " needs a value");
        }
        return args[i];
    }

    static String require(String value, String flag) throws UsageException {
        if (value == null) {
            throw new UsageException("missing " + flag);
        }
        return value;
    }

    static String read(String path) throws IOException {
        try {
            return Files.readString(Path.of(path), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IOException("cannot read " + path + ": no such file");
        } catch (IOException e) {
            throw new IOException("cannot read " + path + ": " + e.getClass().getSimpleName());
        }
    }

    /** A key file's bytes: the loaders take DER as well as text. */
    static byte[] readBytes(String path) throws IOException {
        try {
            return Files.readAllBytes(Path.of(path));
        } catch (NoSuchFileException e) {
            throw new IOException("cannot read " + path + ": no such file");
        } catch (IOException e) {
            throw new IOException("cannot read " + path + ": " + e.getClass().getSimpleName());
        }
    }

    /** Writes a file only its owner may read (mode 0600): a session holds the symmetric key. */
    static void writeOwnerOnly(Path path, String text) throws IOException {
        try {
            try {
                Files.createFile(path, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            } catch (FileAlreadyExistsException e) {
                Files.setPosixFilePermissions(path, OWNER_ONLY);
            }
            Files.writeString(path, text, StandardCharsets.UTF_8, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            throw new IOException("cannot write " + path + ": " + e.getClass().getSimpleName());
        }
    }

    static ObjectNode parse(String text) throws OcrCryptoException {
        try {
            JsonNode node = Protocol.JSON.readTree(text);
            if (node == null || !node.isObject()) {
                throw new OcrCryptoException(OcrCryptoException.ENVELOPE_FORMAT, "input: not a JSON object");
            }
            return (ObjectNode) node;
        } catch (IOException e) {
            throw new OcrCryptoException(OcrCryptoException.ENVELOPE_FORMAT, "input: not valid JSON");
        }
    }
}
