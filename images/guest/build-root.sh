#!/usr/bin/env bash
# Builds the lab's guest root disk: a raw, sparse ext4 image of Debian bookworm (debootstrap
# minbase plus images/guest/packages) with /sbin/lab-guest-init, made with mkfs.ext4 -d (no loop
# mount). /usr/lib/modules is left empty: each kernel's modules image is mounted there.
# Usage: build-root.sh OUT.img MIRROR [SIZE]      (as root; writes OUT.img only when complete)
set -euo pipefail
out=${1:?usage: build-root.sh OUT.img MIRROR [SIZE]}
mirror=${2:?usage: build-root.sh OUT.img MIRROR [SIZE]}
size=${3:-8G}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export PATH=$PATH:/usr/sbin:/sbin

# Every mount below lives in a private mount namespace: it goes when this script does, even killed.
if [ -z "${LAB_ROOT_NS:-}" ]; then
  LAB_ROOT_NS=1 exec unshare --mount --propagation private bash "${BASH_SOURCE[0]}" "$@"
fi

root=$(mktemp -d "$(dirname "$out")/.root-build.XXXXXX")
tmp=$out.tmp.$$
cleanup() {
  for m in dev/pts dev sys proc; do mountpoint -q "$root/$m" 2>/dev/null && umount -l "$root/$m"; done
  rm -rf --one-file-system "$root" "$tmp"   # never into a mount still attached
}
trap cleanup EXIT

t0=$(date +%s)
debootstrap --variant=minbase bookworm "$root" "$mirror"
t1=$(date +%s)

printf 'deb %s bookworm main\n' "$mirror" > "$root/etc/apt/sources.list"
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"   # nothing starts in the chroot
chmod 755 "$root/usr/sbin/policy-rc.d"
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
mapfile -t pkgs < <(grep -v '^\s*#' "$here/packages" | grep -v '^\s*$')
chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get update -q
chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${pkgs[@]}"
chroot "$root" apt-get clean
for m in dev/pts dev sys proc; do umount "$root/$m"; done
t2=$(date +%s)

rm -f "$root/usr/sbin/policy-rc.d"
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/log/*.log
rm -rf "$root/usr/lib/modules" && mkdir -p "$root/usr/lib/modules"   # the kernel's modules image mounts here
install -m 755 "$here/lab-guest-init" "$root/sbin/lab-guest-init"
echo lab-guest > "$root/etc/hostname"
echo 'nameserver 10.0.2.3' > "$root/etc/resolv.conf"   # QEMU user networking's DNS
: > "$root/etc/fstab"

mkfs.ext4 -q -F -L lab-guest-root -E root_owner=0:0 -d "$root" "$tmp" "$size"
mv "$tmp" "$out"
t3=$(date +%s)
echo "guest root disk $out: debootstrap $((t1 - t0)) s, packages $((t2 - t1)) s, mkfs.ext4 -d $((t3 - t2)) s, $(du -sh "$out" | cut -f1) allocated"
