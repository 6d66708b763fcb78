#!/bin/bash
# Builds the Pochta SD-card image for a Raspberry Pi 3/4 (arm64), on a Debian
# machine, as root, without Docker or loop mounts. See image/README.md.
#
#   ./build-image.sh                 image: out/pochta-VERSION.img.zst (+ .sha256)
#   ./build-image.sh --xz            compress with xz instead of zstd
#   ./build-image.sh --bundle        also make a signed update bundle
#   ./build-image.sh --bundle-only   only the update bundle (no image)
#   ./build-image.sh --rootfs-only   only make (or find) the cached root filesystem
#   options: --out DIR (default ./out), --cache DIR (default /var/cache/pochta-image),
#            --no-apt (do not install build tools), --kernel debian|raspberrypi,
#            --front-panel sysfs|kernel (default sysfs: which GPIO driver config.txt sets up)
set -euo pipefail

ROOT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
IMAGE_DIR="$ROOT_DIR/image"
OUT="$ROOT_DIR/out"
CACHE=${POCHTA_IMAGE_CACHE:-/var/cache/pochta-image}
MIRROR=${POCHTA_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${POCHTA_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
COMPRESS=zstd
MAKE_IMAGE=1
MAKE_BUNDLE=0
ROOTFS_ONLY=0
INSTALL_TOOLS=1
KERNEL=debian
FRONT_PANEL=${POCHTA_FRONT_PANEL:-sysfs}

log() { printf '[build-image %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "error: $*"; exit 1; }

while (($#)); do
  case $1 in
  --xz) COMPRESS=xz ;;
  --zstd) COMPRESS=zstd ;;
  --bundle) MAKE_BUNDLE=1 ;;
  --bundle-only) MAKE_BUNDLE=1 MAKE_IMAGE=0 ;;
  --rootfs-only) ROOTFS_ONLY=1 ;;
  --no-apt) INSTALL_TOOLS=0 ;;
  --out) OUT=$(realpath -m "$2"); shift ;;
  --cache) CACHE=$(realpath -m "$2"); shift ;;
  --kernel) KERNEL=$2; shift ;;
  --front-panel) FRONT_PANEL=$2; shift ;;
  -h | --help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) die "unknown option $1 (see --help)" ;;
  esac
  shift
done

[[ $KERNEL == debian ]] || die "--kernel $KERNEL: only Debian's kernel (Pi 3/4) is built here; the Raspberry Pi kernel (Pi 5) needs its archive, see image/README.md"
[[ $FRONT_PANEL == sysfs || $FRONT_PANEL == kernel ]] || die "--front-panel $FRONT_PANEL: expected sysfs or kernel"
[[ $(id -u) == 0 ]] || die "run as root (mmdebstrap --mode=root, file ownership in the image)"

# shellcheck source=image/build/tools.sh
source "$IMAGE_DIR/build/tools.sh"
# shellcheck source=image/build/rootfs.sh
source "$IMAGE_DIR/build/rootfs.sh"
# shellcheck source=image/build/app.sh
source "$IMAGE_DIR/build/app.sh"
# shellcheck source=image/build/front-panel.sh
source "$IMAGE_DIR/build/front-panel.sh"
# shellcheck source=image/build/overlay.sh
source "$IMAGE_DIR/build/overlay.sh"
# shellcheck source=image/build/assemble.sh
source "$IMAGE_DIR/build/assemble.sh"

BUILD_START=$SECONDS
mkdir -p "$CACHE" "$OUT"
((INSTALL_TOOLS)) && tools_install
tools_check

if ((ROOTFS_ONLY)); then
  rootfs_build >/dev/null
  log "done in $((SECONDS - BUILD_START)) s"
  exit 0
fi

WORK=$(mktemp -d "$CACHE/work.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

VERSION=$(app_version)
signing_key_ensure
app_stage "$WORK/release" # -> $WORK/release/{node,app}
if ((MAKE_BUNDLE)); then
  bundle_make "$WORK/release" "$OUT/pochta-$VERSION.bundle"
fi
if ((MAKE_IMAGE)); then
  ROOTFS=$(rootfs_build)
  overlay_apply "$ROOTFS" "$WORK/root" "$WORK/release"
  assemble_image "$WORK/root" "$OUT/pochta-$VERSION.img"
fi
log "done in $((SECONDS - BUILD_START)) s"
