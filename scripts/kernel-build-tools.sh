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
exec bash "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" "building kernels needs" "$LOG" "${missing[@]}"
