package lab.core.lava;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import lab.core.engine.HostLacksException;
import lab.bundle.Json;
import lab.api.UsageException;

/**
 * LAVA's REST API v0.2 (lava-server 2023.01 and later), authenticated with a user's API token:
 * submit, follow, read results and logs, cancel. Errors say which call failed and LAVA's answer.
 */
public final class LavaClient {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private final URI api;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    public LavaClient(URI server, String token) {
        this.api = server.resolve("api/v0.2/");
        this.token = token;
    }

    public static LavaClient of(LavaSpec s) {
        return new LavaClient(s.url(), s.readToken());
    }

    /** A job as LAVA shows it: state Submitted/Scheduling/Scheduled/Running/Canceling/Finished, health Unknown/Complete/Incomplete/Canceled. */
    public record Job(long id, String state, String health, String device, String submitTime, String startTime, String endTime) {
        public boolean finished() {
            return "Finished".equals(state);
        }
    }

    /**
     * Before anything is submitted: the server answers (else exit 3), the token is accepted
     * (else exit 2), knows the device type (else exit 2) and accepts a job definition of the lab's
     * shape (else exit 2, with the server's reason on one line); the server's version.
     */
    public String check(LavaSpec s) {
        Response v;
        try {
            v = send(request("system/version/").GET().build());
        } catch (LavaException e) {
            throw new HostLacksException("LAVA at " + s.url() + " does not answer: " + e.getMessage());
        }
        if (v.status == 401 || v.status == 403) throw new UsageException("LAVA at " + s.url() + " refuses the token in " + s.token() + ": " + v.brief());
        if (v.status != 200) throw new HostLacksException("LAVA at " + s.url() + " does not answer as LAVA's API v0.2 does: " + v.brief());
        String version = v.json().path("version").asText("?");
        if (token == null) throw new UsageException("LAVA at " + s.url() + " needs an API token: --lava " + s.url() + ",token=FILE");
        Response r = send(request("devicetypes/" + s.deviceType() + "/").GET().build());
        if (r.status == 401 || r.status == 403) throw new UsageException("LAVA at " + s.url() + " refuses the token in " + s.token() + ": " + r.brief());
        if (r.status == 404) throw new UsageException("LAVA at " + s.url() + " has no device type '" + s.deviceType() + "'");
        if (r.status != 200) throw new LavaException("devicetypes/" + s.deviceType() + "/: " + r.brief());
        // A token LAVA accepts for a public read may still be unknown: submitting needs a user.
        Response who = send(request("jobs/?limit=1").GET().build());
        if (who.status == 401 || who.status == 403) throw new UsageException("LAVA at " + s.url() + " refuses the token in " + s.token() + ": " + who.brief());
        String invalid = validate(LavaColumn.sample(s));
        if (invalid != null) throw new UsageException("LAVA at " + s.url() + " refuses the lab's job definition: " + oneLine(invalid));
        return version;
    }

    /** Submits a job definition (YAML); the job's id. */
    public long submit(String definition) {
        Response r = send(request("jobs/").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json(Map.of("definition", definition)))).build());
        if (r.status == 401 || r.status == 403) throw new UsageException("LAVA refuses the token: " + r.brief());
        if (r.status != 201) throw new LavaException("submitting a job: " + r.brief());
        JsonNode ids = r.json().path("job_ids");
        if (!ids.isArray() || ids.isEmpty()) throw new LavaException("submitting a job: no job id in " + r.brief());
        return ids.get(0).asLong();
    }

    static String oneLine(String s) {
        return s.lines().map(String::strip).filter(l -> !l.isEmpty()).reduce((a, b) -> a + " " + b).orElse(s);
    }

    /** LAVA's own check of a definition; null when valid, else its message. */
    public String validate(String definition) {
        Response r = send(request("jobs/validate/").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json(Map.of("definition", definition)))).build());
        String m = r.json().path("message").asText(r.brief());
        return m.startsWith("Job valid") ? null : m;
    }

    public Job job(long id) {
        JsonNode n = get("jobs/" + id + "/");
        return new Job(id, n.path("state").asText(), n.path("health").asText(), n.path("actual_device").asText(null),
                n.path("submit_time").asText(null), n.path("start_time").asText(null), n.path("end_time").asText(null));
    }

    /** Every test-case row of the job (suite, name, result, measurement, metadata). */
    public List<JsonNode> tests(long id) {
        List<JsonNode> out = new ArrayList<>();
        String next = "jobs/" + id + "/tests/?limit=200";
        while (next != null) {
            JsonNode page = next.startsWith("http") ? json(send(HttpRequest.newBuilder(URI.create(next)).timeout(TIMEOUT)
                    .header("Authorization", "Token " + token).GET().build())) : get(next);
            page.path("results").forEach(out::add);
            next = page.path("next").isTextual() ? page.path("next").asText() : null;
        }
        return out;
    }

    /** The job's log: LAVA's YAML list of {dt, lvl, msg}. */
    public String log(long id) {
        Response r = send(request("jobs/" + id + "/logs/").GET().build());
        if (r.status == 404) return "";
        if (r.status != 200) throw new LavaException("jobs/" + id + "/logs/: " + r.brief());
        return r.body;
    }

    /** Asks LAVA to cancel the job (a GET in v0.2); true when LAVA took the request. */
    public boolean cancel(long id) {
        Response r = send(request("jobs/" + id + "/cancel/").GET().build());
        return r.status == 200;
    }

    /** Devices of a type that can run jobs now or soon (not Retired, not Bad). */
    public int devices(String deviceType) {
        return count(deviceType, false);
    }

    /** Devices of a type that are Idle now and can run jobs (as {@link #devices} counts them). */
    public int idleDevices(String deviceType) {
        return count(deviceType, true);
    }

    private int count(String deviceType, boolean idleOnly) {
        JsonNode n = get("devices/?device_type=" + deviceType + "&limit=200");
        int c = 0;
        for (JsonNode d : n.path("results")) {
            String h = d.path("health").asText();
            if ((!idleOnly || "Idle".equals(d.path("state").asText())) && !"Retired".equals(h) && !"Bad".equals(h) && !"Maintenance".equals(h)) c++;
        }
        return c;
    }

    /** A device's state: Idle, Reserved, Running. */
    public String deviceState(String hostname) {
        return get("devices/" + hostname + "/").path("state").asText();
    }

    private JsonNode get(String path) {
        Response r = send(request(path).GET().build());
        if (r.status != 200) throw new LavaException(path + ": " + r.brief());
        return r.json();
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(api.resolve(path)).timeout(TIMEOUT);
        if (token != null) b.header("Authorization", "Token " + token);
        return b;
    }

    private record Response(int status, String body) {
        JsonNode json() {
            try {
                return Json.MAPPER.readTree(body);
            } catch (IOException e) {
                throw new LavaException("not JSON: " + brief());
            }
        }

        String brief() {
            String b = body.strip().replaceAll("\\s+", " ");
            return status + " " + (b.length() > 200 ? b.substring(0, 200) + "…" : b);
        }
    }

    private static JsonNode json(Response r) {
        if (r.status != 200) throw new LavaException(r.brief());
        return r.json();
    }

    private Response send(HttpRequest req) {
        try {
            HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.body());
        } catch (ConnectException e) {
            throw new LavaException("cannot connect to " + req.uri().getHost() + ":" + req.uri().getPort() + " (connection refused)");
        } catch (HttpTimeoutException e) {
            throw new LavaException("no answer from " + req.uri() + " within " + TIMEOUT.toSeconds() + " s");
        } catch (IOException e) {
            throw new LavaException(req.uri() + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LavaException("interrupted");
        }
    }

    private static String json(Object o) {
        try {
            return Json.MAPPER.writeValueAsString(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A LAVA call that failed. */
    public static final class LavaException extends RuntimeException {
        public LavaException(String message) {
            super(message);
        }
    }
}
