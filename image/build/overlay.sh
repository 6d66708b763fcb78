# Sourced by build-image.sh: the cached root filesystem becomes this image's
# root ($2) and data partition tree ($2.data): overlay files, units, users,
# boot configuration and the first release. Minutes, not the full build.

in_root() { chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }

overlay_apply() {
  local rootfs=$1 release=$3
  ROOT=$2
  DATA="$2.data"
  log "overlay: copying the cached root filesystem"
  rm -rf "$ROOT" "$DATA"
  cp -a --reflink=auto "$rootfs" "$ROOT"
  rm -f "$ROOT/.pochta-rootfs-complete"

  log "overlay: files, units and users"
  rm -f "$ROOT/etc/resolv.conf" # may be the build host's copy or a symlink
  cp -a --no-preserve=ownership "$IMAGE_DIR/overlay/." "$ROOT/"
  chmod 0440 "$ROOT/etc/sudoers.d/pochta-admin"
  install -m 0644 "$IMAGE_DIR"/systemd/*.service "$IMAGE_DIR"/systemd/*.path "$ROOT/etc/systemd/system/"
  [[ -f $IMAGE_DIR/systemd/pochta.service ]] || die "image/systemd/pochta.service is missing"

  in_root useradd --system --user-group --home-dir /var/lib/pochta --shell /usr/sbin/nologin --comment 'Pochta mail daemon' pochta
  # input: the gpio-key button; gpio: the sysfs driver (udev rule 90-pochta-leds).
  in_root groupadd --system gpio
  in_root usermod -a -G input,gpio pochta
  in_root useradd --create-home --home-dir /home/admin --shell /bin/bash --groups pochta,sudo,systemd-journal --comment 'Pochta maintenance' admin
  in_root passwd --lock admin >/dev/null
  # The home moves to the data partition (writable: bundles are copied there).
  local pochta_uid admin_uid unbound_uid timesync_uid
  pochta_uid=$(in_root id -u pochta) admin_uid=$(in_root id -u admin)
  unbound_uid=$(in_root id -u unbound)
  timesync_uid=$(in_root id -u systemd-timesync 2>/dev/null || echo 0)
  in_root usermod --home /data/home/admin admin

  # The public key update bundles must be signed with.
  install -D -m 0644 "$SIGNING_PUB" "$ROOT/etc/pochta/update-key.pem"

  # Boot configuration through raspi-firmware's own files, then its hook makes
  # config.txt and cmdline.txt (never edited by hand: a kernel update would
  # overwrite them).
  cat >"$ROOT/etc/default/raspi-firmware" <<'CONF'
# Pochta (image/build/overlay.sh): read by raspi-firmware's hooks, which write
# /boot/firmware/config.txt and cmdline.txt on every kernel or firmware update.
KERNEL_ARCH="arm64"
ROOTPART=LABEL=POCHTA-ROOT
CONSOLES="ttyS1,115200 tty0"
CMA=64M
CONF
  {
    echo "# Pochta (image/build/overlay.sh): appended by raspi-firmware to config.txt"
    "$NODE_BIN" "$IMAGE_DIR/tools/config-txt.ts" --front-panel "$FRONT_PANEL"
  } >"$ROOT/etc/default/raspi-firmware-custom"
  # The hook writes "rw"; a later "ro" wins (kernel and initramfs-tools alike),
  # so the root is never mounted writable, not even before fstab is read.
  printf 'ro\n' >"$ROOT/etc/default/raspi-extra-cmdline"
  # The hook runs only where it sees a chroot (ischroot needs /proc) or a
  # mounted /boot/firmware.
  local kver
  mount -t proc proc "$ROOT/proc"
  for kver in $(ls "$ROOT/lib/modules"); do
    in_root env DEB_MAINT_PARAMS=configure /etc/kernel/postinst.d/z50-raspi-firmware "$kver" >&2 || {
      umount "$ROOT/proc"
      die "raspi-firmware's hook failed"
    }
  done
  umount "$ROOT/proc"
  grep -q 'dtparam=watchdog=on' "$ROOT/boot/firmware/config.txt" || die "config.txt lacks the front panel lines"
  grep -q 'dtoverlay=pochta-leds' "$ROOT/boot/firmware/config.txt" || die "config.txt does not name the front-panel overlays"
  front_panel_install "$ROOT"
  grep -q 'root=LABEL=POCHTA-ROOT' "$ROOT/boot/firmware/cmdline.txt" || die "cmdline.txt does not name the root by label"

  log "overlay: services"
  ln -sf /dev/null "$ROOT/etc/systemd/system/systemd-firstboot.service"
  local unit
  for unit in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service; do
    ln -sf /dev/null "$ROOT/etc/systemd/system/$unit"
  done
  for unit in systemd-networkd.service systemd-timesyncd.service ssh.service avahi-daemon.service unbound.service \
    pochta-firstboot.service pochta.service pochta-update.path; do
    in_root systemctl enable "$unit" >/dev/null 2>&1 || die "systemctl enable $unit failed"
  done
  in_root systemctl disable systemd-networkd-wait-online.service >/dev/null 2>&1 || true
  rm -f "$ROOT"/etc/ssh/ssh_host_*
  : >"$ROOT/etc/machine-id"
  echo uninitialized >"$ROOT/etc/machine-id"
  rm -f "$ROOT/var/lib/dbus/machine-id" && ln -s /etc/machine-id "$ROOT/var/lib/dbus/machine-id"
  echo pochta >"$ROOT/etc/hostname"
  # Mount points: the root is read-only, systemd cannot make them at boot.
  mkdir -p "$ROOT/data" "$ROOT/var/lib/pochta" "$ROOT/opt/pochta" "$ROOT/boot/firmware" "$ROOT/var/lib/unbound" "$ROOT/var/lib/systemd/timesync"
  # StateDirectory= of Debian's own units: systemd cannot make these on a
  # read-only root, and a missing one fails the unit (logind: 238/STATE_DIRECTORY).
  mkdir -p "$ROOT"/var/lib/systemd/{linger,rfkill,backlight}

  log "overlay: data partition tree (mail data dir, first release, state)"
  mkdir -p "$DATA/pochta" "$DATA/opt/releases" "$DATA/system/timesync" "$DATA/home"
  chown "$pochta_uid:$pochta_uid" "$DATA/pochta" && chmod 0750 "$DATA/pochta"
  cp -a "$release" "$DATA/opt/releases/$VERSION"
  chown -R 0:0 "$DATA/opt"
  ln -s "releases/$VERSION" "$DATA/opt/current"
  cp -a "$ROOT/var/lib/unbound" "$DATA/system/unbound"
  chown "$unbound_uid:$unbound_uid" "$DATA/system/unbound"
  chown "$timesync_uid:$timesync_uid" "$DATA/system/timesync"
  cp -a "$ROOT/home/admin" "$DATA/home/admin" && rm -rf "$ROOT/home/admin"
  chown -R "$admin_uid:$admin_uid" "$DATA/home/admin" && chmod 0750 "$DATA/home/admin"
}
