# Sourced by build-image.sh: the cached arm64 Debian root filesystem.
# rootfs_key prints the cache key; rootfs_build makes $CACHE/rootfs-KEY once.

ROOTFS_SUITE=bookworm
ROOTFS_COMPONENTS="main contrib non-free non-free-firmware"

rootfs_key() {
  {
    echo "suite=$ROOTFS_SUITE components=$ROOTFS_COMPONENTS mirror=$MIRROR security=$SECURITY_MIRROR"
    grep -v '^\s*#' "$IMAGE_DIR/rootfs/packages.txt" | grep -v '^\s*$' | sort
    cat "$IMAGE_DIR/rootfs/hooks.sh" "$IMAGE_DIR/build/rootfs.sh"
  } | sha256sum | cut -c1-16
}

rootfs_packages() {
  grep -v '^\s*#' "$IMAGE_DIR/rootfs/packages.txt" | grep -v '^\s*$' | paste -sd, -
}

# Prints the path of the cached root filesystem, building it when missing.
rootfs_build() {
  local key dir tmp
  key=$(rootfs_key)
  dir="$CACHE/rootfs-$key"
  if [[ -f "$dir/.pochta-rootfs-complete" ]]; then
    log "root filesystem: cached ($dir)"
    echo "$dir"
    return
  fi
  tmp="$dir.partial"
  rm -rf "$tmp"
  log "root filesystem: building $dir (arm64 under qemu-user: expect 25-45 minutes)"
  local started=$SECONDS
  # shellcheck disable=SC2086
  mmdebstrap --arch=arm64 --variant=apt --mode=root --format=directory \
    --components="$ROOTFS_COMPONENTS" \
    --aptopt='APT::Install-Recommends "false"' \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
    --include="$(rootfs_packages)" \
    --essential-hook="$IMAGE_DIR/rootfs/hooks.sh essential \"\$1\"" \
    --customize-hook="$IMAGE_DIR/rootfs/hooks.sh customize \"\$1\"" \
    "$ROOTFS_SUITE" "$tmp" \
    "deb $MIRROR $ROOTFS_SUITE $ROOTFS_COMPONENTS" \
    "deb $MIRROR $ROOTFS_SUITE-updates $ROOTFS_COMPONENTS" \
    "deb $SECURITY_MIRROR $ROOTFS_SUITE-security $ROOTFS_COMPONENTS" >&2
  echo "built $(date -u +%FT%TZ) in $((SECONDS - started)) s" >"$tmp/.pochta-rootfs-complete"
  mv "$tmp" "$dir"
  log "root filesystem: built in $((SECONDS - started)) s"
  echo "$dir"
}
