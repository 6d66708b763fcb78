# Sourced by build-image.sh: the Debian tools the build needs.

# The last three are for `npm run test:image` (QEMU boot test), not the build itself.
TOOLS_PACKAGES=(mmdebstrap qemu-user-static binfmt-support arch-test dosfstools mtools e2fsprogs fdisk zstd xz-utils g++-aarch64-linux-gnu file device-tree-compiler qemu-system-arm swaks openssh-client)

tools_install() {
  local missing=()
  for p in "${TOOLS_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
  done
  if ((${#missing[@]})); then
    log "installing build tools: ${missing[*]}"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  fi
}

tools_check() {
  local t
  for t in mmdebstrap mkfs.ext4 mkfs.vfat mcopy sfdisk zstd xz tar dtc fdtput fdtget; do
    command -v "$t" >/dev/null || die "missing tool $t (run without --no-apt)"
  done
  # arm64 binaries must run through qemu-user (binfmt_misc) for mmdebstrap.
  if ! arch-test arm64 >/dev/null 2>&1; then
    update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || true
    arch-test arm64 >/dev/null 2>&1 || die "arm64 binaries do not run here: binfmt_misc with qemu-user-static is needed"
  fi
  [[ -x "$ROOT_DIR/node_modules/.bin/node" ]] || die "run npm ci first (the pinned Node 24 builds the app)"
}
