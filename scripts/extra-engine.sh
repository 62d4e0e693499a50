#!/usr/bin/env bash
# A second Docker engine on this host, beside the primary one (which it never touches): its
# own dockerd, managed containerd, data root, exec root, unix socket, cgroup parent and
# default bridge, networks from a 10.x/16 that no route and no other engine on the host uses,
# no masquerading, no userland proxy, no sysctl writes, and no iptables rule but one of ours:
# forwarding within its 10.x/16 (the host's FORWARD policy may be DROP, and bridged traffic
# passes it when br_netfilter is loaded).
# (Not --bridge=none: with it dockerd deletes the host's docker0, the primary's bridge.)
#
#   extra-engine.sh start NAME [--tcp PORT --tls]     start (or find running) and print one line:
#                                                      export DOCKER_HOST=... [DOCKER_CERT_PATH=... DOCKER_TLS_VERIFY=1]
#   extra-engine.sh env NAME                           that line again, for a running engine
#   extra-engine.sh stop NAME                          stop it and remove everything it created
#
# --tcp PORT also listens on 127.0.0.1:PORT, and only with --tls: a throwaway CA, server and
# client certificates made with openssl, client certificates required (--tlsverify) on that port.
# Exit 0: done. Exit 1: stop found something it could not remove (named). Exit 2: usage.
# Exit 3: this host cannot start an engine (not root, no dockerd). Exit 4: the engine failed.
set -euo pipefail

RUN_ROOT=${LAB_ENGINES_RUN:-/run/lab-engines}
DATA_ROOT=${LAB_ENGINES_DATA:-/var/lib/lab-engines}
DOCKERD=${DOCKERD:-/usr/sbin/dockerd}
START_TIMEOUT=${LAB_ENGINE_START_TIMEOUT:-60}

die() { local code=$1; shift; echo "extra-engine: $*" >&2; exit "$code"; }
usage() { die 2 "usage: extra-engine.sh start NAME [--tcp PORT --tls] | env NAME | stop NAME"; }

docker_cli() { if [ -x /usr/bin/docker ]; then echo /usr/bin/docker; else command -v docker; fi; }

[ $# -ge 2 ] || usage
cmd=$1 name=$2; shift 2
# The name ends up in a cgroup, paths and bridge-free network names: keep it short and plain.
[[ $name =~ ^[a-z0-9][a-z0-9-]{0,23}$ ]] || die 2 "engine name '$name': lower-case letters, digits and '-', at most 24"
tcp="" tls=0
while [ $# -gt 0 ]; do
  case $1 in
    --tcp) [ $# -ge 2 ] && [[ $2 =~ ^[0-9]+$ ]] && [ "$2" -ge 1 ] && [ "$2" -le 65535 ] || usage; tcp=$2; shift 2 ;;
    --tls) tls=1; shift ;;
    *) usage ;;
  esac
done
[ "$cmd" = start ] || { [ -z "$tcp" ] && [ "$tls" = 0 ]; } || usage
[ "$tls" = 0 ] || [ -n "$tcp" ] || die 2 "--tls needs --tcp PORT (the unix socket is guarded by its file mode)"
# Plain TCP would be root's Docker API for every local user and process: TCP only with client certificates.
[ -z "$tcp" ] || [ "$tls" = 1 ] || die 2 "--tcp PORT needs --tls (without it any local user could drive this root engine)"

state=$RUN_ROOT/$name          # socket, pidfile, log, options, certificates
exec_root=$state/exec          # containerd's socket and state, runc state, network namespaces
data=$DATA_ROOT/$name          # images, containers, volumes, containerd's content
sock=$state/docker.sock
pidfile=$state/dockerd.pid
cgparent=lab-engine-$name
# The default bridge, named after the engine within the 15 characters of an interface name.
bridge=le$(printf '%s' "$name" | sha256sum | cut -c1-10)

[ "$(id -u)" = 0 ] || die 3 "needs root (a second dockerd)"
[ -x "$DOCKERD" ] || die 3 "no $DOCKERD (Debian's docker.io)"
mkdir -p "$RUN_ROOT" "$DATA_ROOT"
# One start/stop at a time on this host, locked on the directory itself: no lock file to leave.
exec 9<"$RUN_ROOT"
flock -w 180 9 || die 4 "another start/stop holds $RUN_ROOT"

cli() { DOCKER_HOST="unix://$sock" DOCKER_TLS_VERIFY= DOCKER_CERT_PATH= DOCKER_CONTEXT= timeout "${CLI_TIMEOUT:-20}" "$(docker_cli)" "$@"; }
answers() { [ -S "$sock" ] && CLI_TIMEOUT=5 cli version --format '{{.Server.Version}}' >/dev/null 2>&1; }

# The dockerd of the pidfile, only when it is really ours (a stale pidfile may name a reused pid).
engine_pid() {
  local pid
  pid=$(cat "$pidfile" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "--data-root $data " || return 1
  echo "$pid"
}

# The engine's own processes: dockerd, its managed containerd and the shims, each known by
# its program and an argument naming our roots (the shims' -address is under our exec root).
our_pids() {
  ps -e -ww -o pid=,args= | awk -v x="$exec_root/" -v d="$data" '
    { n = split($2, a, "/"); prog = a[n] }
    prog ~ /^(dockerd|containerd|containerd-shim.*)$/ {
      for (i = 3; i <= NF; i++) if (index($i, x) == 1 || $i == d) { print $1; next } }'
}

# Every task in the engine's cgroups (its containers' processes), on any v1 hierarchy.
cgroup_tasks() {
  local f
  for f in /sys/fs/cgroup/*/"$cgparent" /sys/fs/cgroup/"$cgparent"; do
    [ -d "$f" ] && find "$f" -name cgroup.procs -exec cat {} + 2>/dev/null
  done | sort -u
  return 0
}

# Mount points at or below our roots, deepest first (field 5 of mountinfo; \040 is a space).
our_mounts() {
  awk -v a="$state" -v b="$data" '{ m = $5; gsub(/\\040/, " ", m);
      if (m == a || index(m, a "/") == 1 || m == b || index(m, b "/") == 1) print length(m) "\t" m }' /proc/self/mountinfo \
    | sort -rn | cut -f2-
}

# Bridges of the engine's networks: those holding an address of its pool (a crashed engine
# cannot be asked for its networks).
our_bridges() {
  local p=${pool:-$(cat "$state/pool" 2>/dev/null)}
  [ -n "$p" ] || return 0
  local p2=${p%.0.0/16}.
  ip -4 -o addr show 2>/dev/null | awk -v p="$p2" 'index($4, p) == 1 { print $2 }' | sort -u \
    | while read -r b; do [ -d "/sys/class/net/$b/bridge" ] && echo "$b"; done
  return 0
}

env_line() {
  local o; o=$(cat "$state/options" 2>/dev/null || true)
  local p t; p=$(sed -n 's/^tcp=//p' <<<"$o"); t=$(sed -n 's/^tls=//p' <<<"$o")
  if [ "$t" = 1 ]; then
    echo "export DOCKER_HOST=tcp://127.0.0.1:$p DOCKER_CERT_PATH=$state/client DOCKER_TLS_VERIFY=1"
  else
    echo "export DOCKER_HOST=unix://$sock DOCKER_CERT_PATH= DOCKER_TLS_VERIFY="
  fi
}

# A throwaway CA, a server certificate for 127.0.0.1/localhost and a client certificate,
# laid out as DOCKER_CERT_PATH expects (ca.pem, cert.pem, key.pem).
make_certs() {
  local d=$state/tls c=$state/client
  mkdir -p "$d" "$c"; chmod 700 "$d" "$c"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=lab-engine $name CA" \
    -keyout "$d/ca-key.pem" -out "$d/ca.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$d/key.pem" -out "$d/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$d/server.ext"
  openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca-key.pem" -CAcreateserial -days 2 \
    -extfile "$d/server.ext" -out "$d/cert.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=lab-client" -keyout "$c/key.pem" -out "$c/client.csr" 2>/dev/null
  printf 'extendedKeyUsage=clientAuth\n' >"$c/client.ext"
  openssl x509 -req -in "$c/client.csr" -CA "$d/ca.pem" -CAkey "$d/ca-key.pem" -CAcreateserial -days 2 \
    -extfile "$c/client.ext" -out "$c/cert.pem" 2>/dev/null
  cp "$d/ca.pem" "$c/ca.pem"
  rm -f "$d/server.csr" "$c/client.csr" "$d/server.ext" "$c/client.ext"
}

# A /16 for user networks that no route and no other extra engine uses (the primary's pools
# are 172.17-31.x and 192.168.x); recorded so that a restart keeps it.
pick_pool() {
  local h i n
  h=$(( $(cksum <<<"$name" | cut -d' ' -f1) % 50 ))
  for i in $(seq 0 49); do
    n=$(( 200 + (h + i) % 50 ))
    ip -4 route show | grep -q "^10\.$n\." && continue
    grep -qsx "10.$n.0.0/16" "$RUN_ROOT"/*/pool && continue
    echo "10.$n.0.0/16"; return 0
  done
  die 4 "no free 10.200-249.0.0/16 for the engine's networks"
}

# The engine's one firewall rule, found by its comment (also after a crash lost the state).
rule_comment() { echo "lab-engine $name"; }
our_rules() { iptables -w -S FORWARD 2>/dev/null | grep -F -- "--comment \"$(rule_comment)\"" || true; }

# Whether anything of an engine of this name is on the host.
traces() {
  [ -e "$state" ] || [ -e "$data" ] || [ -n "$(our_pids)" ] || compgen -G "/sys/fs/cgroup/*/$cgparent" >/dev/null \
    || [ -e "/sys/class/net/$bridge" ] || [ -n "$(our_rules)" ]
}

# Freezes (FROZEN) or thaws (THAWED) the engine's cgroup: cgroup v1's freezer or v2's
# cgroup.freeze. A freeze waits up to 2 s; a task stuck in an uninterruptible wait (a FUSE
# request nobody answers) never freezes, and returns 1 then, but such a task changes nothing.
# Thawing the parent leaves a container a scenario froze itself frozen (v1 and v2 alike).
freeze() {
  local want=$1 f=/sys/fs/cgroup/freezer/$cgparent i
  if [ -w "$f/freezer.state" ]; then
    echo "$want" >"$f/freezer.state" 2>/dev/null || return 1
    [ "$want" = THAWED ] && return 0
    for i in $(seq 1 10); do [ "$(cat "$f/freezer.state" 2>/dev/null)" = FROZEN ] && return 0; sleep 0.2; done
    return 1
  fi
  f=/sys/fs/cgroup/$cgparent
  [ -w "$f/cgroup.freeze" ] || return 1
  if [ "$want" = THAWED ]; then echo 0 >"$f/cgroup.freeze" 2>/dev/null; return 0; fi
  echo 1 >"$f/cgroup.freeze" 2>/dev/null || return 1
  for i in $(seq 1 10); do grep -qx 'frozen 1' "$f/cgroup.events" 2>/dev/null && return 0; sleep 0.2; done
  return 1
}

# FUSE connection ids (device minors) in mountinfo texts on stdin.
fuse_conns() {
  awk '{ for (i = 7; i <= NF; i++) if ($i == "-") break;
         if ($(i+1) ~ /^fuse/ && $3 ~ /^0:/) { split($3, d, ":"); print d[2] } }'
}

# A container task stuck in its own FUSE server's flush survives SIGKILL and keeps its
# container from being removed (the engine gives up after ~12 s): abort the FUSE connections
# mounted in the engine's containers — only theirs, found through their tasks' mountinfo.
# A connection's id is a device minor the kernel hands to the next mount as soon as it is
# free, and the engine's containers may be mounting and unmounting thousands of times a
# second beside another engine doing the same: the engine is frozen while its ids are read
# and aborted, so that an id read is still its own when written to fusectl.
abort_fuse() {
  local pid i conns=""
  [ -n "$(cgroup_tasks)" ] || return 0
  # A stop interrupted here must not leave the engine frozen (a SIGKILL still can: the next
  # stop or start of the name thaws it).
  trap 'freeze THAWED; exit 130' INT
  trap 'freeze THAWED; exit 143' TERM HUP
  # A task waiting on a FUSE server that froze first cannot freeze (nor unmount anything).
  freeze FROZEN || echo "extra-engine: $name: engine partly frozen (tasks wait on frozen FUSE servers)" >&2
  # Per task: a dying leader is a zombie whose own mountinfo is gone; the stuck thread's is not.
  for pid in $(cgroup_tasks); do
    conns+=" $(cat "/proc/$pid"/task/*/mountinfo 2>/dev/null | fuse_conns)"
  done
  # A connection also mounted in a process outside this engine (the host's engine, another
  # engine, the host itself) is not the engine's own: leave it alone.
  local ours=" $(cgroup_tasks | tr '\n' ' ') " outside=""
  for pid in /proc/[0-9]*; do
    pid=${pid#/proc/}
    [[ "$ours" == *" $pid "* ]] && continue
    outside+=" $({ fuse_conns <"/proc/$pid/mountinfo"; } 2>/dev/null)"
  done
  outside=" $(tr '\n' ' ' <<<"$outside") "
  for i in $(tr ' ' '\n' <<<"$conns" | sort -un); do
    [[ "$outside" == *" $i "* ]] && continue
    unshare --mount sh -c "mountpoint -q /sys/fs/fuse/connections || mount -t fusectl none /sys/fs/fuse/connections; echo 1 > /sys/fs/fuse/connections/$i/abort" 2>/dev/null \
      && echo "extra-engine: $name: aborted FUSE connection $i of a container" >&2
  done
  freeze THAWED || true
  trap - INT TERM HUP
  return 0
}

# Seconds since the previous phase of a stop, added to $phases ("abort 2.1 s, rm 3.0 s, ...").
phase() {
  local now; now=$(date +%s.%N)
  phases+="${phases:+, }$1 $(awk -v a="$t_phase" -v b="$now" 'BEGIN { printf "%.1f", b - a }') s"
  t_phase=$now
}

# Removes what a (possibly crashed) engine left: processes, mounts, cgroups, bridges, files.
# Prints what it could not remove; returns non-zero then.
sweep() {
  local pid left=() i
  pool=${pool:-$(cat "$state/pool" 2>/dev/null || true)}
  phases="" t_phase=$(date +%s.%N)
  # The engine is going, and every container with it: FUSE connections first, so that no
  # removal waits on a server deadlocked in its own flush.
  abort_fuse; phase abort
  # Containers while the engine answers: it then removes their mounts and networks itself.
  if answers; then
    local ids; ids=$(cli ps -aq 2>/dev/null || true)
    [ -z "$ids" ] || CLI_TIMEOUT=60 cli rm -f -v $ids >/dev/null 2>&1 || true
    local nets; nets=$(cli network ls -q --filter type=custom 2>/dev/null || true)
    [ -z "$nets" ] || cli network rm $nets >/dev/null 2>&1 || true
  fi
  phase rm
  if pid=$(engine_pid); then
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 150); do [ -d "/proc/$pid" ] || break; sleep 0.2; done
    [ -d "/proc/$pid" ] && kill -KILL "$pid" 2>/dev/null || true
  fi
  phase dockerd
  # A killed dockerd leaves its containerd and shims, and the shims their containers.
  for pid in $(our_pids); do kill -TERM "$pid" 2>/dev/null || true; done
  for i in $(seq 1 25); do [ -z "$(our_pids)" ] && break; sleep 0.2; done
  for pid in $(our_pids) $(cgroup_tasks); do kill -KILL "$pid" 2>/dev/null || true; done
  for i in $(seq 1 25); do [ -z "$(cgroup_tasks)$(our_pids)" ] && break; sleep 0.2; done
  # and once more for any task that got stuck on the way
  phase kill
  abort_fuse
  for i in $(seq 1 25); do [ -z "$(cgroup_tasks)" ] && break; sleep 0.2; done
  phase abort-stuck
  # A killed shim leaves its socket in the host-wide /run/containerd/s, named
  # sha256(containerd address/namespace/container id): ours are computed, never guessed.
  for d in "$data"/containers/*/; do
    [ -d "$d" ] || continue
    rm -f "/run/containerd/s/$(printf '%s' "$exec_root/containerd/containerd.sock/moby/$(basename "$d")" | sha256sum | cut -d' ' -f1)"
  done
  local m
  while read -r m; do [ -n "$m" ] && { umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; }; done < <(our_mounts)
  local d
  for d in /sys/fs/cgroup/*/"$cgparent" /sys/fs/cgroup/"$cgparent"; do
    [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
  local b
  for b in $(our_bridges) "$bridge"; do [ -e "/sys/class/net/$b" ] && ip link del "$b" 2>/dev/null; done
  local r
  while read -r r; do
    [ -n "$r" ] && eval "iptables -w ${r/#-A /-D }" 2>/dev/null || true
  done < <(our_rules)
  [ -z "$(our_mounts)" ] && rm -rf "$data" "$state"
  phase remove

  # What is left, if anything.
  [ -z "$(our_pids)$(cgroup_tasks)" ] || left+=("processes $(echo $(our_pids) $(cgroup_tasks))")
  [ -z "$(our_mounts)" ] || left+=("mounts $(our_mounts | tr '\n' ' ')")
  for d in /sys/fs/cgroup/*/"$cgparent"; do [ -d "$d" ] && left+=("cgroup $d"); done
  [ -z "$(our_bridges)" ] || left+=("bridges $(echo $(our_bridges))")
  [ ! -e "/sys/class/net/$bridge" ] || left+=("bridge $bridge")
  [ -z "$(our_rules)" ] || left+=("iptables $(our_rules | tr '\n' ' ')")
  [ -e "$data" ] && left+=("$data")
  [ -e "$state" ] && left+=("$state")
  if [ ${#left[@]} -gt 0 ]; then
    local IFS=';'
    echo "extra-engine: $name: left behind: ${left[*]}" >&2
    return 1
  fi
  return 0
}

case $cmd in
  env)
    answers || die 4 "$name is not running"
    env_line ;;
  stop)
    if ! traces; then
      echo "extra-engine: $name is not running; nothing left"
      exit 0
    fi
    t0=$(date +%s.%N)
    sweep || exit 1
    printf 'extra-engine: %s stopped in %.1f s (%s); nothing left (processes, mounts, cgroups, bridges, iptables, files)\n' \
      "$name" "$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')" "$phases" ;;
  start)
    want="tcp=$tcp"$'\n'"tls=$tls"
    if engine_pid >/dev/null && answers; then
      have=$(cat "$state/options" 2>/dev/null || true)
      [ "$have" = "$want" ] || die 4 "$name already runs with other options ($(tr '\n' ' ' <<<"$have")); stop it first"
      echo "$(env_line)  # $name already running (dockerd $(engine_pid))"
      exit 0
    fi
    # A previous crash: whatever it left goes before anything new is made.
    if traces; then
      echo "extra-engine: $name: removing what an earlier engine left" >&2
      sweep >&2 || die 4 "cannot clean up after an earlier $name"
    fi
    if [ -n "$tcp" ] && { exec 8<>"/dev/tcp/127.0.0.1/$tcp"; } 2>/dev/null; then
      exec 8>&-; die 4 "127.0.0.1:$tcp is already taken"
    fi
    # dockerd starts its own containerd only when none answers at the default address.
    [ ! -S /run/containerd/containerd.sock ] || die 4 "a system containerd answers at /run/containerd/containerd.sock; dockerd would share it"
    t0=$(date +%s.%N)
    # From here on a failure removes what was made.
    trap 'sweep >&2 || true' EXIT
    mkdir -p "$state" "$exec_root" "$data"
    chmod 700 "$state"
    printf '%s\n' "$want" >"$state/options"
    pool=$(pick_pool); echo "$pool" >"$state/pool"
    # The default bridge: made here, on the pool's last /24; user networks come from its first half.
    net=${pool%.0.0/16}
    ip link add "$bridge" type bridge
    ip addr add "$net.255.1/24" dev "$bridge"
    ip link set "$bridge" up
    iptables -w -I FORWARD -s "$pool" -d "$pool" -m comment --comment "$(rule_comment)" -j ACCEPT
    # Not /etc/docker/daemon.json: the primary's settings (hosts, bridge, ...) are not ours.
    echo '{}' >"$state/daemon.json"
    args=(--config-file "$state/daemon.json" --data-root "$data" --exec-root "$exec_root" --pidfile "$pidfile"
          -H "unix://$sock" --group root
          --bridge "$bridge" --iptables=false --ip6tables=false --ip-masq=false --ip-forward=false --ipv6=false
          --userland-proxy=false --default-address-pool "base=$net.0.0/17,size=24"
          --exec-opt native.cgroupdriver=cgroupfs --cgroup-parent "/$cgparent"
          --storage-driver overlay2 --log-driver json-file)
    if [ -n "$tcp" ]; then
      make_certs
      args+=(-H "tcp://127.0.0.1:$tcp" --tlsverify --tlscacert "$state/tls/ca.pem" --tlscert "$state/tls/cert.pem" --tlskey "$state/tls/key.pem")
    fi
    # setsid: the engine outlives this shell. Its managed containerd lives under the exec root.
    env -u DOCKER_HOST -u DOCKER_TLS_VERIFY -u DOCKER_CERT_PATH -u NOTIFY_SOCKET \
      setsid "$DOCKERD" "${args[@]}" >>"$state/dockerd.log" 2>&1 </dev/null 9>&- &
    for _ in $(seq 1 $((START_TIMEOUT * 5))); do
      answers && break
      if ! kill -0 $! 2>/dev/null; then
        tail -5 "$state/dockerd.log" >&2
        die 4 "dockerd for $name exited while starting"
      fi
      sleep 0.2
    done
    if ! answers; then
      tail -5 "$state/dockerd.log" >&2
      die 4 "dockerd for $name did not answer within $START_TIMEOUT s"
    fi
    if [ -n "$tcp" ]; then
      # The TCP side must answer too (with the client certificate) before we say it is ready.
      tcp_ok=0
      for _ in $(seq 1 50); do
        DOCKER_HOST=tcp://127.0.0.1:$tcp DOCKER_CERT_PATH=$state/client DOCKER_TLS_VERIFY=1 \
          timeout 5 "$(docker_cli)" version >/dev/null 2>&1 && { tcp_ok=1; break; }
        sleep 0.2
      done
      [ "$tcp_ok" = 1 ] || die 4 "dockerd for $name does not answer on 127.0.0.1:$tcp"
    fi
    trap - EXIT
    printf '%s  # %s: dockerd %s answered in %.1f s\n' "$(env_line)" "$name" "$(engine_pid)" "$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')" ;;
  *) usage ;;
esac
