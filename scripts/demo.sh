#!/usr/bin/env bash
# The main job on an embedded default: generate a synthetic two-epoch city,
# run its workflow end to end (tiles, statistics, split, STAC release),
# validate the catalog, and say where everything is.
set -euo pipefail
bin=${1:-bin/cdflow}
out=${2:-demo}
rm -rf "$out"
echo "== cdflow synth: a 1 km × 1 km synthetic city, two epochs"
"$bin" synth --out "$out" --extent-km 1x1 --seed 1
echo
echo "== cdflow run $out/workflow.hcl"
"$bin" run "$out/workflow.hcl" --out "$out/out" > "$out/run.log"
grep -v '^$' "$out/run.log" | sed -n '1,/^subset/p' | grep -v '^subset'
echo
echo "== cdflow stac validate $out/out/catalog"
# Exit 3: nothing invalid, but the schemas could not be loaded (no network
# and no offline folder): the demo goes on and says so.
rc=0
"$bin" stac validate "$out/out/catalog" || rc=$?
if [ "$rc" = 3 ]; then
  echo "(the catalog was not validated: this machine cannot fetch the STAC schemas;"
  echo " give a folder of them with CDFLOW_STAC_SCHEMAS=DIR or --schemas DIR)"
elif [ "$rc" != 0 ]; then
  exit "$rc"
fi
release=$(ls -d "$out"/out/catalog/*/*/ | head -n 1)
echo
echo "== Table 2 of the release (cdflow stats)"
"$bin" stats "${release}tiles.parquet"
cat <<MSG

Done. The catalog is $out/out/catalog/catalog.json (self-contained, relative links):
  - the release:  ${release}collection.json (train/test/val collections, one item per tile)
  - the report:   ${release}report.html (Table 2, ΔH histograms, tile map) — open it in a browser
  - statistics:   ${release}tiles.parquet, splits.parquet, items.parquet (GeoParquet)
To browse the catalog: $bin serve $out/out/catalog
(it prints the link that opens it in STAC Browser; $bin stac browser-config $out/out/catalog
prints the CRS definitions STAC Browser's map needs when it cannot fetch them itself).
MSG
