#!/usr/bin/env bash
# Build localhost/debian:bookworm: a debootstrapped bookworm minbase configured the way
# Docker's official `debian:bookworm` image is, so that layer sizes measured on top of it
# match what users of the official image get. It also makes the other bases of oracle/, each
# recorded in oracle/base-<name>.json: bookworm-slim, trixie, trixie-slim and Ubuntu noble.
#
# Usage (as root):  bash oracle/make_base.sh
#   env MIRROR=...      archive (Debian: default the first archive URI of this machine's apt
#                       sources; Ubuntu: required, an Ubuntu archive URL ending in /ubuntu)
#   env SUITE=bookworm  suite: bookworm or trixie (Debian), noble (DISTRO=ubuntu)
#   env VARIANT=slim    Debian's slim variant (see "VARIANT=slim" below)
#   env DISTRO=ubuntu   Ubuntu instead of Debian (see "DISTRO=ubuntu" below)
#   env KEEP_ROOTFS=1   keep the rootfs tree in oracle/work/ afterwards
#   env TAG=... OUT_JSON=... ROOTFS=...   make a variant (e.g. with GZ_ORDER=1) without touching the default
# The bases oracle/cases use:
#   bash oracle/make_base.sh;  VARIANT=slim bash oracle/make_base.sh
#   SUITE=trixie bash oracle/make_base.sh;  SUITE=trixie VARIANT=slim bash oracle/make_base.sh
#   DISTRO=ubuntu SUITE=noble MIRROR=http://<an Ubuntu archive>/ubuntu bash oracle/make_base.sh
#
# Source of every setting below: the official image is built by debuerreotype
# (github.com/debuerreotype/debuerreotype, examples/debian.sh driving scripts/debuerreotype-init,
# scripts/debuerreotype-minimizing-config, scripts/debuerreotype-fixup, scripts/.tar-exclude;
# the artifacts are published in github.com/debuerreotype/docker-debian-artifacts).
# What that pipeline does, and what this script copies:
#   * debootstrap --variant=minbase --merged-usr <suite>             (debuerreotype-init)
#   * apt-mark auto '.*'  (every minbase package is marked automatically installed)
#   * /etc/apt/sources.list.d/debian.sources in deb822 form with <suite>, <suite>-updates and
#     <suite>-security (examples/debian.sh uses --deb822 for apt >= 2.3; debuerreotype-debian-sources-list)
#   * debuerreotype-minimizing-config:
#       /usr/sbin/policy-rc.d                          exit 101
#       /etc/dpkg/dpkg.cfg.d/docker-apt-speedup        force-unsafe-io
#       /etc/apt/apt.conf.d/docker-autoremove-suggests Apt::AutoRemove::SuggestsImportant "false";
#       /etc/apt/apt.conf.d/docker-clean               DPkg::Post-Invoke and APT::Update::Post-Invoke
#           { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb
#              /var/cache/apt/*.bin || true"; }  Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";
#       /etc/apt/apt.conf.d/docker-gzip-indexes        Acquire::GzipIndexes "true";
#           NOTE: debuerreotype appends Acquire::CompressionTypes::Order:: "gz" ONLY when the
#           rootfs's apt is older than 1.0.9.2 (or the suite is jessie). bookworm has apt 2.6, so
#           the official bookworm image does NOT carry that line, and neither does this base.
#           Set GZ_ORDER=1 to add it anyway (not what the official image does).
#       /etc/apt/apt.conf.d/docker-no-languages        Acquire::Languages "none";
#   * Recommends/Suggests: the official image does NOT set APT::Install-Recommends or
#     APT::Install-Suggests; apt's defaults apply (recommends ARE installed, suggests are not).
#     The only recommends/suggests-related setting is the autoremove one above.
#   * apt-get update && apt-get full-upgrade (examples/debian.sh), i.e. security updates applied.
#   * debuerreotype-fixup: remove var/log/{dpkg,bootstrap,alternatives}.log,
#     var/cache/ldconfig/aux-cache, run/mount/utab
#   * .tar-exclude + examples/debian.sh tar args: the image excludes var/cache/apt/**,
#     var/lib/apt/lists/**, etc/apt/apt.conf.d/01autoremove-kernels, var/log/apt/{history,term}.log,
#     etc/machine-id, proc/**, sys/**; /dev is shipped empty.
#   * image config: CMD ["bash"], PATH as in the official image.
# Not copied: the SOURCE_DATE_EPOCH timestamp clamping and snapshot.debian.org pinning (they affect
# reproducibility, not sizes); sources point at the live mirror.
#
# VARIANT=slim copies debuerreotype's scripts/debuerreotype-slimify (with scripts/.slimify-excludes
# and .slimify-includes), which examples/debian.sh runs for the `*-slim` tags: once the image is
# otherwise complete, /etc/dpkg/dpkg.cfg.d/docker gets a path-exclude line for each of
# SLIM_EXCLUDES and a path-include line for each of SLIM_INCLUDES, the files they exclude are
# deleted from the rootfs, then the folders left empty. Later installs leave those files out too
# (which is why a JRE install on slim needs `mkdir -p /usr/share/man/man1`).
#
# DISTRO=ubuntu: the official `ubuntu` image is not made by debuerreotype but by Ubuntu's image
# builder (a minimized ubuntu-base). This base approximates it: debootstrap minbase (debootstrap's
# gutsy script, which newer debootstraps use for noble too); deb822
# /etc/apt/sources.list.d/ubuntu.sources with SUITE, SUITE-updates, SUITE-backports and
# SUITE-security, components main universe restricted multiverse, as in the official image; the
# same docker-* apt/dpkg files and policy-rc.d as above; the "minimized" image's dpkg excludes in
# /etc/dpkg/dpkg.cfg.d/excludes (UBUNTU_EXCLUDES, UBUNTU_INCLUDES below) with the matching files
# deleted. Its package set is minbase's, not the official image's: compare its size with the
# official one (base-noble.json records both) before reading much into an Ubuntu measurement.
# The archive key is the archive's own ubuntu-keyring package, accepted only if it verifies the
# suite's InRelease with the 2018 archive signing key whose fingerprint is pinned here, and only if
# the Packages index that names the keyring package is the one InRelease lists.
set -Eeuo pipefail

DISTRO="${DISTRO:-debian}"
SUITE="${SUITE:-bookworm}"
VARIANT="${VARIANT:-}"
UBUNTU_ARCHIVE_KEY=F6ECB3762474EDA9D21B7022871920D1991BC93C
SLIM_EXCLUDES=(/usr/share/doc/ /usr/share/groff/ /usr/share/info/ /usr/share/linda/
	/usr/share/lintian/overrides/ /usr/share/locale/ /usr/share/man/)
SLIM_INCLUDES=("/usr/share/doc/*/copyright")
UBUNTU_EXCLUDES=(/usr/share/man/ /usr/share/doc/ /usr/share/groff/ /usr/share/info/
	/usr/share/lintian/ /usr/share/linda/ "/usr/share/locale/*/LC_MESSAGES/*.mo")
UBUNTU_INCLUDES=("/usr/share/doc/*/copyright")
host_mirror() {  # the first (non-security) Debian archive URI this machine's apt uses
    { grep -rhoE '^(deb +|URIs: *)https?://[^ ]+' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null || true; } \
        | sed -E 's/^(deb +|URIs: *)//' | grep -E '/debian/?$' | head -n 1
}
if [ "$DISTRO" = ubuntu ]; then
	MIRROR="${MIRROR:-}"
	SECMIRROR="${SECMIRROR:-$MIRROR}"
else
	MIRROR="${MIRROR:-$(host_mirror)}"
	SECMIRROR="${SECMIRROR:-${MIRROR%/debian}/debian-security}"
fi
if [ -z "$MIRROR" ]; then
	echo "make_base.sh: set MIRROR to a $DISTRO archive URL (none found in this machine's apt sources)" >&2
	exit 2
fi
NAME="$SUITE${VARIANT:+-$VARIANT}"
TAG="${TAG:-localhost/$DISTRO:$NAME}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORK="$HERE/work"
ROOTFS="${ROOTFS:-$WORK/rootfs-$NAME}"
OUT_JSON="${OUT_JSON:-$HERE/base-$NAME.json}"

[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive LC_ALL=C TZ=UTC

need=()
command -v buildah >/dev/null || need+=(buildah)
command -v debootstrap >/dev/null || need+=(debootstrap)
if [ "${#need[@]}" -gt 0 ]; then
	apt-get update -q
	apt-get install -y -q "${need[@]}"
fi

mkdir -p "$WORK"
umount_all() {
	for m in dev/pts dev proc sys; do
		mountpoint -q "$ROOTFS/$m" 2>/dev/null && umount -l "$ROOTFS/$m" || true
	done
}
trap umount_all EXIT
umount_all
rm -rf "$ROOTFS"

ubuntu_keyring() {  # prints the path of the archive's keyring, checked against the pinned key
	local d="$WORK/ubuntu-keyring" found file sum
	rm -rf "$d"
	mkdir -p "$d/x"
	curl -fsS -o "$d/InRelease" "$MIRROR/dists/$SUITE/InRelease"
	curl -fsS -o "$d/Packages.xz" "$MIRROR/dists/$SUITE/main/binary-amd64/Packages.xz"
	found=$(xzcat "$d/Packages.xz" | awk '/^Package: ubuntu-keyring$/ {p = 1} p && /^(Filename|SHA256):/ {print $2} /^$/ {p = 0}')
	file=$(echo "$found" | sed -n 1p)
	sum=$(echo "$found" | sed -n 2p)
	curl -fsS -o "$d/keyring.deb" "$MIRROR/$file"
	echo "$sum  $d/keyring.deb" | sha256sum -c --quiet >&2
	dpkg-deb -x "$d/keyring.deb" "$d/x"
	local keyring="$d/x/usr/share/keyrings/ubuntu-archive-keyring.gpg"
	if ! gpgv --status-fd 1 --keyring "$keyring" "$d/InRelease" 2>/dev/null | grep -q "VALIDSIG $UBUNTU_ARCHIVE_KEY"; then
		echo "make_base.sh: $SUITE's InRelease is not signed by the pinned Ubuntu archive key" >&2
		return 1
	fi
	if ! grep -qE "^ $(sha256sum < "$d/Packages.xz" | cut -d' ' -f1) +[0-9]+ main/binary-amd64/Packages.xz$" "$d/InRelease"; then
		echo "make_base.sh: main/binary-amd64/Packages.xz is not the one InRelease lists" >&2
		return 1
	fi
	echo "$keyring"
}

# dpkg path-exclude/path-include lines into FILE (SEP between keyword and pattern: " " in Debian's
# file, "=" in Ubuntu's), then delete what they exclude from the rootfs and the folders left empty.
# Patterns ending in / mean everything below that folder.
write_excludes() {  # FILE SEP EXCLUDE... -- INCLUDE...
	local file="$1" sep="$2" ex=() in=() p i top
	shift 2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do ex+=("$1"); shift; done
	shift
	in=("$@")
	for p in "${ex[@]}"; do echo "path-exclude$sep$p${p:+$([ "${p%/}" != "$p" ] && echo '*')}"; done >> "$file"
	for p in "${in[@]}"; do echo "path-include$sep$p"; done >> "$file"
	local keep=()
	for i in "${in[@]}"; do keep+=(-not -path "$ROOTFS$i"); done
	for p in "${ex[@]}"; do
		top="${p%%\**}"
		top="${top%/}"
		[ -d "$ROOTFS$top" ] || continue
		if [ "${p%/}" != "$p" ]; then
			find "$ROOTFS$top" -mindepth 1 -not -type d "${keep[@]}" -delete
		else
			find "$ROOTFS$top" -mindepth 1 -not -type d -path "$ROOTFS$p" "${keep[@]}" -delete
		fi
		find "$ROOTFS$top" -mindepth 1 -depth -type d -empty -delete
	done
}

echo "== debootstrap $DISTRO $SUITE minbase"
if [ "$DISTRO" = ubuntu ]; then
	keyring=$(ubuntu_keyring)
	debootstrap --variant=minbase --merged-usr --keyring="$keyring" "$SUITE" "$ROOTFS" "$MIRROR" \
		/usr/share/debootstrap/scripts/gutsy
else
	debootstrap --variant=minbase --merged-usr "$SUITE" "$ROOTFS" "$MIRROR"
fi

echo "== sources (deb822, as the official image)"
rm -f "$ROOTFS/etc/apt/sources.list"
if [ "$DISTRO" = ubuntu ]; then
	install -D -m 0644 "$keyring" "$ROOTFS/usr/share/keyrings/ubuntu-archive-keyring.gpg"
	cat > "$ROOTFS/etc/apt/sources.list.d/ubuntu.sources" <<EOF
Types: deb
URIs: $MIRROR
Suites: $SUITE $SUITE-updates $SUITE-backports
Components: main universe restricted multiverse
Signed-By: /usr/share/keyrings/ubuntu-archive-keyring.gpg

Types: deb
URIs: $SECMIRROR
Suites: $SUITE-security
Components: main universe restricted multiverse
Signed-By: /usr/share/keyrings/ubuntu-archive-keyring.gpg
EOF
	chmod 0644 "$ROOTFS/etc/apt/sources.list.d/ubuntu.sources"
else
	cat > "$ROOTFS/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $MIRROR
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $SECMIRROR
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
	chmod 0644 "$ROOTFS/etc/apt/sources.list.d/debian.sources"
fi

echo "== minimizing config (debuerreotype-minimizing-config)"
cat > "$ROOTFS/usr/sbin/policy-rc.d" <<'EOF'
#!/bin/sh

# For most Docker users, "apt-get install" only happens during "docker build",
# where starting services doesn't work and often fails in humorous ways. This
# prevents those failures by stopping the services from attempting to start.

exit 101
EOF
chmod 0755 "$ROOTFS/usr/sbin/policy-rc.d"

cat > "$ROOTFS/etc/dpkg/dpkg.cfg.d/docker-apt-speedup" <<'EOF'
# For most Docker users, package installs happen during "docker build", which
# doesn't survive power loss and gets restarted clean afterwards anyhow, so
# this minor tweak gives us a nice speedup (much nicer on spinning disks,
# obviously).

force-unsafe-io
EOF

cat > "$ROOTFS/etc/apt/apt.conf.d/docker-autoremove-suggests" <<'EOF'
# Since Docker users are looking for the smallest possible final images, the
# following emerges as a very common pattern:

#   RUN apt-get update \
#       && apt-get install -y <packages> \
#       && <do some compilation work> \
#       && apt-get purge -y --auto-remove <packages>

# By default, APT will actually _keep_ packages installed via Recommends or
# Depends if another package Suggests them, even and including if the package
# that originally caused them to be installed is removed.  Setting this to
# "false" ensures that APT is appropriately aggressive about removing the
# packages it added.

# https://aptitude.alioth.debian.org/doc/en/ch02s05s05.html#configApt-AutoRemove-SuggestsImportant
Apt::AutoRemove::SuggestsImportant "false";
EOF

cat > "$ROOTFS/etc/apt/apt.conf.d/docker-clean" <<'EOF'
# Since for most Docker users, package installs happen in "docker build" steps,
# they essentially become individual layers due to the way Docker handles
# layering, especially using CoW filesystems.  What this means for us is that
# the caches that APT keeps end up just wasting space in those layers, making
# our layers unnecessarily large (especially since we'll normally never use
# these caches again and will instead just "docker build" again and make a brand
# new image).

# Ideally, these would just be invoking "apt-get clean", but in our testing,
# that ended up being cyclic and we got stuck on APT's lock, so we get this fun
# creation that's essentially just "apt-get clean".
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };

Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";

# Note that we do realize this isn't the ideal way to do this, and are always
# open to better suggestions (https://github.com/debuerreotype/debuerreotype/issues).
EOF

cat > "$ROOTFS/etc/apt/apt.conf.d/docker-gzip-indexes" <<'EOF'
# Since Docker users using "RUN apt-get update && apt-get install -y ..." in
# their Dockerfiles don't go delete the lists files afterwards, we want them to
# be as small as possible on-disk, so we explicitly request that Apt keep them
# compressed on-disk too instead of decompressing them.

# For comparison, an "apt-get update" layer without this on a pristine
# "debian:wheezy" base image was "29.88 MB", where with this it was only
# "8.273 MB".

Acquire::GzipIndexes "true";
EOF
if [ "${GZ_ORDER:-0}" = 1 ]; then
	printf '\nAcquire::CompressionTypes::Order:: "gz";\n' >> "$ROOTFS/etc/apt/apt.conf.d/docker-gzip-indexes"
fi

cat > "$ROOTFS/etc/apt/apt.conf.d/docker-no-languages" <<'EOF'
# In Docker, we don't often need the "Translations" files, so we're just wasting
# time and space by downloading them, and this inhibits that.  For users that do
# need them, it's a simple matter to delete this file and "apt-get update". :)

Acquire::Languages "none";
EOF
chmod 0644 "$ROOTFS"/etc/apt/apt.conf.d/docker-* "$ROOTFS/etc/dpkg/dpkg.cfg.d/docker-apt-speedup"

echo "== apt-mark auto, update, full-upgrade (in chroot)"
cp /etc/resolv.conf "$ROOTFS/etc/resolv.conf" 2>/dev/null || true
mount --bind /dev "$ROOTFS/dev"
mount --bind /dev/pts "$ROOTFS/dev/pts"
mount -t proc proc "$ROOTFS/proc"
mount -t sysfs sysfs "$ROOTFS/sys"
chroot "$ROOTFS" apt-mark auto '.*' >/dev/null
chroot "$ROOTFS" apt-get update -qq
chroot "$ROOTFS" apt-get full-upgrade -yqq
umount_all

echo "== fixup and tar excludes"
rm -f "$ROOTFS/var/log/dpkg.log" "$ROOTFS/var/log/bootstrap.log" "$ROOTFS/var/log/alternatives.log" \
	"$ROOTFS/var/cache/ldconfig/aux-cache" "$ROOTFS/run/mount/utab" \
	"$ROOTFS/etc/apt/apt.conf.d/01autoremove-kernels" \
	"$ROOTFS/var/log/apt/history.log" "$ROOTFS/var/log/apt/term.log" "$ROOTFS/etc/machine-id"
rmdir "$ROOTFS/run/mount" 2>/dev/null || true
find "$ROOTFS/var/cache/apt" "$ROOTFS/var/lib/apt/lists" -mindepth 1 -delete
find "$ROOTFS/dev" "$ROOTFS/proc" "$ROOTFS/sys" -mindepth 1 -delete 2>/dev/null || true
if [ "$VARIANT" = slim ]; then
	echo "== slimify (debuerreotype-slimify)"
	cat > "$ROOTFS/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
# This is the "slim" variant of the Debian base image.
# Many files which are normally unnecessary in containers are excluded,
# and this configuration file keeps them that way.
EOF
	write_excludes "$ROOTFS/etc/dpkg/dpkg.cfg.d/docker" ' ' "${SLIM_EXCLUDES[@]}" -- "${SLIM_INCLUDES[@]}"
fi
if [ "$DISTRO" = ubuntu ]; then
	echo "== minimize (the dpkg excludes of the minimized official image)"
	echo '# The minimized image: man pages, documentation (but copyright files), translations left out' \
		> "$ROOTFS/etc/dpkg/dpkg.cfg.d/excludes"
	write_excludes "$ROOTFS/etc/dpkg/dpkg.cfg.d/excludes" '=' "${UBUNTU_EXCLUDES[@]}" -- "${UBUNTU_INCLUDES[@]}"
fi
echo 'debuerreotype' > "$ROOTFS/etc/hostname"
printf '# https://1.1.1.1 (privacy-focused, highly-available DNS service)\nnameserver 1.1.1.1\nnameserver 1.0.0.1\n' > "$ROOTFS/etc/resolv.conf"
chown 0:0 "$ROOTFS"; chmod 0755 "$ROOTFS"

echo "== commit $TAG"
buildah rmi -f "$TAG" >/dev/null 2>&1 || true
c=$(buildah from scratch)
mnt=$(buildah mount "$c")
tar -C "$ROOTFS" --numeric-owner --xattrs --xattrs-include='*' -cpf - . | tar -C "$mnt" --numeric-owner --xattrs --xattrs-include='*' -xpf -
buildah umount "$c" >/dev/null
buildah config --cmd '["bash"]' \
	--env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	--os linux --arch amd64 \
	--created-by "oracle/make_base.sh: debootstrap --variant=minbase $DISTRO $NAME + official-image apt/dpkg config" "$c"
buildah commit --rm "$c" "$TAG" >/dev/null
image_id=$(buildah inspect --type image --format '{{.FromImageID}}' "$TAG")
echo "image id: $image_id"

echo "== record $OUT_JSON"
pkgs=$(chroot "$ROOTFS" dpkg-query -W -f '${Package}\t${Version}\t${Installed-Size}\n')
PKGS="$pkgs" IMAGE_ID="$image_id" TAG="$TAG" SUITE="$SUITE" MIRROR="$MIRROR" ROOTFS="$ROOTFS" \
	DISTRO="$DISTRO" VARIANT="$VARIANT" \
	GZ_ORDER="${GZ_ORDER:-0}" python3 - "$OUT_JSON" <<'PY'
import json, os, re, sys, datetime
out = sys.argv[1]
# layer sizes from containers/storage
store = "/var/lib/containers/storage"
images = json.load(open(f"{store}/overlay-images/images.json"))
layers = {l["id"]: l for l in json.load(open(f"{store}/overlay-layers/layers.json"))}
iid = os.environ["IMAGE_ID"]
rec = next(i for i in images if i["id"] == iid)
chain, lid = [], rec.get("layer")
while lid:
    l = layers[lid]
    chain.append({"layer_id": lid, "diff_digest": l.get("diff-digest"), "diff_size_bytes": l.get("diff-size")})
    lid = l.get("parent")
chain.reverse()
pk = []
for line in os.environ["PKGS"].splitlines():
    name, ver, size = line.split("\t")
    pk.append({"package": name, "version": ver, "installed_size_kib": int(size) if size else None})
def du(root):
    n = b = 0
    for d, dirs, files in os.walk(root):
        for f in files:
            p = os.path.join(d, f)
            st = os.lstat(p)
            n += 1
            if not os.path.islink(p):
                b += st.st_size
    return n, b
nfiles, nbytes = du(os.environ["ROOTFS"])
apt_conf = {}
for d in ("/etc/apt/apt.conf.d", "/etc/dpkg/dpkg.cfg.d", "/etc/apt/sources.list.d"):
    for f in sorted(os.listdir(os.environ["ROOTFS"] + d)):
        apt_conf[f"{d}/{f}"] = open(os.environ["ROOTFS"] + d + "/" + f).read()
doc = {
    "tag": os.environ["TAG"],
    "image_id": iid,
    "distro": os.environ["DISTRO"],
    "suite": os.environ["SUITE"],
    "variant": os.environ["VARIANT"] or None,
    "mirror": re.sub(r"//[^/]+", "//MIRROR.invalid", os.environ["MIRROR"]),  # no archive host named
    "made": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    "made_by": "oracle/make_base.sh",
    "gz_compression_order_line": os.environ["GZ_ORDER"] == "1",
    "layers": chain,
    "image_size_bytes": sum(l["diff_size_bytes"] for l in chain),
    "rootfs_regular_file_bytes": nbytes,
    "rootfs_files": nfiles,
    "package_count": len(pk),
    "installed_size_kib_total": sum(p["installed_size_kib"] or 0 for p in pk),
    "config_files": apt_conf,
    "packages": pk,
}
json.dump(doc, open(out, "w"), indent=1)
print(f"base {doc['tag']} {iid[:12]}: {doc['image_size_bytes']} bytes, {len(pk)} packages")
PY
if [ "${KEEP_ROOTFS:-0}" != 1 ]; then rm -rf "$ROOTFS"; fi
