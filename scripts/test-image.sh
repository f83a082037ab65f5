#!/usr/bin/env bash
# Runs the image scripts/image.sh builds, as a cluster would: `cdflow
# version`, then the demo end to end inside it — `cdflow synth` of a small
# scene, `cdflow run` of its workflow, `cdflow stats`, `cdflow stac validate`
# — then validates the release with the host's cdflow and checks that the
# host's cdflow publishes the same release, byte for byte, on that scene.
#
# It tries `podman run` first; where podman cannot start containers (e.g.
# it may not set rlimits here), it unpacks the image's root file system from
# the OCI archive and runs it with chroot (as root), with /proc, /sys and the
# /dev nodes a runtime would give it. No shell is used inside the image (it
# has none): every command is the image's entrypoint with arguments.
#
# Usage: scripts/test-image.sh [ARCHIVE [HOST_BIN]]   (default bin/cdflow-image.tar, bin/cdflow)
# Environment: CDFLOW_TEST_RUNTIME=podman|chroot (default: podman, else
# chroot), CDFLOW_TEST_EXTENT (default 1x1, km), CDFLOW_STAC_SCHEMAS (default
# ../shared/stac-schemas beside the checkout), CDFLOW_TEST_KEEP=1 keeps the
# scratch folder.
set -euo pipefail
cd "$(dirname "$0")/.."

archive=${1:-bin/cdflow-image.tar}
host_bin=${2:-bin/cdflow}
extent=${CDFLOW_TEST_EXTENT:-1x1}
schemas=${CDFLOW_STAC_SCHEMAS:-../shared/stac-schemas}
runtime=${CDFLOW_TEST_RUNTIME:-}

die() { echo "test-image: FAILED: $*" >&2; exit 1; }

[ -f "$archive" ] || die "no image archive $archive: build it with make image"
[ -x "$host_bin" ] || die "no executable $host_bin: build it with make build"
[ -f "$schemas/schemas.stacspec.org/v1.1.0/item-spec/json-schema/item.json" ] ||
  die "no offline STAC schemas in $schemas: set CDFLOW_STAC_SCHEMAS to the stac-schemas folder"
schemas=$(readlink -f "$schemas")
command -v python3 >/dev/null 2>&1 || die "python3 is needed to read the archive's JSON: apt-get install python3"

work=$(mktemp -d "${TMPDIR:-/tmp}/cdflow-test-image.XXXXXX")
mounts=()
cleanup() {
  local rc=$? i left
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
    umount "${mounts[i]}" 2>/dev/null || umount -l "${mounts[i]}" 2>/dev/null ||
      echo "test-image: could not unmount ${mounts[i]}: umount -l it by hand" >&2
  done
  left=$(findmnt -rn -o TARGET | grep -F "$work" || true)
  if [ -n "$left" ]; then
    echo "test-image: still mounted, $work left in place: $left" >&2
  elif [ "${CDFLOW_TEST_KEEP:-}" = 1 ]; then
    echo "test-image: kept $work"
  else
    rm -rf --one-file-system "$work"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The image as the archive describes it: its name, its environment and its
# entrypoint, read from index.json, the manifest and the config.
mkdir -p "$work/oci"
tar -xf "$archive" -C "$work/oci" || die "cannot unpack $archive: is it an OCI archive (make image)?"
/usr/bin/env python3 - "$work/oci" >"$work/image.env" <<'PY' || die "$archive is not a valid OCI archive (make image)"
import json, os, shlex, sys
oci = sys.argv[1]
def blob(d):
    return json.load(open(os.path.join(oci, "blobs", *d.split(":", 1))))
index = json.load(open(os.path.join(oci, "index.json")))
desc = index["manifests"][0]
manifest = blob(desc["digest"])
config = blob(manifest["config"]["digest"]).get("config", {})
layers = [os.path.join(oci, "blobs", *l["digest"].split(":", 1)) for l in manifest["layers"]]
print("ref=" + shlex.quote(desc.get("annotations", {}).get("org.opencontainers.image.ref.name", "")))
print("layers=(" + " ".join(map(shlex.quote, layers)) + ")")
print("entrypoint=(" + " ".join(map(shlex.quote, config.get("Entrypoint") or [])) + ")")
print("envs=(" + " ".join(map(shlex.quote, config.get("Env") or [])) + ")")
PY
ref="" layers=() entrypoint=() envs=()
. "$work/image.env"
[ ${#entrypoint[@]} -gt 0 ] || die "the image in $archive has no entrypoint"
echo "test-image: image ${ref:-(unnamed)} from $archive"

# run ARGS...: the image's entrypoint with ARGS, in the runtime chosen below;
# /tmp/cdflow-test inside is $data outside, /tmp/stac-schemas the schemas.
run_podman() {
  podman run --rm --network none -v "$data:/tmp/cdflow-test" -v "$schemas:/tmp/stac-schemas:ro" "$ref" "$@"
}
run_chroot() {
  env -i HOME=/root "${envs[@]}" "$chroot" "$rootfs" "${entrypoint[@]}" "$@"
}

if [ "$runtime" != chroot ]; then
  data="$work/data"
  mkdir -p "$data"
  why=""
  if ! command -v podman >/dev/null 2>&1; then
    why="podman is not installed"
  elif [ -z "$ref" ]; then
    why="the archive names no image"
  elif ! podman image exists "$ref" 2>/dev/null; then
    why="$ref is not in podman's image storage (make image puts it there)"
  elif ! timeout 120 podman run --rm --network none "$ref" version >"$work/podman.out" 2>&1; then
    why=$(tail -n 3 "$work/podman.out" | tr '\n' ' ')
  fi
  if [ -z "$why" ]; then
    runtime=podman
  else
    [ "$runtime" != podman ] || die "podman run $ref: $why"
    echo "test-image: podman cannot run the image here ($why); running its root file system with chroot instead"
    runtime=chroot
  fi
fi

if [ "$runtime" = chroot ]; then
  [ "$(id -u)" -eq 0 ] || die "chroot needs root: run as root, or where podman works"
  chroot=$(command -v chroot) || die "no chroot command: apt-get install coreutils"
  rootfs="$work/rootfs"
  mkdir -p "$rootfs"
  for l in "${layers[@]}"; do
    # tar detects the compression; the image has one layer and no whiteouts.
    tar -xf "$l" -C "$rootfs" --numeric-owner || die "cannot unpack layer $l of $archive"
  done
  [ -x "$rootfs${entrypoint[0]}" ] || die "the image has no ${entrypoint[0]}"
  mkdir -p "$rootfs/proc" "$rootfs/sys" "$rootfs/dev"
  mount -t proc proc "$rootfs/proc" || die "cannot mount /proc in $rootfs"
  mounts+=("$rootfs/proc")
  if mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$rootfs/sys" 2>/dev/null; then
    mounts+=("$rootfs/sys")
  else
    echo "test-image: note: no /sys in the chroot (mount -t sysfs refused)"
  fi
  for node in null:1:3 zero:1:5 random:1:8 urandom:1:9; do
    n=${node%%:*}
    if ! mknod -m 666 "$rootfs/dev/$n" c "$(cut -d: -f2 <<<"$node")" "$(cut -d: -f3 <<<"$node")" 2>/dev/null; then
      touch "$rootfs/dev/$n"
      mount --bind "/dev/$n" "$rootfs/dev/$n" || die "cannot create or bind-mount /dev/$n in $rootfs"
      mounts+=("$rootfs/dev/$n")
    fi
  done
  data="$rootfs/tmp/cdflow-test"
  mkdir -p "$data"
  cp -a "$schemas" "$rootfs/tmp/stac-schemas"
  echo "test-image: runtime chroot ($rootfs)"
else
  echo "test-image: runtime podman"
fi

# step NAME ARGS...: runs the image with ARGS, its output in $work/NAME.log;
# says how long it took, or fails with the end of its output.
step() {
  local name=$1 t0 rc=0
  shift
  t0=$(date +%s.%N)
  "run_$runtime" "$@" >"$work/$name.log" 2>&1 || rc=$?
  if [ $rc -ne 0 ]; then
    tail -n 20 "$work/$name.log" >&2
    die "cdflow $* exited with $rc inside the image ($runtime); its output is above"
  fi
  printf 'test-image: ok   %-60s %6.1f s\n' "cdflow $*" "$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')"
}

t_start=$(date +%s)
step version version
want=$("$host_bin" version)
got=$(cat "$work/version.log")
[ "$got" = "$want" ] || die "the image says '$got', $host_bin says '$want': the image is stale, run make image"

scene=/tmp/cdflow-test/scene
step synth synth --out "$scene" --extent-km "$extent" --seed 1
step run run "$scene/workflow.hcl" --out "$scene/out"
release=$(cd "$data/scene/out/catalog" 2>/dev/null && ls -d */*/ 2>/dev/null | head -n 1) ||
  die "the run published no release under $data/scene/out/catalog"
[ -n "$release" ] || die "the run published no release under $data/scene/out/catalog"
for f in collection.json tiles.parquet items.parquet report.html; do
  [ -s "$data/scene/out/catalog/$release$f" ] || die "the release $release has no $f"
done
step stats stats "$scene/out/catalog/${release}tiles.parquet"
step validate stac validate --schemas /tmp/stac-schemas "$scene/out/catalog"
"$host_bin" stac validate --schemas "$schemas" "$data/scene/out/catalog" >"$work/host-validate.log" 2>&1 || {
  tail -n 20 "$work/host-validate.log" >&2
  die "$host_bin stac validate of the release the image published: see above"
}
echo "test-image: ok   host $host_bin stac validate (release ${release%/})"
# The same workflow on the same scene with the host's binary must publish the
# same release byte for byte: the image's libraries and PROJ/GDAL data give
# the results the host's give.
"$host_bin" run "$data/scene/workflow.hcl" --out "$work/host-out" >"$work/host-run.log" 2>&1 || {
  tail -n 20 "$work/host-run.log" >&2
  die "$host_bin run of the scene the image made: see above"
}
diff -r "$data/scene/out/catalog" "$work/host-out/catalog" >"$work/diff.log" 2>&1 || {
  head -n 20 "$work/diff.log" >&2
  die "the release the image published differs from the host's $host_bin run on the same scene (above)"
}
echo "test-image: ok   the release is identical to the host binary's on the same scene"
sed -n '/^subset/,$p' "$work/stats.log" | head -n 8
echo "test-image: PASS ($runtime, $(($(date +%s) - t_start)) s)"
