# The guest side of the stock-kernel check (scripts/test-build): Debian's
# distribution kernel (no KUnit, no debug options) loads kpool built against
# its headers, and the module and sysfs suites pass there, and the XPC
# harness's scenario runs in both modes with nothing lost.
. /kpool/lib.sh
. /kpool/tests/ktap.sh

rc=0
kp_dmesg_mark stock-start
. /kpool/tests/suite_module.sh
. /kpool/tests/suite_sysfs.sh
. /kpool/tests/xpc_lib.sh
stock_xpc_scenario() {
	xpc_scenario "$1" messages=4000 && xpc_nothing_lost
}
ktap_suite_begin kpool_stock_xpc
ktap_case xpc_kpool_mode_on_stock_kernel stock_xpc_scenario kpool
ktap_case xpc_xpc_mode_on_stock_kernel stock_xpc_scenario xpc
rmmod kpool 2>/dev/null
ktap_suite_end
# make check's benchmark smoke run, in this boot (scripts/test-build passes
# /kpool/bench.args): its own section "bench-results", judged on the host
# (bench-report.py --check), so it does not change this script's status.
if [ -f /kpool/bench.args ]; then
	. /kpool/tests/bench_lib.sh
	kb_bench_run || true
fi
for f in "$KTAP_DIR"/*; do
	grep -q '^ *not ok' "$f" && { echo "kpool: FAIL in $(basename "$f")"; grep '^ *not ok' "$f"; rc=1; }
done
# The stock kernel taints on an unsigned out-of-tree module: expected, not a report.
kp_dmesg_check stock-start || rc=1
exit "$rc"
