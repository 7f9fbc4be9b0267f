# Shared helpers for kpool's scripts. Sourced, not run.
# Paths: KPOOL_ROOT is the checkout; KPOOL_CACHE keeps the test kernels, keyed by
# source version and config, across checkouts (a fresh clone reuses them).

KPOOL_ROOT=${KPOOL_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
KPOOL_CACHE=${KPOOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kpool}
KPOOL_BUILD=${KPOOL_BUILD:-$KPOOL_ROOT/build}

die() { printf '%s: error: %s\n' "${0##*/}" "$*" >&2; exit 1; }
note() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }

# The Debian source package the test kernel is built from.
kpool_src_tarball() {
	local t
	t=$(ls /usr/src/linux-source-6.12.tar.xz 2>/dev/null) || die "linux-source-6.12 is not installed (run scripts/install-deps)"
	echo "$t"
}

kpool_src_version() {
	dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || die "cannot read the version of linux-source-6.12"
}

# Unpacked kernel source, shared by every flavour; unpacked once per version.
kpool_src_dir() {
	local ver dir
	ver=$(kpool_src_version)
	dir=$KPOOL_CACHE/src/linux-$ver
	if [ ! -f "$dir/.kpool-unpacked" ]; then
		note "unpacking linux-source $ver into $dir"
		rm -rf "$dir" "$dir.tmp"
		mkdir -p "$dir.tmp"
		tar -xf "$(kpool_src_tarball)" -C "$dir.tmp" --strip-components=1
		touch "$dir.tmp/.kpool-unpacked"
		mv "$dir.tmp" "$dir"
	fi
	echo "$dir"
}

# Bump when scripts/build-kernel changes how a kernel is built (not for
# cosmetic edits), so cached kernels built the old way are not reused.
KPOOL_KERNEL_RECIPE=1

# kpool_kernel_dir FLAVOUR: the build directory of a test kernel flavour
# (qemu/FLAVOUR.config). The key covers everything that changes the kernel.
kpool_kernel_dir() {
	local flavour=$1 key
	key=$( {
		kpool_src_version
		cat "$KPOOL_ROOT/qemu/$flavour.config"
		echo "recipe $KPOOL_KERNEL_RECIPE"
		x86_64-linux-gnu-gcc-12 --version | head -1
	} | sha256sum | cut -c1-16)
	echo "$KPOOL_CACHE/kernel-$flavour-$key"
}

# kpool_log_section LOG NAME: the lines a guest script printed between
# `kp_section NAME` and its end (qemu/lib.sh), serial CRs removed.
kpool_log_section() {
	tr -d '\r' <"$1" | sed -n "/^KPOOL_BEGIN $2\$/,/^KPOOL_END $2 rc=/p"
}
