# Suite kpool_consumer: the example consumer module (src/example), built by
# scripts/check out of tree against kpool as `make install` installed it
# (scripts/build-consumer --install), loaded against the kpool.ko of this boot.

CONSUMER_KO=/kpool/consumer/kpool_example.ko
CONSUMER_P=/sys/module/kpool_example/parameters

consumer_loads_and_runs() {
	[ -f $CONSUMER_KO ] || { echo "no $CONSUMER_KO: the host did not build it (build/check/consumer.log)"; return 1; }
	modprobe kpool || return 1
	kp_dmesg_mark consumer-load
	insmod $CONSUMER_KO || { echo "insmod failed:"; dmesg | grep 'kpool_example' | tail -n 5; return 1; }
	runs=$(cat $CONSUMER_P/job_runs) result=$(cat $CONSUMER_P/thread_result)
	echo "job_runs=$runs thread_result=$result"
	[ "$runs" = 1 ] || { echo "the job ran $runs times, not once"; return 1; }
	[ "$result" = 42 ] || { echo "the quick thread returned $result, not 42"; return 1; }
	dmesg | sed -n '/kpool-mark: consumer-load/,$p' | grep -q 'kpool_example: ok: job ran 1 time' ||
		{ echo "no 'kpool_example: ok' line in the kernel log"; return 1; }
}

# The consumer's build recorded its dependency (Module.symvers was used):
# kpool.ko is pinned while the consumer is loaded.
consumer_pins_kpool() {
	grep -q '^kpool_example ' /proc/modules || { echo "kpool_example is not loaded"; return 1; }
	[ -e /sys/module/kpool/holders/kpool_example ] || { echo "kpool_example does not hold kpool"; return 1; }
	if rmmod kpool 2>/dev/null; then
		echo "rmmod kpool succeeded under its user"
		return 1
	fi
}

consumer_unloads() {
	rmmod kpool_example || return 1
	rmmod kpool || return 1
	! grep -q '^kpool_example \|^kpool ' /proc/modules || { echo "still loaded: $(grep '^kpool' /proc/modules)"; return 1; }
}

ktap_suite_begin kpool_consumer
ktap_case consumer_loads_and_runs consumer_loads_and_runs
ktap_case consumer_pins_kpool consumer_pins_kpool
ktap_case consumer_unloads consumer_unloads
ktap_suite_end
# Whatever failed above, leave nothing loaded for the next suite.
rmmod kpool_example 2>/dev/null
rmmod kpool 2>/dev/null
true
