#!/usr/bin/env bash
# Fetches real Fashion-MNIST (60,000 + 10,000 images, 28x28 gray, 10 classes) from the Debian package
# dataset-fashion-mnist, without installing it: apt-get download + dpkg-deb -x. Verifies the package
# checksum and every IDX file, and caches the four .gz files in a git-ignored folder.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEST="${INFOPRO_DATA:-$ROOT/data}/raw/fashion-mnist"
PKG=dataset-fashion-mnist
VERSION=0.0~git20200523.55506a9-1
DEB_SHA256=39e172fe32dd318ebb3e512220c3beea2fa47d7e20bab348fb4e0922d6beefc0
# file name : size in bytes of the Debian .gz : decompressed IDX size
FILES="train-images-idx3-ubyte.gz:26421856:47040016
train-labels-idx1-ubyte.gz:29491:60008
t10k-images-idx3-ubyte.gz:4422079:7840016
t10k-labels-idx1-ubyte.gz:5125:10008"

usage() {
  cat <<USAGE
Usage: submit/fetch-fashion-mnist.sh [--dest DIR] [--force]

Fetches Fashion-MNIST from the Debian package $PKG ($VERSION) with apt-get download and
dpkg-deb -x (no root install), verifies it, and caches the IDX files.

  --dest DIR   where to put the files (default: data/raw/fashion-mnist; env INFOPRO_DATA moves data/)
  --force      fetch again even if a verified copy is cached
  --help       show this help
Prints the folder holding the files on its last line.
USAGE
}

FORCE=0
while [ $# -gt 0 ]; do
  case "$1" in
    --dest) DEST="$2"; shift 2 ;;
    --force) FORCE=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "fetch-fashion-mnist: unknown option '$1'; see --help" >&2; exit 2 ;;
  esac
done

verify() {
  local dir="$1" line name gz raw have
  for line in $FILES; do
    IFS=: read -r name gz raw <<<"$line"
    [ -f "$dir/$name" ] || { echo "missing $dir/$name" >&2; return 1; }
    have=$(stat -c %s "$dir/$name")
    [ "$have" = "$gz" ] || { echo "$dir/$name: $have bytes, expected $gz" >&2; return 1; }
    have=$(gzip -dc "$dir/$name" | wc -c) || { echo "$dir/$name: corrupt gzip" >&2; return 1; }
    [ "$have" = "$raw" ] || { echo "$dir/$name: $have bytes decompressed, expected $raw" >&2; return 1; }
  done
}

if [ "$FORCE" = 0 ] && [ -f "$DEST/.verified" ] && verify "$DEST" 2>/dev/null; then
  echo "fetch-fashion-mnist: verified copy already in $DEST" >&2
  echo "$DEST"
  exit 0
fi

for tool in apt-get dpkg-deb sha256sum gzip; do
  command -v "$tool" >/dev/null || { echo "fetch-fashion-mnist: '$tool' not found; this script needs a Debian-family system." >&2; exit 1; }
done

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
echo "fetch-fashion-mnist: downloading $PKG=$VERSION ..." >&2
if ! apt-get download "$PKG=$VERSION" >"$WORK/apt.log" 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "fetch-fashion-mnist: package lists look stale; running apt-get update" >&2
    apt-get update -qq >"$WORK/update.log" 2>&1 || { cat "$WORK/update.log" >&2; exit 1; }
    apt-get download "$PKG=$VERSION" >"$WORK/apt.log" 2>&1 || { cat "$WORK/apt.log" >&2; exit 1; }
  else
    cat "$WORK/apt.log" >&2
    echo "fetch-fashion-mnist: apt-get download failed; run 'sudo apt-get update' once and retry." >&2
    exit 1
  fi
fi
DEB=$(ls "$WORK"/${PKG}_*.deb)
echo "$DEB_SHA256  $DEB" | sha256sum -c --quiet - || { echo "fetch-fashion-mnist: checksum mismatch for $DEB" >&2; exit 1; }
dpkg-deb -x "$DEB" "$WORK/x"
SRC="$WORK/x/usr/share/datasets/fashion-mnist"
verify "$SRC"

mkdir -p "$DEST"
TMP_DEST=$(mktemp -d "$DEST/.partial.XXXXXX")
for line in $FILES; do
  cp "$SRC/${line%%:*}" "$TMP_DEST/"
done
mv "$TMP_DEST"/*.gz "$DEST/"
rmdir "$TMP_DEST"
verify "$DEST"
date -u +%Y-%m-%dT%H:%M:%SZ > "$DEST/.verified"
echo "fetch-fashion-mnist: verified Fashion-MNIST in $DEST" >&2
echo "$DEST"
