# The XPC harness's part of the soak (qemu/tests/soak.sh runs it in the
# background as `sh xpc_soak_traffic.sh SECONDS`): harness runs back to back
# for SECONDS, alternating kpool and XPC-original mode, with random DMA
# timeouts and partitions lost gracefully or abruptly, while the soak injects
# thread-creation and allocation failures into kpool. A run refused or cut
# short by an injected failure is counted, not fatal; a run that completes
# must balance its books with no invariant violated. Exits non-zero on any
# imbalance, violation or a harness that could not be unloaded.
. /kpool/lib.sh
. /kpool/tests/xpc_lib.sh

secs=${1:-60}
now() { cut -d. -f1 /proc/uptime; }
end=$(($(now) + secs))
ok=0 failed=0 bad=0 n=0 last=0
# Once a run has balanced, no run is started that the last one's length
# says would end after the soak: a run past the soak's end runs without its
# faults and holds up the soak's next cases (soak_xpc_traffic_ok waits for
# it). Until then runs start as long as the soak lasts.
# A run needs many allocations, so the soak's injected failures refuse most
# runs (about 3 in 5); a slow guest fits only a few runs in the soak, and all
# of them can be refused. Then up to 3 more runs are made after the soak (its
# faults off by then), so that one run is sure to show the harness balances;
# the summary says how many balanced during the soak and after it.
extra=0 ok_after=0
while t=$(now) && { { [ "$t" -lt "$end" ] && { [ "$ok" = 0 ] || [ $((t + last)) -le "$end" ]; }; } ||
	{ [ "$t" -ge "$end" ] && [ "$ok" = 0 ] && [ "$extra" -lt 3 ]; }; }; do
	[ "$t" -ge "$end" ] && extra=$((extra + 1))
	n=$((n + 1))
	mode=kpool
	[ $((n % 2)) = 0 ] && mode=xpc
	lose=$((RANDOM % 3))
	abrupt=$((RANDOM % 2))
	tmo=$((RANDOM % 10))
	args="partitions=6 messages=800 rate=0 dma_timeout_ms=200 dma_timeout_pct=$tmo lose_partitions=$lose lose_abrupt=$abrupt"
	if XPC_MODARGS="heartbeat_ms=50 checker_ms=300" xpc_scenario "$mode" $args >/tmp/xpc.soak.out 2>&1; then
		if xpc_books_balance >>/tmp/xpc.soak.out 2>&1; then
			ok=$((ok + 1))
			[ "$extra" = 0 ] || ok_after=$((ok_after + 1))
		else
			bad=$((bad + 1))
			echo "run $n ($mode $args): books do not balance"
			cat /tmp/xpc.soak.out
		fi
	else
		failed=$((failed + 1))
		echo "run $n ($mode $args): refused or failed (injected faults): $(head -n 1 /tmp/xpc.soak.out)"
		grep -q '^kpool_xpc ' /proc/modules && { rmmod kpool_xpc || bad=$((bad + 1)); }
	fi
	last=$(($(now) - t))
done
echo "xpc soak traffic: $n runs, $ok balanced ($ok_after of them after the soak), $failed refused or failed under fault injection, $bad bad; the last took $last s and ended at $(($(now) - end + secs)) s of the soak's $secs s"
# At least one run must have completed and balanced its books: a soak in which
# every run was refused proved nothing about the harness under load.
[ "$ok" -gt 0 ] || echo "no run completed and balanced"
! grep -q '^kpool_xpc ' /proc/modules && [ "$bad" = 0 ] && [ "$ok" -gt 0 ]
