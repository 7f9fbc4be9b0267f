# Suite kpool_sysfs: the /sys/kernel/kpool/<pool>/ knobs and the module
# parameters, driven from user space as an administrator would.

P=/sys/kernel/kpool/default

# sysfs_write FILE VALUE: writes VALUE (an empty VALUE as a lone newline, since
# writing nothing is no write at all), returns the write's status.
sysfs_write() {
	if [ -z "$2" ]; then echo >"$1"; else printf '%s' "$2" >"$1"; fi 2>/dev/null
}

# sysfs_errno FILE VALUE: the error a write of VALUE (by echo: one trailing
# newline) got, as strerror text ("Invalid argument"), or "accepted".
sysfs_errno() {
	_e=$( { echo "$2" >"$1"; } 2>&1 ) && { echo accepted; return 0; }
	echo "${_e##*: }"
}

# sysfs_refused_with FILE VALUE EINVAL|ERANGE: the write is refused with that errno.
sysfs_refused_with() {
	_got=$(sysfs_errno "$1" "$2")
	case "$3:$_got" in
	EINVAL:"Invalid argument") return 0 ;;
	ERANGE:"Numerical result out of range" | ERANGE:"Result not representable") return 0 ;;
	esac
	echo "$1: '$2' got '$_got', want $3"
	return 1
}

# The nice value of every kpool/default:* thread, one line each (field 19 of
# /proc/PID/stat; the comm has no spaces).
kpool_thread_nices() {
	for d in /proc/[0-9]*; do
		read -r c 2>/dev/null <"$d/comm" || continue
		case "$c" in
		kpool/default:*) awk '{ print $19 }' "$d/stat" 2>/dev/null ;;
		esac
	done
}

sysfs_default_pool_has_every_file() {
	for f in min_threads max_threads idle_timeout_ms reserve nice cpumask nr_threads nr_idle \
		nr_parked nr_running nr_blocked nr_queued completed warm_handoffs cold_starts \
		spawn_failures reaped cancelled oldest_job_age_ms latency_hist stall_timeout_ms \
		nr_runnable latency_stats; do
		[ -e "$P/$f" ] || { echo "missing $P/$f"; return 1; }
	done
	[ "$(stat -c %a $P/min_threads)" = 644 ] || { echo "min_threads not 0644"; return 1; }
	[ "$(stat -c %a $P/nr_threads)" = 444 ] || { echo "nr_threads not 0444"; return 1; }
	[ "$(stat -c %a $P/stall_timeout_ms)" = 644 ] || { echo "stall_timeout_ms not 0644"; return 1; }
	[ "$(stat -c %a $P/nr_runnable)" = 444 ] || { echo "nr_runnable not 0444"; return 1; }
	[ "$(cat $P/stall_timeout_ms)" = 20 ] || { echo "stall_timeout_ms default $(cat $P/stall_timeout_ms)"; return 1; }
	[ "$(stat -c %a $P/latency_stats)" = 644 ] || { echo "latency_stats not 0644"; return 1; }
	[ "$(cat $P/latency_stats)" = 0 ] || { echo "latency_stats default $(cat $P/latency_stats)"; return 1; }
}

sysfs_valid_writes_take_effect() {
	sysfs_write $P/max_threads 64 || return 1
	sysfs_write $P/min_threads 5 || return 1
	[ "$(cat $P/min_threads)" = 5 ] || return 1
	# Growing starts threads at once (the manager, within seconds under TCG).
	i=0
	while [ "$(cat $P/nr_threads)" -lt 5 ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
	[ "$(cat $P/nr_threads)" -ge 5 ] || { echo "nr_threads $(cat $P/nr_threads) < 5"; return 1; }
	sysfs_write $P/nice -5 || return 1
	[ "$(cat $P/nice)" = -5 ] || return 1
	sysfs_write $P/nice 0 || return 1
	[ "$(cat $P/nice)" = 0 ] || return 1
	sysfs_write $P/idle_timeout_ms "300
" || return 1
	[ "$(cat $P/idle_timeout_ms)" = 300 ] || return 1
	for v in 1 0; do
		sysfs_write $P/latency_stats $v || { echo "latency_stats $v refused"; return 1; }
		[ "$(cat $P/latency_stats)" = $v ] || { echo "latency_stats not $v"; return 1; }
	done
	for v in 10 1000 20; do
		sysfs_write $P/stall_timeout_ms $v || { echo "stall_timeout_ms $v refused"; return 1; }
		[ "$(cat $P/stall_timeout_ms)" = $v ] || { echo "stall_timeout_ms not $v"; return 1; }
	done
	# Shrinking retires idle threads after the idle timeout.
	sysfs_write $P/min_threads 1 || return 1
	sysfs_write $P/reserve 0 || return 1
	i=0
	while [ "$(cat $P/nr_threads)" -gt 1 ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
	[ "$(cat $P/nr_threads)" -le 1 ] || { echo "nr_threads $(cat $P/nr_threads) > 1 after the idle timeout"; return 1; }
	[ "$(cat $P/reaped)" -ge 4 ] || { echo "reaped $(cat $P/reaped)"; return 1; }
}

sysfs_bad_input_refused_unchanged() {
	for f in min_threads max_threads idle_timeout_ms reserve; do
		before=$(cat $P/$f)
		for bad in "" " " "-1" "+3" "3x" "x3" "0x10" "1.5" "99999999999999999999" "4294967296" "3 4" " 3"; do
			if sysfs_write $P/$f "$bad"; then
				echo "$f accepted '$bad'"
				return 1
			fi
			[ "$(cat $P/$f)" = "$before" ] || { echo "$f changed by '$bad'"; return 1; }
			# The errno the README promises: -ERANGE for a number that
			# does not fit, -EINVAL for anything that is not a number.
			case "$bad" in
			99999999999999999999 | 4294967296) want=ERANGE ;;
			*) want=EINVAL ;;
			esac
			sysfs_refused_with $P/$f "$bad" $want || return 1
		done
	done
	before=$(cat $P/nice)
	for bad in "" "+1" "20" "-21" "1e3" "--1"; do
		sysfs_write $P/nice "$bad" && { echo "nice accepted '$bad'"; return 1; }
		[ "$(cat $P/nice)" = "$before" ] || { echo "nice changed by '$bad'"; return 1; }
		case "$bad" in 20 | -21) want=ERANGE ;; *) want=EINVAL ;; esac
		sysfs_refused_with $P/nice "$bad" $want || return 1
	done
	# Range and consistency rules: max 0 or above the cap, min > max,
	# reserve > max, idle timeout 0.
	sysfs_write $P/max_threads 0 && { echo "max_threads 0 accepted"; return 1; }
	sysfs_write $P/max_threads 4097 && { echo "max_threads 4097 accepted"; return 1; }
	max=$(cat $P/max_threads)
	sysfs_write $P/min_threads $((max + 1)) && { echo "min > max accepted"; return 1; }
	sysfs_write $P/reserve $((max + 1)) && { echo "reserve > max accepted"; return 1; }
	sysfs_write $P/idle_timeout_ms 0 && { echo "idle_timeout_ms 0 accepted"; return 1; }
	sysfs_refused_with $P/max_threads 0 ERANGE || return 1
	sysfs_refused_with $P/max_threads 4097 ERANGE || return 1
	sysfs_refused_with $P/min_threads $((max + 1)) EINVAL || return 1
	sysfs_refused_with $P/reserve $((max + 1)) EINVAL || return 1
	sysfs_refused_with $P/idle_timeout_ms 0 ERANGE || return 1
	[ "$(cat $P/max_threads)" = "$max" ] || { echo "max_threads changed"; return 1; }
	# stall_timeout_ms: 10..1000 ms.
	before=$(cat $P/stall_timeout_ms)
	for bad in "" " " "-1" "+30" "30x" "0x20" "1.5" "30 40" "0" "9" "1001" "4294967296" \
		"99999999999999999999"; do
		sysfs_write $P/stall_timeout_ms "$bad" && { echo "stall_timeout_ms accepted '$bad'"; return 1; }
		[ "$(cat $P/stall_timeout_ms)" = "$before" ] || { echo "stall_timeout_ms changed by '$bad'"; return 1; }
		case "$bad" in 0 | 9 | 1001 | 4294967296 | 99999999999999999999) want=ERANGE ;; *) want=EINVAL ;; esac
		sysfs_refused_with $P/stall_timeout_ms "$bad" $want || return 1
	done
	# latency_stats: 0 or 1.
	before=$(cat $P/latency_stats)
	for bad in "" " " "-1" "+1" "1x" "0x1" "on" "2" "10" "4294967296"; do
		sysfs_write $P/latency_stats "$bad" && { echo "latency_stats accepted '$bad'"; return 1; }
		[ "$(cat $P/latency_stats)" = "$before" ] || { echo "latency_stats changed by '$bad'"; return 1; }
		case "$bad" in 2 | 10 | 4294967296) want=ERANGE ;; *) want=EINVAL ;; esac
		sysfs_refused_with $P/latency_stats "$bad" $want || return 1
	done
	sysfs_write $P/nr_threads 5 && { echo "read-only file accepted a write"; return 1; }
	sysfs_write $P/nr_runnable 0 && { echo "nr_runnable accepted a write"; return 1; }
	return 0
}

sysfs_concurrent_writers_keep_min_le_max() {
	# Two writers race on min and max; each write is valid or not depending
	# on the other's last value. Writes are serialised and validated as a
	# whole, so whatever interleaving wins, the end state keeps min <= max
	# (two unserialised read-modify-writes could leave min 6 > max 4).
	round=0 bad=0
	while [ $round -lt 5 ]; do
		sysfs_write $P/min_threads 1
		sysfs_write $P/max_threads 8
		( i=0; while [ $i -lt 40 ]; do printf 1 >$P/min_threads 2>/dev/null; printf 6 >$P/min_threads 2>/dev/null; i=$((i + 1)); done ) &
		a=$!
		( i=0; while [ $i -lt 40 ]; do printf 8 >$P/max_threads 2>/dev/null; printf 4 >$P/max_threads 2>/dev/null; i=$((i + 1)); done ) &
		b=$!
		wait $a $b
		min=$(cat $P/min_threads) max=$(cat $P/max_threads)
		echo "round $round: min $min max $max"
		[ "$min" -le "$max" ] || bad=1
		round=$((round + 1))
	done
	sysfs_write $P/min_threads 2
	sysfs_write $P/max_threads 256
	return $bad
}

# The CPUs kpool/default:* threads may run on, one line each (hex mask).
kpool_thread_masks() {
	for d in /proc/[0-9]*; do
		read -r c 2>/dev/null <"$d/comm" || continue
		case "$c" in
		kpool/default:*) sed -n 's/^Cpus_allowed:[[:space:]]*//p' "$d/status" ;;
		esac
	done
}

sysfs_cpumask_moves_threads() {
	ncpu=$(grep -c ^processor /proc/cpuinfo)
	[ "$ncpu" -ge 2 ] || { echo "needs 2 CPUs"; return 0; }
	sysfs_write $P/min_threads 3 || return 1
	i=0
	while [ "$(cat $P/nr_threads)" -lt 3 ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
	sysfs_write $P/cpumask 2 || { echo "cpumask 2 refused"; return 1; }
	[ "$(cat $P/cpumask)" = 2 ] || { echo "cpumask reads $(cat $P/cpumask)"; return 1; }
	n=$(kpool_thread_masks | wc -l)
	[ "$n" -ge 3 ] || { echo "found $n kpool/default threads, want >= 3"; return 1; }
	# Free threads move at once (within a second under TCG).
	i=0
	while kpool_thread_masks | grep -qv '^0*2$' && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	kpool_thread_masks | sort | uniq -c
	if kpool_thread_masks | grep -qv '^0*2$'; then echo "a thread is not on CPU 1 only"; return 1; fi
	all=$(printf '%x' $(( (1 << ncpu) - 1 )))
	sysfs_write $P/cpumask "$all" || return 1
	i=0
	while kpool_thread_masks | grep -qv "^0*$all\$" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	if kpool_thread_masks | grep -qv "^0*$all\$"; then echo "threads did not return to all CPUs"; return 1; fi
	sysfs_write $P/min_threads 2
}

sysfs_cpumask_bad_input_refused() {
	before=$(cat $P/cpumask)
	for bad in "" "0" "zz" "1,,2" "fffffffffffffffffffffffffffffffffffffffff" "-1"; do
		sysfs_write $P/cpumask "$bad" && { echo "cpumask accepted '$bad'"; return 1; }
		[ "$(cat $P/cpumask)" = "$before" ] || { echo "cpumask changed by '$bad'"; return 1; }
	done
	# An empty mask is -EINVAL (README).
	sysfs_refused_with $P/cpumask 0 EINVAL || return 1
	# A mask of offline CPUs only: take the last CPU down and ask for it.
	ncpu=$(grep -c ^processor /proc/cpuinfo)
	last=$((ncpu - 1))
	if [ "$last" -ge 1 ] && [ -w /sys/devices/system/cpu/cpu$last/online ]; then
		echo 0 >/sys/devices/system/cpu/cpu$last/online || return 1
		sysfs_write $P/cpumask "$(printf '%x' $((1 << last)))" && r=1 || r=0
		sysfs_refused_with $P/cpumask "$(printf '%x' $((1 << last)))" EINVAL || r=1
		echo 1 >/sys/devices/system/cpu/cpu$last/online
		[ $r = 0 ] || { echo "offline-only cpumask accepted"; return 1; }
	fi
	[ "$(cat $P/cpumask)" = "$before" ]
}

debugfs_fail_spawn_injects_and_pool_recovers() {
	F=/sys/kernel/debug/kpool/fail_spawn
	[ -d $F ] || { echo "no $F"; return 1; }
	[ -d /sys/kernel/debug/kpool/fail_alloc ] || { echo "no fail_alloc"; return 1; }
	before=$(cat $P/spawn_failures)
	want=$(( $(cat $P/nr_threads) + 2 ))
	echo 0 >$F/verbose
	echo 100 >$F/probability
	echo 3 >$F/times
	sysfs_write $P/min_threads $want || return 1
	i=0
	while [ "$(cat $P/nr_threads)" -lt $want ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	echo 0 >$F/probability
	after=$(cat $P/spawn_failures)
	got=$(cat $P/nr_threads)
	echo "spawn_failures $before -> $after, nr_threads $got (wanted $want)"
	sysfs_write $P/min_threads 2
	[ "$after" -ge $((before + 3)) ] && [ "$got" -ge "$want" ]
}

sysfs_no_kernel_addresses() {
	if grep -rE 'ffff[0-9a-f]{8,}|0x[0-9a-f]{12,}' $P/ 2>/dev/null; then
		echo "kernel address in sysfs"
		return 1
	fi
	return 0
}

sysfs_module_params_validated() {
	rmmod kpool || return 1
	for bad in "default_max_threads=0" "default_max_threads=5000" "default_min_threads=300" \
		"default_reserve=300" "default_idle_timeout_ms=0" "default_nice=20" \
		"default_min_threads=abc" "default_min_threads=-1"; do
		if modprobe kpool $bad 2>/dev/null; then
			echo "load with $bad succeeded"
			rmmod kpool
			return 1
		fi
		grep -q '^kpool ' /proc/modules && { echo "half-loaded after $bad"; return 1; }
	done
	modprobe kpool default_min_threads=3 default_max_threads=9 || return 1
	[ "$(cat $P/max_threads)" = 9 ] && [ "$(cat $P/min_threads)" = 3 ]
}

# The threads themselves run at a written nice: the write wakes every free
# thread, which applies it to itself (so the pool lock is never held for a
# time that grows with the pool); an idle pool is there within a few seconds
# of guest time. Every thread, the reserve included: counting the free lists
# once missed parked threads (2 of 5 kept the old nice in 2 of 3 runs).
sysfs_nice_reaches_every_thread() {
	sysfs_write $P/max_threads 64 || return 1
	sysfs_write $P/min_threads 5 || return 1
	i=0
	while [ "$(cat $P/nr_threads)" -lt 5 ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
	n=$(kpool_thread_nices | wc -l)
	[ "$n" -ge 5 ] || { echo "found $n kpool/default threads, want >= 5"; return 1; }
	for want in -5 0 7 0; do
		sysfs_write $P/nice $want || return 1
		i=0
		while kpool_thread_nices | grep -qvx -- $want && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
		if kpool_thread_nices | grep -qvx -- $want; then
			echo "nice $want: threads at $(kpool_thread_nices | sort | uniq -c | tr '\n' ' ')"
			return 1
		fi
	done
}

modprobe kpool
ktap_suite_begin kpool_sysfs
ktap_case sysfs_default_pool_has_every_file sysfs_default_pool_has_every_file
ktap_case sysfs_valid_writes_take_effect sysfs_valid_writes_take_effect
ktap_case sysfs_nice_reaches_every_thread sysfs_nice_reaches_every_thread
ktap_case sysfs_bad_input_refused_unchanged sysfs_bad_input_refused_unchanged
ktap_case sysfs_concurrent_writers_keep_min_le_max sysfs_concurrent_writers_keep_min_le_max
if [ "$(grep -c ^processor /proc/cpuinfo)" -ge 2 ]; then
	ktap_case sysfs_cpumask_moves_threads sysfs_cpumask_moves_threads
else
	ktap_skip sysfs_cpumask_moves_threads "needs 2 CPUs"
fi
ktap_case sysfs_cpumask_bad_input_refused sysfs_cpumask_bad_input_refused
case "$(uname -r)" in
*kpool-debug*)	# the test kernel has fault injection: the files must be there
	ktap_case debugfs_fail_spawn_injects_and_pool_recovers debugfs_fail_spawn_injects_and_pool_recovers ;;
*)	ktap_skip debugfs_fail_spawn_injects_and_pool_recovers "not the kpool debug kernel (no fault injection)" ;;
esac
ktap_case sysfs_no_kernel_addresses sysfs_no_kernel_addresses
ktap_case sysfs_module_params_validated sysfs_module_params_validated
ktap_suite_end
rmmod kpool
