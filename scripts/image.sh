#!/usr/bin/env bash
# Builds cdflow's container image offline, FROM scratch (no base image is
# pulled from any registry), with buildah:
#
#   /usr/local/bin/cdflow           the binary (debug sections stripped)
#   its shared libraries            exactly what ldd lists, the dynamic loader
#                                   and GDAL's plugin folder (plugins and their
#                                   libraries, if the GDAL build has any)
#   /usr/share/gdal, /usr/share/proj   GDAL's and PROJ's data (proj.db, grids)
#   /etc/ssl/certs/ca-certificates.crt for /vsis3/, /vsicurl/ and HTTPS
#   /etc/passwd, /etc/group, /etc/nsswitch.conf, /tmp (1777)
#
# and tags it localhost/cdflow:<version> and cdflow:latest (<version> is what
# `cdflow version` prints), then exports it as an OCI archive that
# `skopeo copy` / `podman load` take anywhere.
#
# Usage: scripts/image.sh [BIN [ARCHIVE]]   (default bin/cdflow, bin/cdflow-image.tar)
# Environment: CDFLOW_IMAGE_NAME (default localhost/cdflow), STORAGE_DRIVER
# (buildah's storage driver; default: buildah's, overlay, then vfs if that
# fails), SOURCE_DATE_EPOCH (file times and creation time, default 0).
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${1:-bin/cdflow}
archive=${2:-bin/cdflow-image.tar}
name=${CDFLOW_IMAGE_NAME:-localhost/cdflow}
epoch=${SOURCE_DATE_EPOCH:-0}

die() { echo "image: $*" >&2; exit 1; }

[ -x "$bin" ] || die "no executable $bin: build it first (make build)"
[ "$(uname -m)" = x86_64 ] || echo "image: note: building for $(uname -m)" >&2

# --- tools: buildah builds the image; podman runs, loads and pushes it.
need=()
command -v buildah >/dev/null 2>&1 || need+=(buildah)
command -v podman >/dev/null 2>&1 || need+=(podman)
[ -s /etc/ssl/certs/ca-certificates.crt ] || need+=(ca-certificates)
command -v ldd >/dev/null 2>&1 || need+=(libc-bin)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "need root (or sudo) to apt-get install ${need[*]}"
    sudo=sudo
  fi
  echo "image: installing ${need[*]} with apt-get"
  $sudo apt-get update -qq || die "apt-get update failed: check the apt sources and the network"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need[@]}" >/dev/null ||
    die "apt-get install ${need[*]} failed: run it by hand to see why"
fi

# --- the version, as the binary reports it ("cdflow 0.1.0-dev (GDAL 3.6.2)").
vline=$("$bin" version) || die "$bin version failed: the binary does not run on this machine"
read -r _ version _ gdal_version <<<"$vline"
gdal_version=${gdal_version%)}
[ -n "$version" ] || die "cannot read the version from '$vline'"
# An image tag is [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}: 1.2.3+abc becomes 1.2.3_abc.
tag=$(printf '%s' "$version" | tr -c 'A-Za-z0-9_.-' '_' | cut -c1-128)
ref="$name:$tag"

work=$(mktemp -d "${TMPDIR:-/tmp}/cdflow-image.XXXXXX")
ctr=""
B=(buildah ${STORAGE_DRIVER:+--storage-driver "$STORAGE_DRIVER"})
cleanup() {
  if [ -n "$ctr" ]; then "${B[@]}" rm "$ctr" >/dev/null 2>&1 || true; fi
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT
root="$work/root"
mkdir -p "$root"

# add PATH: copies PATH into the root file system at the same place, keeping
# every symbolic link on the way (soname links, /lib64/ld-linux-x86-64.so.2)
# as a link and the file it ends at as a file.
add() {
  local p=$1 dir target
  local hops=0
  while :; do
    # The folder canonical, the last component as it is.
    dir=$(readlink -f "$(dirname "$p")")
    p="$dir/$(basename "$p")"
    mkdir -p "$root$dir"
    if [ -L "$p" ]; then
      target=$(readlink "$p")
      [ -e "$root$p" ] || [ -L "$root$p" ] || ln -s "$target" "$root$p"
      case $target in /*) p=$target ;; *) p="$dir/$target" ;; esac
      hops=$((hops + 1))
      [ $hops -lt 40 ] || die "too many symbolic links at $1"
      continue
    fi
    [ -f "$p" ] || die "$p (needed for $1) is not a file"
    [ -e "$root$p" ] || cp -p "$p" "$root$p"
    return
  done
}

# libs FILE: the shared libraries ldd resolves for FILE, and its loader.
libs() {
  local out
  out=$(ldd "$1" 2>&1) || die "ldd $1 failed: $out"
  if grep -q 'not found' <<<"$out"; then
    die "ldd $1: $(grep 'not found' <<<"$out" | tr -s ' \t' ' ' | paste -sd ';') — install the missing libraries (scripts/setup.sh) and rebuild"
  fi
  awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' <<<"$out"
}

# --- the binary and its library closure.
echo "image: staging $bin ($vline) and its libraries"
mkdir -p "$root/usr/local/bin"
if command -v strip >/dev/null 2>&1; then
  strip -o "$root/usr/local/bin/cdflow" "$bin" || die "strip $bin failed"
else
  cp "$bin" "$root/usr/local/bin/cdflow"
fi
chmod 0755 "$root/usr/local/bin/cdflow"
# Debian merges /lib into /usr/lib: keep the same links so that the loader's
# path in the ELF header (/lib64/...) and its search path resolve.
for d in lib lib64; do
  if [ -L "/$d" ]; then ln -s "$(readlink "/$d")" "$root/$d"; fi
done
mapfile -t closure < <(libs "$bin" | sort -u)
[ ${#closure[@]} -gt 0 ] || die "ldd lists no library for $bin: is it a dynamically linked cgo build?"
libgdal=""
for l in "${closure[@]}"; do
  add "$l"
  case $(basename "$l") in libgdal.so*) libgdal=$l ;; esac
done
[ -n "$libgdal" ] || die "$bin is not linked with libgdal (ldd); build it with cgo (make build)"

# GDAL loads drivers built as plugins from gdalplugins/ beside libgdal
# (Debian's GDAL 3.6 builds them all in and ships only drivers.ini there);
# copy the folder, and each plugin's libraries.
plugindir="$(dirname "$(readlink -f "$libgdal")")/gdalplugins"
nplugins=0
if [ -d "$plugindir" ]; then
  mkdir -p "$root$plugindir"
  for f in "$plugindir"/*; do
    [ -e "$f" ] || continue
    add "$f"
    case $f in
      *.so)
        nplugins=$((nplugins + 1))
        while read -r l; do add "$l"; done < <(libs "$f")
        ;;
    esac
  done
fi

# --- data: GDAL's and PROJ's, the CA bundle, users, /tmp.
gdal_data=$(gdal-config --datadir 2>/dev/null || echo /usr/share/gdal)
proj_data=/usr/share/proj
[ -d "$gdal_data" ] || die "no GDAL data folder $gdal_data: apt-get install libgdal-dev (scripts/setup.sh)"
[ -f "$proj_data/proj.db" ] || die "no $proj_data/proj.db: apt-get install proj-data"
for d in "$gdal_data" "$proj_data"; do
  mkdir -p "$root$(dirname "$d")"
  cp -a "$d" "$root$d"
done
mkdir -p "$root/etc/ssl/certs" "$root/tmp" "$root/root"
cp -L /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:
nogroup:x:65534:
EOF
# No shell, no NSS modules: users from the files above, hosts from
# /etc/hosts (the runtime mounts it) then DNS.
cat >"$root/etc/nsswitch.conf" <<'EOF'
passwd: files
group: files
hosts: files dns
EOF
chmod 0644 "$root/etc/passwd" "$root/etc/group" "$root/etc/nsswitch.conf" "$root/etc/ssl/certs/ca-certificates.crt"
chmod 1777 "$root/tmp"
chmod 0700 "$root/root"
chmod 0755 "$root"

# One layer, file times fixed, owned by root, in name order.
tar --sort=name --mtime="@$epoch" --owner=0 --group=0 --numeric-owner \
  --format=posix --pax-option='exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime' \
  -C "$root" -cf "$work/layer.tar" . || die "tar of the image's root file system failed"
staged=$(du -sb "$root" | cut -f1)

# --- the image. overlay (buildah's default) first, vfs when overlay cannot
# mount here (e.g. inside a container); STORAGE_DRIVER set by the caller wins.
start_container() {
  ctr=$("${B[@]}" from scratch 2>"$work/err") &&
    "${B[@]}" add --quiet "$ctr" "$work/layer.tar" / >/dev/null 2>"$work/err"
}
if ! start_container; then
  if [ -n "$ctr" ]; then "${B[@]}" rm "$ctr" >/dev/null 2>&1 || true; fi
  ctr=""
  [ -z "${STORAGE_DRIVER:-}" ] || die "buildah (storage driver $STORAGE_DRIVER) could not add the layer: $(cat "$work/err")"
  echo "image: buildah's default storage failed ($(cat "$work/err")); using the vfs driver" >&2
  B=(buildah --storage-driver vfs)
  start_container || die "buildah (vfs) could not add the layer: $(cat "$work/err")"
fi

"${B[@]}" config \
  --entrypoint '["/usr/local/bin/cdflow"]' \
  --user 0:0 --workingdir / \
  --env PATH=/usr/local/bin \
  --env GDAL_DATA="$gdal_data" \
  --env PROJ_DATA="$proj_data" --env PROJ_LIB="$proj_data" \
  --env CURL_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt \
  --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
  --label org.opencontainers.image.title=cdflow \
  --label org.opencontainers.image.version="$version" \
  --label org.opencontainers.image.description="cdflow $version on GDAL $gdal_version: change-detection datasets as STAC releases" \
  --label org.cdflow.gdal-version="$gdal_version" \
  --created-by "scripts/image.sh" \
  "$ctr" || die "buildah config failed"

# A new build takes the tags from the previous image of this version.
"${B[@]}" rmi "$ref" "cdflow:latest" >/dev/null 2>&1 || true
id=$("${B[@]}" commit --quiet --rm --format oci --timestamp "$epoch" --identity-label=false "$ctr" "$ref") ||
  die "buildah commit failed"
ctr=""
"${B[@]}" tag "$ref" cdflow:latest || die "buildah tag $ref cdflow:latest failed"

# The OCI archive is the OCI layout folder in a tar (what buildah push
# oci-archive: writes); written here with fixed times and order, the same
# image gives the same archive byte for byte.
"${B[@]}" push --quiet --format oci "$ref" "oci:$work/oci:$ref" ||
  die "buildah push to an OCI layout in $work failed (disk full?)"
mkdir -p "$(dirname "$archive")"
tar --sort=name --mtime="@$epoch" --owner=0 --group=0 --numeric-owner --format=posix \
  --pax-option='exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime' \
  -C "$work/oci" -cf "$archive.partial" oci-layout index.json blobs ||
  die "writing $archive failed (disk full?)"
mv -f "$archive.partial" "$archive"

printf 'image: built %s and cdflow:latest (id %.12s), FROM scratch: %d libraries, %d GDAL plugins\n' \
  "$ref" "$id" "$(find "$root" -name '*.so*' -type f | wc -l)" "$nplugins"
printf 'image: %s MB unpacked, archive %s: %s MB\n' \
  "$((staged / 1000000))" "$archive" "$(($(stat -c %s "$archive") / 1000000))"
