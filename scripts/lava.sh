#!/usr/bin/env bash
# A LAVA instance on this host, from Debian's packages (lava-server, lava-dispatcher), brought
# up without systemd: PostgreSQL, gunicorn serving LAVA's web and REST API on 127.0.0.1 (no
# Apache), lava-publisher, lava-scheduler with scheduler events on (it wakes on a submission
# instead of polling every 20 s), and two lava-worker processes with a 2 s ping (a worker picks a
# job up and reports its end within 2 s instead of 20), each with one QEMU device. The devices
# force TCG in their dictionaries (no_kvm; /dev/kvm on this machine kind is a software
# hypervisor that runs stock kernels >100 times slower), so no job can turn KVM back on.
#
#   lava.sh start [--port PORT] [--workers local|container]
#                                 install when missing, start (or find running, saying so on
#                                 stderr), print one line:
#                                 export LAB_LAVA=http://127.0.0.1:PORT,token=FILE,events=ws://127.0.0.1:PORT+1/ws/
#                                 --workers container: the two workers run in containers of
#                                 their own (image lab/lava-worker:bookworm from
#                                 scripts/lava-worker/Dockerfile on the lab's lab/base:bookworm)
#                                 on the Docker network lab-lava-net this script creates; the
#                                 server also listens at the network's gateway, the workers
#                                 reach it and the CLI only there (no shared folder), and the
#                                 line ends with ,callback=http://GATEWAY:0 (the CLI's artifact
#                                 server and receiver listen at the gateway, any free port)
#   lava.sh stop                  stop every process start started (by its pid), remove the
#                                 containers and the network it created, and stop PostgreSQL
#                                 when start started it
#   lava.sh install [--workers container]
#                                 only install when missing, with --workers container also build
#                                 the workers' image (`./lab test` runs it in the background
#                                 while the other tests run; start waits on its lock)
#
# Secrets: the admin's API token and each worker's token are files of mode 0600 in STATE; they
# reach programs through those files or a pipe, never a command line (ps shows those to all).
# Installing replaces Debian's fuse with fuse3 (ntfs-3g, through libguestfs); the lab needs no
# fusermount. Names: admin user, workers and devices start with lab-lava-.
# Exit 0: done. Exit 2: usage. Exit 3: this host cannot run LAVA (not root, no apt, install
# failed). Exit 4: LAVA failed to come up (its logs are named).
set -euo pipefail

RUN=${LAB_LAVA_RUN:-/run/lab-lava}          # pids and process logs
STATE=${LAB_LAVA_STATE:-/var/lib/lab-lava}  # the API token, install log, markers
PORT=${LAB_LAVA_PORT:-8010}
PING=2
SPAWNED=0
DEVICES=(lab-lava-qemu-01 lab-lava-qemu-02)
WORKERS=local
NETWORK=lab-lava-net
WORKER_IMAGE=lab/lava-worker:bookworm
HERE=$(cd "$(dirname "$0")" && pwd)

die() { local code=$1; shift; echo "lava.sh: $*" >&2; exit "$code"; }
usage() { die 2 "usage: lava.sh start [--port PORT] [--workers local|container] | stop | install [--workers container]"; }
[ $# -ge 1 ] || usage
cmd=$1; shift
while [ $# -gt 0 ]; do
  case $1 in
    --port) [ $# -ge 2 ] && [[ $2 =~ ^[0-9]+$ ]] || usage; PORT=$2; shift 2 ;;
    --workers) [ $# -ge 2 ] && [[ $2 =~ ^(local|container)$ ]] || usage; WORKERS=$2; shift 2 ;;
    *) usage ;;
  esac
done
EVENTS_PORT=$((PORT + 1))   # lava-publisher's WebSocket (no Apache to proxy it under PORT)
[ "$(id -u)" = 0 ] || die 3 "needs root (Debian packages, PostgreSQL, lava-worker)"
mkdir -p "$RUN" "$STATE"
chmod 700 "$STATE"
exec 9<"$STATE"
flock -w 300 9 || die 4 "another lava.sh holds $STATE"

# The process recorded as NAME, only while it is still the one we started (a stale pid may be reused).
pid_of() {
  local n=$1 pid
  pid=$(cat "$RUN/$n.pid" 2>/dev/null) || return 1
  [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$(cat "$RUN/$n.match")" || return 1
  echo "$pid"
}

# spawn NAME MATCH COMMAND...: in its own session, so a Ctrl-C at the caller's terminal does not reach it.
spawn() {
  local n=$1 match=$2; shift 2
  pid_of "$n" >/dev/null && return 0
  SPAWNED=$((SPAWNED + 1))
  printf '%s' "$match" >"$RUN/$n.match"
  # fd 9 (the lock) closed: the lock must not live on in the processes it started
  setsid "$@" >"$RUN/$n.log" 2>&1 </dev/null 9<&- &
  echo $! >"$RUN/$n.pid"
}

api() { curl -fsS --max-time 5 "http://127.0.0.1:$PORT/api/v0.2/$1"; }
# The same with the admin token, handed to curl as a config on its stdin: a command line is
# readable by every local user (ps), a pipe from the shell's own printf is not.
api_admin() { printf 'header = "Authorization: Token %s"\n' "$(<"$STATE/token")" | curl -fsS --max-time 5 -K - "http://127.0.0.1:$PORT/api/v0.2/$1"; }

install() {
  [ "$(dpkg-query -W -f='${Status}\n' lava-server lava-dispatcher 2>/dev/null | grep -c 'install ok installed')" = 2 ] && return 0
  command -v apt-get >/dev/null || die 3 "LAVA is not installed and this host has no apt-get"
  echo "lava.sh: installing lava-server and lava-dispatcher from Debian's packages (log: $STATE/install.log)" >&2
  local t0=$SECONDS
  # lava-server's postinst creates its database: PostgreSQL must answer first.
  postgres_up
  # A fresh host's package lists may be missing or stale: update them once when the install fails.
  local apt=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends lava-server lava-dispatcher)
  "${apt[@]}" >>"$STATE/install.log" 2>&1 9<&- \
    || { apt-get update -q >>"$STATE/install.log" 2>&1 9<&- && "${apt[@]}" >>"$STATE/install.log" 2>&1 9<&-; } \
    || die 3 "installing lava-server and lava-dispatcher from Debian's packages failed: $(grep -E '^(E|Err):' "$STATE/install.log" | tail -1) (see $STATE/install.log)"
  echo "lava.sh: installed in $((SECONDS - t0)) s" >&2
}

postgres_up() {
  command -v pg_lsclusters >/dev/null || return 0
  local v; v=$(pg_lsclusters -h | awk 'NR==1 {print $1}')
  [ -n "$v" ] || return 0
  if ! pg_lsclusters -h | awk 'NR==1 {exit $4 != "online"}'; then
    pg_ctlcluster "$v" main start 9<&-   # the server must not hold this script's lock
    touch "$STATE/postgres-started"
  fi
}

# Once per instance: settings, the admin and its token, the device type, workers and devices.
configure() {
  local d=/etc/lava-server/dispatcher-config/devices
  cat >/etc/lava-server/settings.d/01-lab-lava.yaml <<'EOF'
# lab-lava: the scheduler wakes on each submission instead of polling every 20 s
EVENT_NOTIFICATION: true
EOF
  mkdir -p "$d"
  for dev in "${DEVICES[@]}"; do
    # The template's own KVM switch off, TCG forced as the lab's own guests run it (multi-threaded,
    # 256 MB of translation cache): jobs cannot turn KVM back on. Memory comes from the job's context.
    cat >"$d/$dev.jinja2" <<'EOF'
{% extends 'qemu.jinja2' %}
{% set arch = 'amd64' %}
{% set no_kvm = True %}
{% set netdevice = 'user' %}
{% set extra_options = ['-accel tcg,thread=multi,tb-size=256', '-cpu max', '-smp 2', '-no-reboot'] %}
EOF
  done
  [ -f "$STATE/configured" ] && return 0
  local m="lava-server manage"
  if ! $m users list 2>/dev/null | grep -q 'lab-lava-admin'; then
    DJANGO_SUPERUSER_PASSWORD=$(head -c 18 /dev/urandom | base64) $m createsuperuser --noinput --username lab-lava-admin --email root@localhost >/dev/null
  fi
  ( umask 077; $m tokens add --user lab-lava-admin --description lab-lava | head -1 | tr -d '\n' >"$STATE/token" )
  $m device-types add qemu >/dev/null 2>&1 || true
  local i=0
  for dev in "${DEVICES[@]}"; do
    i=$((i + 1))
    ( umask 077; $m workers add "lab-lava-w$i" 2>/dev/null | sed -n 's/^Token: //p' | tr -d '\n' >"$STATE/worker-$i.token" ) || true
    [ -s "$STATE/worker-$i.token" ] || die 4 "cannot add the worker lab-lava-w$i (it may exist without a token this script kept)"
    chmod 600 "$STATE/worker-$i.token"
    $m devices add --device-type qemu --worker "lab-lava-w$i" "$dev" >/dev/null
  done
  touch "$STATE/configured"
}

pg_online() {
  command -v pg_lsclusters >/dev/null && [ -n "$(pg_lsclusters -h 2>/dev/null)" ] && pg_lsclusters -h | awk 'NR==1 {exit $4 != "online"}'
}

# Install alone leaves no PostgreSQL running that it found stopped (start brings it up again).
install_only() {
  local was=0
  pg_online && was=1
  install
  # The image too (a missing engine or base image: start says so; the install itself is done)
  [ "$WORKERS" = container ] && (worker_image) || true
  if [ $was = 0 ] && pg_online; then
    pg_ctlcluster "$(pg_lsclusters -h | awk 'NR==1 {print $1}')" main stop 9<&- || die 4 "cannot stop the PostgreSQL cluster the install started"
    rm -f "$STATE/postgres-started"
  fi
}

# The container workers' network, image and gateway address (GATEWAY); what it creates is recorded in RUN for stop.
worker_image() {
  command -v docker >/dev/null && docker info >/dev/null 2>&1 || die 3 "--workers container needs a Docker engine (none answers)"
  docker image inspect "$WORKER_IMAGE" >/dev/null 2>&1 && return 0
  docker image inspect lab/base:bookworm >/dev/null 2>&1 || die 3 "--workers container builds on the lab's lab/base:bookworm image, which is missing (the lab builds it: ./lab images)"
  echo "lava.sh: building $WORKER_IMAGE from Debian's lava-dispatcher (log: $STATE/worker-image.log)" >&2
  docker build -t "$WORKER_IMAGE" "$HERE/lava-worker" >"$STATE/worker-image.log" 2>&1 9<&- \
    || die 3 "building $WORKER_IMAGE failed: $(tail -1 "$STATE/worker-image.log") (see $STATE/worker-image.log)"
}

container_net() {
  worker_image
  if ! docker network inspect "$NETWORK" >/dev/null 2>&1; then
    docker network create --label lab-lava=1 "$NETWORK" >/dev/null 9<&- || die 4 "cannot create the Docker network $NETWORK"
    echo "$NETWORK" >"$RUN/network"
  fi
  GATEWAY=$(docker network inspect -f '{{range .IPAM.Config}}{{.Gateway}}{{end}}' "$NETWORK")
  [[ $GATEWAY =~ ^[0-9.]+$ ]] || die 4 "the Docker network $NETWORK has no IPv4 gateway ('$GATEWAY')"
}

# Worker i in a container of its own: its token goes in by docker cp (no bind mount, no command line).
container_worker() {
  local i=$1 name="lab-lava-w$1"
  [ "$(docker inspect -f '{{.State.Running}}' "$name" 2>/dev/null)" = true ] && return 0
  docker rm -f "$name" >/dev/null 2>&1 || true
  SPAWNED=$((SPAWNED + 1))
  docker create --name "$name" --label lab-lava=1 --network "$NETWORK" --memory 6g "$WORKER_IMAGE" \
    --level INFO --url "http://$GATEWAY:$PORT/" --name "$name" --ping-interval $PING --worker-dir /var/lib/lava/dispatcher/worker \
    --token-file /etc/lab-lava-worker.token >/dev/null 9<&- || die 4 "cannot create the worker container $name"
  echo "$name" >>"$RUN/containers"
  docker cp "$STATE/worker-$i.token" "$name:/etc/lab-lava-worker.token" >/dev/null 9<&- || die 4 "cannot hand the worker $name its token"
  docker start "$name" >/dev/null 9<&- || die 4 "cannot start the worker container $name"
}

start() {
  local running; running=$(cat "$RUN/workers" 2>/dev/null || true)
  if [ -n "$running" ] && [ "$running" != "$WORKERS" ] && pid_of gunicorn >/dev/null; then
    die 2 "LAVA runs here with $running workers: lava.sh stop first"
  fi
  install
  postgres_up
  configure
  local gunicorn; gunicorn=$(command -v gunicorn || command -v gunicorn3)
  local bind=(--bind "127.0.0.1:$PORT") callback=""
  if [ "$WORKERS" = container ]; then
    container_net
    bind+=(--bind "$GATEWAY:$PORT")
    callback=",callback=http://$GATEWAY:0"
  fi
  echo "$WORKERS" >"$RUN/workers"
  # A job an earlier life of this LAVA left scheduled or running (its CLI, workers or host died
  # with it) never finishes and keeps its device reserved: ended Incomplete, as LAVA's own
  # `jobs fail` does, before the scheduler and the workers come back.
  if ! pid_of scheduler >/dev/null; then
    local st id
    for st in SCHEDULING SCHEDULED RUNNING CANCELING; do
      for id in $(lava-server manage jobs list --state "$st" 2>/dev/null | sed -n 's/^\* [^@]* - \([0-9][0-9]*\)@.*/\1/p'); do
        lava-server manage jobs fail "$id" >/dev/null 2>&1 && echo "lava.sh: job $id was left $st by an earlier run of this LAVA: ended Incomplete" >&2
      done
    done
  fi
  # ALLOWED_HOSTS: Django answers requests for the gateway's address too (the container workers' URL).
  spawn gunicorn "lava_server.wsgi" env "ALLOWED_HOSTS=${GATEWAY:-127.0.0.1}" "$gunicorn" lava_server.wsgi --log-level INFO --log-file "$RUN/gunicorn.log" \
    -u lavaserver -g lavaserver --worker-class eventlet --workers 2 "${bind[@]}"
  spawn publisher "lava-publisher" lava-server manage lava-publisher --level INFO --log-file "$RUN/publisher.log" --host 127.0.0.1 --port "$EVENTS_PORT"
  spawn scheduler "lava-scheduler" lava-server manage lava-scheduler --level INFO --log-file "$RUN/scheduler.log"
  local i=0
  for dev in "${DEVICES[@]}"; do
    i=$((i + 1))
    if [ "$WORKERS" = container ]; then
      container_worker "$i"
      continue
    fi
    # The token from its file (mode 0600), never on the command line.
    spawn "worker-$i" "--name lab-lava-w$i" lava-worker --level INFO --url "http://127.0.0.1:$PORT/" --name "lab-lava-w$i" \
      --ping-interval $PING --worker-dir "/var/lib/lava/dispatcher/lab-lava-w$i" --log-file "$RUN/worker-$i.log" \
      --token-file "$STATE/worker-$i.token"
  done
  local t=0
  until api system/version/ >/dev/null 2>&1; do
    t=$((t + 1)); [ $t -le 120 ] || die 4 "LAVA's API did not answer on 127.0.0.1:$PORT within 60 s (logs: $RUN/*.log)"
    sleep 0.5
  done
  # Both devices Idle and their workers Online: a job submitted now runs. Health Unknown is
  # schedulable too (a device whose worker went offline comes back Unknown; qemu has no health check).
  t=0
  until [ "$(for h in Good Unknown; do api_admin "devices/?worker__state=Online&state=Idle&health=$h" 2>/dev/null; echo; done \
      | grep -o '"hostname":"lab-lava-qemu-[0-9]*"' | sort -u | wc -l)" -ge ${#DEVICES[@]} ]; do
    t=$((t + 1)); [ $t -le 240 ] || die 4 "the devices did not come online within 120 s (logs: $RUN/worker-*.log or docker logs lab-lava-wN)"
    sleep 0.5
  done
  [ "$SPAWNED" -gt 0 ] || echo "lava.sh: already running (started earlier; stop stops it)" >&2
  echo "export LAB_LAVA=http://127.0.0.1:$PORT,token=$STATE/token,events=ws://127.0.0.1:$EVENTS_PORT/ws/$callback"
}

stop() {
  local n pid
  for n in worker-1 worker-2 scheduler publisher gunicorn; do
    pid=$(pid_of "$n") || { rm -f "$RUN/$n.pid"; continue; }
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 40); do [ -d "/proc/$pid" ] || break; sleep 0.25; done
    [ -d "/proc/$pid" ] && kill -9 "$pid" 2>/dev/null || true
    rm -f "$RUN/$n.pid"
  done
  # Only the containers and the network start created (recorded by name), nothing else of Docker's.
  if [ -f "$RUN/containers" ]; then
    local c
    while read -r c; do docker rm -f "$c" >/dev/null 2>&1 || true; done <"$RUN/containers"
    rm -f "$RUN/containers"
  fi
  if [ -f "$RUN/network" ]; then
    docker network rm "$(cat "$RUN/network")" >/dev/null 2>&1 || die 4 "cannot remove the Docker network $(cat "$RUN/network")"
    rm -f "$RUN/network"
  fi
  rm -f "$RUN/workers"
  if [ -f "$STATE/postgres-started" ]; then
    if pg_lsclusters -h | awk 'NR==1 {exit $4 != "online"}'; then
      pg_ctlcluster "$(pg_lsclusters -h | awk 'NR==1 {print $1}')" main stop || die 4 "cannot stop the PostgreSQL cluster start started"
    fi
    rm -f "$STATE/postgres-started"
  fi
}

case $cmd in
  start) start ;;
  stop) stop ;;
  install) install_only ;;
  *) usage ;;
esac
