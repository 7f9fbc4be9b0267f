# KTAP documents written by host-side suites (scripts/lint, scripts/test-eco),
# parsed and counted by scripts/check like the guest's. Sourced, not run.
#
#   ktap_begin SUITE
#   ktap_result NAME RC [LOG]     ok when RC is 0; LOG's lines become diagnostics
#   ktap_skip NAME REASON [LOG]
#   ktap_end OUT                  writes the document; returns 1 if a case failed

ktap_begin() {
	KTAP_SUITE=$1 KTAP_N=0 KTAP_FAILED=0 KTAP_CASES=''
}

ktap_diag() { # ktap_diag LOG: the log's lines as KTAP diagnostics
	[ -n "${1:-}" ] && [ -s "$1" ] || return 0
	KTAP_CASES+=$(sed 's/^/        # /' "$1")$'\n'
}

ktap_result() {
	KTAP_N=$((KTAP_N + 1))
	if [ "$2" = 0 ]; then
		ktap_diag "${3:-}"
		KTAP_CASES+="    ok $KTAP_N $1"$'\n'
		note "$KTAP_SUITE: ok $1"
	else
		ktap_diag "${3:-}"
		KTAP_CASES+="    not ok $KTAP_N $1"$'\n'
		KTAP_FAILED=1
		note "$KTAP_SUITE: not ok $1"
		[ -n "${3:-}" ] && [ -s "$3" ] && head -n 40 "$3" | sed 's/^/    /' >&2
	fi
	return 0
}

ktap_skip() {
	KTAP_N=$((KTAP_N + 1))
	ktap_diag "${3:-}"
	KTAP_CASES+="    ok $KTAP_N $1 # SKIP $2"$'\n'
	note "$KTAP_SUITE: skipped $1: $2"
}

ktap_end() {
	{
		echo "KTAP version 1"
		echo "1..1"
		echo "    KTAP version 1"
		echo "    # Subtest: $KTAP_SUITE"
		echo "    1..$KTAP_N"
		printf '%s' "$KTAP_CASES"
		if [ "$KTAP_FAILED" = 0 ]; then echo "ok 1 $KTAP_SUITE"; else echo "not ok 1 $KTAP_SUITE"; fi
	} >"$1"
	[ "$KTAP_FAILED" = 0 ]
}
