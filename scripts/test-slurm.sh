#!/usr/bin/env bash
# Runs cdflow's shards under a real scheduler: a single-node Slurm cluster on
# this machine (slurmctld, slurmd and munged started here as root, configured
# in a temporary folder), then checks that the release assembled by a Slurm job
# array of `cdflow run --shard i/n` plus a dependent `cdflow merge` job
# (examples/slurm/submit.sh) is byte-identical to a single `cdflow run`'s.
#
#   scripts/test-slurm.sh [CDFLOW_BINARY]        # make test-slurm
#
# Installs slurm-wlm and munge with apt-get when missing (as root). Leaves no
# daemon running and nothing outside its temporary folder (removed on success,
# kept on failure). Environment:
#   SLURM_TEST_SHARDS   number of shards (array tasks), default 3
#   SLURM_TEST_EXTENT   synthetic scene size WxH in km, default 0.6x0.6 (9 tiles)
#   SLURM_TEST_TIMEOUT  seconds to wait for the jobs, default 600
#   SLURM_TEST_KEEP=1   keep the temporary folder on success too
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

shards=${SLURM_TEST_SHARDS:-3}
extent=${SLURM_TEST_EXTENT:-0.6x0.6}
timeout=${SLURM_TEST_TIMEOUT:-600}
start_all=$SECONDS

say() { echo "== test-slurm: $*"; }
die() {
  echo "test-slurm: FAIL: $*" >&2
  exit 1
}

bin=${1:-bin/cdflow}
[ -x "$bin" ] || die "no cdflow binary at $bin (run 'make build' or 'make test-slurm')"
bin=$(realpath -e -- "$bin")
case $shards in '' | *[!0-9]* | 0) die "SLURM_TEST_SHARDS must be a number ≥ 1, not '$shards'" ;; esac

# --- 1. slurm-wlm and munge, when missing -------------------------------------
missing=()
for c in slurmctld slurmd sbatch scontrol sinfo scancel; do
  command -v "$c" >/dev/null 2>&1 || missing+=("$c")
done
for c in munged munge unmunge; do
  command -v "$c" >/dev/null 2>&1 || missing+=("$c")
done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" -eq 0 ] || die "${missing[*]} missing; run as root to install slurm-wlm and munge with apt-get"
  say "installing slurm-wlm and munge with apt-get (missing: ${missing[*]})"
  t0=$SECONDS
  # Keep the packages' scripts from starting the system's slurmctld, slurmd
  # and munge services: this test starts its own.
  made_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    made_policy=1
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  rc=0
  aptlog=$(mktemp /tmp/cdflow-slurm-apt.XXXXXX)
  {
    apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge
  } >"$aptlog" 2>&1 || rc=$?
  if [ -n "$made_policy" ]; then
    rm -f /usr/sbin/policy-rc.d
    trap - EXIT
  fi
  if [ "$rc" -ne 0 ]; then
    tail -n 30 "$aptlog" >&2
    die "apt-get install slurm-wlm munge failed (exit $rc; output above, all of it in $aptlog)"
  fi
  rm -f "$aptlog"
  for c in "${missing[@]}"; do
    command -v "$c" >/dev/null 2>&1 || die "$c still missing after installing slurm-wlm and munge"
  done
  say "installed in $((SECONDS - t0)) s"
fi
[ "$(id -u)" -eq 0 ] || die "run as root: slurmd must start jobs as the submitting user"

# --- 2. a single-node cluster in a temporary folder ---------------------------
T=$(mktemp -d /tmp/cdflow-slurm.XXXXXX)
chmod 755 "$T"
mkdir -p "$T"/{munge,state,spool,run,log,jobs}
export SLURM_CONF=$T/slurm.conf
pids=()     # the daemons started here, stopped by cleanup
jobids=()   # the jobs submitted here, cancelled by cleanup if still there
ok=""

show_logs() {
  local f
  for f in "$T"/log/* "$T"/jobs/*; do
    [ -s "$f" ] || continue
    # With -D the daemons also write their log to stderr: show that only
    # when the log file is empty (they failed before opening it).
    [[ $f == *.stderr && -s ${f%.stderr}.log ]] && continue
    echo "---- ${f#"$T"/} (last 60 lines)" >&2
    tail -n 60 "$f" >&2
  done
}

# One line per job (and per array task) submitted here.
all_jobs() {
  local j
  for j in "${jobids[@]}"; do scontrol -o show job "$j" 2>/dev/null; done
}

# The array's tasks, one per line: "task 1: FAILED, exit 3:0".
task_summary() {
  scontrol -o show job "$1" 2>/dev/null |
    sed -n 's/.*ArrayTaskId=\([0-9]*\).*JobState=\([A-Z_]*\).*ExitCode=\([0-9:]*\).*/  task \1: \2, exit \3/p' | sort -n -k2
}

# Cancels the jobs submitted here and waits for their processes to end
# (slurmd keeps a socket per running job step in its spool folder); kills
# what is left after 40 s: the jobs' processes and their slurmstepd (the
# slurmstepd processes with a file open under $T).
stop_jobs() {
  [ ${#jobids[@]} -gt 0 ] || return 0
  scancel "${jobids[@]}" 2>/dev/null # nothing for the jobs that have ended
  local p left=()
  for _ in $(seq 80); do
    [ -n "$(find "$T/spool" -maxdepth 1 -type s 2>/dev/null)" ] || return 0
    sleep 0.5
  done
  echo "test-slurm: job steps still running 40 s after scancel; killing them" >&2
  left=($(scontrol listpids 2>/dev/null | awk '$1 ~ /^[0-9]+$/ { print $1 }'))
  for p in /proc/[0-9]*; do
    [ "$(cat "$p/comm" 2>/dev/null)" = slurmstepd ] || continue
    ls -l "$p/fd" 2>/dev/null | grep -q -- "$T/" && left+=("${p#/proc/}")
  done
  [ ${#left[@]} -eq 0 ] || kill -9 "${left[@]}" 2>/dev/null
}

cleanup() {
  local rc=$?
  set +e
  if [ -z "$ok" ]; then
    echo "test-slurm: failed; logs and job outputs follow (all under $T)" >&2
    for j in "${jobids[@]}"; do scontrol show job "$j"; done >"$T/log/jobs.txt" 2>&1
    show_logs
  fi
  stop_jobs
  # Stop in reverse order: slurmd, slurmctld, munged.
  local i p
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    p=${pids[i]}
    kill "$p" 2>/dev/null || continue
    for _ in $(seq 50); do
      kill -0 "$p" 2>/dev/null || break
      sleep 0.2
    done
    if kill -0 "$p" 2>/dev/null; then
      echo "test-slurm: pid $p did not stop on SIGTERM; killing it" >&2
      kill -9 "$p" 2>/dev/null
    fi
    wait "$p" 2>/dev/null
  done
  if [ -n "$ok" ] && [ "${SLURM_TEST_KEEP:-}" != 1 ]; then
    rm -rf "$T"
  else
    echo "test-slurm: kept $T" >&2
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Two free TCP ports: a port nothing answers on (this test may run beside a
# real Slurm or an earlier test's leftovers).
free_port() {
  local p
  for _ in $(seq 100); do
    p=$((20000 + RANDOM % 20000))
    [ "$p" != "${ctld_port:-}" ] || continue
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return
    fi
  done
  die "no free TCP port found for slurmctld/slurmd"
}
ctld_port=$(free_port)
slurmd_port=$(free_port)
host=$(hostname -s)
cpus=$(nproc)
mem_mb=$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo)

cat >"$SLURM_CONF" <<CONF
# A single-node cluster for scripts/test-slurm.sh: no cgroups, no accounting.
ClusterName=cdflowtest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$T/munge/munge.socket.2
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/run/slurmctld.pid
SlurmdPidFile=$T/run/slurmd.pid
SlurmctldLogFile=$T/log/slurmctld.log
SlurmdLogFile=$T/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
ReturnToService=2
KillWait=5
MailProg=/bin/true
MinJobAge=3600
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF

say "starting munged, slurmctld and slurmd ($host: $cpus CPUs, ${mem_mb} MB; ports $ctld_port, $slurmd_port; $T)"
t0=$SECONDS
if command -v mungekey >/dev/null 2>&1; then
  mungekey --create --keyfile="$T/munge/munge.key" >/dev/null
else
  dd if=/dev/urandom of="$T/munge/munge.key" bs=1024 count=1 status=none
fi
chmod 400 "$T/munge/munge.key"
munged --foreground --force \
  --key-file="$T/munge/munge.key" --socket="$T/munge/munge.socket.2" \
  --pid-file="$T/run/munged.pid" --log-file="$T/log/munged.log" --seed-file="$T/munge/munge.seed" \
  >>"$T/log/munged.stderr" 2>&1 &
pids+=($!)
for i in $(seq 50); do
  munge --socket="$T/munge/munge.socket.2" -n 2>/dev/null | unmunge --socket="$T/munge/munge.socket.2" >/dev/null 2>&1 && break
  kill -0 "${pids[-1]}" 2>/dev/null || die "munged exited at start"
  [ "$i" -lt 50 ] || die "munged does not answer on $T/munge/munge.socket.2 after 10 s"
  sleep 0.2
done

slurmctld -D -f "$SLURM_CONF" >>"$T/log/slurmctld.stderr" 2>&1 &
pids+=($!)
for i in $(seq 100); do
  scontrol ping 2>/dev/null | grep -q 'is UP' && break
  kill -0 "${pids[-1]}" 2>/dev/null || die "slurmctld exited at start"
  [ "$i" -lt 100 ] || die "slurmctld does not answer after 20 s"
  sleep 0.2
done

slurmd -D -f "$SLURM_CONF" -N "$host" >>"$T/log/slurmd.stderr" 2>&1 &
pids+=($!)
state=""
for i in $(seq 150); do
  state=$(sinfo -h -N -n "$host" -o '%T' 2>/dev/null | head -n 1)
  [ "$state" = idle ] && break
  kill -0 "${pids[-1]}" 2>/dev/null || die "slurmd exited at start"
  case $state in
    *drain* | *inval* | *fail*) die "node $host is $state: $(sinfo -h -R 2>/dev/null)" ;;
  esac
  [ "$i" -lt 150 ] || die "node $host is '${state:-unknown}', not idle, after 30 s"
  sleep 0.2
done
say "cluster up in $((SECONDS - t0)) s: $(sinfo -h -o '%P %a %D %T %c CPUs %m MB')"

# --- 3. the scene and the reference: one `cdflow run` -------------------------
t0=$SECONDS
say "cdflow synth --extent-km $extent"
"$bin" synth --out "$T/scene" --extent-km "$extent" --sheet-km 0.3 --seed 5 >"$T/log/synth.log" 2>&1 ||
  die "cdflow synth failed (see $T/log/synth.log)"
wf=$T/scene/workflow.hcl
say "cdflow run (the reference, on this machine)"
"$bin" run --out "$T/single" "$wf" >"$T/log/single-run.log" 2>&1 ||
  die "the single cdflow run failed (see $T/log/single-run.log)"
say "scene and reference in $((SECONDS - t0)) s"

# --- 4. the shards as a job array, the merge as a dependent job ---------------
t0=$SECONDS
out=$T/slurm-out
submitted=$(CDFLOW=$bin "$repo/examples/slurm/submit.sh" -n "$shards" -c 1 -m 512M -M 384M -s "--chdir=$T/jobs" "$out" "$wf") ||
  die "examples/slurm/submit.sh failed"
echo "$submitted"
shards_job=$(awk '$1 == "shards:" { print $3 }' <<<"$submitted")
merge_job=$(awk '$1 == "merge:" { print $3 }' <<<"$submitted")
[ -n "$shards_job" ] && [ -n "$merge_job" ] || die "cannot read the job ids in submit.sh's output"
jobids=("$shards_job" "$merge_job")

job_state() { { scontrol -o show job "$1" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2 | sort | uniq -c | awk '{ printf "%s%s×%s", sep, $2, $1; sep=" " }'; } || true; }
last=""
while :; do
  merge_state=$(scontrol -o show job "$merge_job" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2) ||
    die "scontrol no longer knows job $merge_job"
  now="shards: $(job_state "$shards_job"); merge: $merge_state"
  [ "$now" = "$last" ] || echo "   $((SECONDS - t0)) s  $now"
  last=$now
  case $merge_state in
    COMPLETED) break ;;
    FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | PREEMPTED | BOOT_FAIL | DEADLINE)
      die "merge job $merge_job ended $merge_state; the array's tasks (outputs in $T/jobs):
$(task_summary "$shards_job")" ;;
  esac
  [ $((SECONDS - t0)) -lt "$timeout" ] || die "the jobs did not finish within $timeout s (SLURM_TEST_TIMEOUT)"
  sleep 1
done
say "shards and merge done under Slurm in $((SECONDS - t0)) s"

# The merge asked for the memory given with -M, and its tiles need less.
merge_info=$(scontrol -o show job "$merge_job")
grep -q 'MinMemoryNode=384M' <<<"$merge_info" || die "the merge job did not ask for submit.sh -M's 384M:
$merge_info"
grep -q 'warning: a merge of' "$T"/jobs/cdflow-merge-"$merge_job".out &&
  die "the merge of $shards shards warned that 384M is short: $(grep 'warning: a merge of' "$T"/jobs/cdflow-merge-"$merge_job".out)"

# Every task of the array ran and succeeded, each its own shard.
tasks=$(scontrol -o show job "$shards_job")
[ "$(grep -c 'JobState=COMPLETED' <<<"$tasks")" -eq "$shards" ] || die "not all $shards array tasks COMPLETED:
$(task_summary "$shards_job")"
grep -q 'ExitCode=[1-9]' <<<"$tasks" && die "an array task exited non-zero:
$(task_summary "$shards_job")"
n=$(find "$out/run/shards" -name 'shard-*-of-*.json' 2>/dev/null | wc -l)
[ "$n" -eq "$shards" ] || die "$out/run/shards holds $n partial results, not $shards"
for ((i = 0; i < shards; i++)); do
  grep -q "^shard $i/$shards: processed" "$T"/jobs/cdflow-shard-"${shards_job}"_*.out ||
    die "no array task's output says it processed shard $i/$shards"
done

# --- 5. the release is the single run's, byte for byte ------------------------
# What TestShardsMergeEqualSingleRun compares: the published catalog folder and
# the tables; the run's tile cache and logs (OUT/run/tiles) may differ.
[ -f "$T/single/catalog/catalog.json" ] || die "the single run published no catalog"
[ -f "$out/catalog/catalog.json" ] || die "the merge published no catalog under $out/catalog"
diff -r "$T/single/catalog" "$out/catalog" >"$T/log/diff.txt" 2>&1 ||
  die "the merged catalog differs from the single run's:
$(head -n 40 "$T/log/diff.txt")"
for f in run/tiles.parquet run/splits.parquet tiles.parquet splits.parquet; do
  cmp -s "$T/single/$f" "$out/$f" || die "$f differs from the single run's (or is missing)"
done
n=$(find "$out/catalog" -type f | wc -l)

# --- 6. a merge given less memory than its tiles need says so ----------------
# This cluster has no cgroups, as many that enforce memory by sampling a job's
# use: the merge sees the job's memory only as SLURM_MEM_PER_NODE. Publishing
# the same release again is a no-op, so the catalog stays as checked above.
short_job=$(sbatch --parsable --export="ALL,CDFLOW=$bin" --chdir="$T/jobs" --mem=64M \
  "$repo/examples/slurm/merge.sbatch" "$out" "$wf") || die "cannot submit the short merge"
short_job=${short_job%%;*}
jobids+=("$short_job")
t0=$SECONDS
while :; do
  state=$(scontrol -o show job "$short_job" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2) ||
    die "scontrol no longer knows job $short_job"
  case $state in
    COMPLETED) break ;;
    FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | PREEMPTED | BOOT_FAIL | DEADLINE)
      die "the merge with --mem=64M (job $short_job) ended $state:
$(tail -n 20 "$T"/jobs/cdflow-merge-"$short_job".out 2>/dev/null)" ;;
  esac
  [ $((SECONDS - t0)) -lt "$timeout" ] || die "the merge with --mem=64M did not finish within $timeout s"
  sleep 1
done
short_log=$T/jobs/cdflow-merge-$short_job.out
grep -q "warning: a merge of [0-9]* tiles needs about [0-9]* MiB of memory, and this process may use 64 MiB (its Slurm job's memory)" "$short_log" ||
  die "the merge with --mem=64M did not warn that its job's memory is short:
$(cat "$short_log")"
diff -r "$T/single/catalog" "$out/catalog" >"$T/log/diff.txt" 2>&1 ||
  die "the catalog changed when the same release was merged again:
$(head -n 40 "$T/log/diff.txt")"
say "a merge given 64M warns from its Slurm job's memory"
ok=1
say "OK: the Slurm release ($shards shards + merge) is byte-identical to the single run's ($n catalog files and the tables); $((SECONDS - start_all)) s in all"
