package lab.api;

import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Predicate;

/**
 * Host-side views of tasks that a container's own view cannot give ({@link LabContext#tasks()}):
 * kernel threads (loop workers, jbd2, flushers live in no container's pid namespace), a host
 * process's threads with their kernel stacks, and a container's memory cgroup counters.
 * Read-only; pick kernel threads by names that carry the run's own devices.
 */
public interface Tasks {
    /** One task's state and kernel stack. */
    record Task(long pid, String comm, String state, List<String> stack) { }

    /** One thread of a process: its state, the system call it is in (/proc/PID/task/TID/syscall) and its kernel stack. */
    record Thread(long tid, String comm, String state, String syscall, List<String> stack) { }

    /** Kernel threads (children of kthreadd) whose name the predicate accepts, with their stacks. */
    List<Task> kernelThreads(Predicate<String> comm);

    /** Every thread of host process {@code hostPid}, or an empty list once it is gone. */
    List<Thread> threads(long hostPid);

    /** The host pid of the process that is {@code nsPid} in the pid namespace of host process {@code inNamespaceOf}. */
    OptionalLong hostPid(long inNamespaceOf, long nsPid);

    /** Memory cgroup counters of the task {@code hostPid} (cgroup v1 or v2), or an empty map. */
    Map<String, String> memcg(long hostPid);
}
