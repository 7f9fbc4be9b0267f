# Helpers for driving the XPC-like harness (kpool_xpc.ko, src/xpc) from the
# guest: used by suite_xpc.sh (tests), main.sh (`make run`) and bench.sh.
# Source after /kpool/lib.sh. The harness's controls: /sys/kernel/debug/kpool_xpc.

XD=/sys/kernel/debug/kpool_xpc
XR=/tmp/xpc.results

# xpc_scenario MODE [param=value]...: load the harness fresh (default
# parameters), set the given ones, run the scenario in MODE (kpool | xpc),
# keep the results in $XR and unload. Module parameters: $XPC_MODARGS.
xpc_scenario() {
	_xm=$1
	shift
	: >"$XR"
	# shellcheck disable=SC2086 # word splitting of the module arguments wanted
	modprobe kpool_xpc ${XPC_MODARGS:-} || { echo "modprobe kpool_xpc failed"; return 1; }
	for _kv in "$@"; do
		if ! echo "${_kv#*=}" >"$XD/${_kv%%=*}"; then
			echo "cannot set ${_kv}"
			rmmod kpool_xpc
			return 1
		fi
	done
	if ! echo "$_xm" >"$XD/run"; then
		echo "the $_xm run failed to start or set up"
		rmmod kpool_xpc
		return 1
	fi
	cat "$XD/results" >"$XR"
	rmmod kpool_xpc || { echo "rmmod kpool_xpc failed"; return 1; }
	grep -E '^(nentries_negotiated|sent|delivered|acked|notified|dropped_|refused_|waited_full|pull_failed|dma_timeouts|dma_late|dma_peak|threads_created|peak_threads|spawn_failures|disconnect_stalls|partitions_lost|heartbeat_losses|violations|first_violation|callouts_|lat_(warm|cold)_count)' \
		"$XR" | tr '\n' ' '
	echo
}

# xv KEY: a figure of the last run.
xv() {
	awk -v k="$1" '$1 == k { print $2 }' "$XR"
}

# xpc_expect KEY OP VALUE: e.g. xpc_expect violations -eq 0
xpc_expect() {
	_xv=$(xv "$1")
	if [ -z "$_xv" ] || ! [ "$_xv" "$2" "$3" ]; then
		echo "expected $1 $2 $3, got '${_xv}'"
		return 1
	fi
}

# The books of any run: no invariant violated (the harness checks them as it
# runs), one outcome per sent message, one notify per send_notify, balanced
# callouts.
xpc_books_balance() {
	xpc_expect violations -eq 0 || { echo "first violation: $(xv first_violation)"; return 1; }
	xpc_expect sent -eq $(($(xv delivered) + $(xv dropped_disconnect) + $(xv dropped_partition_down) + $(xv dropped_cancelled))) &&
	xpc_expect notified -eq "$(xv sent_notify)" &&
	xpc_expect delivered -eq $(($(xv acked) + $(xv dropped_never_acked))) &&
	xpc_expect callouts_disconnecting -eq "$(xv callouts_connected)" &&
	xpc_expect callouts_disconnected -eq "$(xv callouts_connected)"
}

# Nothing lost: every message sent, delivered and acknowledged.
xpc_nothing_lost() {
	xpc_books_balance || return 1
	xpc_expect sent -eq "$(xv messages)" && xpc_expect delivered -eq "$(xv sent)" &&
	xpc_expect acked -eq "$(xv delivered)" || return 1
	for _d in disconnect partition_down cancelled never_acked; do
		xpc_expect "dropped_$_d" -eq 0 || return 1
	done
}
