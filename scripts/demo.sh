#!/usr/bin/env bash
# The main job on an embedded default: generate a small synthetic two-epoch
# scene and show what was made.
set -euo pipefail
bin=${1:-bin/cdflow}
out=${2:-demo}
rm -rf "$out"
"$bin" synth --out "$out" --extent-km 1x1 --seed 1
