#!/usr/bin/env bash
# Measures the labelling of a scene's own workflow against its truth, with
# each part of the noise removal and the 2D map's alignment added in turn
# (an ablation table), on cdflow synth scenes of the given seeds:
#   scripts/label-quality.sh [-e 1x1] [-w workflow.hcl|workflow-lidar.hcl] [-d DEFECTS] [-c] [-f] SEED...
# Prints one line per seed and variant (cdflow score's figures); the last
# variant of each seed is the scene's workflow as written. -d generates the
# scenes with cdflow synth's --defects (e.g. shift=0.5,bias=0.3), -c turns on
# the qa step's correct_shift and correct_bias, -f runs the workflow as
# written only (no ablation).
set -euo pipefail
bin=${CDFLOW:-bin/cdflow}
extent=1x1
wf=workflow.hcl
defects=
correct=
full=
while getopts "e:w:d:cf" o; do
  case $o in
    e) extent=$OPTARG ;;
    w) wf=$OPTARG ;;
    d) defects=$OPTARG ;;
    c) correct=1 ;;
    f) full=1 ;;
    *) echo "usage: $0 [-e WxH] [-w workflow.hcl|workflow-lidar.hcl] [-d DEFECTS] [-c] [-f] SEED..." >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || { echo "usage: $0 [-e WxH] [-w workflow.hcl|workflow-lidar.hcl] [-d DEFECTS] [-c] [-f] SEED..." >&2; exit 2; }
work=${WORK:-$(mktemp -d)}

# strip FILE ATTR... drops the attributes of the threshold and change_mask
# steps that a variant does without: "vegetation" is the threshold's
# vegetation block with its orthophotos; the threshold's DSMs go with
# sampling_radius; the change_mask's DSMs and orthophotos with align.
strip() {
  local f=$1; shift
  awk -v drop=" $* " '
    /^step "threshold"/ { blk = "t" }
    /^step "change_mask"/ { blk = "c" }
    blk != "" && /^}/ { blk = "" }
    blk == "t" && /^  vegetation \{/ { if (index(drop, " vegetation ")) { skipveg = 1; next } }
    skipveg { if ($0 ~ /^  }/) skipveg = 0; next }
    blk != "" {
      split($1, a, "="); name = a[1]
      if (blk == "t" && name ~ /^ortho_t[01]$/) { if (index(drop, " vegetation ")) next; print; next }
      if (blk == "t" && name ~ /^dsm_t[01]$/) { if (index(drop, " sampling_radius ")) next; print; next }
      if (blk == "c" && name ~ /^(dsm|ortho)_t[01]$/) { if (index(drop, " align ")) next; print; next }
      if (index(drop, " " name " ")) next
    }
    { print }' "$f"
}

for seed in "$@"; do
  scene=$work/scene-$seed${defects:+-$defects}
  if [ ! -f "$scene/scene.json" ]; then
    "$bin" synth --out "$scene" --extent-km "$extent" --seed "$seed" ${defects:+--defects "$defects"} > /dev/null 2>&1
  fi
  src=$scene/$wf
  if [ -n "$correct" ]; then
    src=$scene/corrected-$wf
    sed 's/^  on_unreadable = "fail"/  on_unreadable = "fail"\n  correct_shift = true\n  correct_bias  = true/' "$scene/$wf" > "$src"
  fi
  variants="threshold +vegetation +sampling +edges +opening +slender +min_area +align +refine"
  [ -n "$full" ] && variants=+refine
  # Each variant drops the parts added after it.
  later=(sampling_radius edge_fraction opening_radius slender_width min_area align refine_radius)
  for v in $variants; do
    f=$scene/quality-${correct:+corrected-}$v.hcl
    case $v in
      threshold)   drop="vegetation ${later[*]}" ;;
      +vegetation) drop="${later[*]}" ;;
      +sampling)   drop="${later[*]:1}" ;;
      +edges)      drop="${later[*]:2}" ;;
      +opening)    drop="${later[*]:3}" ;;
      +slender)    drop="${later[*]:4}" ;;
      +min_area)   drop="${later[*]:5}" ;;
      +align)      drop="refine_radius" ;;
      +refine)     drop="" ;;
    esac
    strip "$src" $drop > "$f"
    out=$work/out-$seed${defects:+-$defects}${correct:+-corrected}-$v
    rm -rf "$out"
    "$bin" run "$f" --out "$out" > "$out.log" 2>&1 || { echo "seed $seed $v: run failed, see $out.log" >&2; exit 1; }
    printf 'seed %s%s%s %-11s %s\n' "$seed" "${defects:+ $defects}" "${correct:+ corrected}" "$v" "$("$bin" score "$scene" "$out/run")"
  done
done
