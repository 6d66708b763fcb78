#!/bin/bash
# mmdebstrap hooks for the cached root filesystem. Only what must happen while
# packages install lives here (it is part of the cache key); everything else is
# laid on in minutes by image/build/overlay.sh.
#
#   hooks.sh essential ROOT   after the essential packages, before the rest
#   hooks.sh customize ROOT   after every package is installed
set -euo pipefail
stage=$1 root=$2

case $stage in
essential)
  # Under qemu-user the initramfs is the dominant cost and Debian would build it
  # once per kernel/firmware trigger: divert update-initramfs while packages
  # install and build it once at the end.
  chroot "$root" dpkg-divert --quiet --local --rename --divert /usr/sbin/update-initramfs.pochta-real --add /usr/sbin/update-initramfs
  mkdir -p "$root/usr/sbin"
  printf '#!/bin/sh\n# pochta image build: diverted while packages install\nexit 0\n' >"$root/usr/sbin/update-initramfs"
  chmod 0755 "$root/usr/sbin/update-initramfs"
  ;;
customize)
  rm -f "$root/usr/sbin/update-initramfs"
  chroot "$root" dpkg-divert --quiet --local --rename --remove /usr/sbin/update-initramfs
  # Root and console for the generated cmdline.txt; overlay.sh rewrites this file
  # and runs the hook again, so the cache does not depend on it.
  printf 'ROOTPART=LABEL=POCHTA-ROOT\nCONSOLES="ttyS1,115200 tty0"\n' >"$root/etc/default/raspi-firmware"
  for version in $(ls "$root/lib/modules"); do
    chroot "$root" update-initramfs -c -k "$version"
  done
  chroot "$root" apt-get clean
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin
  # Host keys are made on each box's first boot, never baked into the image.
  rm -f "$root"/etc/ssh/ssh_host_*
  ;;
*)
  echo "hooks.sh: unknown stage $stage" >&2
  exit 64
  ;;
esac
