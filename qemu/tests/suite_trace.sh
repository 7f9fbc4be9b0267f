# Suite kpool_trace: kpool's tracepoints fire, recorded while the KUnit suites
# ran (qemu/tests/check.sh), and kpool-stat shows the pools.

trace_has_event() {
	[ -s /tmp/kpool.trace ] || { echo "no trace recorded"; return 1; }
	n=$(grep -c " $1: " /tmp/kpool.trace)
	echo "$1: $n events"
	[ "$n" -gt 0 ]
}

# The trace must be complete for the counts and the order to mean anything:
# the header says how many entries were written and how many are still in the
# buffer (an overrun ring buffer lost the difference).
trace_recorded_without_loss() {
	[ -s /tmp/kpool.trace ] || { echo "no trace recorded (no /tmp/kpool.trace)"; return 1; }
	hdr=$(sed -n 's/^# entries-in-buffer\/entries-written: \([0-9]*\)\/\([0-9]*\).*/\1 \2/p' /tmp/kpool.trace)
	[ -n "$hdr" ] || { echo "no entries header in the trace"; return 1; }
	set -- $hdr
	echo "$1 entries in the buffer, $2 written"
	[ "$1" -gt 0 ] && [ "$1" = "$2" ]
}

# In pool kp_order (the ordered-jobs KUnit case) every job's start comes after
# its enqueue and its end after its start, in the time order of the trace, and
# every enqueued job started and ended once.
trace_jobs_start_after_enqueue() {
	[ -s /tmp/kpool.trace ] || { echo "no trace recorded"; return 1; }
	grep -E ' kpool_(enqueue|job_start|job_end): pool=kp_order ' /tmp/kpool.trace >/tmp/order.trace
	awk '{
		ev = ""; id = ""
		for (i = 1; i <= NF; i++) {
			if ($i ~ /^kpool_(enqueue|job_start|job_end):$/) ev = $i
			if ($i ~ /^job=[0-9]+$/) id = substr($i, 5)
		}
		if (ev == "" || id == "") { print "unparsed: " $0; bad++; next }
		if (ev == "kpool_enqueue:") { if (state[id] != "") { print "job " id " enqueued twice"; bad++ } state[id] = "q"; n++ }
		else if (ev == "kpool_job_start:") { if (state[id] != "q") { print "job " id " started in state \"" state[id] "\""; bad++ } state[id] = "s"; s++ }
		else { if (state[id] != "s") { print "job " id " ended in state \"" state[id] "\""; bad++ } state[id] = "e"; e++ }
	} END {
		for (id in state) if (state[id] != "e") { print "job " id " left in state " state[id]; bad++ }
		printf "%d enqueued, %d started, %d ended, %d out of order\n", n, s, e, bad
		exit (bad > 0 || n == 0)
	}' /tmp/order.trace
}

trace_no_kernel_addresses() {
	[ -s /tmp/kpool.trace ] || { echo "no trace recorded"; return 1; }
	! grep -E 'ffff[0-9a-f]{12}' /tmp/kpool.trace
}

stat_tool_shows_pools() {
	modprobe kpool || return 1
	/kpool/tests/kpool-stat -n 2 -d 1 >/tmp/stat.out 2>&1
	rc=$?
	cat /tmp/stat.out
	rmmod kpool
	[ $rc = 0 ] && grep -q '^POOL ' /tmp/stat.out && grep -q '^default ' /tmp/stat.out
}

ktap_suite_begin kpool_trace
ktap_case trace_recorded_without_loss trace_recorded_without_loss
for ev in kpool_enqueue kpool_job_start kpool_job_end kpool_handoff kpool_block_begin \
	kpool_block_end kpool_spawn kpool_spawn_failed kpool_retire kpool_reap; do
	ktap_case "trace_fires_$ev" trace_has_event "$ev"
done
if [ "$(grep -c ^processor /proc/cpuinfo)" -ge 2 ]; then
	ktap_case trace_fires_kpool_park trace_has_event kpool_park
	ktap_case trace_fires_kpool_unpark trace_has_event kpool_unpark
else
	ktap_skip trace_fires_kpool_park "needs 2 CPUs for the hotplug test"
	ktap_skip trace_fires_kpool_unpark "needs 2 CPUs for the hotplug test"
fi
ktap_case trace_jobs_start_after_enqueue trace_jobs_start_after_enqueue
ktap_case trace_no_kernel_addresses trace_no_kernel_addresses
ktap_case stat_tool_shows_pools stat_tool_shows_pools
ktap_suite_end
