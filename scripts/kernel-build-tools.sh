#!/usr/bin/env bash
# Host tools the lab needs to build kernels from source (--kernel src:, lab bisect --kernel-tree):
# make, gcc, flex, bison, bc, ccache, pahole, cpio, git, kmod and the libelf/openssl headers.
# With --with-source also Debian's linux-source-6.1 (/usr/src/linux-source-6.1.tar.xz), the tree
# the lab's kernel-build tests unpack. Installs what is missing when run as root on a Debian-like
# host; prints one line when it does.
# Exit 0: everything is there. Exit 3: some is missing and this host cannot install it.
set -u
STATE_DIR=${LAB_STATE_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/lab}
mkdir -p "$STATE_DIR"
LOG="$STATE_DIR/kernel-build-tools.log"

# command or file -> the Debian package that ships it
declare -A PKG=(
  [make]=build-essential [gcc]=build-essential [flex]=flex [bison]=bison [bc]=bc [ccache]=ccache
  [pahole]=dwarves [cpio]=cpio [git]=git [depmod]=kmod [xz]=xz-utils
  [/usr/include/libelf.h]=libelf-dev [/usr/include/openssl/ssl.h]=libssl-dev
)
[ "${1:-}" = --with-source ] && PKG[/usr/src/linux-source-6.1.tar.xz]=linux-source-6.1
missing=()
for c in "${!PKG[@]}"; do
  case $c in
    /*) [ -e "$c" ] || missing+=("${PKG[$c]}") ;;
    *) PATH=$PATH:/usr/sbin:/sbin command -v "$c" >/dev/null 2>&1 || missing+=("${PKG[$c]}") ;;
  esac
done
[ ${#missing[@]} = 0 ] && exit 0
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "lab: building kernels needs ${missing[*]} (Debian packages), and this host cannot install them (needs root on a Debian-like host)" >&2
  exit 3
fi
echo "lab: installing ${missing[*]} from Debian's packages (log: $LOG)" >&2
{
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends "${missing[@]}" \
    || { apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"; }
} >>"$LOG" 2>&1 || { echo "lab: installing ${missing[*]} failed, see $LOG" >&2; exit 3; }
exit 0
