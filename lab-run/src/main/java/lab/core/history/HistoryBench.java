package lab.core.history;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;
import lab.api.Arm;
import lab.api.ParamSpec;
import lab.api.Progress;
import lab.api.Scenario;
import lab.api.Verdict;
import lab.bundle.Json;
import lab.core.run.Benchmark;
import lab.records.HistoryRecord;
import lab.records.RunRecord;
import lab.records.RunStatus;
import lab.core.host.Scenarios;
import lab.records.Stats;
import lab.records.Results;
import lab.records.SoakRecord;

/**
 * `lab bench history`: a year of nights generated on disk as `lab nightly` leaves them (each a
 * soak of every registered scenario, every arm, with per-trial samples, findings, stuck stacks on
 * the scenarios that hang and a hung-task report now and then; a kernel upgrade every two months,
 * new images every month), then the history built over them three times. Prints the figures:
 * build time and the page's and history.json's sizes. -Dlab.bench.nights=N changes the count;
 * -Dlab.bench.keep=true keeps the generated directory.
 */
public final class HistoryBench implements Benchmark {
    private static final List<String> FUSE_STACK = List.of("request_wait_answer+0x1d8/0x290", "__fuse_simple_request+0x120/0x330",
            "fuse_flush+0x192/0x1d0", "filp_flush+0x3b/0x90", "filp_close+0x13/0x40", "put_files_struct.part.0+0x5a/0xc0", "do_exit+0x779/0xab0",
            "do_group_exit+0x29/0xb0", "get_signal+0x898/0x8a0", "arch_do_signal_or_restart+0x71/0x2a0", "exit_to_user_mode_loop+0x6b/0xe0",
            "do_syscall_64+0x250/0x290", "entry_SYSCALL_64_after_hwframe+0x76/0x7e");
    private static final List<String> RECLAIM_STACK = List.of("folio_wait_bit+0x120/0x250", "folio_wait_writeback+0x2a/0x90",
            "shrink_folio_list+0xaba/0xf10", "shrink_lruvec+0x923/0xec0", "shrink_node+0x2ff/0x870", "do_try_to_free_pages+0xc6/0x5b0",
            "try_to_free_mem_cgroup_pages+0x13a/0x270", "try_charge_memcg+0x1c2/0x700", "charge_memcg+0x2f/0x90", "__mem_cgroup_charge+0x2c/0x90",
            "filemap_add_folio+0x5a/0x220", "__filemap_get_folio+0x1d9/0x5c0", "ext4_da_write_begin+0xde/0x320", "generic_perform_write+0x9e/0x2b0",
            "vfs_write+0x29c/0x4c0", "ksys_write+0x6f/0xf0", "do_syscall_64+0x71/0x290", "entry_SYSCALL_64_after_hwframe+0x76/0x7e");

    @Override
    public String scenarioId() {
        return "history";
    }

    @Override
    public int run(Consumer<String> say, Progress progress) throws Exception {
        int nights = Integer.getInteger("lab.bench.nights", 365);
        Path root = Files.createTempDirectory("lab-history-bench-");
        List<Scenario> catalogue = Scenarios.all();
        long arms = catalogue.stream().mapToLong(s -> s.arms().size()).sum();
        say.accept(String.format(Locale.ROOT, "history benchmark: %d nights × %d scenarios (%d arms) under %s", nights, catalogue.size(), arms, root));
        long t0 = System.nanoTime();
        Random rnd = new Random(20261202L);
        LocalDate first = LocalDate.of(2026, 1, 1);
        for (int i = 0; i < nights; i++) {
            night(root, first.plusDays(i), i, catalogue, rnd);
            progress.update("generating nights", i + 1, nights, "");
        }
        progress.clear();
        double gen = (System.nanoTime() - t0) / 1e9;
        long bytes;
        try (Stream<Path> s = Files.walk(root)) {
            bytes = s.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
        say.accept(String.format(Locale.ROOT, "generated %d run bundles (%.0f MB) in %.1f s", nights * catalogue.size(), bytes / 1e6, gen));
        double[] build = new double[3];
        HistoryRecord h = null;
        for (int k = 0; k < build.length; k++) {
            long b0 = System.nanoTime();
            h = History.build(root, first.plusDays(nights - 1), null);
            History.write(h, root);
            build[k] = (System.nanoTime() - b0) / 1e9;
            say.accept(String.format(Locale.ROOT, "  build %d: %.2f s (read %.2f s, signatures %.2f s, nights compared in %.2f s, files written in %.2f s)", k + 1,
                    build[k], h.read().readSeconds(), h.read().signaturesSeconds(),
                    h.read().buildSeconds() - h.read().readSeconds() - h.read().signaturesSeconds(), build[k] - h.read().buildSeconds()));
        }
        java.util.Arrays.sort(build);
        long html = Files.size(root.resolve("history.html"));
        long json = Files.size(root.resolve("history.json"));
        say.accept(String.format(Locale.ROOT, "history of %d nights, %d runs: build median %.2f s (goal < 10 s) · history.html %.2f MB (goal < 5 MB) · "
                        + "history.json %.2f MB · %d series, %d flags, %d configuration changes, %d flaky, %d signatures", h.nights().size(), h.read().runs(),
                build[1], html / 1e6, json / 1e6, h.series().size(), h.flags().size(), h.changes().size(), h.series().stream().filter(s -> s.flaky()).count(),
                h.signatures().size()));
        if (!Boolean.getBoolean("lab.bench.keep")) {
            try (Stream<Path> s = Files.walk(root)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        } else {
            say.accept("kept: " + root);
        }
        return 0;
    }

    private static void night(Path root, LocalDate day, int i, List<Scenario> catalogue, Random rnd) throws IOException {
        String stamp = day.toString().replace("-", "") + "-020000";
        Path night = root.resolve("nightly").resolve(stamp);
        Path soak = night.resolve("soaks").resolve(stamp + "-" + String.format("%08x", i));
        String kernel = "6." + (1 + i / 60) + ".0-" + (10 + i / 60) + "-amd64";
        List<Results.Run> runs = new ArrayList<>();
        for (Scenario s : catalogue) {
            RunRecord r = run(s, day, i, kernel, rnd);
            Path dir = soak.resolve("runs").resolve(s.id()).resolve(stamp + "-" + r.runId());
            Files.createDirectories(dir);
            Json.PRETTY.writeValue(dir.resolve("run.json").toFile(), r);
            if (s.id().equals("fuse-kill-deadlock") || s.id().equals("reclaim-deadlock")) {
                Files.createDirectories(dir.resolve("stacks"));
                for (RunRecord.ArmRecord a : r.arms()) {
                    for (int t = 0; t < Math.min(3, a.failures()); t++) {
                        Map<String, Object> task = new LinkedHashMap<>();
                        task.put("pid", 30000 + rnd.nextInt(9000));
                        task.put("comm", s.id().startsWith("fuse") ? "lab-fused" : "lab-writer");
                        task.put("state", "D");
                        task.put("stack", s.id().startsWith("fuse") ? FUSE_STACK : RECLAIM_STACK);
                        Json.PRETTY.writeValue(dir.resolve("stacks/" + a.name() + "-" + t + ".json").toFile(),
                                Map.of("ev", "hang", "id", a.name() + "-" + t, "stuck", List.of(task), "tasks", List.of(task, task, task)));
                    }
                }
            }
            if (s.id().equals("gluster-close-hang") && i % 20 == 7) {
                Files.writeString(dir.resolve("kernel.log"), String.format(Locale.ROOT, "[%12.6f] run  INFO: task lab-copy:%d blocked for more than 122 seconds.%n"
                        + "[%12.6f] run  Call Trace:%n[%12.6f] run   <TASK>%n[%12.6f] run   __schedule+0x3d5/0xb40%n[%12.6f] run   request_wait_answer+0x16a/0x290%n"
                        + "[%12.6f] run   __fuse_simple_request+0x120/0x330%n[%12.6f] run   fuse_flush+0x192/0x1d0%n[%12.6f] run   filp_flush+0x3b/0x90%n"
                        + "[%12.6f] run   </TASK>%n", 1000.0 + i, 7000 + i, 1000.1 + i, 1000.1 + i, 1000.1 + i, 1000.1 + i, 1000.1 + i, 1000.1 + i, 1000.1 + i, 1000.1 + i));
            }
            runs.add(new Results.Run(r, dir));
        }
        SoakRecord rec = new SoakRecord("soak", String.format("%08x", i), RunStatus.COMPLETE, null, day.atTime(2, 0, 1).toInstant(ZoneOffset.UTC).toString(),
                null, new SoakRecord.Spec(catalogue.stream().map(Scenario::id).toList(), null, null, null, null, null, null, 0, 0, null, null, null), 0, 1, null, null,
                null, null, Results.of(soak, runs).tallies(), null);
        Json.PRETTY.writeValue(soak.resolve("soak.json").toFile(), rec);
        Json.PRETTY.writeValue(night.resolve("nightly.json").toFile(), Map.of("night", day.toString(), "at", day.atTime(2, 0).toInstant(ZoneOffset.UTC).toString(),
                "host", "bench/0", "status", "COMPLETE", "soak", night.relativize(soak).toString()));
    }

    /** A run with realistic contents: the host as run.json records it, default parameters, images, privileges, samples and findings. */
    private static RunRecord run(Scenario s, LocalDate day, int i, String kernel, Random rnd) {
        String cmdline = "BOOT_IMAGE=/boot/vmlinuz-" + kernel + " root=UUID=0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0 ro quiet console=ttyS0";
        String configSha = Integer.toHexString(kernel.hashCode()).repeat(8);
        String engineVersion = "20.10.24+dfsg1";
        RunRecord.Host host = new RunRecord.Host("bench", kernel, null, cmdline, null, configSha, null, 2, engineVersion, null,
                new RunRecord.Capabilities(null, List.of("CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID",
                        "SETUID", "SETPCAP", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_ADMIN", "MKNOD"),
                        null, null),
                Map.of("vm.dirty_ratio", "20", "vm.dirty_background_ratio", "10", "vm.dirty_expire_centisecs", "3000",
                        "kernel.hung_task_timeout_secs", "120", "fs.fuse.max_request_timeout", "0"),
                null, null, null, null, Map.of("/", "ext4 rw,relatime", "/tmp", "tmpfs rw"), null);
        Map<String, Object> params = new LinkedHashMap<>();
        for (ParamSpec p : s.params()) params.put(p.name(), p.defaultValue());
        List<RunRecord.ArmRecord> arms = new ArrayList<>();
        for (Arm a : s.arms()) {
            long trials = 100;
            // A race's rate drifts with the load; fixes fail now and then, within noise.
            double p = a.expected() == Verdict.REPRODUCED ? 0.02 + 0.5 * Math.abs(Math.sin(a.name().hashCode() + i / 40.0)) : rnd.nextInt(60) == 0 ? 0.01 : 0;
            long failures = 0;
            for (int t = 0; t < trials; t++) if (rnd.nextDouble() < p) failures++;
            Verdict verdict = failures > 0 ? Verdict.REPRODUCED : Verdict.NOT_REPRODUCED;
            List<Double> samples = new ArrayList<>();
            for (int t = 0; t < trials; t++) samples.add(Math.round(rnd.nextDouble() * 1e5) / 1e3);
            arms.add(new RunRecord.ArmRecord(a.name(), null, a.expected(), null, null, null, verdict, null, verdict == a.expected(), 0, null,
                    failures, trials, 0, null, Stats.rate(failures, trials), Stats.wilson95(failures, trials), null, null, Map.of("detect_ms", samples),
                    List.of(failures + " of " + trials + " failed")));
        }
        List<Map<String, Object>> holders = new ArrayList<>();
        for (int k = 0; k < 5; k++) holders.add(Map.of("holder", "lab-poller", "comm", "stat", "events", rnd.nextInt(20), "stack", "statfs+7 ← poll_thread+638"));
        return new RunRecord(s.id(), s.info().title(), s.info().writeUp(), String.format("%08x%02x", i, Math.abs(s.id().hashCode()) % 256),
                RunStatus.COMPLETE, null, day.atTime(2, 1).toInstant(ZoneOffset.UTC).toString(), day.atTime(2, 9).toInstant(ZoneOffset.UTC).toString(),
                host, new RunRecord.HostFingerprint(Integer.toHexString(kernel.hashCode()), kernel, configSha, cmdline, 2, engineVersion), null, null,
                params, 0, 100, s.info().trialUnit(), Map.of("lab/" + s.id(), "sha256:" + Integer.toHexString((s.id() + i / 30).hashCode()).repeat(8)),
                Map.of("target", Map.of("capAdd", List.of("SYS_ADMIN", "MKNOD"), "devices", List.of("/dev/fuse"))), arms,
                new RunRecord.Findings().with(Map.of("holders", holders)), null, 0);
    }
}
