#!/usr/bin/env bash
# The benchmark's reference pipeline: the per-tile products of the 3DCD
# recipe made the way one would without cdflow, with GDAL's command-line
# tools, tile after tile:
#
#   t0, t1          gdalwarp -r average onto the tile at 0.5 m
#   dsm_t0, dsm_t1  gdal_translate -projwin: the DSM window at 1 m
#   dh              gdal_calc.py: ΔH = dsm_t1 − dsm_t0 (nodata where either is)
#   cd3d            gdal_calc.py: ΔH with |ΔH| < MIN_ABS set to 0
#   cd2d            gdal_calc.py: 1 where cd3d changed, else 0; then
#                   gdal_translate -tr 0.5 -r near onto the 0.5 m grid
#
# Every product is a COG written with cdflow's creation options (DEFLATE
# level 1, predictor, one block fitted to the product). gdal_calc.py cannot
# write a COG, so its results go through a temporary GeoTIFF and
# gdal_translate, as a user's script has to. There is no noise removal:
# the benchmark compares it with cdflow running a workflow whose threshold
# has min_abs only.
#
# Usage: gdal_pipeline.sh SCENE OUT TILES [JOBS]
#   SCENE  a scene from `cdflow synth` (ortho_t0/, ortho_t1/, dsm_t0/, dsm_t1/)
#   OUT    where the products go: OUT/<tile>/<product>.tif
#   TILES  a file with one tile per line: ID MINX MINY MAXX MAXY
#   JOBS   tiles processed at once, with xargs -P (default: all CPUs)
set -euo pipefail

if [ $# -lt 3 ]; then
  echo "usage: $0 SCENE OUT TILES [JOBS]" >&2
  exit 2
fi
SCENE=$1 OUT=$2 TILES=$3 JOBS=${4:-$(nproc)}
export MIN_ABS=${MIN_ABS:-1.0} ORTHO_RES=${ORTHO_RES:-0.5} DSM_RES=${DSM_RES:-1}
# No .aux.xml side-cars, as cdflow.
export GDAL_PAM_ENABLED=NO

mkdir -p "$OUT/vrt"
for s in ortho_t0 ortho_t1 dsm_t0 dsm_t1; do
  gdalbuildvrt -q -overwrite "$OUT/vrt/$s.vrt" "$SCENE"/$s/*.tif
done
export VRT=$OUT/vrt OUT

# cog SIDE prints the COG creation switches for a product SIDE pixels wide.
cog() {
  local side=$1 block=""
  if [ "$side" -le 512 ]; then
    block=$(( (side + 15) / 16 * 16 ))
    [ "$block" -ge 128 ] || block=128
    block="-co BLOCKSIZE=$block"
  fi
  echo "-of COG -co COMPRESS=DEFLATE -co LEVEL=1 -co PREDICTOR=YES -co NUM_THREADS=1 $block"
}

tile() {
  set -euo pipefail
  local id=$1 minx=$2 miny=$3 maxx=$4 maxy=$5
  local d=$OUT/$id tmp=$OUT/$id/.tmp
  mkdir -p "$tmp"
  local os ds
  os=$(awk -v a="$minx" -v b="$maxx" -v r="$ORTHO_RES" 'BEGIN { printf "%d", (b - a) / r + 0.5 }')
  ds=$(awk -v a="$minx" -v b="$maxx" -v r="$DSM_RES" 'BEGIN { printf "%d", (b - a) / r + 0.5 }')
  for e in t0 t1; do
    gdalwarp -q -overwrite -te "$minx" "$miny" "$maxx" "$maxy" -tr "$ORTHO_RES" "$ORTHO_RES" -r average \
      $(cog "$os") "$VRT/ortho_$e.vrt" "$d/$e.tif"
    gdal_translate -q -projwin "$minx" "$maxy" "$maxx" "$miny" $(cog "$ds") "$VRT/dsm_$e.vrt" "$d/dsm_$e.tif"
  done
  gdal_calc.py --quiet --overwrite -A "$d/dsm_t1.tif" -B "$d/dsm_t0.tif" --calc="A-B" \
    --type=Float32 --NoDataValue=-9999 --outfile="$tmp/dh.tif"
  gdal_translate -q $(cog "$ds") "$tmp/dh.tif" "$d/dh.tif"
  gdal_calc.py --quiet --overwrite -A "$d/dh.tif" --calc="where(abs(A)<$MIN_ABS,0,A)" \
    --type=Float32 --NoDataValue=-9999 --outfile="$tmp/cd3d.tif"
  gdal_translate -q $(cog "$ds") "$tmp/cd3d.tif" "$d/cd3d.tif"
  gdal_calc.py --quiet --overwrite -A "$d/cd3d.tif" --calc="(A!=0)*(A!=-9999)" --hideNoData \
    --type=Byte --outfile="$tmp/cd2d.tif"
  # The 2D map has no nodata (gdal_calc.py sets one; the copy drops it).
  gdal_translate -q -a_nodata none -tr "$ORTHO_RES" "$ORTHO_RES" -r near $(cog "$os") "$tmp/cd2d.tif" "$d/cd2d.tif"
  rm -rf "$tmp"
}
export -f cog tile

xargs -P "$JOBS" -L 1 bash -c 'tile "$@"' _ <"$TILES"
