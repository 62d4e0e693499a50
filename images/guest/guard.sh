#!/bin/sh
# Outlives the lab process that started a guest: when that process is gone (even SIGKILLed),
# kills the guest's QEMU (its pid from DIR/qemu.pid, checked against its command line) and
# removes DIR (overlays, sockets, state). Started in its own session before QEMU.
#   guard.sh OWNER_PID OWNER_START_TICKS DIR
owner=$1 ticks=$2 dir=$3
start_of() { sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20; }
while [ "$(start_of "$owner")" = "$ticks" ]; do sleep 0.5; done
if [ -f "$dir/qemu.pid" ]; then
  q=$(cat "$dir/qemu.pid")
  if tr '\0' ' ' < "/proc/$q/cmdline" 2>/dev/null | grep -qF -- "$dir/"; then
    kill -9 "$q"
    i=0; while [ -d "/proc/$q" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
  fi
fi
rm -rf "$dir"
