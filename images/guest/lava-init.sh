#!/bin/sh
# PID 1 of a lab guest booted by a LAVA job, handed over like images/guest/lab-init.sh through
# QEMU's fw_cfg (opt/lab/init). It runs lab-init.sh (fw_cfg opt/lab/labinit) unchanged to get
# what any lab guest has (mounts, modules, qemu-ga, the Docker engine on the data disk), waits
# for it to say LAB-GUEST-READY, puts LAVA's test overlay back at / (see lava-rdinit), brings up
# the user-mode network the device gives, downloads the lab (images/, scripts/, the class path's
# lib/: fw_cfg opt/lab/lab-url) from the CLI's callback server, checks its SHA-256 (fw_cfg
# opt/lab/lab-sha256) and unpacks it at /lab/home, and gives LAVA a root shell on the serial
# console. When that shell ends, the guest powers off.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
say() { echo "lab-lava-init: $*" > /dev/console; }
off() { sync; echo o > /proc/sysrq-trigger; while :; do sleep 60; done; }

mount -t proc proc /proc 2>/dev/null
mount -t sysfs sys /sys 2>/dev/null
modprobe -q qemu_fw_cfg
cat /sys/firmware/qemu_fw_cfg/by_name/opt/lab/labinit/raw > /run/lab-init.sh 2>/dev/null || { say "FAILED: no opt/lab/labinit in fw_cfg"; off; }
# Its lines go to the console as they come (LAVA's log then shows how far the guest got), read
# through a FIFO by the shell's own read: no polling, which costs much under emulation.
mkfifo /run/lab-init.fifo
sh /run/lab-init.sh > /run/lab-init.fifo 2>&1 &
exec 3< /run/lab-init.fifo
ready=
while IFS= read -r line <&3; do
  echo "$line" > /dev/console
  case $line in
    *LAB-GUEST-READY*) ready=1; break ;;
  esac
done
# fd 3 stays open: lab-init.sh (now tini) never gets SIGPIPE.
[ -n "$ready" ] || { say "FAILED: the guest's engine did not come up"; off; }

for d in /dev/.lab-lava/lava-*; do [ -d "$d" ] && mv "$d" /; done
rmdir /dev/.lab-lava 2>/dev/null
modprobe -q virtio_net
nic= i=0
while [ -z "$nic" ] && [ $i -lt 25 ]; do
  for n in /sys/class/net/*; do
    [ "$(basename "$(readlink "$n/device/driver")")" = virtio_net ] && { nic=${n##*/}; break; }
  done
  i=$((i+1)); [ -n "$nic" ] || sleep 0.2
done
if [ -n "$nic" ]; then
  ip link set "$nic" up && ip addr add 10.0.2.15/24 dev "$nic" && ip route add default via 10.0.2.2
fi

url=$(cat /sys/firmware/qemu_fw_cfg/by_name/opt/lab/lab-url/raw 2>/dev/null)
sum=$(cat /sys/firmware/qemu_fw_cfg/by_name/opt/lab/lab-sha256/raw 2>/dev/null)
[ -n "$url" ] && [ -n "$sum" ] || { say "FAILED: no opt/lab/lab-url or lab-sha256 in fw_cfg"; off; }
mkdir -p /lab/home /var/lib/lab
t0=$(date +%s%N)
busybox wget -q -O /var/lib/lab/lab.tar.gz "$url" || { say "FAILED: cannot download the lab from the CLI's callback address"; off; }
echo "$sum  /var/lib/lab/lab.tar.gz" | sha256sum -c --status || { say "FAILED: the lab downloaded does not match its SHA-256"; off; }
tar -xzf /var/lib/lab/lab.tar.gz -C /lab/home && rm -f /var/lib/lab/lab.tar.gz || { say "FAILED: cannot unpack the lab"; off; }
say "the lab downloaded and unpacked in $(( ($(date +%s%N) - t0) / 1000000 )) ms"

say "LAB-LAVA-READY"
export HOME=/root PS1='lab-lava:~# ' TERM=dumb
cd /root
setsid -c -w /bin/bash --norc --noprofile -i < /dev/ttyS0 > /dev/ttyS0 2>&1
off
