#!/usr/bin/env bash
# Finds a Docker engine that answers; on a Debian-like host, as root, installs Debian's
# docker.io (and debootstrap, which builds the base image when no registry answers) and
# starts the engine. Says what it does on stderr, nothing when an engine answers; when it cannot,
# one line on stdout says why (the lab's CLI, which runs it, makes that line its own).
# Exit 0: an engine answers (DOCKER_HOST or the default socket). Exit 3: none, and we cannot start one.
# With --rotate-log it only rotates the engine's log (below) and exits 0.
set -u
STATE_DIR=${LAB_STATE_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/lab}
mkdir -p "$STATE_DIR"
LOG="$STATE_DIR/engine.log"
LOG_MAX=${LAB_ENGINE_LOG_MAX:-67108864}

# dockerd appends to the log for its whole life (O_APPEND, from the start below), so the log is
# rotated in place on every call: over LOG_MAX bytes it is copied to engine.log.1 (the one
# previous log kept) and emptied; dockerd's next line lands at the new end. Lines written between
# the copy and the truncation are lost. A symlinked log is left alone; the copy is a fresh
# temporary (mktemp) renamed over engine.log.1, so no write follows a link put there.
rotate_log() {
  [ -f "$LOG" ] && [ ! -L "$LOG" ] || return 0
  [ "$(stat -c %s "$LOG")" -gt "$LOG_MAX" ] || return 0
  local tmp
  tmp=$(mktemp -- "$STATE_DIR/.engine.log.1.XXXXXX") || return 0
  if cat -- "$LOG" > "$tmp" && mv -f -- "$tmp" "$LOG.1"; then : > "$LOG"; else rm -f -- "$tmp"; fi
}
rotate_log
# The CLI rotates with --rotate-log at each command that runs containers, as the engine answers.
[ "${1:-}" = --rotate-log ] && exit 0

docker_cli() {
  # Debian's client matches Debian's engine; a newer stray client may speak a newer API.
  if [ -x /usr/bin/docker ]; then echo /usr/bin/docker; else command -v docker; fi
}

answers() {
  local cli; cli=$(docker_cli) || return 1
  [ -n "$cli" ] || return 1
  timeout 10 "$cli" version --format '{{.Server.Version}}' >/dev/null 2>&1
}

answers && exit 0
# One lab at a time installs and starts the engine; the next finds it answering. Locked on the
# state directory itself, read-only, as lava.sh does: no lock file is written or followed.
exec 9<"$STATE_DIR"
flock 9
answers && exit 0

if [ -n "${DOCKER_HOST:-}" ]; then
  echo "lab: DOCKER_HOST=$DOCKER_HOST does not answer"; exit 3
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "lab: no Docker engine answers on /var/run/docker.sock and this host cannot start one (needs root on a Debian-like host)"
  exit 3
fi

if ! [ -x /usr/sbin/dockerd ] || ! command -v debootstrap >/dev/null 2>&1; then
  echo "lab: installing Debian's docker.io and debootstrap (log: $LOG)" >&2
  {
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q && apt-get install -y -q --no-install-recommends docker.io debootstrap iptables
  } >>"$LOG" 2>&1 || { echo "lab: installing docker.io failed, see $LOG"; exit 3; }
fi

echo "lab: starting the Docker engine (log: $LOG)" >&2
# setsid: the engine must outlive this shell and the CLI that called it.
setsid /usr/sbin/dockerd >>"$LOG" 2>&1 < /dev/null 9>&- &
for _ in $(seq 1 60); do
  answers && exit 0
  sleep 1
done
echo "lab: the Docker engine did not answer within 60 s, see $LOG"
exit 3
