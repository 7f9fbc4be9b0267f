# Suite kpool_trace: kpool's tracepoints fire, recorded while the KUnit suites
# ran (qemu/tests/check.sh), and kpool-stat shows the pools.

trace_has_event() {
	[ -s /tmp/kpool.trace ] || { echo "no trace recorded"; return 1; }
	n=$(grep -c " $1: " /tmp/kpool.trace)
	echo "$1: $n events"
	[ "$n" -gt 0 ]
}

trace_jobs_start_after_enqueue() {
	# Every job that started in pool kp_order was enqueued first (same id).
	grep ' kpool_enqueue: pool=kp_order ' /tmp/kpool.trace | sed 's/.*job=\([0-9]*\).*/\1/' | sort >/tmp/enq
	grep ' kpool_job_start: pool=kp_order ' /tmp/kpool.trace | sed 's/.*job=\([0-9]*\).*/\1/' | sort >/tmp/start
	[ -s /tmp/start ] || { echo "no job_start for kp_order"; return 1; }
	missing=$(comm -13 /tmp/enq /tmp/start | wc -l)
	echo "$(wc -l </tmp/start) starts, $missing without an enqueue"
	[ "$missing" = 0 ]
}

trace_no_kernel_addresses() {
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
