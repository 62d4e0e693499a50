#!/usr/bin/env bash
# Installs Debian packages a lab script found missing, for the lab's *-tools.sh scripts.
# Usage: apt-install.sh WHO LOG PACKAGE...   (WHO: what needs them, "guests need", "building kernels needs")
# Exit 0: installed (or nothing to install). Exit 3: this host cannot install them, or apt failed.
set -u
who=${1:?usage: apt-install.sh WHO LOG PACKAGE...}; LOG=${2:?}; shift 2
[ $# = 0 ] && exit 0
mapfile -t missing < <(printf '%s\n' "$@" | sort -u)

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "lab: $who ${missing[*]} (Debian packages), and this host cannot install them (needs root on a Debian-like host)" >&2
  exit 3
fi
echo "lab: installing ${missing[*]} from Debian's packages (log: $LOG)" >&2
{
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends "${missing[@]}" \
    || { apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"; }
} >>"$LOG" 2>&1 || { echo "lab: installing ${missing[*]} failed, see $LOG" >&2; exit 3; }
exit 0
