# The guest side of make check's KCSAN run (scripts/check, kernel flavour
# qemu/kcsan.config): the KUnit suites and a short soak (soak.sh) under the
# data-race detector, then every "BUG: KCSAN:" report is sorted:
#  - a report whose text names kpool's code (a frame in one of the kpool*
#    modules: "[kpool]", "[kpool_test]", "[kpool_stress]", "[kpool_xpc]", or a kp_/kpool_/xh_
#    function) fails the case kcsan_no_race_in_kpool;
#  - any other report (a race inside the core kernel, unrelated to kpool) is
#    listed as a note in that case's diagnostics and does not fail it.
# Every other kernel report (lockdep, UBSAN, kmemleak, WARN, hung task, ...)
# fails the run as in the debug run.
. /kpool/lib.sh
. /kpool/tests/ktap.sh
. /kpool/tests/soak.sh

rc=0
kp_kmemleak_clear
kp_dmesg_mark kcsan-start
[ -d /sys/kernel/debug/kcsan ] || [ -e /sys/kernel/debug/kcsan ] || { echo "kpool: no /sys/kernel/debug/kcsan: not a KCSAN kernel"; rc=1; }

kp_now() { cut -d. -f1 /proc/uptime; }
kp_t0=$(kp_now)
modprobe kpool || rc=1
modprobe kpool_test || rc=1
ktap_collect_kunit
rmmod kpool_test || rc=1
rmmod kpool || rc=1
echo "KPOOL_TIME kunit $(($(kp_now) - kp_t0))"

kp_t0=$(kp_now)
# The soak's dmesg check leaves KCSAN reports to kcsan_no_race_in_kpool
# (below), which fails on kpool's and notes the core kernel's, as the final
# check does; every other report still fails it.
KP_DMESG_IGNORE='BUG: KCSAN:'
soak_suite kpool_kcsan_soak "$(soak_param kcsan_soak 30)"
unset KP_DMESG_IGNORE
echo "KPOOL_TIME soak $(($(kp_now) - kp_t0))"

# Splits dmesg into KCSAN reports (from "BUG: KCSAN:" to the closing ====
# line), one file each, and prints "kpool FILE" or "other FILE" per report.
kcsan_reports() {
	rm -rf /tmp/kcsan
	mkdir -p /tmp/kcsan
	dmesg | sed 's/^\[[ 0-9.]*\] //' | awk '
		/BUG: KCSAN:/ { n++; f = sprintf("/tmp/kcsan/r%03d", n); on = 1 }
		on { print > f }
		on && /^=+$/ { on = 0; close(f) }'
	for f in /tmp/kcsan/r*; do
		[ -f "$f" ] || continue
		if grep -qE '\[kpool(_test|_stress|_bench|_xpc)?\]|(^| )(kp_|kps_|kpool_|xh_)[A-Za-z0-9_]*\+0x' "$f"; then
			echo "kpool $f"
		else
			echo "other $f"
		fi
	done
}

kcsan_no_race_in_kpool() {
	kcsan_reports >/tmp/kcsan.list
	n_k=$(grep -c '^kpool ' /tmp/kcsan.list)
	n_o=$(grep -c '^other ' /tmp/kcsan.list)
	echo "KCSAN reports: $n_k involving kpool, $n_o elsewhere in the kernel"
	while read -r kind f; do
		if [ "$kind" = kpool ]; then
			echo "FAIL: report in kpool:"
			cat "$f"
		else
			echo "note (not kpool's, not failed): $(head -n 1 "$f")"
		fi
	done </tmp/kcsan.list
	[ "$n_k" = 0 ]
}

kcsan_active() {
	# KCSAN must be on, or the run above proves nothing.
	cat /sys/kernel/debug/kcsan 2>/dev/null | head -n 3
	grep -q 'enabled: 1' /sys/kernel/debug/kcsan
}

ktap_suite_begin kpool_kcsan
ktap_case kcsan_detector_enabled kcsan_active
ktap_case kcsan_no_race_in_kpool kcsan_no_race_in_kpool
ktap_suite_end

kp_section dmesg-check
kp_kmemleak_scan || rc=1
KP_DMESG_IGNORE='BUG: KCSAN:' kp_dmesg_check kcsan-start || rc=1
kp_section_end "$rc"

echo 1 >/proc/sys/kernel/printk
ktap_print_all
exit "$rc"
