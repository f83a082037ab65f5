#!/usr/bin/env bash
# Measures the labelling of a scene's own workflow against its truth, with
# each noise filter added in turn, on cdflow synth scenes of the given seeds:
#   scripts/label-quality.sh [-e 1x1] [-w workflow.hcl|workflow-lidar.hcl] SEED...
# Prints one line per seed and variant (cdflow score's figures).
set -euo pipefail
bin=${CDFLOW:-bin/cdflow}
extent=1x1
wf=workflow.hcl
while getopts "e:w:" o; do
  case $o in
    e) extent=$OPTARG ;;
    w) wf=$OPTARG ;;
    *) echo "usage: $0 [-e WxH] [-w workflow.hcl|workflow-lidar.hcl] SEED..." >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || { echo "usage: $0 [-e WxH] [-w workflow.hcl|workflow-lidar.hcl] SEED..." >&2; exit 2; }
work=${WORK:-$(mktemp -d)}
for seed in "$@"; do
  scene=$work/scene-$seed
  [ -f "$scene/scene.json" ] || "$bin" synth --out "$scene" --extent-km "$extent" --seed "$seed" > /dev/null 2>&1
  # The variants: the threshold alone, then vegetation, opening and minimum
  # area added one by one (the last is the scene's workflow as written).
  for v in threshold +vegetation +opening +min_area; do
    f=$scene/quality-$v.hcl
    case $v in
      threshold)   sed -e '/^  min_area /d' -e '/^  opening_radius /d' -e '/^  ortho_t[01]  /d' -e '/^  vegetation {/,/^  }/d' "$scene/$wf" > "$f" ;;
      +vegetation) sed -e '/^  min_area /d' -e '/^  opening_radius /d' "$scene/$wf" > "$f" ;;
      +opening)    sed -e '/^  min_area /d' "$scene/$wf" > "$f" ;;
      +min_area)   cp "$scene/$wf" "$f" ;;
    esac
    out=$work/out-$seed-$v
    rm -rf "$out"
    "$bin" run "$f" --out "$out" > /dev/null 2>&1
    printf 'seed %s %-11s %s\n' "$seed" "$v" "$("$bin" score "$scene" "$out/run")"
  done
done
