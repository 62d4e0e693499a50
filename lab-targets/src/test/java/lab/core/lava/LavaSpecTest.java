package lab.core.lava;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import lab.core.kernel.KernelSpec;
import lab.bundle.Json;
import lab.core.target.Target;
import lab.api.UsageException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The LAVA target's input, and what it reads back from LAVA and from a job's guest, without a server. */
class LavaSpecTest {
    @Test
    void specsParseIntoColumnsAndBack() {
        LavaSpec s = LavaSpec.parse("http://lava.example:8000,token=/etc/lab/tok,device-type=qemu-x86,tags=big+fast,priority=high,name=lkft");
        assertEquals("http://lava.example:8000/", s.url().toString());
        assertEquals(List.of("big", "fast"), s.tags());
        Target.Lava t = s.column(KernelSpec.parse("debian:6.1"));
        assertTrue(t.endpoint().toString().startsWith("lava:"));
        assertEquals("lkft-qemu-x86-debian-6.1", t.name());
        assertEquals("debian:6.1", t.labels().get("kernel"));
        assertEquals("qemu-x86", t.labels().get("device-type"));
        assertEquals(s, LavaSpec.of(t));
        LavaSpec d = LavaSpec.parse("http://127.0.0.1:8010");
        assertEquals("qemu", d.deviceType());
        assertEquals("medium", d.priority());
        assertEquals("lava-qemu-debian-6.12", d.column(KernelSpec.parse("debian:6.12")).name());
        assertEquals("ws://127.0.0.1:8010/ws/", d.events().toString(), "lava-publisher where Debian's Apache site proxies it");
        LavaSpec e = LavaSpec.parse("https://lava.example/lava,events=ws://127.0.0.1:8011/ws/");
        assertEquals("ws://127.0.0.1:8011/ws/", e.events().toString());
        assertEquals("wss://lava.example/lava/ws/", LavaSpec.parse("https://lava.example/lava").events().toString());
        assertEquals(e, LavaSpec.of(e.column(KernelSpec.parse("debian:6.1"))));
    }

    @Test
    void jobEventsAreTheTestjobTopicOfTheFollowedJobs() {
        // As lava-publisher 2023.01 sends them: [topic, uuid, datetime, user, data as JSON text]
        String ours = "[\"org.lavasoftware.testjob\", \"u\", \"2026-12-02T13:19:13\", \"lab-lava-admin\", "
                + "\"{\\\"job\\\": 10, \\\"state\\\": \\\"Running\\\", \\\"health\\\": \\\"Unknown\\\"}\"]";
        assertTrue(LavaEvents.isJobEvent(ours, id -> id == 10));
        assertTrue(!LavaEvents.isJobEvent(ours, id -> id == 11), "another's job");
        assertTrue(!LavaEvents.isJobEvent(ours.replace("testjob", "device"), id -> true), "a device event");
        assertTrue(!LavaEvents.isJobEvent("not json", id -> true));
    }

    @Test
    void badSpecsAreUsageErrors() {
        for (String bad : List.of("ftp://x", "http://x,tokn=a", "http://x,priority=urgent", "http://x,tags=a b", "http://x,device-type=a/b", "http://x,nope",
                "http://x,events=http://x/ws/")) {
            assertThrows(UsageException.class, () -> LavaSpec.parse(bad), bad);
        }
    }

    @Test
    void inventoryListsServersWithTokensBesideTheFile(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("inv.yaml");
        Files.writeString(f, "lava:\n  - url: http://lava:8000\n    token: tok\n    tags: [a, b]\n    name: lab2\n");
        List<LavaSpec> l = LavaSpec.inventory(f);
        assertEquals(1, l.size());
        assertEquals(tmp.resolve("tok"), l.get(0).token());
        assertEquals(List.of("a", "b"), l.get(0).tags());
        assertEquals(List.of(), Target.inventory(f, tmp), "a LAVA-only inventory has no engines");
    }

    @Test
    void armsBecomeTestCasesCarryingTheirVerdict() throws Exception {
        JsonNode plain = Json.MAPPER.readTree("{\"name\":\"plain\",\"verdict\":\"REPRODUCED\",\"asExpected\":true,\"failures\":2}");
        JsonNode wrong = Json.MAPPER.readTree("{\"name\":\"no-holder\",\"verdict\":\"REPRODUCED\",\"asExpected\":false,\"failures\":1}");
        JsonNode skip = Json.MAPPER.readTree("{\"name\":\"io flusher\",\"verdict\":\"SKIPPED\",\"asExpected\":true,\"failures\":0}");
        assertEquals("plain-reproduced pass 2", GuestStep.line(plain));
        assertEquals("no-holder-reproduced fail 1", GuestStep.line(wrong));
        assertEquals("io_flusher-skipped skip 0", GuestStep.line(skip));
    }

    @Test
    void lavaErrorsAndConsoleTailComeFromItsRecords() throws Exception {
        List<JsonNode> tests = List.of(Json.MAPPER.readTree("{\"suite\":5,\"name\":\"job\",\"result\":\"fail\","
                + "\"metadata\":\"case: job\\ndefinition: lava\\nerror_msg: wait for prompt timed out\\nerror_type: Job\\nresult: fail\\n\"}"));
        assertEquals("Job error: wait for prompt timed out", LavaColumn.errorOf(tests).orElseThrow());
        String log = "- {\"dt\": \"2026-12-02T10:00:00.1\", \"lvl\": \"info\", \"msg\": \"start: 2 qemu\"}\n"
                + "- {\"dt\": \"2026-12-02T10:00:01.1\", \"lvl\": \"target\", \"msg\": \"Kernel panic - not syncing: VFS\"}\n"
                + "- {\"dt\": \"2026-12-02T10:00:02.1\", \"lvl\": \"target\", \"msg\": \"---[ end Kernel panic ]---\"}\n";
        assertEquals(List.of("---[ end Kernel panic ]---"), LavaColumn.consoleTail(log, 1));
        assertEquals(2.0, LavaColumn.seconds("2026-12-02T10:00:00.1Z", "2026-12-02T10:00:02.1"), 1e-9);
    }

    /** Inside the column's folder only: no "..", nothing through a link already in it. */
    @Test
    void aBundleUnpacksInsideItsColumnOnly(@TempDir Path tmp) throws Exception {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.createDirectories(tmp.resolve("col"));
        Files.createSymbolicLink(tmp.resolve("col/link"), outside);
        byte[] json = "{}".getBytes(StandardCharsets.UTF_8);
        Map<String, byte[]> files = new java.util.LinkedHashMap<>();
        files.put("./fuse-kill-deadlock/20261202-100000-ab12/run.json", json);
        files.put("../escape/run.json", json);
        files.put("link/run.json", json);
        Path tgz = Files.write(tmp.resolve("b.tgz"), ReceiverTest.tgz(files));
        List<Path> bundles = BundleArchive.unpack(tgz, tmp.resolve("col"), 1 << 20);
        assertEquals(List.of(tmp.resolve("col/fuse-kill-deadlock/20261202-100000-ab12")), bundles);
        assertTrue(!Files.exists(tmp.resolve("escape")));
        try (java.util.stream.Stream<Path> s = Files.list(outside)) {
            assertEquals(0, s.count(), "nothing written through the link");
        }
        try (java.util.stream.Stream<Path> s = Files.list(tmp.resolve("col"))) {
            assertEquals(List.of("fuse-kill-deadlock", "link"), s.map(p -> p.getFileName().toString()).sorted().toList(), "no staging folder left");
        }
    }

    /** 16 MiB of zeros in some 16 kB of gzip, beside a bundle: nothing of the archive is kept. */
    @Test
    void aBundleThatUnpacksOverTheLimitLeavesNothing(@TempDir Path tmp) throws Exception {
        Map<String, byte[]> files = new java.util.LinkedHashMap<>();
        files.put("./a/20261202-100000-ab12/run.json", "{}".getBytes(StandardCharsets.UTF_8));
        files.put("./a/20261202-100000-ab12/zeros", new byte[16 << 20]);
        Path tgz = Files.write(tmp.resolve("b.tgz"), ReceiverTest.tgz(files));
        Path col = tmp.resolve("col");
        assertThrows(BundleArchive.TooLarge.class, () -> BundleArchive.unpack(tgz, col, 1 << 20));
        assertThrows(BundleArchive.TooLarge.class, () -> BundleArchive.check(tgz, 1 << 20));
        try (java.util.stream.Stream<Path> s = Files.list(col)) {
            assertEquals(List.of(), s.toList(), "nothing unpacked");
        }
        assertTrue(BundleArchive.check(tgz, 17 << 20) > 16 << 20, "under a larger limit it unpacks");
    }

    /** The definition holds the receiver's secret URL: only the token's user may read the job. */
    @Test
    void jobsArePersonal() {
        Map<String, Object> job = LavaColumn.settings(LavaSpec.parse("http://127.0.0.1:8010"), "lab x", 10);
        assertEquals("personal", job.get("visibility"), job.toString());
    }

    @Test
    void maxBundleIsMibAndRoundTrips() {
        LavaSpec d = LavaSpec.parse("http://127.0.0.1:8010");
        assertEquals(256L << 20, d.maxBundleBytes());
        LavaSpec s = LavaSpec.parse("http://127.0.0.1:8010,max-bundle=512");
        assertEquals(512L << 20, s.maxBundleBytes());
        assertEquals(s, LavaSpec.of(s.column(KernelSpec.parse("debian:6.1"))));
        for (String bad : List.of("http://x,max-bundle=0", "http://x,max-bundle=1G", "http://x,max-bundle=-5", "http://x,max-bundle=99999")) {
            assertThrows(UsageException.class, () -> LavaSpec.parse(bad), bad);
        }
    }
}
