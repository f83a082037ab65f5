#!/usr/bin/env bash
# Submits a cdflow release to Slurm: an array of SHARDS tasks running
# shards.sbatch (`cdflow run --shard i/SHARDS`), then merge.sbatch
# (`cdflow merge`), which Slurm starts only once every task has succeeded
# (--dependency=afterok). If a task fails, the merge is cancelled; run the
# same command again (or with -t for only the failed tasks): finished tiles
# are kept, so each shard only redoes what is missing.
#
#   submit.sh [-n SHARDS] [-t TASKS] [-c CPUS] [-m MEM] [-M MEM] [-s SBATCH_OPTION]... OUT WORKFLOW
#
#   -n SHARDS  number of shards (default 4)
#   -t TASKS   run only these shards of SHARDS, as an --array list (e.g. 2,5)
#   -c CPUS    CPUs per shard task, also cdflow's -j (default 2)
#   -m MEM     memory per shard task (default 1G)
#   -M MEM     memory for the merge (default 512M, enough for about 200 000
#              tiles; it grows with the tiles: docs/scale.md)
#   -s OPTION  one more sbatch option for both jobs (repeatable), e.g.
#              -s --partition=batch -s --time=04:00:00 -s --chdir=/shared/logs
#
# OUT must be on a filesystem every node sees. CDFLOW names the binary
# (default: cdflow on PATH; made absolute here); CDFLOW_WRAP, a command put
# before it (a container: see README.md). Prints the two job ids:
#   shards: job <array job id> …
#   merge:  job <merge job id> …
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

usage() {
  echo "usage: submit.sh [-n SHARDS] [-t TASKS] [-c CPUS] [-m MEM] [-M MEM] [-s SBATCH_OPTION]... OUT WORKFLOW" >&2
  exit 2
}

shards=4 tasks="" cpus=2 mem=1G merge_mem=512M
extra=()
while getopts "n:t:c:m:M:s:h" opt; do
  case $opt in
    n) shards=$OPTARG ;;
    t) tasks=$OPTARG ;;
    c) cpus=$OPTARG ;;
    m) mem=$OPTARG ;;
    M) merge_mem=$OPTARG ;;
    s) extra+=("$OPTARG") ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[ $# -eq 2 ] || usage
case $shards in '' | *[!0-9]* | 0) echo "submit.sh: -n wants a number of shards ≥ 1, not '$shards'" >&2; exit 2 ;; esac
case $cpus in '' | *[!0-9]* | 0) echo "submit.sh: -c wants a number of CPUs ≥ 1, not '$cpus'" >&2; exit 2 ;; esac
command -v sbatch >/dev/null 2>&1 || { echo "submit.sh: sbatch not found: run this on a Slurm login node" >&2; exit 1; }

workflow=$(realpath -e -- "$2" 2>/dev/null) || { echo "submit.sh: workflow $2 not found" >&2; exit 1; }
out=$(realpath -m -- "$1")
cdflow=${CDFLOW:-cdflow}
if [ -n "${CDFLOW_WRAP:-}" ]; then
  : # cdflow runs inside CDFLOW_WRAP (a container): nothing to check here
elif [[ $cdflow == */* ]]; then
  cdflow=$(realpath -e -- "$cdflow" 2>/dev/null) || { echo "submit.sh: CDFLOW=$CDFLOW not found" >&2; exit 1; }
else
  command -v "$cdflow" >/dev/null 2>&1 || echo "submit.sh: warning: $cdflow is not on this node's PATH; the compute nodes must have it" >&2
fi
mkdir -p -- "$out"

common=(--parsable --export="ALL,CDFLOW=$cdflow,CDFLOW_SHARDS=$shards" "${extra[@]}")
array=${tasks:-0-$((shards - 1))}
# --parsable prints "jobid" or "jobid;cluster".
shards_job=$(sbatch "${common[@]}" --array="$array" --cpus-per-task="$cpus" --mem="$mem" \
  "$here/shards.sbatch" "$out" "$workflow")
shards_job=${shards_job%%;*}
merge_job=$(sbatch "${common[@]}" --dependency="afterok:$shards_job" --kill-on-invalid-dep=yes --mem="$merge_mem" \
  "$here/merge.sbatch" "$out" "$workflow")
merge_job=${merge_job%%;*}
echo "shards: job $shards_job (array $array of $shards shards)"
echo "merge:  job $merge_job (after every shard has succeeded)"
