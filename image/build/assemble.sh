# Sourced by build-image.sh: partition images made from directories, with no
# loop mounts (mkfs.ext4 -d, mkfs.vfat + mcopy), put together with sfdisk + dd
# into one MBR image (the Pi firmware reads MBR), then compressed.

MIB=$((1024 * 1024))

# Size in MiB for a filesystem holding DIR: contents, plus a share for
# metadata, plus fixed slack.
fs_size_mib() {
  local used
  used=$(du -s --block-size=1M "$1" | cut -f1)
  echo $((used + used / 4 + $2))
}

assemble_image() {
  local root=$1 img=$2 data="$1.data" parts="$WORK/parts"
  local boot_mib root_mib data_mib started=$SECONDS
  mkdir -p "$parts"

  log "assemble: boot partition (FAT, label RASPIFIRM)"
  boot_mib=$(fs_size_mib "$root/boot/firmware" 96)
  ((boot_mib < 256)) && boot_mib=256
  rm -f "$parts/boot.img"
  mkfs.vfat -F 32 -n RASPIFIRM -C "$parts/boot.img" $((boot_mib * 1024)) >/dev/null
  MTOOLS_SKIP_CHECK=1 mcopy -s -p -m -i "$parts/boot.img" "$root"/boot/firmware/* ::/
  find "$root/boot/firmware" -mindepth 1 -delete # the mount point stays empty in the root

  log "assemble: root partition (ext4, label POCHTA-ROOT, mounted read-only)"
  root_mib=$(fs_size_mib "$root" 128)
  rm -f "$parts/root.img" && truncate -s "${root_mib}M" "$parts/root.img"
  mkfs.ext4 -q -F -L POCHTA-ROOT -m 0 -E root_owner=0:0 -d "$root" "$parts/root.img"

  log "assemble: data partition (ext4, label POCHTA-DATA, grows on first boot)"
  data_mib=$(fs_size_mib "$data" 256)
  rm -f "$parts/data.img" && truncate -s "${data_mib}M" "$parts/data.img"
  mkfs.ext4 -q -F -L POCHTA-DATA -m 1 -E root_owner=0:0 -d "$data" "$parts/data.img"

  # 4 MiB alignment suits SD cards' erase blocks.
  local boot_start=4 root_start data_start total
  root_start=$((boot_start + boot_mib))
  data_start=$((root_start + root_mib))
  total=$((data_start + data_mib))
  rm -f "$img" && truncate -s "${total}M" "$img"
  sfdisk --quiet "$img" <<PARTS
label: dos
start=$((boot_start * 2048)), size=$((boot_mib * 2048)), type=c, bootable
start=$((root_start * 2048)), size=$((root_mib * 2048)), type=83
start=$((data_start * 2048)), size=$((data_mib * 2048)), type=83
PARTS
  dd if="$parts/boot.img" of="$img" bs=1M seek="$boot_start" conv=notrunc,sparse status=none
  dd if="$parts/root.img" of="$img" bs=1M seek="$root_start" conv=notrunc,sparse status=none
  dd if="$parts/data.img" of="$img" bs=1M seek="$data_start" conv=notrunc,sparse status=none
  rm -rf "$parts"
  log "assemble: $img: boot ${boot_mib} MiB, root ${root_mib} MiB, data ${data_mib} MiB, $((total)) MiB raw, in $((SECONDS - started)) s"

  local out started_c=$SECONDS
  if [[ $COMPRESS == xz ]]; then
    out="$img.xz"
    xz -6 -T0 -k -f "$img"
  else
    out="$img.zst"
    zstd -3 -T0 -q -f "$img" -o "$out"
  fi
  (cd "$(dirname "$out")" && sha256sum "$(basename "$out")" >"$(basename "$out").sha256")
  ln -sf "$(basename "$img")" "$(dirname "$img")/pochta-latest.img"
  printf '%s\n' "$out" >"$(dirname "$img")/pochta-latest.name"
  log "image: $out ($(du -h "$out" | cut -f1) compressed with $COMPRESS in $((SECONDS - started_c)) s; raw $(du -h --apparent-size "$img" | cut -f1))"
  log "sha256: $(cut -d' ' -f1 "$out.sha256")"
}
