# The guest side of the stock-kernel check (scripts/test-build): Debian's
# distribution kernel (no KUnit, no debug options) loads kpool built against
# its headers, and the module and sysfs suites pass there.
. /kpool/lib.sh
. /kpool/tests/ktap.sh

rc=0
kp_dmesg_mark stock-start
. /kpool/tests/suite_module.sh
. /kpool/tests/suite_sysfs.sh
for f in "$KTAP_DIR"/*; do
	grep -q '^ *not ok' "$f" && { echo "kpool: FAIL in $(basename "$f")"; grep '^ *not ok' "$f"; rc=1; }
done
# The stock kernel taints on an unsigned out-of-tree module: expected, not a report.
kp_dmesg_check stock-start || rc=1
exit "$rc"
