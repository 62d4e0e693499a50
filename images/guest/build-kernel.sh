#!/usr/bin/env bash
# Turns a kernel's modules into the two boot artifacts a guest needs:
#   OUT/modules.img  an ext4 image labelled lab-modules holding RELEASE/... with depmod done, mounted read-only at
#                    /usr/lib/modules in the guest (mkfs.ext4 -d: no loop mount)
#   OUT/initrd.img   a busybox initramfs loading what mounts the root disk (images/guest/initrd-init)
# Modules keep their compression (.ko.xz from trixie): the guest's kmod reads xz; busybox's insmod
# in the initramfs does not, so the few copied there are decompressed.
# Usage: build-kernel.sh RELEASE MODULES_DIR BUSYBOX OUT
#   MODULES_DIR holds kernel/, modules.order, ... and is moved; "-" for a kernel without modules
#   (its virtio and ext4 drivers must then be built in, and there is no modules.img).
set -euo pipefail
release=${1:?usage: build-kernel.sh RELEASE MODULES_DIR BUSYBOX OUT}
src=${2:?}; busybox=${3:?}; out=${4:?}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export PATH=$PATH:/usr/sbin:/sbin

stage=$out/stage
trap 'rm -rf "$stage"' EXIT
rm -rf "$stage"; mkdir -p "$stage/lib/modules"
rm -f "$out/modules.img"
if [ "$src" != - ]; then
  mv "$src" "$stage/lib/modules/$release"
  depmod -b "$stage" "$release"
  # -- modules image: sized from its contents, no journal (always mounted read-only)
  mb=$(du -sm "$stage/lib/modules" | cut -f1)
  mkfs.ext4 -q -F -L lab-modules -O ^has_journal -E root_owner=0:0 -d "$stage/lib/modules" "$out/modules.img" "$((mb + mb / 5 + 32))M"
fi

# -- initramfs
ird=$stage/initrd
mkdir -p "$ird"/{bin,dev,proc,sys,newroot,lib/modules}
cp "$busybox" "$ird/bin/busybox"; chmod 755 "$ird/bin/busybox"
for a in $("$busybox" --list); do [ "$a" = busybox ] || ln -s busybox "$ird/bin/$a"; done
cp "$here/initrd-init" "$ird/init"; chmod 755 "$ird/init"
: > "$ird/lib/modules/order"
# what mounts an ext4 virtio disk, and the 9p/console/overlay drivers a runtime may use
for m in virtio_pci virtio_blk crc32c_generic ext4 9pnet_virtio 9p virtio_console overlay; do
  modprobe -d "$stage" -S "$release" --show-depends "$m" 2>/dev/null || true
done | awk '$1 == "insmod" {print $2}' | while read -r path; do
  name=$(basename "$path"); name=${name%.xz}; name=${name%.zst}; name=${name%.gz}
  grep -qx "$name" "$ird/lib/modules/order" && continue
  case $path in
    *.xz) xz -dc "$path" > "$ird/lib/modules/$name" ;;
    *.zst) zstd -q -dc "$path" > "$ird/lib/modules/$name" ;;
    *.gz) gzip -dc "$path" > "$ird/lib/modules/$name" ;;
    *) cp "$path" "$ird/lib/modules/$name" ;;
  esac
  echo "$name" >> "$ird/lib/modules/order"
done
if [ "$src" != - ] && ! grep -q '^ext4.ko$' "$ird/lib/modules/order" && ! grep -q '/ext4.ko$' "$stage/lib/modules/$release/modules.builtin"; then
  echo "build-kernel.sh: $release has neither an ext4 module nor a built-in ext4" >&2; exit 1
fi
(cd "$ird" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 | gzip -6) > "$out/initrd.img.tmp"
mv "$out/initrd.img.tmp" "$out/initrd.img"
echo "initrd: $(tr '\n' ' ' < "$ird/lib/modules/order")"
