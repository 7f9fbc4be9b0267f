# The guest side of `make check`: loads kpool and its KUnit module, runs the
# guest-script suites, then checks the kernel log and kmemleak. Prints each
# suite's KTAP document between section markers for scripts/check to parse.
. /kpool/lib.sh
. /kpool/tests/ktap.sh

rc=0
# Guest uptime, whole seconds; each stage prints "KPOOL_TIME NAME SECONDS"
# for scripts/check's table of stage times.
kp_now() { cut -d. -f1 /proc/uptime; }
kp_t0=$(kp_now)
kp_kmemleak_clear
kp_dmesg_mark check-start

# --- KUnit: loading kpool_test runs every suite ---------------------------------
# kpool's tracepoints record the whole run for the kpool_trace suite.
T=/sys/kernel/tracing
modprobe kpool || rc=1
if [ -d $T/events/kpool ]; then
	echo 16384 >$T/buffer_size_kb
	echo 1 >$T/events/kpool/enable
fi
modprobe kpool_test || rc=1
ktap_collect_kunit
if [ -d $T/events/kpool ]; then
	echo 0 >$T/events/kpool/enable
	cat $T/trace >/tmp/kpool.trace
	echo 0 >$T/buffer_size_kb 2>/dev/null
fi
rmmod kpool_test || rc=1
rmmod kpool || rc=1
echo "KPOOL_TIME kunit $(($(kp_now) - kp_t0))"

# --- guest-script suites ---------------------------------------------------------
for t in /kpool/tests/suite_*.sh; do
	[ -f "$t" ] || continue
	kp_t0=$(kp_now)
	. "$t"
	echo "KPOOL_TIME $(basename "$t" .sh) $(($(kp_now) - kp_t0))"
done

# --- the kernel's own checkers ------------------------------------------------------
kp_section dmesg-check
kp_kmemleak_scan || rc=1
kp_dmesg_check check-start || rc=1
kp_section_end "$rc"

# Quiet the console so no kernel message splits the documents.
echo 1 >/proc/sys/kernel/printk
ktap_print_all
exit "$rc"
