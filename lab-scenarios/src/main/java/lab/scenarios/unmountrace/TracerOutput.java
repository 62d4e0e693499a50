package lab.scenarios.unmountrace;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * What the tracer's bpftrace printed, as both methods' events: read line by line as bpftrace's
 * JSON output comes (or replayed from events.jsonl), and cut into windows by {@link #mark()}.
 */
final class TracerOutput {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<HolderEvents.Ebusy> busy = new ArrayList<>();
    private final List<HolderEvents.Holder> holders = new ArrayList<>();
    private final List<HolderEvents.KernelBusy> kernelBusy = new ArrayList<>();
    private final List<HolderEvents.Holder> releases = new ArrayList<>();
    private final Map<Long, String> cmdlines = new ConcurrentHashMap<>();
    /** The latest task line of each pid: it precedes the holder and release lines of that task. */
    private final Map<Long, HolderEvents.Task> tasks = new ConcurrentHashMap<>();

    /** Window of events from {@link #mark()} on. */
    record Mark(int busy, int holders, int kernelBusy, int releases) { }

    /**
     * One line of bpftrace's JSON output (system()'s output unwrapped: psargs prints JSON
     * itself); the line when it is not one of the tracer's events, for the caller to read, else null.
     */
    JsonNode accept(JsonNode line) {
        String type = line.path("type").asText();
        if ("syscall".equals(type)) {
            try {
                line = JSON.readTree(line.path("data").asText());
                type = line.path("type").asText();
            } catch (IOException e) {
                return null;
            }
        }
        if ("psargs".equals(type)) {
            cmdlines.put(line.path("pid").asLong(), line.path("cmdline").asText());
            return null;
        }
        if (!"printf".equals(type)) return line;
        String data = line.path("data").asText();
        synchronized (this) {
            if (data.startsWith("ebusy ")) busy.add(HolderEvents.parseEbusy(data));
            else if (data.startsWith("task ")) {
                HolderEvents.Task t = HolderEvents.parseTask(data);
                tasks.put(t.pid(), t);
            } else if (data.startsWith("holder ")) holders.add(withTask(HolderEvents.parseHolder(data)));
            else if (data.startsWith("kbusy ")) kernelBusy.add(HolderEvents.parseKernelBusy(data));
            else if (data.startsWith("krelease ")) releases.add(withTask(HolderEvents.parseRelease(data)));
            else return line;
        }
        return null;
    }

    private HolderEvents.Holder withTask(HolderEvents.Holder h) {
        HolderEvents.Task t = tasks.get(h.pid());
        return t == null ? h : h.with(t);
    }

    synchronized Mark mark() {
        return new Mark(busy.size(), holders.size(), kernelBusy.size(), releases.size());
    }

    synchronized int ebusySince(Mark m) {
        return busy.size() - m.busy();
    }

    /** Both methods over the EBUSY events since {@code m}; the kprobe method unavailable when {@code kprobesUnavailable} says why. */
    synchronized Attributions attributions(Mark m, String kprobesUnavailable, Function<HolderEvents.Holder, String> roleOf) {
        return Attributions.of(List.copyOf(busy.subList(m.busy(), busy.size())), List.copyOf(holders.subList(m.holders(), holders.size())),
                List.copyOf(kernelBusy.subList(m.kernelBusy(), kernelBusy.size())), List.copyOf(releases.subList(m.releases(), releases.size())),
                kprobesUnavailable, roleOf, cmdlines);
    }
}
