# The guest side of the kernel matrix (scripts/check-matrix): a Debian
# distribution kernel (stock 6.12, 6.12 PREEMPT_RT, 6.1; no KUnit, no debug
# options) loads kpool and its companion modules built against its headers;
# the module and sysfs suites, the XPC harness in both modes (its doorbell is
# a hard-IRQ irq_work: kpool_queue() from hard IRQ, also on PREEMPT_RT) and a
# short soak run; dmesg stays clean. Every suite's KTAP document is printed
# for the host to parse per case.
#
# Kernel command line (set by scripts/check-matrix):
#   kpool_stock_soak=N   soak seconds (default 15)
#   kpool_expect_rt=0|1  the kernel must (1) or must not (0) be PREEMPT_RT
. /kpool/lib.sh
. /kpool/tests/ktap.sh
. /kpool/tests/soak.sh

rc=0
kp_dmesg_mark stock-start

# The kernel is the one the host meant to test (an RT run on a non-RT kernel
# would prove nothing about RT).
stock_kernel_is_expected() {
	want=$(soak_param expect_rt 0)
	rt=$(cat /sys/kernel/realtime 2>/dev/null || echo 0)
	echo "$(uname -r): /sys/kernel/realtime=$rt, expected $want; $(uname -v)"
	[ "$rt" = "$want" ]
}
ktap_suite_begin kpool_stock_kernel
ktap_case kernel_is_the_expected_flavour stock_kernel_is_expected
ktap_suite_end

. /kpool/tests/suite_module.sh
. /kpool/tests/suite_sysfs.sh
. /kpool/tests/xpc_lib.sh
stock_xpc_scenario() {
	xpc_scenario "$1" messages=4000 && xpc_nothing_lost
}
ktap_suite_begin kpool_stock_xpc
ktap_case xpc_kpool_mode stock_xpc_scenario kpool
ktap_case xpc_xpc_mode stock_xpc_scenario xpc
rmmod kpool 2>/dev/null
ktap_suite_end

# make check's benchmark smoke run, in this boot (scripts/check-matrix passes
# /kpool/bench.args to the stock 6.12 boot): its own section "bench-results", judged on the host
# (bench-report.py --check), so it does not change this script's status.
if [ -f /kpool/bench.args ]; then
	. /kpool/tests/bench_lib.sh
	kb_bench_run || true
fi
SOAK_STOCK=1
soak_suite kpool_stock_soak "$(soak_param stock_soak 15)"

kp_section dmesg-check
# The stock kernel taints on an unsigned out-of-tree module: expected, not a report.
kp_dmesg_check stock-start || rc=1
kp_section_end "$rc"
for f in "$KTAP_DIR"/*; do
	grep -q '^ *not ok' "$f" && { echo "kpool: FAIL in $(basename "$f")"; grep '^ *not ok' "$f"; rc=1; }
done

# Quiet the console so no kernel message splits the documents.
echo 1 >/proc/sys/kernel/printk
ktap_print_all
exit "$rc"
