#!/usr/bin/env bash
# Builds the lab's base image from Debian's packages when no registry answers:
# debootstrap a minimal bookworm and import it. Usage: debootstrap.sh IMAGE:TAG [SUITE]
# Uses the mirror apt already uses on this host, so it reaches only what apt reaches.
set -euo pipefail
image=${1:?usage: debootstrap.sh IMAGE:TAG [SUITE]}
suite=${2:-bookworm}
command -v debootstrap >/dev/null || { echo "debootstrap is not installed" >&2; exit 3; }

mirror=$( { grep -hsE '^URIs:' /etc/apt/sources.list.d/*.sources || true; } | awk '{print $2}' | grep -v security | head -1)
if [ -z "$mirror" ]; then
  mirror=$( { grep -hsE '^deb ' /etc/apt/sources.list || true; } | sed -E 's/^deb (\[[^]]*\] )?([^ ]+).*/\2/' | head -1)
fi
mirror=${mirror:-http://deb.debian.org/debian}

root=$(mktemp -d /tmp/lab-base.XXXXXX)
trap 'rm -rf "$root"' EXIT
debootstrap --variant=minbase "$suite" "$root" "$mirror" >&2
# apt inside the image must reach the same mirror (and its security suite, when the host has one)
printf 'deb %s %s main\n' "$mirror" "$suite" > "$root/etc/apt/sources.list"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
tar -C "$root" -c . | docker import \
  --change 'ENV DEBIAN_FRONTEND=noninteractive' \
  --change 'CMD ["/bin/bash"]' \
  --change "LABEL lab.base.source=debootstrap lab.base.mirror=$mirror" \
  - "$image" >&2
echo "$image"
