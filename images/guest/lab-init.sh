#!/bin/sh
# PID 1 of a lab guest, handed over by the root disk's /sbin/lab-guest-init through QEMU's
# fw_cfg (opt/lab/init), so changing it changes no disk. It mounts what a Debian host would
# have, loads the modules the catalogue uses, starts the guest agent and a Docker engine on the
# data disk (its images already there), says LAB-GUEST-READY on the console and waits: the host
# saves the guest here and restores it for each run.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
say() { echo "lab-init: $*"; }
# PID 1 must never return (the kernel would panic): power off and wait for QEMU to end.
fail() { say "FAILED: $*"; sync; echo o > /proc/sysrq-trigger; while :; do sleep 60; done; }

mountpoint -q /proc || mount -t proc proc /proc
mountpoint -q /sys || mount -t sysfs sys /sys
mountpoint -q /dev || mount -t devtmpfs dev /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts; mount -t tmpfs tmpfs /dev/shm
mountpoint -q /run || mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mount -t cgroup2 cgroup2 /sys/fs/cgroup
# The first memory cgroup turns on the kernel's slab accounting by patching a jump label in
# kmem_cache_alloc (through an int3). Made here, when nothing but this script runs, rather than
# by the first container while both vCPUs allocate: under QEMU's multi-threaded TCG a LAVA job's
# guest locked up with both vCPUs on that patched site (docs/measurements.md, "A LAVA job's
# guest that locked up"). It stays: its removal would patch the socket accounting's label back.
{ echo +memory > /sys/fs/cgroup/cgroup.subtree_control && mkdir -p /sys/fs/cgroup/lab-init; } \
  || say "no memory cgroup made early: the first container's flips the slab accounting on"
echo 1 > /proc/sys/kernel/sysrq
# The modules the catalogue's scenarios use, loaded as on a host set up for them (a container
# cannot load a module; netconsole's configfs directory exists only once it is loaded).
for m in qemu_fw_cfg virtio_console 9pnet_virtio 9p fuse loop overlay configfs veth bridge br_netfilter bonding netconsole; do
  modprobe -q $m
done
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t configfs configfs /sys/kernel/config 2>/dev/null
mount -t fusectl fusectl /sys/fs/fuse/connections 2>/dev/null
hostname lab-guest
ip link set lo up
# The kernel's build configuration where Debian keeps it: the lab's feature probes read it.
mkdir -p /boot
cat /sys/firmware/qemu_fw_cfg/by_name/opt/lab/config/raw > /boot/config-$(uname -r) 2>/dev/null || rm -f /boot/config-$(uname -r)

disk() { for b in /sys/block/vd*; do [ "$(cat $b/serial 2>/dev/null)" = "$1" ] && echo /dev/${b##*/}; done; }
port() { for p in /sys/class/virtio-ports/*; do [ "$(cat $p/name 2>/dev/null)" = "$1" ] && echo /dev/${p##*/}; done; }

GA=$(port org.qemu.guest_agent.0)
[ -n "$GA" ] && qemu-ga -m virtio-serial -p "$GA" -t /run >/run/qemu-ga.log 2>&1 &

DATA=$(disk lab-docker)
[ -n "$DATA" ] || fail "no data disk (serial lab-docker)"
mkdir -p /var/lib/docker
mount -o noatime "$DATA" /var/lib/docker || fail "cannot mount the data disk $DATA"
mkdir -p /var/lib/lab
dockerd --host unix:///var/run/docker.sock --data-root /var/lib/docker >/run/dockerd.log 2>&1 &
i=0
until docker version >/dev/null 2>&1; do
  i=$((i+1)); [ $i -gt 600 ] && { tail -20 /run/dockerd.log; fail "the guest's Docker engine did not answer within 120 s"; }
  sleep 0.2
done

say "LAB-GUEST-READY uptime=$(cut -d' ' -f1 /proc/uptime) kernel=$(uname -r)"
exec tini -s -- sleep infinity
