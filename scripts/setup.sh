#!/usr/bin/env bash
# Installs what cdflow needs on a Debian machine and downloads the Go modules.
# Idempotent: when everything is there it only checks, in well under a second
# (plus `go mod download`, which is a no-op with a warm module cache).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v gdal-config >/dev/null 2>&1 || need+=(libgdal-dev)
command -v gdal_translate >/dev/null 2>&1 || need+=(gdal-bin)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
command -v g++ >/dev/null 2>&1 || need+=(g++)
# The tests read the folders publisher's files as the 3DCD training code
# does: Debian's Python with tifffile (without imagecodecs), imageio and
# Pillow; the benchmark's gdal_calc.py needs numpy too. find_spec finds a
# module without importing it: importing the four takes most of a second.
for pm in python3-numpy:numpy python3-tifffile:tifffile python3-imageio:imageio python3-pil:PIL; do
  /usr/bin/python3 -c 'import importlib.util, sys; sys.exit(importlib.util.find_spec(sys.argv[1]) is None)' "${pm#*:}" >/dev/null 2>&1 || need+=("${pm%%:*}")
done
if [ "${CDFLOW_BENCH:-}" = 1 ]; then
  # The benchmark's reference pipeline uses gdal_calc.py and /usr/bin/time.
  command -v gdal_calc.py >/dev/null 2>&1 || need+=(python3-gdal)
  [ -x /usr/bin/time ] || need+=(time)
fi

if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "setup: need root (or sudo) to apt-get install ${need[*]}" >&2; exit 1; }
    sudo=sudo
  fi
  echo "setup: installing ${need[*]} with apt-get"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

GOWORK=off go mod download

# godal v0.0.18 allocates the context of each call into GDAL, and its arrays
# of options, with C.malloc and then stores pointers into them from Go. cgo
# requires such memory zeroed: a stale word there, read by the garbage
# collector's write barrier, can stop the process ("found bad pointer in Go
# heap"; see internal/cgoheap). make builds against a copy of the module
# with those two allocations made by calloc, through a Go workspace in
# .build that replaces the module (the Makefile sets GOWORK to it).
# Two make runs started together on one checkout take turns from here:
# the copy, the workspace file and the fetch are shared.
mkdir -p .build
exec 9>.build/.lock
flock 9
mod=github.com/airbusgeo/godal
info=$(GOWORK=off go list -m -f '{{.Version}} {{.Dir}}' "$mod")
ver=${info%% *} src=${info#* }
patched=.build/godal-$ver
if [ ! -f "$patched/.cdflow-calloc" ]; then
  rm -rf "$patched" "$patched.tmp"
  mkdir -p .build
  cp -r "$src" "$patched.tmp"
  chmod -R u+w "$patched.tmp"
  sed -i \
    -e 's|(\*\*C.char)(C.malloc(C.size_t(csa.l) \* C.size_t(unsafe.Sizeof((\*C.char)(nil)))))|(**C.char)(C.calloc(C.size_t(csa.l), C.size_t(unsafe.Sizeof((*C.char)(nil)))))|' \
    -e 's|(\*C.cctx)(C.malloc(C.size_t(unsafe.Sizeof(C.cctx{}))))|(*C.cctx)(C.calloc(1, C.size_t(unsafe.Sizeof(C.cctx{}))))|' \
    "$patched.tmp/godal.go"
  if [ "$(grep -c 'C.calloc(' "$patched.tmp/godal.go")" != 2 ] || grep -q 'C.malloc(' "$patched.tmp/godal.go"; then
    echo "setup: $mod $ver does not allocate as the patch in scripts/setup.sh expects (2 C.malloc calls); check its C.malloc calls and update the patch" >&2
    exit 1
  fi
  touch "$patched.tmp/.cdflow-calloc"
  mv "$patched.tmp" "$patched"
fi
gover=$(awk '$1 == "go" { print $2; exit }' go.mod)
work=.build/go.work
printf 'go %s\n\nuse ..\n\nreplace %s %s => ./godal-%s\n' "$gover" "$mod" "$ver" "$ver" > "$work.tmp"
if cmp -s "$work.tmp" "$work"; then rm "$work.tmp"; else mv "$work.tmp" "$work"; fi
# The workspace's module graph takes in godal's own requirements: fetch
# what the packages and tests need once the workspace or go.sum changes,
# not halfway through a build.
if [ ! -f .build/fetched ] || [ "$work" -nt .build/fetched ] || [ go.sum -nt .build/fetched ]; then
  GOWORK="$PWD/$work" go list -deps -test ./... >/dev/null
  touch .build/fetched
fi
