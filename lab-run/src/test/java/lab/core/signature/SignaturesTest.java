package lab.core.signature;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import lab.api.Verdict;
import lab.bundle.Json;
import lab.core.fixtures.RunFixtures;
import lab.records.RunRecord;
import lab.records.SignatureEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Signatures of stacks and kernel-log lines captured on this machine (test resources): the stuck
 * tasks of fuse-kill-deadlock, reclaim-deadlock and gluster-close-hang runs, an overlay-root run's
 * kernel.log and a boot WARNING from the host's log. The report formats the lab has not caught here
 * (hung task, WARN_ON with its function, a fault with RIP) are checked on lines in the kernel's
 * printk format, with two occurrences that differ only in what normalization strips.
 */
class SignaturesTest {
    @Test
    void reclaimDeadlockStackIsTheIssueTitle() throws IOException {
        List<Signatures.Found> f = Signatures.ofStacks(json("reclaim-plain-0.json"));
        assertEquals(2, f.size(), "the writer and the FUSE daemon were both stuck");
        for (Signatures.Found x : f) assertEquals("D-state: folio_wait_writeback ← shrink_folio_list ← try_charge_memcg", x.title());
    }

    @Test
    void fuseKillStackSaysTheDyingTaskFlushes() throws IOException {
        List<Signatures.Found> f = Signatures.ofStacks(json("fuse-kill-plain-0.json"));
        assertEquals(1, f.size());
        assertEquals("D-state: fuse_flush ← filp_flush ← do_exit", f.get(0).title());
        assertTrue(f.get(0).sample().startsWith("lab-fused: request_wait_answer+0x1d8/0x290"), f.get(0).sample());
    }

    @Test
    void glusterCloseHangStackFromItsStuckStack() throws IOException {
        List<Signatures.Found> f = Signatures.ofStacks(json("gluster-flush-behind-off-0.json"));
        assertEquals(List.of("S-state: fuse_flush ← filp_flush ← __x64_sys_close"), f.stream().map(Signatures.Found::title).toList());
    }

    @Test
    void kernelLogLinesThatAreNotHeadlinesGiveNoSignature() throws IOException {
        assertEquals(List.of(), Signatures.ofKernelLog(text("overlay-root-kernel.log")));
    }

    @Test
    void bootWarningFromTheHostLogLosesItsTimestamp() throws IOException {
        List<Signatures.Found> f = Signatures.ofKernelLog(text("dmesg-boot-warning.txt"));
        assertEquals(1, f.size());
        assertEquals("Speculative Return Stack Overflow: WARNING: See https://kernel.org/doc/html/latest/admin-guide/hw-vuln/srso.html for mitigation options.",
                f.get(0).title());
    }

    @Test
    void hungTaskNamesTheTaskAndTheFirstFrameThatSaysWhy() {
        String a = hung("lab-copy", 6957, 122, "ffffa3c1c2b4fd48");
        String b = hung("lab-copy", 31002, 245, "ffffb0770ba2fd48");
        List<Signatures.Found> fa = Signatures.ofKernelLog(a), fb = Signatures.ofKernelLog(b);
        assertEquals(1, fa.size());
        assertEquals("INFO: task lab-copy blocked in fuse_flush", fa.get(0).title());
        assertEquals(fa.get(0).title(), fb.get(0).title(), "pid, seconds and addresses are stripped");
        assertTrue(fa.get(0).ours());
    }

    @Test
    void warningIsNamedByItsFunctionInBothFormats() {
        assertEquals("WARNING in __folio_mark_dirty", Signatures.headlineTitle(
                "WARNING: CPU: 1 PID: 30571 at mm/page-writeback.c:2700 __folio_mark_dirty+0x1f3/0x230", List.of()));
        assertEquals("WARNING in __folio_mark_dirty", Signatures.headlineTitle(
                "WARNING: mm/page-writeback.c:2700 at __folio_mark_dirty+0x1f3/0x230, CPU#0: kworker/u8:3/812", List.of()));
    }

    @Test
    void faultsAreNamedByRip() {
        List<String> ctx = List.of("Oops: 0000 [#1] PREEMPT SMP NOPTI", "CPU: 1 UID: 0 PID: 30571 Comm: lab-writer Not tainted 6.18.44 #1",
                "RIP: 0010:fuse_writepage_end+0x3c/0x1d0 [fuse]", "Call Trace:", " <TASK>", " fuse_request_end+0x9a/0x1e0 [fuse]", " </TASK>");
        assertEquals("BUG: kernel NULL pointer dereference in fuse_writepage_end",
                Signatures.headlineTitle("BUG: kernel NULL pointer dereference, address: 0000000000000008", ctx));
        assertEquals("general protection fault in fuse_writepage_end",
                Signatures.headlineTitle("Oops: general protection fault, probably for non-canonical address 0xdead000000000122: 0000 [#1] SMP", ctx));
        assertEquals("BUG: soft lockup in fuse_writepage_end",
                Signatures.headlineTitle("watchdog: BUG: soft lockup - CPU#1 stuck for 26s! [lab-writer:30571]", ctx));
    }

    @Test
    void oneOomIsOneSignature() {
        String log = """
                [ 1402.100000] run  lab-writer invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0
                [ 1402.100100] run  oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=358a40f452,task=lab-writer,pid=30571,uid=0
                [ 1402.100200] run  Memory cgroup out of memory: Killed process 30571 (lab-writer) total-vm:10240kB, anon-rss:2048kB
                [ 1502.100000] host oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,task=stress,pid=812,uid=0
                [ 1502.100100] host Out of memory: Killed process 812 (stress) total-vm:10240kB, anon-rss:2048kB
                """;
        assertEquals(List.of("Memory cgroup out of memory: Killed process lab-writer", "Out of memory: Killed process stress"),
                Signatures.ofKernelLog(log).stream().map(Signatures.Found::title).toList());
    }

    @Test
    void normalizationStripsAddressesPidsAndRunIds() {
        assertEquals("BUG: Bad page state in process lab-writer pfn",
                Signatures.normalize("BUG: Bad page state in process lab-writer  pfn:1a2b3c4d"));
        assertEquals("EXT4-fs error (device loopN): mounted at /lab/<run>/fuse",
                Signatures.normalize("EXT4-fs error (device loop7): mounted at /lab/358a40f452/fuse"));
        assertEquals("kworker", Signatures.comm("kworker/u8:3+loop0"));
        assertEquals("jbd2/loopN-N", Signatures.comm("jbd2/loop0-8"));
        assertNull(Signatures.stackTitle("D", List.of("__schedule+0x1/0x2", "schedule+0x1/0x2", "do_syscall_64+0x71/0x290")));
    }

    @Test
    void indexDeduplicatesAcrossRunsWithFirstAndLastSeen(@TempDir Path dir) throws Exception {
        SignatureIndex idx = new SignatureIndex();
        for (int i = 0; i < 7; i++) {
            Path run = RunFixtures.run(dir, "r" + i, i < 3 ? "6.1.0" : "6.12.0", "20", 3, 10, 0);
            RunRecord rec = Json.MAPPER.readValue(run.resolve("run.json").toFile(), RunRecord.class);
            rec = RunFixtures.with(rec, Map.of("arms", java.util.stream.Stream.concat(rec.arms().stream(),
                    java.util.stream.Stream.of(RunFixtures.arm("plain-with-holder", Verdict.REPRODUCED, 1, 1))).toList()));
            Files.createDirectories(run.resolve("stacks"));
            Files.writeString(run.resolve("stacks/plain-0.json"), text("reclaim-plain-0.json"));
            idx.addRun(rec, run, "r" + i, "2026-11-2" + i, "r" + i);
        }
        List<SignatureEntry> e = idx.entries();
        assertEquals(1, e.size());
        SignatureEntry x = e.get(0);
        assertEquals(14, x.count(), "two stuck tasks per run");
        assertEquals("2026-11-20", x.firstSeen());
        assertEquals("2026-11-26", x.lastSeen());
        assertEquals("r0", x.firstBundle());
        assertEquals(List.of("6.1.0", "6.12.0"), List.copyOf(x.kernels()));
        assertEquals(List.of("unmount-race × plain"), List.copyOf(x.where()), "the arm from the file name, the longest arm that prefixes it");
        assertEquals(SignatureIndex.SAMPLES, x.samples().size());
    }

    /** A hung-task report as the kernel's hung-task detector prints it, with this machine's gluster-close-hang stack. */
    private static String hung(String comm, long pid, int seconds, String sp) {
        return String.join("\n",
                "[ 1500.100000] run  INFO: task " + comm + ":" + pid + " blocked for more than " + seconds + " seconds.",
                "[ 1500.100010] run        Not tainted 6.18.44-fc-v857 #1",
                "[ 1500.100020] run  task:" + comm + "        state:D stack:0     pid:" + pid + "  tgid:" + pid + "  ppid:1      flags:0x00004002",
                "[ 1500.100030] run  Call Trace:",
                "[ 1500.100040] run   <TASK>",
                "[ 1500.100050] run   __schedule+0x3d5/0xb40",
                "[ 1500.100060] run   schedule+0x27/0xa0",
                "[ 1500.100070] run   request_wait_answer+0x16a/0x290",
                "[ 1500.100080] run   ? " + sp,
                "[ 1500.100090] run   __fuse_simple_request+0x120/0x330",
                "[ 1500.100100] run   fuse_flush+0x192/0x1d0",
                "[ 1500.100110] run   filp_flush+0x3b/0x90",
                "[ 1500.100120] run   __x64_sys_close+0x2e/0x80",
                "[ 1500.100130] run   do_syscall_64+0x71/0x290",
                "[ 1500.100140] run   entry_SYSCALL_64_after_hwframe+0x76/0x7e",
                "[ 1500.100150] run   </TASK>") + "\n";
    }

    private static JsonNode json(String name) throws IOException {
        return Json.MAPPER.readTree(text(name));
    }

    private static String text(String name) throws IOException {
        try (InputStream in = SignaturesTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
