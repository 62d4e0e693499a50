#!/usr/bin/env bash
# A small base config for kernels the lab builds from source (--kernel src:DIR,config=FILE,
# lab bisect --kernel-tree DIR,config=FILE): allnoconfig plus what a 64-bit QEMU guest with a
# Debian userland and a Docker engine needs beyond images/guest/kernel.config (which the lab
# appends itself, with the scenarios' needs), then olddefconfig. A cold build of it is a fraction
# of defconfig's (docs/measurements.md). Extra CONFIG_X=V arguments go on top (a scenario's
# options the catalogue does not declare, e.g. CONFIG_NETCONSOLE_DYNAMIC=y).
#
# Usage: scripts/kernel-small-config.sh TREE OUT [CONFIG_X=V ...]   (TREE is only read)
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 TREE OUT [CONFIG_X=V ...]" >&2; exit 2; }
tree=$1 out=$2; shift 2
[ -f "$tree/Makefile" ] && [ -f "$tree/arch/x86/Kconfig" ] || { echo "$tree is not a kernel source tree" >&2; exit 2; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
make -s -C "$tree" O="$build" allnoconfig >/dev/null
{
  # 64-bit, SMP with APICs, ACPI (poweroff, and fw_cfg's device is found through it), PCI and virtio
  printf '%s\n' CONFIG_64BIT=y CONFIG_SMP=y CONFIG_ACPI=y CONFIG_PCI=y CONFIG_PCI_MSI=y CONFIG_VIRTIO_MENU=y \
    CONFIG_HYPERVISOR_GUEST=y CONFIG_PARAVIRT=y CONFIG_KVM_GUEST=y
  # what Debian's userland and the Docker engine use
  printf '%s\n' CONFIG_BINFMT_ELF=y CONFIG_BINFMT_SCRIPT=y CONFIG_SYSVIPC=y CONFIG_INOTIFY_USER=y \
    CONFIG_PRINTK_TIME=y CONFIG_IKCONFIG=y CONFIG_IKCONFIG_PROC=y CONFIG_BLK_DEV=y \
    CONFIG_NET=y CONFIG_INET=y CONFIG_UNIX=y CONFIG_PACKET=y CONFIG_IPV6=y CONFIG_NETDEVICES=y CONFIG_NET_CORE=y \
    CONFIG_CGROUP_CPUACCT=y CONFIG_IP_NF_MANGLE=y CONFIG_IP6_NF_MANGLE=y CONFIG_NETFILTER_XT_MATCH_STATE=y
  cat "$here/../images/guest/kernel.config"
  printf '%s\n' "$@"
} >> "$build/.config"
make -s -C "$tree" O="$build" olddefconfig >/dev/null 2>"$build/olddefconfig.err" || { cat "$build/olddefconfig.err" >&2; exit 1; }
cp "$build/.config" "$out"
