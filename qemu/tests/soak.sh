# Soak, hostile input and load/unload loop for the reliability suites (issue 7).
# A library, sourced after /kpool/lib.sh and /kpool/tests/ktap.sh by
# suite_soak.sh (make check, debug kernel) and kcsan.sh (the KCSAN kernel).
#
#   soak_suite SUITE SECONDS [hostile]   the soak as one KTAP suite
#   loadloop_suite SUITE COUNT           the load/unload loop as one KTAP suite
#   soak_param NAME DEFAULT              a kpool_NAME=N value of the kernel command
#                                        line (scripts/check passes SOAK_SECONDS etc.)
#
# The load is kpool_stress.ko (src/stress/kp_stress.c). While it runs, this
# script rewrites pool knobs at random (sysfs), takes CPUs offline and online,
# and injects failures of kpool's thread creations and allocations (debugfs
# fail_spawn/fail_alloc).
#
# Distribution kernels (SOAK_STOCK=1, set by stock.sh): they have neither
# CONFIG_FAULT_INJECTION nor kmemleak. The soak then runs without random
# faults and its fault check is reported as skipped, with the reason; on any
# other kernel a missing fault file fails as before. kmemleak is scanned once
# per boot, after every suite (qemu/tests/check.sh), not by the soak.
#
# XPC harness hook: if /kpool/tests/xpc_soak_traffic.sh exists (scripts/check
# copies every qemu/tests/*.sh there), it is started in the background for the
# whole soak as
#     sh /kpool/tests/xpc_soak_traffic.sh SECONDS
# (output in /tmp/soak/xpc.log, echoed into the suite's diagnostics); its exit
# status is checked by the case soak_xpc_traffic_ok. It must return by itself
# within SECONDS + 60 s and leave its modules unloaded.

# busybox ash has $RANDOM.
# shellcheck disable=SC3028
SOAK_DIR=/tmp/soak
KPS=/sys/kernel/debug/kpool_stress
KPF=/sys/kernel/debug/kpool
KPS_POOLS="default kps_unbound kps_bound"
XPC_TRAFFIC=/kpool/tests/xpc_soak_traffic.sh

soak_param() {
	_v=$(tr ' ' '\n' </proc/cmdline | sed -n "s/^kpool_$1=\([0-9][0-9]*\)\$/\1/p" | tail -n 1)
	echo "${_v:-$2}"
}


ncpus() { grep -c ^processor /proc/cpuinfo; }

# soak_write FILE VALUE: as sysfs_write in suite_sysfs.sh (empty VALUE: a lone newline).
soak_write() {
	{ if [ -z "$2" ]; then echo >"$1"; else printf '%s' "$2" >"$1"; fi; } 2>/dev/null
}

# A field of the stress module's results: soak_result POOL FIELD, or soak_result knob FIELD.
soak_result() {
	awk -v p="$1" -v k="$2" '($1 == "pool" && $2 == p) || ($1 == "knob" && p == "knob") {
		for (i = 2; i < NF; i++) if ($i == k) { print $(i + 1); exit } }' $KPS/results
}

soak_total_ran() {
	awk '$1 == "pool" { s += $6 } END { print s + 0 }' $KPS/results
}

# ---- background tasks ------------------------------------------------------------------

# Rewrites the knobs of every pool at random: mostly valid values, some that
# the pool must refuse (both are fine here; the hostile case checks refusals).
soak_knob_writer() {
	n=0 nc=$(ncpus)
	while [ ! -e $SOAK_DIR/stop ]; do
		if [ -e $SOAK_DIR/pause ]; then
			touch $SOAK_DIR/paused
			sleep 0.1
			continue
		fi
		rm -f $SOAK_DIR/paused
		# No forks in this loop ($RANDOM, builtins): the guest is busy.
		set -- $KPS_POOLS
		shift $((RANDOM % 3))
		d=/sys/kernel/kpool/$1
		case $((RANDOM % 7)) in
		0) soak_write $d/min_threads $((RANDOM % 6)) ;;
		1) soak_write $d/max_threads $((1 + RANDOM % 48)) ;;
		2) soak_write $d/reserve $((RANDOM % 4)) ;;
		3) soak_write $d/idle_timeout_ms $((1 + RANDOM % 1000)) ;;
		4) soak_write $d/nice $((RANDOM % 11 - 5)) ;;
		5) [ "$1" = kps_bound ] || soak_write $d/cpumask "$(printf '%x' $((1 + RANDOM % ((1 << nc) - 1))))" ;;
		6) soak_write $d/min_threads 0; soak_write $d/max_threads 2 ;;
		esac
		n=$((n + 1))
		echo $n >$SOAK_DIR/knob_writes
		sleep 0.$((1 + RANDOM % 3))
	done
	rm -f $SOAK_DIR/paused
}

# Takes a random CPU other than CPU 0 offline for a while and back online.
soak_hotplug() {
	n=0 fails=0
	nc=$(ncpus)
	[ "$nc" -ge 2 ] || return 0
	while [ ! -e $SOAK_DIR/stop ]; do
		c=$((1 + RANDOM % (nc - 1)))
		f=/sys/devices/system/cpu/cpu$c/online
		if echo 0 >$f 2>/dev/null; then
			sleep 0.$((2 + RANDOM % 8))
			echo 1 >$f 2>/dev/null || fails=$((fails + 1))
			n=$((n + 1))
		else
			fails=$((fails + 1))
		fi
		echo "$n $fails" >$SOAK_DIR/hotplug
		sleep 0.$((1 + RANDOM % 5))
	done
}

soak_all_cpus_online() {
	for f in /sys/devices/system/cpu/cpu[0-9]*/online; do
		[ "$(soak_read $f)" = 1 ] || echo 1 >$f || return 1
	done
}

# soak_faults on|off: random failures of kpool's thread creations (10%) and
# allocations (3%), silent (verbose 0: a stack dump per failure would read as
# a kernel report).
soak_faults() {
	for a in fail_spawn fail_alloc; do
		[ -d $KPF/$a ] || return 1
		echo 0 >$KPF/$a/verbose
		echo 1 >$KPF/$a/interval
		echo -1 >$KPF/$a/times
	done
	if [ "$1" = on ]; then
		echo 10 >$KPF/fail_spawn/probability
		echo 3 >$KPF/fail_alloc/probability
	else
		echo 0 >$KPF/fail_spawn/probability
		echo 0 >$KPF/fail_alloc/probability
	fi
}

# ---- hostile input ------------------------------------------------------------------------

# The bad-value tables (suite_sysfs.sh's, plus blanks, overflow of 64 bits,
# wrong types, an embedded NUL and strings longer than a page). Entries are
# separated by |; the first, empty one is an empty write (a lone newline).
# Built without forks where possible: the guest is busy during the soak.
BAD_UINT_LIST='| |-1|+3|3x|x3|0x10|1.5|99999999999999999999|4294967296|18446744073709551616|3 4| 3|1e3|--1|abc|true|nan'
BAD_NICE_LIST='|+1|20|-21|1e3|--1|- 1|99999999999999999999|-99999999999999999999|abc|0x1|1.0'
BAD_MASK_LIST='|0|zz|1,,2|fffffffffffffffffffffffffffffffffffffffff|-1|g|0x|,'
soak_long() { # LENGTH CHAR
	head -c "$1" /dev/zero | tr '\0' "$2"
}
BAD_LONG9=$(soak_long 5000 9)
BAD_LONGA=$(soak_long 5000 a)
BAD_BLANKS=$(printf ' \t ')

# soak_read FILE: its first line, without a fork.
soak_read() {
	_sr=
	read -r _sr <"$1" 2>/dev/null
	printf '%s' "$_sr"
}

# hostile_one FILE VALUE BEFORE|-: the write must fail and (unless BEFORE is -)
# leave the file reading BEFORE.
hostile_one() {
	if soak_write "$1" "$2"; then
		echo "$1 accepted '$(printf '%s' "$2" | head -c 40)'"
		return 1
	fi
	[ "$3" = - ] && return 0
	read -r _now <"$1"
	if [ "$_now" != "$3" ]; then
		echo "$1 changed from '$3' to '$_now' by '$(printf '%s' "$2" | head -c 40)'"
		return 1
	fi
	return 0
}

# hostile_table FILE LIST CHECK [kernel]: every value of LIST; CHECK - skips
# the unchanged check; unless the file is the kernel's own ("kernel"), also
# blanks, page-size junk and an embedded NUL.
hostile_table() {
	_f=$1 _list=$2 _chk=$3 _own=${4:-} _bad=0
	read -r _before <"$_f"
	[ "$_chk" = - ] && _before=-
	_old_ifs=$IFS
	IFS='|'
	for v in $_list; do
		IFS=$_old_ifs
		hostile_one "$_f" "$v" "$_before" || _bad=1
		IFS='|'
	done
	IFS=$_old_ifs
	[ "$_own" = kernel ] && return $_bad
	hostile_one "$_f" "$BAD_BLANKS" "$_before" || _bad=1
	hostile_one "$_f" "$BAD_LONG9" "$_before" || _bad=1
	hostile_one "$_f" "$BAD_LONGA" "$_before" || _bad=1
	# "1<NUL>2" (a shell variable cannot hold a NUL: printf writes it).
	if printf '1\0002' 2>/dev/null >"$_f"; then echo "$_f accepted 1<NUL>2"; _bad=1; fi
	if [ "$_before" != - ]; then
		read -r _now <"$_f"
		[ "$_now" = "$_before" ] || { echo "$_f changed by 1<NUL>2"; _bad=1; }
	fi
	return $_bad
}

# Every knob of kpool's pools, kpool's and kpool_stress's module parameters,
# kpool's fault-injection controls and kpool_stress's control, with the load
# running. The knob writer is paused (its writes would change the values);
# kpool_stress's own set_attrs thread keeps resizing kps_bound, whose values
# are therefore only checked to be refused, not unchanged.
soak_hostile_input() {
	bad=0
	touch $SOAK_DIR/pause
	i=0
	while [ ! -e $SOAK_DIR/paused ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	[ -e $SOAK_DIR/paused ] || { echo "the knob writer did not pause"; rm -f $SOAK_DIR/pause; return 1; }
	# The whole tables on the default pool; a short one on the soak's own
	# pools (the same code parses every pool's knobs; a loaded TCG guest runs
	# its shell slowly).
	for p in $KPS_POOLS; do
		d=/sys/kernel/kpool/$p
		chk='' ul=$BAD_UINT_LIST nl=$BAD_NICE_LIST ml=$BAD_MASK_LIST
		[ "$p" = kps_bound ] && chk=-
		# (-1 is a valid nice and a valid cpumask is any hex: not in those.)
		[ "$p" = default ] || { ul='|-1|3x|99999999999999999999' nl='|+1|3x|20' ml='|0|zz|-1'; }
		for f in min_threads max_threads idle_timeout_ms reserve; do
			hostile_table $d/$f "$ul" "$chk" || bad=1
		done
		hostile_table $d/nice "$nl" "$chk" || bad=1
		if [ "$p" = kps_bound ]; then
			# A bound pool's cpumask refuses every write.
			hostile_table $d/cpumask "$ml|1" - || bad=1
		else
			hostile_table $d/cpumask "$ml" "$chk" || bad=1
		fi
		# Read-only files refuse writes.
		for f in nr_threads nr_running nr_queued completed cancelled latency_hist; do
			soak_write $d/$f 5 && { echo "$d/$f accepted a write"; bad=1; }
		done
	done
	# Module parameters are read-only after load: every write refused, unchanged.
	for m in kpool kpool_stress; do
		for f in /sys/module/$m/parameters/*; do
			[ -f "$f" ] || continue
			hostile_table "$f" "|abc|-1|1|0|Y" x || bad=1
		done
	done
	# The fault-injection controls (the kernel's fault_attr files).
	for a in fail_spawn fail_alloc; do
		for f in probability interval times space verbose; do
			[ -e $KPF/$a/$f ] || { echo "no $KPF/$a/$f"; bad=1; continue; }
			hostile_table $KPF/$a/$f '| |abc|3x|x3|99999999999999999999|1.5' x kernel || bad=1
		done
	done
	# kpool_stress's control: only "start" and "stop"; start while running is -EBUSY.
	hostile_table $KPS/control '| |start |stop |starts|sto|START|-1|0|stop stop' x || bad=1
	hostile_one $KPS/control start running || bad=1
	hostile_one $KPS/results 1 - || bad=1
	rm -f $SOAK_DIR/pause
	return $bad
}

# ---- the soak -----------------------------------------------------------------------------

soak_start() {
	modprobe kpool || return 1
	modprobe kpool_stress || return 1
	echo start >$KPS/control || return 1
	[ "$(cat $KPS/control)" = running ] || { echo "control reads $(cat $KPS/control)"; return 1; }
	for p in $KPS_POOLS; do [ -d /sys/kernel/kpool/$p ] || { echo "no pool $p"; return 1; }; done
}

soak_spawn_failures() {
	s=0
	for p in $KPS_POOLS; do read -r _v </sys/kernel/kpool/$p/spawn_failures; s=$((s + _v)); done
	echo $s
}

# Runs the load for SECONDS with all the disturbances; samples progress every
# 10 s into $SOAK_DIR/progress; the hostile input runs a third of the way in.
soak_run() {
	secs=$1 hostile=$2
	rm -rf $SOAK_DIR
	mkdir -p $SOAK_DIR
	echo "$(soak_spawn_failures)" >$SOAK_DIR/spawn_before
	if ! soak_faults on; then
		if [ "${SOAK_STOCK:-0}" = 1 ]; then
			echo "no fault injection files under $KPF (distribution kernel): the soak runs without faults"
		else
			echo "no fault injection files under $KPF"
			return 1
		fi
	fi
	soak_knob_writer &
	echo $! >$SOAK_DIR/pids
	soak_hotplug &
	echo $! >>$SOAK_DIR/pids
	if [ -f $XPC_TRAFFIC ]; then
		sh $XPC_TRAFFIC "$secs" >$SOAK_DIR/xpc.log 2>&1 &
		echo $! >$SOAK_DIR/xpc.pid
	fi
	# Windows of 10 s of guest uptime (a loaded TCG guest may run its shell
	# slowly: at least one window). The hostile input starts a third of the
	# way in (or, if the guest was too slow for that, at the end) and runs
	# beside the windows, the load and the disturbances; the soak ends when
	# both its time is up and the hostile input is done.
	now_s() { cut -d. -f1 /proc/uptime; }
	t0=$(now_s) last=$(soak_total_ran) rc=0 hpid='' done_h=0
	[ "$hostile" = hostile ] || done_h=1
	end=$((t0 + secs))
	: >$SOAK_DIR/progress
	while :; do
		if [ $done_h = 0 ] && [ -z "$hpid" ] &&
			{ [ $(($(now_s) - t0)) -ge $((secs / 3)) ] || [ "$(now_s)" -ge $end ]; }; then
			(
				h0=$(now_s)
				soak_hostile_input >$SOAK_DIR/hostile.log 2>&1
				echo $? >$SOAK_DIR/hostile.rc
				echo "hostile input took $(($(now_s) - h0)) s, from t=$((h0 - t0)) s" >>$SOAK_DIR/hostile.log
			) &
			hpid=$!
		fi
		[ -z "$hpid" ] || kill -0 "$hpid" 2>/dev/null || { wait "$hpid"; hpid='' done_h=1; }
		wend=$(($(now_s) + 10))
		[ $wend -gt $end ] && [ $end -gt "$(now_s)" ] && wend=$end
		while [ "$(now_s)" -lt $wend ]; do
			sleep 1
			# Past the end, only the hostile input is waited for.
			[ "$(now_s)" -ge $end ] && [ -n "$hpid" ] && ! kill -0 "$hpid" 2>/dev/null && break
		done
		now=$(soak_total_ran)
		echo "t=$(($(now_s) - t0)) ran=$now delta=$((now - last)) knob_writes=$(cat $SOAK_DIR/knob_writes 2>/dev/null) hotplug=$(cat $SOAK_DIR/hotplug 2>/dev/null) spawn_failures=$(soak_spawn_failures)" >>$SOAK_DIR/progress
		last=$now
		[ -z "$hpid" ] || kill -0 "$hpid" 2>/dev/null || { wait "$hpid"; hpid='' done_h=1; }
		[ "$(now_s)" -ge $end ] && [ $done_h = 1 ] && break
	done
	touch $SOAK_DIR/stop
	# shellcheck disable=SC2046
	wait $(cat $SOAK_DIR/pids)
	soak_faults off 2>/dev/null
	soak_all_cpus_online || rc=1
	echo "$(soak_spawn_failures)" >$SOAK_DIR/spawn_after
	return $rc
}

soak_check_progress() {
	cat $SOAK_DIR/progress
	# Every 10 s window (the last, shorter one aside) saw jobs finish.
	awk '{ split($3, d, "="); if (d[2] + 0 <= 0) bad = 1 } END { exit bad }' $SOAK_DIR/progress ||
		{ echo "a window without finished jobs: the pools stopped serving"; return 1; }
	[ -s $SOAK_DIR/progress ]
}

soak_check_disturbed() {
	kw=$(cat $SOAK_DIR/knob_writes 2>/dev/null || echo 0)
	hp=$(cut -d' ' -f1 $SOAK_DIR/hotplug 2>/dev/null || echo 0)
	echo "knob writes $kw, CPU offline/online cycles $hp ($(cut -d' ' -f2 $SOAK_DIR/hotplug 2>/dev/null || echo 0) refused)"
	echo "in-module: set_attrs ok $(soak_result knob attrs_ok) refused $(soak_result knob attrs_refused)"
	[ "$kw" -gt 0 ] || return 1
	[ "$(ncpus)" -lt 2 ] || [ "$hp" -gt 0 ] || return 1
	[ "$(soak_result knob attrs_ok)" -gt 0 ] && [ "$(soak_result knob attrs_refused)" -gt 0 ]
}

# Faults were injected and the callers that can see them were told: thread
# creation failures counted by the pools, kpool_create() failing with -ENOMEM
# or -EAGAIN only (anything else fails the verdict) while succeeding otherwise.
soak_check_faults() {
	b=$(cat $SOAK_DIR/spawn_before) a=$(cat $SOAK_DIR/spawn_after)
	ok=$(soak_result knob create_ok)
	fe=$(( $(soak_result knob create_enomem) + $(soak_result knob create_eagain) ))
	echo "spawn_failures $b -> $a; kpool_create ok $ok, failed -ENOMEM/-EAGAIN $fe, other $(soak_result knob create_other)"
	echo "kpool_kthread_create ok $(soak_result knob kthread_ok) failed $(soak_result knob kthread_failed)"
	[ "$a" -gt "$b" ] || { echo "no thread creation failed"; return 1; }
	[ "$fe" -gt 0 ] || { echo "no kpool_create() failure reached the caller"; return 1; }
	[ "$ok" -gt 0 ] || { echo "kpool_create() never succeeded"; return 1; }
	[ "$(soak_result knob create_other)" = 0 ]
}

soak_stop() {
	# The module waits at most 60 s for the last jobs; a hang beyond that
	# is a failure here (and a hung-task report in dmesg).
	timeout 120 sh -c "echo stop >$KPS/control" || { echo "stop failed or hung"; return 1; }
	[ "$(cat $KPS/control)" = stopped ]
}

soak_check_accounting() {
	cat $KPS/results
	bad=0
	for p in default kps_unbound kps_bound kps_churn; do
		s=$(soak_result $p submitted) r=$(soak_result $p ran) c=$(soak_result $p cancelled)
		[ "$s" = $((r + c)) ] || { echo "$p: submitted $s != ran $r + cancelled $c"; bad=1; }
		[ "$s" -gt 0 ] || { echo "$p: nothing submitted"; bad=1; }
		qs=$(soak_result $p quick_started) qd=$(soak_result $p quick_done) qx=$(soak_result $p quick_dropped)
		[ "$qs" = $((qd + qx)) ] || { echo "$p: quick started $qs != done $qd + dropped $qx"; bad=1; }
		[ "$(soak_result $p order_errors)" = 0 ] || { echo "$p: ordering violated"; bad=1; }
	done
	grep -q '^verdict ok$' $KPS/results || { echo "module verdict: $(sed -n 's/^verdict //p' $KPS/results)"; bad=1; }
	return $bad
}

soak_check_gauges() {
	bad=0
	for p in $KPS_POOLS; do
		for g in nr_running nr_queued nr_blocked; do
			v=$(cat /sys/kernel/kpool/$p/$g)
			m=$(soak_result $p $g)
			echo "$p $g sysfs $v module $m"
			[ "$v" = 0 ] && [ "$m" = 0 ] || bad=1
		done
		[ "$(cat /sys/kernel/kpool/$p/oldest_job_age_ms)" = 0 ] || { echo "$p: oldest_job_age_ms not 0"; bad=1; }
	done
	return $bad
}

soak_unload() {
	rmmod kpool_stress || return 1
	dmesg | grep 'kpool_stress: ' | tail -n 3
	dmesg | grep -q 'kpool_stress: FAIL' && return 1
	dmesg | grep -q 'kpool_stress: exit: ok' || return 1
	rmmod kpool || return 1
	[ ! -e /sys/kernel/kpool ]
}

soak_xpc_ok() {
	_p=$(cat $SOAK_DIR/xpc.pid) _i=0
	# Up to 3 runs may follow the soak when none balanced during it.
	while kill -0 "$_p" 2>/dev/null && [ $_i -lt 1500 ]; do sleep 0.1; _i=$((_i + 1)); done
	if kill -0 "$_p" 2>/dev/null; then
		kill "$_p"
		cat $SOAK_DIR/xpc.log
		echo "$XPC_TRAFFIC still running 150 s after the soak: killed"
		return 1
	fi
	cat $SOAK_DIR/xpc.log
	wait "$_p"
}

# soak_suite SUITE SECONDS [hostile]
soak_suite() {
	_suite=$1 _secs=$2 _h=${3:-}
	kp_dmesg_mark "$_suite-start"
	ktap_suite_begin "$_suite"
	if ktap_case soak_load_started soak_start; then
		_t0=$(cut -d. -f1 /proc/uptime)
		soak_run "$_secs" "$_h" >$SOAK_DIR.run.log 2>&1
		_rrc=$?
		echo "kpool: soak ran $(($(cut -d. -f1 /proc/uptime) - _t0)) s (asked $_secs s)"
		ktap_case soak_disturbances_ran sh -c "cat $SOAK_DIR.run.log; [ $_rrc = 0 ] && exit 0; exit 1"
		ktap_case soak_knobs_cpus_and_set_attrs_exercised soak_check_disturbed
		if [ "${SOAK_STOCK:-0}" = 1 ] && [ ! -d $KPF/fail_spawn ]; then
			ktap_skip soak_faults_injected_and_reported "no CONFIG_FAULT_INJECTION in this kernel"
		else
			ktap_case soak_faults_injected_and_reported soak_check_faults
		fi
		ktap_case soak_pools_kept_serving soak_check_progress
		if [ "$_h" = hostile ]; then
			ktap_case soak_hostile_input_refused_while_busy sh -c "cat $SOAK_DIR/hostile.log; exit \$(cat $SOAK_DIR/hostile.rc)"
		fi
		if [ -e $SOAK_DIR/xpc.pid ]; then
			ktap_case soak_xpc_traffic_ok soak_xpc_ok
		fi
		ktap_case soak_stop_drains_in_time soak_stop
		ktap_case soak_every_job_ran_or_cancelled soak_check_accounting
		ktap_case soak_gauges_back_to_zero soak_check_gauges
		ktap_case soak_unload_clean soak_unload
	fi
	# kmemleak: one scan at the end of the boot covers every suite (the
	# boot's dmesg check; a scan costs 20-45 s on the debug guest, and a leak
	# report names its allocation site).
	ktap_case soak_dmesg_clean kp_dmesg_check "$_suite-start"
	ktap_suite_end
	# Whatever failed, leave a clean state for the next suite.
	touch $SOAK_DIR/stop
	soak_faults off 2>/dev/null
	soak_all_cpus_online 2>/dev/null
	rmmod kpool_stress 2>/dev/null
	rmmod kpool 2>/dev/null
	return 0
}

# ---- load/unload loop ------------------------------------------------------------------------

loadloop_bad_params() {
	modprobe kpool || return 1
	for bad in nr_submitters=65 nr_submitters=-1 nr_submitters=abc nr_submitters= \
		nr_submitters=99999999999999999999 autostart=maybe autostart=2; do
		if modprobe kpool_stress $bad 2>/dev/null; then
			echo "kpool_stress loaded with $bad"
			rmmod kpool_stress
			return 1
		fi
		grep -q '^kpool_stress ' /proc/modules && { echo "half-loaded after $bad"; return 1; }
	done
	rmmod kpool
}

# Jobs kpool_stress counts as queued or running right now (all pools).
loadloop_outstanding() {
	awk '$1 == "pool" { for (i = 3; i < NF; i++) if ($i == "outstanding") s += $(i + 1) }
		END { print s + 0 }' $KPS/results 2>/dev/null || echo 0
}

# COUNT unloads with jobs in flight: load kpool, load kpool_stress with its
# load running, load the XPC harness; wait until jobs are queued or running;
# unload all. Each unload destroys pools with jobs in flight (cancelled or
# run, every one counted by kpool_stress's exit check). kpool_stress reports
# what its unload found in flight; an iteration whose unload found nothing
# (the load drained just then) proves nothing and is not counted: it is
# repeated, at most COUNT extra times. The iterations vary what is in
# flight: 1..4 submitters, and every 6th one a harness run on pools of its own.
loadloop_run() {
	n=$1 i=0 xpc=0 counted=0 empty=0
	modinfo kpool_xpc >/dev/null 2>&1 && xpc=1
	kp_dmesg_mark loadloop-run
	t0=$(cut -d. -f1 /proc/uptime)
	while [ $counted -lt "$n" ] && [ $i -lt $((2 * n)) ]; do
		modprobe kpool || { echo "iteration $i: load kpool failed"; return 1; }
		modprobe kpool_stress autostart=1 nr_submitters=$((1 + i % 4)) ||
			{ echo "iteration $i: load kpool_stress failed"; return 1; }
		# The XPC harness too: its heartbeat and discovery threads run
		# (discovery usually still running at unload).
		if [ "$xpc" = 1 ]; then
			modprobe kpool_xpc || { echo "iteration $i: load kpool_xpc failed"; return 1; }
			if [ $((i % 6)) = 0 ]; then
				X=/sys/kernel/debug/kpool_xpc
				echo 2 >$X/partitions && echo 0 >$X/late_partitions && echo 100 >$X/messages &&
					echo kpool >$X/run || { echo "iteration $i: harness run failed"; return 1; }
				grep -q '^violations 0$' $X/results || { echo "iteration $i: harness violations"; return 1; }
			fi
		fi
		# Jobs in flight before the unload (bounded: 10 s).
		w=0
		while [ "$(loadloop_outstanding)" -le 0 ] && [ $w -lt 200 ]; do sleep 0.05; w=$((w + 1)); done
		if [ "$xpc" = 1 ]; then
			rmmod kpool_xpc || { echo "iteration $i: unload kpool_xpc failed"; return 1; }
		fi
		rmmod kpool_stress || { echo "iteration $i: unload kpool_stress failed"; return 1; }
		rmmod kpool || { echo "iteration $i: unload kpool failed"; return 1; }
		line=$(dmesg | grep -E 'kpool_stress: (exit|FAIL)' | tail -n 1)
		case "$line" in
		*"exit: ok, in flight at unload "*) ;;
		*) echo "iteration $i: no exit verdict: $line"; return 1 ;;
		esac
		f=${line##*in flight at unload }
		f=${f%%,*}
		if [ "$f" -gt 0 ]; then counted=$((counted + 1)); else empty=$((empty + 1)); fi
		i=$((i + 1))
	done
	el=$(($(cut -d. -f1 /proc/uptime) - t0))
	dmesg >/tmp/.loadloop
	from=$(grep -n 'kpool-mark: loadloop-run' /tmp/.loadloop | tail -n 1 | cut -d: -f1)
	ok=$(tail -n "+$from" /tmp/.loadloop | grep -c 'kpool_stress: exit: ok')
	tail -n "+$from" /tmp/.loadloop | grep 'kpool_stress: FAIL' && return 1
	echo "$i iterations in $el s: $counted unloads with jobs in flight, $empty with none (not counted); $ok clean exits with every job accounted"
	tail -n "+$from" /tmp/.loadloop | grep 'kpool_stress: exit' | tail -n 2
	rm -f /tmp/.loadloop
	[ "$ok" = "$i" ] && [ "$counted" = "$n" ]
}

# loadloop_suite SUITE COUNT
loadloop_suite() {
	kp_dmesg_mark "$1-start"
	ktap_suite_begin "$1"
	ktap_case loadloop_bad_module_params_refused loadloop_bad_params
	ktap_case "loadloop_${2}x_load_unload_with_jobs_in_flight" loadloop_run "$2"
	ktap_case loadloop_dmesg_clean kp_dmesg_check "$1-start"
	ktap_suite_end
	rmmod kpool_stress 2>/dev/null
	rmmod kpool 2>/dev/null
	return 0
}
