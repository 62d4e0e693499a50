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
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "lab: guests need ${missing[*]} (Debian packages), and this host cannot install them (needs root on a Debian-like host)" >&2
  exit 3
fi
echo "lab: installing ${missing[*]} from Debian's packages (log: $LOG)" >&2
{
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends "${missing[@]}" \
    || { apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"; }
} >>"$LOG" 2>&1 || { echo "lab: installing ${missing[*]} failed, see $LOG" >&2; exit 3; }
exit 0
