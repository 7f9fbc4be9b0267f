# The guest side of `make run`, kpool's main job: the XPC-like harness
# (kpool_xpc.ko) runs its default scenario twice on the same traffic, with
# delivery threads from kpool and with XPC's original algorithm (wake an idle
# thread, else kthread_run one after another), and prints the comparison.
# Parameters can be overridden: KPOOL_XPC_ARGS="messages=5000 burst=200" (see
# src/xpc/README.md).
. /kpool/lib.sh
. /kpool/tests/xpc_lib.sh

rc=0
kp_dmesg_mark main-start
args=${KPOOL_XPC_ARGS:-}
[ -r /kpool/xpc.args ] && args=$(cat /kpool/xpc.args)
echo "== kpool $(modinfo -F version kpool), harness kpool_xpc $(modinfo -F version kpool_xpc), $(nproc) vCPUs, kernel $(uname -r)"
for mode in kpool xpc; do
	echo "== running the default scenario in $mode mode ${args:+($args)}"
	# shellcheck disable=SC2086 # one argument per parameter
	if ! xpc_scenario "$mode" $args >/tmp/xpc.summary.$mode; then
		cat /tmp/xpc.summary.$mode
		rc=1
		continue
	fi
	cp "$XR" /tmp/xpc.$mode
	if ! xpc_books_balance; then
		echo "== $mode mode: the books do not balance"
		rc=1
	fi
done
[ -f /tmp/xpc.kpool ] && [ -f /tmp/xpc.xpc ] || { kp_dmesg_check main-start; exit 1; }

awk '
FNR == 1 { f++ }
{ v[f, $1] = $2 }
function us(k, i) { return v[i, k] == "" ? "-" : sprintf("%.1f", v[i, k] / 1000) }
function row(label, a, b) { printf "  %-34s %14s %14s\n", label, a, b }
function lat(name, label) {
	row(label " p50 / p99 (us)", us("lat_" name "_p50_ns", 1) " / " us("lat_" name "_p99_ns", 1),
	    us("lat_" name "_p50_ns", 2) " / " us("lat_" name "_p99_ns", 2))
	row(label " p99.9 / max (us)", us("lat_" name "_p999_ns", 1) " / " us("lat_" name "_max_ns", 1),
	    us("lat_" name "_p999_ns", 2) " / " us("lat_" name "_max_ns", 2))
}
END {
	printf "\nXPC harness: %s partitions x %s channels, %s messages (interrupt entry to delivery callout)\n",
		v[1, "partitions"], v[1, "channels"], v[1, "messages"]
	row("", "kpool", "xpc-original")
	row("messages sent", v[1, "sent"], v[2, "sent"])
	row("delivered / acknowledged", v[1, "delivered"] "/" v[1, "acked"], v[2, "delivered"] "/" v[2, "acked"])
	lost1 = v[1, "dropped_disconnect"] + v[1, "dropped_partition_down"] + v[1, "dropped_cancelled"] + v[1, "dropped_never_acked"]
	lost2 = v[2, "dropped_disconnect"] + v[2, "dropped_partition_down"] + v[2, "dropped_cancelled"] + v[2, "dropped_never_acked"]
	row("lost (dropped, any reason)", lost1, lost2)
	row("invariant violations", v[1, "violations"], v[2, "violations"])
	lat("all", "latency, all")
	row("warm hand-offs (count)", v[1, "lat_warm_count"], v[2, "lat_warm_count"])
	lat("warm", "latency, warm")
	row("cold starts (count)", v[1, "lat_cold_count"], v[2, "lat_cold_count"])
	lat("cold", "latency, cold")
	row("threads created", v[1, "threads_created"], v[2, "threads_created"])
	row("peak threads", v[1, "peak_threads"], v[2, "peak_threads"])
	row("slow DMA pulls / timeouts", v[1, "dma_slow"] "/" v[1, "dma_timeouts"], v[2, "dma_slow"] "/" v[2, "dma_timeouts"])
	row("elapsed (ms)", v[1, "elapsed_ms"], v[2, "elapsed_ms"])
	if (v[1, "lat_all_p50_ns"] > 0 && v[2, "lat_all_p50_ns"] > 0)
		printf "  xpc-original / kpool: p50 %.2fx, p99 %.2fx, p99.9 %.2fx\n",
			v[2, "lat_all_p50_ns"] / v[1, "lat_all_p50_ns"], v[2, "lat_all_p99_ns"] / v[1, "lat_all_p99_ns"],
			v[2, "lat_all_p999_ns"] / v[1, "lat_all_p999_ns"]
}' /tmp/xpc.kpool /tmp/xpc.xpc

for mode in kpool xpc; do
	XR=/tmp/xpc.$mode
	lost=$(($(xv dropped_disconnect) + $(xv dropped_partition_down) + $(xv dropped_cancelled) + $(xv dropped_never_acked)))
	[ "$lost" = 0 ] && [ "$(xv violations)" = 0 ] && [ "$(xv delivered)" = "$(xv sent)" ] ||
		{ echo "== $mode mode: messages lost or invariants violated"; rc=1; }
done
rmmod kpool 2>/dev/null
kp_dmesg_check main-start || rc=1
[ "$rc" = 0 ] && echo "== make run: nothing lost, no invariant violated, dmesg clean"
exit "$rc"
