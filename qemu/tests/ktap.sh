# KTAP output for guest-side (shell) test suites, so they are parsed and counted
# by kunit.py exactly like the KUnit suites. Source after /kpool/lib.sh.
#
#   ktap_suite_begin NAME         start a suite; results go to /tmp/ktap/NAME
#   ktap_case NAME CMD...         run CMD as one case: ok if it returns 0 (its
#                                 guest time is printed on the console line)
#   ktap_skip NAME REASON         a case that cannot run here, with the reason
#   ktap_suite_end                write the suite's KTAP document

KTAP_DIR=/tmp/ktap
mkdir -p "$KTAP_DIR"

ktap_suite_begin() {
	KTAP_SUITE=$1
	KTAP_N=0
	KTAP_FAILED=0
	: >"$KTAP_DIR/.$KTAP_SUITE.cases"
}

# KTAP_CS: guest uptime in centiseconds (no fork: the guest may be busy).
ktap_uptime_cs() {
	read -r _ktap_up _ </proc/uptime
	_ktap_c=${_ktap_up#*.}
	KTAP_CS=$((${_ktap_up%.*} * 100 + ${_ktap_c#0}))
}

ktap_case() {
	_name=$1
	shift
	KTAP_N=$((KTAP_N + 1))
	ktap_uptime_cs
	_ktap_t0=$KTAP_CS
	if "$@" >"$KTAP_DIR/.case.log" 2>&1; then
		_res="ok $KTAP_N $_name"
	else
		_res="not ok $KTAP_N $_name"
		KTAP_FAILED=1
	fi
	ktap_uptime_cs
	_ktap_dt=$((KTAP_CS - _ktap_t0))
	sed 's/^/        # /' "$KTAP_DIR/.case.log" >>"$KTAP_DIR/.$KTAP_SUITE.cases"
	echo "    $_res" >>"$KTAP_DIR/.$KTAP_SUITE.cases"
	# The console line carries the case's guest time (the budget per case).
	echo "kpool: $KTAP_SUITE: $_res ($((_ktap_dt / 100)).$((_ktap_dt / 10 % 10)) s)"
	[ "$KTAP_FAILED" = 0 ] || cat "$KTAP_DIR/.case.log"
}

ktap_skip() {
	KTAP_N=$((KTAP_N + 1))
	echo "    ok $KTAP_N $1 # SKIP $2" >>"$KTAP_DIR/.$KTAP_SUITE.cases"
}

ktap_suite_end() {
	{
		echo "KTAP version 1"
		echo "1..1"
		echo "    KTAP version 1"
		echo "    # Subtest: $KTAP_SUITE"
		echo "    1..$KTAP_N"
		cat "$KTAP_DIR/.$KTAP_SUITE.cases"
		if [ "$KTAP_FAILED" = 0 ]; then echo "ok 1 $KTAP_SUITE"; else echo "not ok 1 $KTAP_SUITE"; fi
	} >"$KTAP_DIR/$KTAP_SUITE"
	rm -f "$KTAP_DIR/.$KTAP_SUITE.cases" "$KTAP_DIR/.case.log"
}

# Copies every KUnit suite's debugfs results into $KTAP_DIR (before the
# module that owns the suites is unloaded, which removes them).
ktap_collect_kunit() {
	for _d in /sys/kernel/debug/kunit/*/; do
		[ -r "$_d/results" ] || continue
		_s=$(basename "$_d")
		cat "$_d/results" >"$KTAP_DIR/$_s"
	done
}

# Prints every KTAP document between section markers for the host to parse.
ktap_print_all() {
	for _f in "$KTAP_DIR"/*; do
		[ -f "$_f" ] || continue
		kp_section "ktap:$(basename "$_f")"
		cat "$_f"
		kp_section_end 0
	done
}
