#!/usr/bin/env python3
"""What the unmount-race driver's container costs it, one difference at a time.

Runs lab-cycle (the image's own binary, copied to BIN with its libfuse3.so.3) for the same
FUSE cycles in several set-ups, interleaved in random order each round, and prints per set-up
the median cycles/s (wall) and cycles per CPU-second of the driver (user+sys of the lab-cycle
process, threads included: less sensitive to other users of a shared machine), each as a ratio
against the first set-up. Needs root, cgroup v1 with Docker's cgroupfs layout, and two
containers of the unmount-race image made like the lab's target, with a tmpfs at /lab/pool:
CTR, and CTR2 that has a second container sharing its pid namespace (the poller's place).

  unmount-race-costs.py BIN CTR CTR2 ROUNDS CYCLES MODE[,MODE...]

Modes (every pool on a tmpfs unless said):
  host        unshare -m (private), a tmpfs at the prefix        (the bench's bare host)
  host-disk   unshare -m (private), prefix in BIN/.. (its disk)  (the bench's old bare host)
  host-ovl    unshare -m, prefix on an overlay whose upper dir is on BIN/..'s disk
  host-cg     as host, the driver first joined to every v1 cgroup of CTR
  host-pidns  as host, in a new pid namespace too
  nsmnt       CTR's mount namespace alone (nsenter -m)
  nsall       all of CTR's namespaces, not its cgroups (nsenter -a)
  ctr         docker exec -i CTR lab-cycle                        (as the lab runs it)
  ctr-poller  docker exec -i CTR2 lab-cycle
"""
import json, os, random, statistics, subprocess, sys

BIN, CTR, CTR2, ROUNDS, CYCLES, MODES = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6].split(",")
WORK = os.path.dirname(os.path.abspath(BIN))
LC = os.path.join(BIN, "lab-cycle")
CGROUPS = ["cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids", "systemd"]
# The paths are the scripts' arguments, never part of their text.
TMPFS = 'mkdir -p "$1" && mount -t tmpfs -o size=16m,mode=0755 lab-pool "$1" && exec "$2"'
OVERLAY = ('mkdir -p "$1/l" "$1/u" "$1/w" "$1/m" && mount -t overlay overlay -o "lowerdir=$1/l,upperdir=$1/u,workdir=$1/w" "$1/m"'
           ' && exec "$2"')
JOIN = 'for f in "$@"; do echo $$ > "$f" || exit 1; done; exec unshare -m --propagation private sh -c "$0" sh "$P" "$LC"'


def inspect(c, what):
    return subprocess.check_output(["docker", "inspect", "-f", what, c], text=True).strip()


cid, pid1, pid2 = inspect(CTR, "{{.Id}}"), inspect(CTR, "{{.State.Pid}}"), inspect(CTR2, "{{.State.Pid}}")
ctr_pidns = {os.readlink(f"/proc/{p}/ns/pid") for p in (pid1, pid2)}


def setup(mode):
    private = ["unshare", "-m", "--propagation", "private"]
    p = os.path.join(WORK, "pool-" + mode)
    if mode == "host": return private + ["sh", "-c", TMPFS, "sh", p, LC], p, {}
    if mode == "host-disk": return private + [LC], p, {}
    if mode == "host-ovl": return private + ["sh", "-c", OVERLAY, "sh", p, LC], p + "/m/lab", {}
    if mode == "host-pidns": return ["unshare", "-m", "-p", "-f", "--propagation", "private", "sh", "-c", TMPFS, "sh", p, LC], p, {}
    if mode == "host-cg":
        return ["sh", "-c", JOIN, TMPFS] + [f"/sys/fs/cgroup/{c}/docker/{cid}/cgroup.procs" for c in CGROUPS], p, {"P": p, "LC": LC}
    if mode == "nsmnt": return ["nsenter", "-t", pid1, "-m", "/usr/local/bin/lab-cycle"], "/lab/pool/nsmnt", {}
    if mode == "nsall": return ["nsenter", "-t", pid1, "-a", "/usr/local/bin/lab-cycle"], "/lab/pool/nsall", {}
    if mode == "ctr": return ["docker", "exec", "-i", CTR, "lab-cycle"], "/lab/pool/ctr", {}
    if mode == "ctr-poller": return ["docker", "exec", "-i", CTR2, "lab-cycle"], "/lab/pool/ctr2", {}
    sys.exit("unknown mode " + mode)


def ancestors(pid):
    out = []
    while pid > 1:
        try:
            pid = int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError):
            break
        out.append(pid)
    return out


def cpu_seconds(started):
    """user+sys of the lab-cycle this run started: a descendant of it, or the one in a container's pid namespace."""
    for d in filter(str.isdigit, os.listdir("/proc")):
        try:
            st = open(f"/proc/{d}/stat").read()
            if "(lab-cycle)" not in st: continue
            if int(d) != started and started not in ancestors(int(d)) and os.readlink(f"/proc/{d}/ns/pid") not in ctr_pidns: continue
            f = st.rsplit(")", 1)[1].split()
            return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError):
            continue
    return None


def one(mode):
    argv, prefix, env = setup(mode)
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         env=dict(os.environ, LD_LIBRARY_PATH=BIN, **env))
    p.stdin.write(f"run arm={mode} fs=fuse prefix={prefix} mounts=32 live=32 cycles={CYCLES} duration_ms=120000 umount=plain "
                  "size_kb=4 hold_ms=0 max_retries=12 backoff_us=100 fs_mb=64 holder_scan=0 seed=1\n")
    p.stdin.flush()
    result = None
    for line in p.stdout:
        n = json.loads(line) if line.startswith("{") else {"ev": "error", "msg": line.strip()}
        if n.get("ev") == "error": print(mode, n.get("msg"), file=sys.stderr)
        if n.get("ev") == "done":
            cpu = cpu_seconds(p.pid)
            result = (n["cycles_per_s"], n["cycles"] / cpu if cpu else float("nan"), n.get("pool_fs", "?"))
            break
    p.stdin.write("quit\n")
    p.stdin.close()
    p.wait(30)
    if result is None: sys.exit(f"{mode}: no result")
    return result


res = {m: [] for m in MODES}
print("load", open("/proc/loadavg").read().strip())
for i in range(ROUNDS):
    order = MODES[:]
    random.shuffle(order)
    for m in order: res[m].append(one(m))
    print(f"round {i + 1}, load {open('/proc/loadavg').read().split()[0]}: "
          + " ".join(f"{m}={res[m][-1][0]:.0f}/{res[m][-1][1]:.0f}" for m in MODES), flush=True)
print("load", open("/proc/loadavg").read().strip())
w0 = statistics.median(r[0] for r in res[MODES[0]])
c0 = statistics.median(r[1] for r in res[MODES[0]])
for m in MODES:
    w, c = statistics.median(r[0] for r in res[m]), statistics.median(r[1] for r in res[m])
    print(f"{m:11s} pool on {res[m][0][2]:9s} cycles/s {w:6.0f} ({w / w0:.2f}x)   cycles per CPU-s {c:6.0f} ({c / c0:.2f}x)")
