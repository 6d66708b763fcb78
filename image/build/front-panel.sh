# Sourced by build-image.sh: the front panel's own device-tree overlays
# (hardware/overlays/*.dts) compiled into the boot partition's overlays/, and
# the one symbol they need added to Debian's DTBs. Whether config.txt loads
# them is the --front-panel choice (image/tools/config-txt.ts).

front_panel_install() {
  local root=$1 dts name
  mkdir -p "$root/boot/firmware/overlays"
  for dts in "$ROOT_DIR"/hardware/overlays/*.dts; do
    name=$(basename "$dts" .dts)
    # -@: __fixups__ for &gpio (resolved by the firmware against the base DTB)
    # and __symbols__ for the overlay's own labels.
    dtc -@ -q -I dts -O dtb -o "$root/boot/firmware/overlays/$name.dtbo" "$dts" || die "dtc failed on $dts"
  done
  # The DTBs raspi-firmware's hook copied from Debian's kernel have no
  # __symbols__; the firmware would refuse the overlays. The same script runs
  # on the box after every kernel update (z51-pochta-front-panel).
  sh "$root/usr/local/lib/pochta/dtb-symbols" "$root/boot/firmware" || die "cannot add the gpio symbol to the DTBs"
  log "front panel: overlays $(cd "$root/boot/firmware/overlays" && echo *.dtbo), config.txt mode $FRONT_PANEL"
}
