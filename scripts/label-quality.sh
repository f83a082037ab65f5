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

# strip FILE ATTR... drops the attributes (and the vegetation block) of the
# threshold and change_mask steps that a variant does without.
strip() {
  local f=$1; shift
  awk -v drop=" $* " '
    /^step "(threshold|change_mask)"/ { inblk = 1 }
    inblk && /^}/ { inblk = 0 }
    inblk && /^  vegetation \{/ { if (index(drop, " vegetation ")) { skipveg = 1; next } }
    skipveg { if ($0 ~ /^  }/) skipveg = 0; next }
    inblk { split($1, a, "="); if (index(drop, " " a[1] " ")) next }
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
  variants="threshold +vegetation +sampling +edges +opening +min_area +align"
  [ -n "$full" ] && variants=+align
  all="min_area opening_radius sampling_radius dsm_t0 dsm_t1 ortho_t0 ortho_t1 vegetation align"
  for v in $variants; do
    f=$scene/quality-${correct:+corrected-}$v.hcl
    case $v in
      threshold)   strip "$src" $all edge_fraction > "$f" ;;
      +vegetation) strip "$src" min_area opening_radius sampling_radius edge_fraction dsm_t0 dsm_t1 align > "$f" ;;
      +sampling)   strip "$src" min_area opening_radius edge_fraction align > "$f" ;;
      +edges)      strip "$src" min_area opening_radius align > "$f" ;;
      +opening)    strip "$src" min_area align > "$f" ;;
      +min_area)   strip "$src" align > "$f" ;;
      +align)      cp "$src" "$f" ;;
    esac
    case $v in
      +vegetation|+sampling|+edges|+opening|+min_area)
        # the change_mask's own DSM and orthophoto inputs go with align
        awk '/^step "change_mask"/{b=1} b&&/^}/{b=0} b&&/^  (dsm|ortho)_t[01] /{next} {print}' "$f" > "$f.tmp" && mv "$f.tmp" "$f" ;;
    esac
    out=$work/out-$seed${defects:+-$defects}${correct:+-corrected}-$v
    rm -rf "$out"
    "$bin" run "$f" --out "$out" > "$out.log" 2>&1 || { echo "seed $seed $v: run failed, see $out.log" >&2; exit 1; }
    printf 'seed %s%s%s %-11s %s\n' "$seed" "${defects:+ $defects}" "${correct:+ corrected}" "$v" "$("$bin" score "$scene" "$out/run")"
  done
done
