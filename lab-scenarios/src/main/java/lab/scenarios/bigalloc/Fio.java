package lab.scenarios.bigalloc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The figures the report takes from fio's JSON output. */
record Fio(double writeBps, double writeIops, long bytesWritten) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Parses `fio --output-format=json`. fio may print notices before the JSON object (e.g.
     * "fio: ... fallback"), so parsing starts at the first brace.
     */
    static Fio parse(String stdout) {
        int brace = stdout.indexOf('{');
        if (brace < 0) throw new IllegalArgumentException("no JSON in fio's output: " + stdout.strip());
        JsonNode root;
        try {
            root = JSON.readTree(stdout.substring(brace));
        } catch (Exception e) {
            throw new IllegalArgumentException("fio's output is not JSON: " + e.getMessage());
        }
        JsonNode w = root.path("jobs").path(0).path("write");
        if (w.isMissingNode()) throw new IllegalArgumentException("fio's JSON has no jobs[0].write");
        return new Fio(w.path("bw_bytes").asDouble(), w.path("iops").asDouble(), w.path("io_bytes").asLong());
    }
}
