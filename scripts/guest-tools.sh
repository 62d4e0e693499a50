#!/usr/bin/env bash
# Host tools the lab needs to fetch kernels, build guest disks and boot guests: Debian's QEMU,
# kmod (depmod), dpkg-deb, debootstrap, e2fsprogs (mkfs.ext4 -d, debugfs), xz and zstd.
# Installs what is missing when run as root on a Debian-like host; prints one line when it does.
# Exit 0: every tool is there. Exit 3: some are missing and this host cannot install them.
set -u
STATE_DIR=${LAB_STATE_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/lab}
mkdir -p "$STATE_DIR"
LOG="$STATE_DIR/guest-tools.log"

# command -> the Debian package that ships it
declare -A PKG=(
  [qemu-system-x86_64]=qemu-system-x86 [qemu-img]=qemu-utils [depmod]=kmod [dpkg-deb]=dpkg
  [apt-get]=apt [debootstrap]=debootstrap [mkfs.ext4]=e2fsprogs [debugfs]=e2fsprogs
  [xz]=xz-utils [zstd]=zstd [gzip]=gzip [cpio]=cpio
)
missing=()
for c in "${!PKG[@]}"; do
  PATH=$PATH:/usr/sbin:/sbin command -v "$c" >/dev/null 2>&1 || missing+=("${PKG[$c]}")
done
[ ${#missing[@]} = 0 ] && exit 0
exec bash "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" "guests need" "$LOG" "${missing[@]}"
