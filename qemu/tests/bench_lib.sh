# The guest side of `make bench` and of make check's benchmark smoke run:
# source after /kpool/lib.sh (and /kpool/tests/xpc_lib.sh), then call
# kb_bench_run. It loads kpool and kpool_bench with the parameters in
# /kpool/bench.args, runs the XPC delivery scenario (/kpool/xpc_bench.args),
# and prints the START, RESULT and HIST lines between the section markers
# "bench-results" for scripts/bench. Any module's `RESULT scenario=...` (and
# `HIST scenario=...`) lines are collected, so other benchmark modules loaded
# here join the same report. Returns non-zero on a failure (a measurement
# that failed is also reported in its RESULT line, error=...).
#
# /kpool/xpc_bench.args: line 1 the harness parameters both modes get (the
# seed included), line 2 "REPS WARMUP_MESSAGES" (warm-up 0: none); empty or
# missing: no XPC run (the scaling sweep).

# kb_xpc_once MODE REP PARAMS...: one XPC delivery run, one RESULT line.
kb_xpc_once() {
	_km=$1 _kr=$2
	shift 2
	_kmech=kpool
	[ "$_km" = xpc ] && _kmech=xpc_original
	# shellcheck disable=SC2068 # one argument per parameter
	if xpc_scenario "$_km" $@ >/dev/null && xpc_nothing_lost; then
		[ "$_kr" = warmup ] && return 0
		echo "RESULT scenario=xpc_delivery mechanism=$_kmech rep=$_kr p50_ns=$(xv lat_all_p50_ns)" \
			"p99_ns=$(xv lat_all_p99_ns) p999_ns=$(xv lat_all_p999_ns) max_ns=$(xv lat_all_max_ns)" \
			"threads_created=$(xv threads_created) peak_threads=$(xv peak_threads)" >>/tmp/xpc.bench
		return 0
	fi
	echo "the XPC harness's $_km run ($_kr) failed"
	echo "RESULT scenario=xpc_delivery mechanism=$_kmech rep=$_kr error=run_failed" >>/tmp/xpc.bench
	return 1
}

# kb_slab FILE: "cache active_objects" of every slab cache.
kb_slab() {
	sed -n '3,$p' /proc/slabinfo | awk '{ print $1, $2 }' >"$1"
}

# Per-cache object counts of N idle threads (N = mem_threads of bench.args):
# /proc/slabinfo before and after `kpool_bench hold=...` started them, after
# a settling pause; the caches that changed by at least N/4 objects.
kb_mem_caches() {
	_kn=$(sed -n 's/.*mem_threads=\([0-9]*\).*/\1/p' /kpool/bench.args)
	_kn=${_kn:-1024}
	for _kh in kpool kthread; do
		_kmech=kpool_idle_thread
		[ "$_kh" = kthread ] && _kmech=bare_kthread
		sleep 1
		kb_slab /tmp/slab.a
		if modprobe kpool_bench hold="$_kh" mem_threads="$_kn"; then
			sleep 1
			kb_slab /tmp/slab.b
			rmmod kpool_bench
			_kc=$(awk -v n="$_kn" 'NR == FNR { a[$1] = $2; next }
				{ d = $2 - a[$1]; if (4 * d >= n || -4 * d >= n) { printf "%s%s:%s%d", (c++ ? "," : ""), $1, (d > 0 ? "+" : ""), d } }
				END { if (!c) printf "none" }' /tmp/slab.a /tmp/slab.b)
			echo "RESULT scenario=memory_caches mechanism=$_kmech threads=$_kn caches=$_kc" >>/tmp/xpc.bench
		else
			echo "RESULT scenario=memory_caches mechanism=$_kmech error=hold_failed" >>/tmp/xpc.bench
			kb_rc=1
		fi
	done
}

kb_bench_run() {
	kb_rc=0
	kp_dmesg_mark bench-start
	modprobe kpool || kb_rc=1
	kb_args=$(cat /kpool/bench.args 2>/dev/null)
	# shellcheck disable=SC2086 # word splitting of module parameters is intended
	modprobe kpool_bench $kb_args || { echo "kpool_bench failed to load"; kb_rc=1; }
	rmmod kpool_bench 2>/dev/null
	# XPC delivery: the harness's interrupt-entry-to-callout latency with
	# kpool's threads and with XPC's original algorithm, on the same seeded
	# traffic; a warm-up run per mode, then REPS runs per mode, interleaved
	# (kpool first in odd repetitions, XPC first in even ones).
	: >/tmp/xpc.bench
	if [ -f /kpool/tests/xpc_lib.sh ] && [ -s /kpool/xpc_bench.args ]; then
		kb_xp=$(sed -n 1p /kpool/xpc_bench.args)
		kb_xreps=$(sed -n 2p /kpool/xpc_bench.args | cut -d' ' -f1)
		kb_xwarm=$(sed -n 2p /kpool/xpc_bench.args | cut -d' ' -f2)
		if [ "${kb_xwarm:-0}" -gt 0 ]; then
			# shellcheck disable=SC2086
			kb_xpc_once kpool warmup $kb_xp messages="$kb_xwarm" || kb_rc=1
			# shellcheck disable=SC2086
			kb_xpc_once xpc warmup $kb_xp messages="$kb_xwarm" || kb_rc=1
		fi
		kb_i=1
		while [ "$kb_i" -le "${kb_xreps:-1}" ]; do
			kb_order="kpool xpc"
			[ $((kb_i % 2)) = 0 ] && kb_order="xpc kpool"
			for kb_m in $kb_order; do
				# shellcheck disable=SC2086
				kb_xpc_once "$kb_m" "$kb_i" $kb_xp || kb_rc=1
			done
			kb_i=$((kb_i + 1))
		done
	fi
	case " $kb_args " in *" only="*) ;; *) kb_mem_caches ;; esac
	rmmod kpool || kb_rc=1
	kp_dmesg_check bench-start || kb_rc=1
	echo 1 >/proc/sys/kernel/printk
	kb_cs=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null)
	# Dynamic preemption: the mode in use is the one in parentheses.
	kb_pm=$(sed -n 's/.*(\([a-z]*\)).*/\1/p' /sys/kernel/debug/sched/preempt 2>/dev/null)
	kp_section bench-results
	echo "cpus=$(grep -c ^processor /proc/cpuinfo) kernel=$(uname -r) clocksource=${kb_cs:-unknown}" \
		"preempt_mode=${kb_pm:-static} kernel_version=$(uname -v | tr ' ' _)"
	dmesg | sed -n -e 's/.*kpool_bench: \(START .*\)/\1/p' \
		-e 's/.*\(RESULT scenario=.*\)/\1/p' -e 's/.*\(HIST scenario=.*\)/\1/p'
	cat /tmp/xpc.bench
	kp_section_end "$kb_rc"
	return "$kb_rc"
}
