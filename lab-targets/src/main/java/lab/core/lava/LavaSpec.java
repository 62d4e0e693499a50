package lab.core.lava;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import lab.core.kernel.KernelSpec;
import lab.core.target.Target;
import lab.api.UsageException;

/**
 * A LAVA server the lab submits its runs to, as given:
 * {@code URL[,token=FILE][,device-type=qemu][,tags=a+b][,priority=P][,name=N][,events=WS-URL][,max-bundle=MIB][,callback=http://HOST:PORT]}.
 * The token file holds the API token of a LAVA user (a file, so the token is in no command line and
 * no record); tags and priority pass through to every job; the name prefixes the columns
 * (default lava); events is lava-publisher's WebSocket (default URL's ws/, where Debian's Apache
 * site proxies it); max-bundle caps what a job's guest may send back, as sent and as unpacked
 * (MiB, default 256); callback is where LAVA's workers and their guests reach this CLI's HTTP
 * server (the jobs' artifacts and the bundle receiver; default: this host's source address on the
 * route to the server, any free port).
 */
public record LavaSpec(URI url, Path token, String deviceType, List<String> tags, String priority, String name, URI events, int maxBundleMib,
                       URI callback) {
    static final List<String> PRIORITIES = List.of("low", "medium", "high");
    static final int DEFAULT_MAX_BUNDLE_MIB = 256;

    public LavaSpec {
        tags = List.copyOf(tags);
        if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme()) || url.getHost() == null) {
            throw new UsageException("LAVA server '" + url + "' must be an http:// or https:// URL");
        }
        if (!deviceType.matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) throw new UsageException("malformed LAVA device type '" + deviceType + "'");
        for (String t : tags) if (!t.matches("[A-Za-z0-9][A-Za-z0-9_.:-]*")) throw new UsageException("malformed LAVA tag '" + t + "'");
        if (!PRIORITIES.contains(priority) && !priority.matches("\\d{1,3}")) {
            throw new UsageException("LAVA priority '" + priority + "' must be low, medium, high or 0-100");
        }
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,19}")) throw new UsageException("LAVA name '" + name + "' must be 1-20 of letters, digits, '.', '_', '-'");
        if (!"ws".equals(events.getScheme()) && !"wss".equals(events.getScheme()) || events.getHost() == null) {
            throw new UsageException("LAVA events '" + events + "' must be a ws:// or wss:// URL");
        }
        if (maxBundleMib < 1 || maxBundleMib > 65536) throw new UsageException("LAVA max-bundle " + maxBundleMib + " must be 1-65536 (MiB)");
        if (callback != null && (!"http".equals(callback.getScheme()) || callback.getHost() == null || callback.getPort() > 65535
                || !(callback.getRawPath() == null || callback.getRawPath().isEmpty() || "/".equals(callback.getRawPath()))
                || callback.getRawQuery() != null || callback.getRawUserInfo() != null)) {
            throw new UsageException("LAVA callback '" + callback + "' must be http://HOST:PORT (an address of this host the workers reach)");
        }
    }

    /** {@code URL[,token=FILE][,device-type=T][,tags=a+b][,priority=P][,name=N]}. */
    public static LavaSpec parse(String spec) {
        String[] parts = spec.split(",");
        Map<String, String> o = new LinkedHashMap<>();
        for (int i = 1; i < parts.length; i++) {
            int eq = parts[i].indexOf('=');
            if (eq <= 0) throw new UsageException("malformed --lava option '" + parts[i] + "' in '" + spec + "' (expected key=value)");
            o.put(parts[i].substring(0, eq).strip(), parts[i].substring(eq + 1).strip());
        }
        return of(parts[0].strip(), o, null);
    }

    private static LavaSpec of(String url, Map<String, String> o, Path base) {
        Map<String, String> left = new LinkedHashMap<>(o);
        String token = left.remove("token");
        String type = left.remove("device-type");
        String tags = left.remove("tags");
        String priority = left.remove("priority");
        String name = left.remove("name");
        String events = left.remove("events");
        String maxBundle = left.remove("max-bundle");
        String callback = left.remove("callback");
        if (!left.isEmpty()) {
            throw new UsageException("unknown --lava option(s) " + left.keySet() + " (token, device-type, tags, priority, name, events, max-bundle, callback)");
        }
        if (maxBundle != null && !maxBundle.matches("\\d{1,5}")) throw new UsageException("LAVA max-bundle '" + maxBundle + "' must be a number of MiB, 1-65536");
        URI u = uri(url.endsWith("/") ? url : url + "/", "server URL");
        URI ev = events == null || events.isEmpty() ? uri(u.toString().replaceFirst("^http", "ws") + "ws/", "server URL") : uri(events, "events URL");
        Path t = token == null || token.isEmpty() ? null : base == null ? Path.of(token) : base.resolve(token);
        return new LavaSpec(u, t, type == null ? "qemu" : type, tags == null || tags.isEmpty() ? List.of() : Arrays.asList(tags.split("\\+")),
                priority == null ? "medium" : priority, name == null ? "lava" : name, ev,
                maxBundle == null ? DEFAULT_MAX_BUNDLE_MIB : Integer.parseInt(maxBundle),
                callback == null || callback.isEmpty() ? null : uri(callback, "callback URL"));
    }

    private static URI uri(String s, String what) {
        try {
            return URI.create(s);
        } catch (IllegalArgumentException e) {
            throw new UsageException("malformed LAVA " + what + " '" + s + "': " + e.getMessage());
        }
    }

    /**
     * The {@code lava:} list of an inventory file (none: empty), token paths relative to the file:
     * <pre>
     * lava:
     *   - url: http://lava.example:8000
     *     token: lava-token
     *     device-type: qemu
     *     tags: [big-ram]
     *     priority: high
     *     name: lkft
     * </pre>
     */
    public static List<LavaSpec> inventory(Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UsageException("cannot read the inventory " + file + ": " + e.getMessage().lines().findFirst().orElse(""));
        }
        JsonNode list = root == null ? null : root.get("lava");
        if (list == null) return List.of();
        if (!list.isArray()) throw new UsageException("the inventory " + file + ": lava: must be a list");
        List<LavaSpec> out = new ArrayList<>();
        for (JsonNode n : list) {
            String url = n.path("url").asText("");
            if (url.isEmpty()) throw new UsageException("a lava entry of " + file + " has no url");
            Map<String, String> o = new LinkedHashMap<>();
            n.fields().forEachRemaining(f -> {
                if (f.getKey().equals("url")) return;
                List<String> v = new ArrayList<>();
                if (f.getValue().isArray()) f.getValue().forEach(x -> v.add(x.asText()));
                else v.add(f.getValue().asText());
                o.put(f.getKey(), String.join("+", v));
            });
            out.add(of(url, o, file.toAbsolutePath().getParent()));
        }
        return out;
    }

    /** The fleet's column for jobs of this server that boot {@code kernel}: named NAME-DEVICETYPE-KERNEL. */
    public Target.Lava column(KernelSpec kernel) {
        String k = Target.nameOf(kernel);
        String n = (name + "-" + deviceType + "-" + k);
        if (n.length() > 40) n = n.substring(0, 40);
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("kernel", kernel.text());
        labels.put("device-type", deviceType);
        labels.put("lava", url.toString());
        return new Target.Lava(n, spec(), kernel, labels);
    }

    /** The column's endpoint back to this spec (see {@link #column}). */
    public static LavaSpec of(Target.Lava t) {
        return parse(t.lava());
    }

    /** This spec as --lava takes it. */
    public String spec() {
        StringBuilder b = new StringBuilder(url.toString());
        if (token != null) b.append(",token=").append(token.toAbsolutePath());
        b.append(",device-type=").append(deviceType);
        if (!tags.isEmpty()) b.append(",tags=").append(String.join("+", tags));
        b.append(",priority=").append(priority).append(",name=").append(name).append(",events=").append(events);
        b.append(",max-bundle=").append(maxBundleMib);
        if (callback != null) b.append(",callback=").append(callback);
        return b.toString();
    }

    /** The most a job's guest may send back, as sent and as unpacked. */
    long maxBundleBytes() {
        return (long) maxBundleMib << 20;
    }

    /** The API token, read from its file (its first word); null without a token file. */
    String readToken() {
        if (token == null) return null;
        try {
            String t = Files.readString(token, StandardCharsets.UTF_8).strip();
            if (t.isEmpty() || t.contains("\n") || t.contains(" ")) throw new UsageException("the LAVA token file " + token + " must hold one token on one line");
            return t;
        } catch (IOException e) {
            throw new UsageException("cannot read the LAVA token file " + token + ": " + e.getMessage());
        }
    }
}
