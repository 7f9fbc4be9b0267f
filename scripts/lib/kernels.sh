# The stock kernels of kpool's test matrix (scripts/check-matrix, the DKMS
# test in scripts/test-eco, run-guest --stock): Debian packages installed by
# scripts/install-deps. Sourced after common.sh, not run.
#
# One line per kernel: NAME, the kernel release as an extended regular
# expression (the newest installed release matching it is tested), and 1 if
# the kernel must be PREEMPT_RT. Adding a kernel: a line here, its image and
# headers packages in scripts/install-deps, and, if its API differs, the
# difference in src/shim/kp_compat.h (scripts/README.md, "Supported kernels").
KPOOL_STOCK_KERNELS='
stock-6.12	^6\.12\.[0-9]+\+deb12-amd64$	0
stock-6.12-rt	^6\.12\.[0-9]+\+deb12-rt-amd64$	1
stock-6.1	^6\.1\.0-[0-9]+-amd64$	0
'

# The names, one per line.
kpool_stock_names() {
	awk 'NF == 3 { print $1 }' <<<"$KPOOL_STOCK_KERNELS"
}

# kpool_stock_field NAME 2|3: the release pattern or the RT flag of NAME.
kpool_stock_field() {
	awk -v n="$1" -v f="$2" 'NF == 3 && $1 == n { print $f }' <<<"$KPOOL_STOCK_KERNELS"
}

# kpool_stock_release NAME: the newest installed release of NAME that has both
# its headers (/lib/modules/REL/build) and its image (/boot/vmlinuz-REL);
# prints nothing and returns 1 when none is installed.
kpool_stock_release() {
	local re rel
	re=$(kpool_stock_field "$1" 2)
	[ -n "$re" ] || return 1
	rel=$(for d in /lib/modules/*/build; do
		[ -f "$d/include/config/auto.conf" ] || continue
		r=${d%/build}
		r=${r##*/}
		[ -f "/boot/vmlinuz-$r" ] || continue
		echo "$r"
	done | grep -E -- "$re" | sort -V | tail -n 1)
	[ -n "$rel" ] || return 1
	echo "$rel"
}
