# The guest side of `make bench` (and of the smoke run in `make check`): load
# kpool and kpool_bench with the parameters in /kpool/bench.args, print the
# START, RESULT and HIST lines between section markers for scripts/bench.
# Any module's `RESULT scenario=...` (and `HIST scenario=...`) lines are
# collected, so other benchmark modules loaded here join the same report.
. /kpool/lib.sh
rc=0
kp_dmesg_mark bench-start
modprobe kpool || rc=1
args=$(cat /kpool/bench.args 2>/dev/null)
# shellcheck disable=SC2086 # word splitting of module parameters is intended
modprobe kpool_bench $args || { echo "kpool_bench failed to load"; rc=1; }
rmmod kpool_bench 2>/dev/null
# Scenario 7, XPC delivery: the harness's interrupt-entry-to-callout latency
# with kpool's threads and with XPC's original algorithm, on the same traffic
# (parameters in /kpool/xpc_bench.args).
: >/tmp/xpc.bench
if [ -f /kpool/tests/xpc_lib.sh ]; then
	. /kpool/tests/xpc_lib.sh
	xargs=$(cat /kpool/xpc_bench.args 2>/dev/null)
	for m in kpool xpc; do
		mech=kpool
		[ $m = xpc ] && mech=xpc_original
		# shellcheck disable=SC2086 # one argument per parameter
		if xpc_scenario $m $xargs >/dev/null && xpc_nothing_lost; then
			echo "RESULT scenario=xpc_delivery mechanism=$mech p50_ns=$(xv lat_all_p50_ns)" \
				"p99_ns=$(xv lat_all_p99_ns) p999_ns=$(xv lat_all_p999_ns) max_ns=$(xv lat_all_max_ns)" \
				"threads_created=$(xv threads_created) peak_threads=$(xv peak_threads)" >>/tmp/xpc.bench
		else
			echo "the XPC harness's $m run failed"
			rc=1
		fi
	done
fi
rmmod kpool || rc=1
kp_dmesg_check bench-start || rc=1
echo 1 >/proc/sys/kernel/printk
kp_section bench-results
echo "cpus=$(grep -c ^processor /proc/cpuinfo) kernel=$(uname -r)"
dmesg | sed -n -e 's/.*kpool_bench: \(START .*\)/\1/p' \
	-e 's/.*\(RESULT scenario=.*\)/\1/p' -e 's/.*\(HIST scenario=.*\)/\1/p'
cat /tmp/xpc.bench
kp_section_end "$rc"
exit "$rc"
