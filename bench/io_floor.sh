#!/usr/bin/env bash
# The benchmark's I/O floor: the least any tool must do to make the
# dataset's pixels. One gdal_translate pass per source reads every source
# pixel once and writes, as COG with cdflow's creation options (no
# overviews), exactly as many output pixels of each type as cdflow's
# products:
#
#   ortho_t0 → 3 bands at 0.5 m (average)       stands for t0
#   ortho_t1 → 4 bands at 0.5 m (average)       t1, and one 8-bit band for cd2d
#   dsm_t0   → 2 float32 bands at 1 m           dsm_t0 and dh
#   dsm_t1   → 2 float32 bands at 1 m           dsm_t1 and cd3d
#
# The passes run JOBS at a time, the two large ones first.
#
# Usage: io_floor.sh SCENE OUT [JOBS]
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 SCENE OUT [JOBS]" >&2
  exit 2
fi
SCENE=$1 OUT=$2 JOBS=${3:-$(nproc)}
export GDAL_PAM_ENABLED=NO OUT
mkdir -p "$OUT"
for s in ortho_t0 ortho_t1 dsm_t0 dsm_t1; do
  gdalbuildvrt -q -overwrite "$OUT/$s.vrt" "$SCENE"/$s/*.tif
done
export CO="-of COG -co COMPRESS=DEFLATE -co LEVEL=1 -co PREDICTOR=YES -co NUM_THREADS=1 -co OVERVIEWS=NONE"
pass() {
  local src=$1
  shift
  gdal_translate -q $CO "$@" "$OUT/$src.vrt" "$OUT/$src.tif"
}
export -f pass
xargs -P "$JOBS" -L 1 bash -c 'pass "$@"' _ <<LIST
ortho_t0 -tr 0.5 0.5 -r average -b 1 -b 2 -b 3
ortho_t1 -tr 0.5 0.5 -r average -b 1 -b 2 -b 3 -b 1
dsm_t0 -b 1 -b 1
dsm_t1 -b 1 -b 1
LIST
