#!/usr/bin/env bash
# tests/image/make-image.sh - pushes a hand-made OCI image whose one layer holds the given files
# under disk/ (to make images that break the containerDisk layout).
# Usage: make-image.sh REGISTRY/REPO:TAG FILE...   (plain HTTP registry)
set -euo pipefail
dest=$1; shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/stage/disk" "$work/layout/blobs/sha256"
for f in "$@"; do cp "$f" "$work/stage/disk/"; done
tar -C "$work/stage" --numeric-owner --owner=107 --group=107 -czf "$work/layer.tgz" disk
blob() { local d; d=$(sha256sum "$1" | cut -d' ' -f1); cp "$1" "$work/layout/blobs/sha256/$d"; echo "$d"; }
layer=$(blob "$work/layer.tgz"); lsize=$(stat -c %s "$work/layer.tgz")
diff=$(gzip -dc "$work/layer.tgz" | sha256sum | cut -d' ' -f1)
printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$diff" >"$work/config.json"
config=$(blob "$work/config.json"); csize=$(stat -c %s "$work/config.json")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
    "$config" "$csize" "$layer" "$lsize" >"$work/manifest.json"
manifest=$(blob "$work/manifest.json"); msize=$(stat -c %s "$work/manifest.json")
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"t"}}]}' \
    "$manifest" "$msize" >"$work/layout/index.json"
echo '{"imageLayoutVersion":"1.0.0"}' >"$work/layout/oci-layout"
skopeo copy --quiet --dest-tls-verify=false "oci:$work/layout:t" "docker://$dest"
