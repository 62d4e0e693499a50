#!/usr/bin/env bash
# Makes the build context of the lab's base image from Debian's packages, for when no registry
# answers: a minimal bookworm from debootstrap as rootfs.tar and a Dockerfile that adds it to an
# empty image. The lab builds that context through the API of the engine it drives, so the image
# lands on that engine and no other (a docker CLI here would use whatever DOCKER_HOST says).
# Usage: debootstrap.sh CONTEXT_DIR [SUITE]
# Uses the mirror apt already uses on this host, so it reaches only what apt reaches.
set -euo pipefail
context=${1:?usage: debootstrap.sh CONTEXT_DIR [SUITE]}
suite=${2:-bookworm}
command -v debootstrap >/dev/null || { echo "debootstrap is not installed" >&2; exit 3; }
[ -d "$context" ] || { echo "no directory $context" >&2; exit 2; }

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
tar -C "$root" -cf "$context/rootfs.tar" .
cat > "$context/Dockerfile" <<DOCKERFILE
FROM scratch
ADD rootfs.tar /
ENV DEBIAN_FRONTEND=noninteractive
CMD ["/bin/bash"]
LABEL lab.base.source=debootstrap lab.base.mirror=$mirror
DOCKERFILE
