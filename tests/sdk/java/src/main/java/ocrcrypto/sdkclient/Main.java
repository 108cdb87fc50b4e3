package ocrcrypto.sdkclient;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.tencentcloudapi.common.AbstractClient;
import com.tencentcloudapi.common.AbstractModel;
import com.tencentcloudapi.common.CommonClient;
import com.tencentcloudapi.common.Credential;
import com.tencentcloudapi.common.exception.TencentCloudSDKException;
import com.tencentcloudapi.common.profile.ClientProfile;
import com.tencentcloudapi.common.profile.HttpProfile;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Calls one API action through the official Tencent Cloud Java SDK, pointed at a custom endpoint
 * the way users do it (HttpProfile endpoint and protocol). The request params are a JSON object on
 * stdin; the response (the part inside "Response") is printed as JSON on stdout. An SDK error
 * prints "error: CODE: message" on stderr and exits 1.
 *
 * <pre>
 * java -jar ocrcrypto-sdk-client.jar --endpoint 127.0.0.1:PORT --secret-id ID --secret-key KEY \
 *     --service ocr --version 2018-11-19 --action RecognizeEncryptedIDCardOCR [--region R] \
 *     [--client auto|product|common]
 * </pre>
 *
 * <p>{@code --client auto} (the default) uses the product client's typed method where the SDK on the
 * class path has it (OCR: {@code OcrClient.RecognizeEncryptedIDCardOCR}, its request model filled by
 * {@code AbstractModel.fromJsonString}), and the SDK's {@code CommonClient.call(action, json)}
 * otherwise (FaceID has no artifact on Maven Central).
 */
public final class Main {
    private Main() {}

    private static final String[] REQUIRED = {"endpoint", "secret-id", "secret-key", "service", "version", "action"};
    private static final String[] KNOWN = {"endpoint", "secret-id", "secret-key", "service", "version", "action", "region", "client"};

    public static void main(String[] argv) throws IOException {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(System.err, true, StandardCharsets.UTF_8);
        Map<String, String> args = new HashMap<>();
        args.put("region", "ap-guangzhou");
        args.put("client", "auto");
        for (int i = 0; i < argv.length; i += 2) {
            String flag = argv[i];
            String name = flag.startsWith("--") ? flag.substring(2) : "";
            if (!java.util.Arrays.asList(KNOWN).contains(name)) {
                usage(err, "unknown argument " + flag);
            }
            if (i + 1 >= argv.length) {
                usage(err, flag + " needs a value");
            }
            args.put(name, argv[i + 1]);
        }
        for (String name : REQUIRED) {
            if (args.get(name) == null || args.get(name).isEmpty()) {
                usage(err, "--" + name + " is required");
            }
        }
        String mode = args.get("client");
        if (!mode.equals("auto") && !mode.equals("product") && !mode.equals("common")) {
            usage(err, "--client is auto, product or common");
        }
        String params = new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
        JsonElement parsed;
        try {
            parsed = JsonParser.parseString(params);
        } catch (RuntimeException e) {
            usage(err, "stdin is not JSON: " + e.getMessage());
            return;
        }
        if (!parsed.isJsonObject()) {
            usage(err, "stdin must be a JSON object");
        }

        Credential credential = new Credential(args.get("secret-id"), args.get("secret-key"));
        HttpProfile httpProfile = new HttpProfile();
        httpProfile.setEndpoint(args.get("endpoint"));
        httpProfile.setProtocol(HttpProfile.REQ_HTTP);
        httpProfile.setReadTimeout(30);
        ClientProfile profile = new ClientProfile();
        profile.setHttpProfile(httpProfile);

        String service = args.get("service");
        String version = args.get("version");
        String action = args.get("action");
        String region = args.get("region");
        try {
            Product product = mode.equals("common") ? null : Product.find(service, version, action);
            if (mode.equals("product") && product == null) {
                usage(err, "no product client with " + action + " for " + service + " " + version);
            }
            String response;
            if (product != null) {
                response = product.call(credential, region, profile, params);
            } else {
                CommonClient client = new CommonClient(service, version, credential, region, profile);
                JsonObject body = JsonParser.parseString(client.call(action, params)).getAsJsonObject();
                response = body.get("Response").toString();
            }
            out.println(response);
        } catch (TencentCloudSDKException e) {
            String code = e.getErrorCode() == null || e.getErrorCode().isEmpty() ? "NoCode" : e.getErrorCode();
            err.println("error: " + code + ": " + e.getMessage());
            System.exit(1);
        }
    }

    private static void usage(PrintStream err, String message) {
        err.println("usage error: " + message);
        System.exit(2);
    }

    /** A product client of the SDK (e.g. com.tencentcloudapi.ocr.v20181119.OcrClient) with the action's typed method. */
    private static final class Product {
        final Class<?> clientClass;
        final Class<?> requestClass;
        final Method method;

        private Product(Class<?> clientClass, Class<?> requestClass, Method method) {
            this.clientClass = clientClass;
            this.requestClass = requestClass;
            this.method = method;
        }

        static Product find(String service, String version, String action) {
            String pkg = "com.tencentcloudapi." + service.toLowerCase(Locale.ROOT) + ".v" + version.replace("-", "");
            String name = Character.toUpperCase(service.charAt(0)) + service.substring(1).toLowerCase(Locale.ROOT) + "Client";
            try {
                Class<?> clientClass = Class.forName(pkg + "." + name);
                Class<?> requestClass = Class.forName(pkg + ".models." + action + "Request");
                return new Product(clientClass, requestClass, clientClass.getMethod(action, requestClass));
            } catch (ClassNotFoundException | NoSuchMethodException e) {
                return null;
            }
        }

        String call(Credential credential, String region, ClientProfile profile, String params) throws TencentCloudSDKException {
            Object request = AbstractModel.fromJsonString(params, requestClass);
            try {
                AbstractClient client = (AbstractClient) clientClass
                        .getConstructor(Credential.class, String.class, ClientProfile.class)
                        .newInstance(credential, region, profile);
                return AbstractModel.toJsonString((AbstractModel) method.invoke(client, request));
            } catch (InvocationTargetException e) {
                if (e.getCause() instanceof TencentCloudSDKException) {
                    throw (TencentCloudSDKException) e.getCause();
                }
                throw new IllegalStateException(e.getCause());
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
