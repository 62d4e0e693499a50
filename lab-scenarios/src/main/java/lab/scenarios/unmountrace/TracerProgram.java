package lab.scenarios.unmountrace;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The bpftrace program the tracer runs, made from two templates: umount-holders.bt (syscall
 * tracepoints, always) and, where the kernel has kprobes, umount-kprobes.bt appended to it, so
 * that both methods number the same umounts and name holders with the same task line.
 */
final class TracerProgram {
    static final String SYSCALLS = "/lab/scenarios/unmountrace/umount-holders.bt";
    static final String KPROBES = "/lab/scenarios/unmountrace/umount-kprobes.bt";

    /**
     * Who the current task is, read in the kernel while it holds the mount: parent and
     * grandparent (pid, comm, whether in its own mount namespace) and its first 64 bytes of argv.
     * One printf with the holder's own line would overflow the BPF stack.
     */
    static final String TASK_LINE = String.join("\n    ",
            "$argp = curtask->mm->arg_start;",
            "$argn = curtask->mm->arg_end - $argp;",
            "if ($argn > 64) { $argn = 64; }",
            "$mnt = curtask->nsproxy->mnt_ns->ns.inum;",
            "printf(\"task pid=%d ppid=%d gppid=%d pcomm=%s gcomm=%s pin=%d gin=%d\\nargs=%r\", pid, curtask->real_parent->tgid,",
            "       curtask->real_parent->real_parent->tgid, curtask->real_parent->comm, curtask->real_parent->real_parent->comm,",
            "       curtask->real_parent->nsproxy->mnt_ns->ns.inum == $mnt, curtask->real_parent->real_parent->nsproxy->mnt_ns->ns.inum == $mnt,",
            "       buf(uptr($argp), $argn));");

    /** The kernel's umount function a return probe can watch, and how its first argument leads to the superblock. */
    enum UmountFunction {
        /** 5.9 and later: path_umount(struct path *path, int flags). */
        PATH_UMOUNT("path_umount", "((struct path *)arg0)->mnt->mnt_sb"),
        /** Before 5.9: do_umount(struct mount *mnt, int flags). */
        DO_UMOUNT("do_umount", "((struct mount *)arg0)->mnt.mnt_sb");

        final String symbol;
        final String superblock;

        UmountFunction(String symbol, String superblock) {
            this.symbol = symbol;
            this.superblock = superblock;
        }

        /** The first of these the kernel has, given its traceable function names; null when none is there. */
        static UmountFunction among(java.util.Set<String> functions) {
            for (UmountFunction f : values()) if (functions.contains(f.symbol)) return f;
            return null;
        }
    }

    /** In umount-kprobes.bt, the line after which come the statements for the program's END probe. */
    private static final String AT_END = "//// at END";

    /** Functions the kprobe part needs besides the umount function itself. */
    static final List<String> KPROBE_HELPERS = List.of("propagate_mount_busy", "mntput");

    private TracerProgram() {}

    /** The syscall-tracepoint program for umounts under {@code umountPrefix} and holders under any of {@code holderPrefixes}. */
    static String syscalls(String umountPrefix, List<String> holderPrefixes) {
        return syscalls(umountPrefix, holderPrefixes, "");
    }

    private static String syscalls(String umountPrefix, List<String> holderPrefixes, String atEnd) {
        return resource(SYSCALLS)
                .replace("@@UMOUNT_MATCH@@", match("args->name", List.of(umountPrefix)))
                .replace("@@HOLDER_MATCH_FILENAME@@", match("args->filename", holderPrefixes))
                .replace("@@HOLDER_MATCH_PATHNAME@@", match("args->pathname", holderPrefixes))
                .replace("@@TASK_LINE@@", TASK_LINE)
                .replace("@@END_MORE@@", atEnd);
    }

    /** The same program with the kprobe part on {@code fn} appended, and its END statements in the one END probe. */
    static String withKprobes(String umountPrefix, List<String> holderPrefixes, UmountFunction fn) {
        String k = resource(KPROBES).replace("@@UMOUNT_FN@@", fn.symbol).replace("@@UMOUNT_SB@@", fn.superblock).replace("@@TASK_LINE@@", TASK_LINE);
        int end = k.indexOf(AT_END);
        return syscalls(umountPrefix, holderPrefixes, k.substring(end + AT_END.length()).strip()) + "\n" + k.substring(0, end);
    }

    /** A predicate on a string argument: bpftrace's strncmp needs literal lengths, and literals stay under 64 bytes. */
    static String match(String arg, List<String> prefixes) {
        return prefixes.stream().map(p -> {
            if (p.length() > 63 || p.contains("\"") || p.contains("\\")) throw new IllegalArgumentException("prefix not traceable: " + p);
            return "strncmp(str(" + arg + "), \"" + p + "\", " + p.length() + ") == 0";
        }).collect(Collectors.joining(" || ", "(", ")"));
    }

    private static String resource(String name) {
        try (InputStream in = TracerProgram.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("missing " + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
