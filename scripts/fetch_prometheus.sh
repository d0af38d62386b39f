#!/usr/bin/env bash
# Unpack Debian's Prometheus (with promtool) and node_exporter into a cache directory,
# without installing them (so no service starts): apt-get download + dpkg-deb -x.
# Idempotent: a version already unpacked is kept. Prints the cache directory.
#
#   scripts/fetch_prometheus.sh [CACHE]      default: .cache/prometheus in the repo
#
# The tests and the benchmark find the binaries under CACHE/<package>/usr/bin/.
set -euo pipefail
cd "$(dirname "$0")/.."
cache="${1:-.cache/prometheus}"
mkdir -p "$cache"
cache="$(cd "$cache" && pwd)"

packages=(prometheus prometheus-node-exporter)
declare -A binary=([prometheus]=prometheus [prometheus-node-exporter]=prometheus-node-exporter)

have_all() {
    for package in "${packages[@]}"; do
        [ -x "$cache/$package/usr/bin/${binary[$package]}" ] || return 1
    done
}

if have_all; then
    echo "$cache"
    exit 0
fi
command -v apt-get >/dev/null || { echo "fetch_prometheus: apt-get is needed" >&2; exit 1; }

download() {
    (cd "$cache/debs" && apt-get download -q "$@" >&2)
}

mkdir -p "$cache/debs"
if ! download "${packages[@]}"; then
    echo "fetch_prometheus: refreshing the package lists" >&2
    apt-get update -q >&2
    download "${packages[@]}"
fi
for package in "${packages[@]}"; do
    deb=$(ls "$cache/debs/${package}_"*.deb | head -n 1)
    rm -rf "$cache/$package"
    dpkg-deb -x "$deb" "$cache/$package"
    dpkg-deb -f "$deb" Version > "$cache/$package/VERSION"
done
have_all || { echo "fetch_prometheus: binaries missing after unpacking" >&2; exit 1; }
echo "$cache"
