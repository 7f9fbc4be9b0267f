# Suite kpool_xpc: the XPC-like channel harness (kpool_xpc.ko, src/xpc). Each
# failure case and invariant of ../shared/XPC.md is one case. Every run checks
# XPC's invariants itself while it runs (callout order, one notify per send,
# one acknowledgement per delivery, no duplicate, quiescence) and reports
# violations; each case also checks the books and the figures of its fault.
. /kpool/tests/xpc_lib.sh

KF=/sys/kernel/debug/kpool/fail_spawn

xpc_kpool_mode_delivers_everything() {
	xpc_scenario kpool messages=3000 || return 1
	xpc_nothing_lost && xpc_expect callouts_connected -eq 16 && xpc_expect lat_warm_count -ge 1
}

xpc_xpc_mode_delivers_everything() {
	xpc_scenario xpc messages=3000 || return 1
	xpc_nothing_lost && xpc_expect callouts_connected -eq 16 && xpc_expect threads_created -ge 16
}

xpc_burst_beyond_idle_starts_threads() {
	# 120 messages at once on one channel, 2 idle threads per partition,
	# half of the pulls slow: kpool starts threads for the tail.
	xpc_scenario kpool messages=600 burst=120 idle_limit=2 reserve=2 dma_slow_pct=50 dma_slow_ms=30 ||
		return 1
	xpc_nothing_lost && xpc_expect lat_cold_count -ge 1 && xpc_expect peak_threads -gt 16
}

xpc_dma_timeout_reported() {
	xpc_scenario kpool messages=1500 dma_timeout_ms=300 dma_timeout_pct=5 || return 1
	xpc_nothing_lost && xpc_expect dma_timeouts -ge 1 && xpc_expect pull_failed -eq "$(xv dma_timeouts)"
}

xpc_dma_late_completion_touches_nothing_freed() {
	# Transfers completing long after their waiter gave up (KASAN watches).
	xpc_scenario kpool messages=600 dma_timeout_ms=100 dma_timeout_pct=30 dma_slow_pct=0 rate=400 ||
		return 1
	xpc_nothing_lost && xpc_expect dma_timeouts -ge 1 && xpc_expect dma_late_completions -ge 1
}

xpc_partition_lost_graceful() {
	xpc_scenario kpool messages=3000 lose_partitions=2 lose_at_pct=50 || return 1
	xpc_books_balance && xpc_expect partitions_lost -eq 2 && xpc_expect heartbeat_losses -eq 0
}

xpc_partition_lost_abrupt_found_by_heartbeat() {
	XPC_MODARGS="heartbeat_ms=50 checker_ms=300" xpc_scenario kpool messages=3000 lose_partitions=1 lose_abrupt=1 ||
		return 1
	xpc_books_balance && xpc_expect heartbeat_losses -eq 1
}

xpc_partition_lost_abrupt_xpc_mode() {
	XPC_MODARGS="heartbeat_ms=50 checker_ms=300" xpc_scenario xpc messages=2000 lose_partitions=1 lose_abrupt=1 ||
		return 1
	xpc_books_balance && xpc_expect heartbeat_losses -eq 1
}

# Once the harness stalls partition 0's DMA transfers (phase "stalled"), turn
# on kpool's thread-creation fault injection: the pool can no longer grow and
# every thread ends up blocked; the harness then holds and disconnects. Off
# after the run.
xpc_fail_spawn_when_blocked() {
	_i=0
	while [ $_i -lt 3000 ]; do
		if [ "$(cat $XD/phase 2>/dev/null)" = stalled ]; then
			echo 0 >$KF/verbose
			echo -1 >$KF/times
			echo 100 >$KF/probability
			return 0
		fi
		sleep 0.02
		_i=$((_i + 1))
	done
}

xpc_disconnect_all_blocked_spawn_failing_kpool() {
	modprobe kpool || return 1
	[ -d $KF ] || { echo "no $KF (kpool fault injection)"; return 1; }
	xpc_fail_spawn_when_blocked &
	_w=$!
	xpc_scenario kpool messages=2000 disconnect_blocked=1 blocked_hold_ms=2000 spawn_fail=1 \
		dma_timeout_ms=60000
	_rc=$?
	wait $_w
	echo 0 >$KF/probability
	[ $_rc = 0 ] || return 1
	# No thread could be created, yet xpDisconnecting came (from the channel
	# manager) and the partition went down: no stall, no deadlock.
	xpc_books_balance && xpc_expect spawn_failures -ge 1 && xpc_expect disconnect_stalls -eq 0 &&
	xpc_expect partitions_lost -eq 1
}

xpc_disconnect_all_blocked_spawn_failing_xpc_mode_stalls() {
	# XPC's algorithm needs a new thread for xpDisconnecting here; with
	# creation failing the real driver deadlocks. The harness reports it.
	xpc_scenario xpc messages=2000 disconnect_blocked=1 blocked_hold_ms=300 spawn_fail=1 \
		dma_timeout_ms=60000 idle_limit=0 assigned_limit=4 || return 1
	xpc_books_balance && xpc_expect disconnect_stalls -ge 1
}

xpc_consumer_never_acks_reported() {
	kp_dmesg_mark xpc-noack
	xpc_scenario kpool messages=1000 noack_every=50 ack_timeout_ms=300 || return 1
	xpc_books_balance && xpc_expect dropped_never_acked -eq 20 && xpc_expect delivered -eq 1000 || return 1
	dmesg | sed -n '/kpool-mark: xpc-noack/,$p' | grep -q 'never acknowledged' ||
		{ echo "no report of the unacknowledged messages in dmesg"; return 1; }
}

xpc_queue_full_nowait_refused_then_sent() {
	xpc_scenario kpool messages=1000 nowait=1 nentries=4 remote_nentries=4 burst=0 rate=0 || return 1
	xpc_nothing_lost && xpc_expect refused_full -ge 1 && xpc_expect waited_full -eq 0
}

xpc_nentries_negotiated_smaller_wins() {
	# One partition, every pull slow: the 8 negotiated entries fill up.
	xpc_scenario kpool partitions=1 late_partitions=0 messages=300 nentries=64 remote_nentries=8 \
		nowait=1 burst=0 rate=0 dma_slow_pct=100 dma_slow_ms=10 || return 1
	xpc_nothing_lost && xpc_expect nentries_negotiated -eq 8 && xpc_expect refused_full -ge 1
}

xpc_256_partitions() {
	xpc_scenario kpool partitions=256 late_partitions=0 reserve=0 messages=1024 burst=0 rate=0 ||
		return 1
	xpc_nothing_lost && xpc_expect callouts_connected -eq 512
}

# With WAIT a sender finding the queue full sleeps for a slot and is never
# refused. waited_full counts the senders that really slept (the harness reads
# their voluntary context switches across the wait): a sender that found the
# queue full and went on without sleeping is not counted.
xpc_queue_full_wait_sleeps() {
	xpc_scenario kpool messages=600 nentries=2 remote_nentries=2 burst=50 rate=0 || return 1
	xpc_nothing_lost && xpc_expect refused_full -eq 0 && xpc_expect waited_full -ge 1
}

xpc_queue_full_xpc_mode() {
	xpc_scenario xpc messages=600 nentries=2 remote_nentries=2 burst=50 rate=0 || return 1
	xpc_nothing_lost && xpc_expect refused_full -eq 0 && xpc_expect waited_full -ge 1
}

xpc_hundreds_wait_on_dma_without_hung_task() {
	_old=$(cat /proc/sys/kernel/hung_task_timeout_secs)
	echo 2 >/proc/sys/kernel/hung_task_timeout_secs
	kp_dmesg_mark xpc-hung
	# One partition, ~300 deliveries on the network channel each pulling for
	# 6 s: they all wait at once, for 3 hung-task periods.
	xpc_scenario kpool partitions=1 late_partitions=0 channels=2 messages=600 burst=0 \
		assigned_limit=400 reserve=0 idle_limit=0 nentries=512 remote_nentries=512 \
		dma_lat_us=0 dma_slow_pct=100 dma_slow_ms=6000
	_rc=$?
	echo "$_old" >/proc/sys/kernel/hung_task_timeout_secs
	[ $_rc = 0 ] || return 1
	xpc_nothing_lost && xpc_expect dma_peak_waiting -ge 200 || return 1
	if dmesg | sed -n '/kpool-mark: xpc-hung/,$p' | grep -q 'blocked for more than'; then
		echo "hung-task report while waiting on the DMA engine"
		return 1
	fi
}

xpc_controls_refuse_bad_values() {
	modprobe kpool_xpc || return 1
	_rc=0
	for bad in "partitions 0" "partitions 257" "channels 0" "channels 9" "messages 0" \
		"messages abc" "messages -1" "messages 4294967296" "messages 12x" "messages " \
		"dma_slow_pct 101" "lose_abrupt 2" "nentries 1025" "dma_timeout_ms 0"; do
		_f=${bad%% *}
		_v=${bad#* }
		_before=$(cat $XD/$_f)
		if echo "$_v" >$XD/$_f 2>/dev/null; then
			echo "accepted $_f='$_v'"
			_rc=1
		fi
		[ "$(cat $XD/$_f)" = "$_before" ] || { echo "$_f changed by a refused write"; _rc=1; }
	done
	for bad in foo "" kpoolx 1; do
		if echo "$bad" >$XD/run 2>/dev/null; then
			echo "run accepted '$bad'"
			_rc=1
		fi
	done
	# Rules between parameters: refused when the run starts, nothing runs.
	echo 4 >$XD/partitions
	echo 4 >$XD/late_partitions
	if echo kpool >$XD/run 2>/dev/null; then
		echo "a run with every partition late was accepted"
		_rc=1
	fi
	rmmod kpool_xpc || _rc=1
	return $_rc
}

xpc_second_run_while_running_is_busy() {
	modprobe kpool_xpc || return 1
	echo 600 >$XD/messages
	echo 200 >$XD/rate
	echo kpool >$XD/run &
	_w=$!
	# Until the first run is under way (bounded: 30 s), not a fixed sleep.
	_i=0
	while [ "$(cat $XD/phase)" = idle ] && [ $_i -lt 300 ]; do sleep 0.1; _i=$((_i + 1)); done
	_ph=$(cat $XD/phase)
	echo "first run in phase $_ph"
	_rc=0
	[ "$_ph" != idle ] || { echo "the first run never started"; _rc=1; }
	if echo kpool >$XD/run 2>/dev/null; then
		echo "a second concurrent run was accepted"
		_rc=1
	fi
	# rmmod while the run holds the harness: refused, the run goes on.
	if rmmod kpool_xpc 2>/dev/null; then
		echo "rmmod succeeded during a run"
		_rc=1
	fi
	wait $_w || { echo "the first run failed"; _rc=1; }
	rmmod kpool_xpc || _rc=1
	return $_rc
}

xpc_module_params_validated() {
	for bad in heartbeat_ms=5 heartbeat_ms=70000 checker_ms=100 discovery_fail=2 discovery_step_ms=0; do
		if modprobe kpool_xpc "$bad" 2>/dev/null; then
			echo "loaded with $bad"
			rmmod kpool_xpc
			return 1
		fi
	done
	modinfo kpool_xpc | grep -q '^parm: *heartbeat_ms:' || { echo "modinfo lacks heartbeat_ms"; return 1; }
}

xpc_heartbeat_thread_beats() {
	modprobe kpool_xpc heartbeat_ms=20 checker_ms=100 || return 1
	a=$(awk '$1 == "heartbeats" { print $2 }' $XD/housekeeping)
	# Ten more beats, within a generous bound (20 ms each: 0.2 s unloaded).
	_i=0
	while b=$(awk '$1 == "heartbeats" { print $2 }' $XD/housekeeping) && [ "$b" -lt $((a + 10)) ] &&
		[ $_i -lt 150 ]; do sleep 0.2; _i=$((_i + 1)); done
	rmmod kpool_xpc || return 1
	echo "heartbeats $a -> $b"
	[ "$b" -ge $((a + 10)) ]
}

xpc_unload_while_discovery_runs() {
	modprobe kpool_xpc discovery_steps=1000 discovery_step_ms=1000 || return 1
	grep -q '^discovery running' $XD/housekeeping || { cat $XD/housekeeping; rmmod kpool_xpc; return 1; }
	rmmod kpool_xpc
}

xpc_unload_after_discovery_exited() {
	modprobe kpool_xpc discovery_steps=2 discovery_step_ms=10 || return 1
	_i=0
	while ! grep -q '^discovery exited' $XD/housekeeping && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
	grep -q '^discovery exited steps 2' $XD/housekeeping || { cat $XD/housekeeping; rmmod kpool_xpc; return 1; }
	rmmod kpool_xpc
}

xpc_unload_after_discovery_failed_to_start() {
	modprobe kpool_xpc discovery_fail=1 || return 1
	grep -q '^discovery failed -11' $XD/housekeeping || { cat $XD/housekeeping; rmmod kpool_xpc; return 1; }
	rmmod kpool_xpc
}

xpc_all_cases="xpc_kpool_mode_delivers_everything xpc_xpc_mode_delivers_everything
	xpc_burst_beyond_idle_starts_threads xpc_dma_timeout_reported
	xpc_dma_late_completion_touches_nothing_freed xpc_partition_lost_graceful
	xpc_partition_lost_abrupt_found_by_heartbeat xpc_partition_lost_abrupt_xpc_mode
	xpc_disconnect_all_blocked_spawn_failing_kpool
	xpc_disconnect_all_blocked_spawn_failing_xpc_mode_stalls
	xpc_consumer_never_acks_reported xpc_queue_full_nowait_refused_then_sent
	xpc_nentries_negotiated_smaller_wins xpc_256_partitions
	xpc_queue_full_wait_sleeps xpc_queue_full_xpc_mode
	xpc_hundreds_wait_on_dma_without_hung_task xpc_controls_refuse_bad_values
	xpc_second_run_while_running_is_busy xpc_module_params_validated
	xpc_heartbeat_thread_beats xpc_unload_while_discovery_runs
	xpc_unload_after_discovery_exited xpc_unload_after_discovery_failed_to_start"

ktap_suite_begin kpool_xpc
if modinfo kpool_xpc >/dev/null 2>&1; then
	# XPC_CASES (a subset, for debugging) defaults to every case.
	for c in ${XPC_CASES:-$xpc_all_cases}; do
		ktap_case "$c" "$c"
	done
else
	ktap_case kpool_xpc_module_installed false
fi
rmmod kpool 2>/dev/null
ktap_suite_end
