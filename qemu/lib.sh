# Guest-side helpers for kpool test scripts; source with `. /kpool/lib.sh`.
# POSIX sh for busybox. Every helper prints what it found and returns non-zero
# on a problem, so a script can do `kp_dmesg_check || rc=1`.
#
#   kp_section NAME [CMD...]   print KPOOL_BEGIN/KPOOL_END markers around CMD (or
#                              open a section closed by kp_section_end [RC])
#   kp_dmesg_mark NAME         put a "kpool-mark: NAME" line in the kernel log
#   kp_dmesg_check [MARK]      fail on kernel reports (lockdep, KASAN, UBSAN,
#                              WARN, BUG, oops, kmemleak, hung task, ...) in the
#                              log, after the last MARK if given; lines matching
#                              the ERE in $KP_DMESG_IGNORE are skipped
#   kp_debug_locks_ok          fail if lockdep has switched itself off
#   kp_kmemleak_clear          forget leaks suspected so far (e.g. boot-time)
#   kp_kmemleak_scan           scan twice with a pause, print and fail on leaks
#   kp_kunit_check [SUITE...]  fail if a KUnit suite (default: all) reports "not ok"
#
# Fault injection: set /sys/kernel/debug/fail*/verbose to 0, or every injected
# failure dumps a "Call Trace:" that kp_dmesg_check counts as a report.

KP_DEBUGFS=/sys/kernel/debug
KP_SECTION=

kp_log() { echo "kpool: $*"; }

kp_section() {
	[ -n "$KP_SECTION" ] && kp_section_end
	KP_SECTION=$1
	shift
	echo "KPOOL_BEGIN $KP_SECTION"
	[ $# -eq 0 ] && return 0
	"$@"
	kp_section_end $?
}

kp_section_end() {
	_kp_rc=${1:-0}
	[ -n "$KP_SECTION" ] && echo "KPOOL_END $KP_SECTION rc=$_kp_rc"
	KP_SECTION=
	return "$_kp_rc"
}

kp_dmesg_mark() {
	echo "kpool-mark: $1" >/dev/kmsg
}

# Extended regular expression of kernel reports, one alternative per kind.
KP_DMESG_BAD='possible circular locking|possible recursive locking|inconsistent lock state'
KP_DMESG_BAD="$KP_DMESG_BAD|possible irq lock inversion|bad unlock balance|held lock freed|lock held at task exit"
KP_DMESG_BAD="$KP_DMESG_BAD|lock held when returning|suspicious RCU usage|DEBUG_LOCKS_WARN_ON"
KP_DMESG_BAD="$KP_DMESG_BAD|sleeping function called from invalid context|scheduling while atomic"
KP_DMESG_BAD="$KP_DMESG_BAD|BUG: KASAN|UBSAN:|unreferenced object|suspected memory leak"
KP_DMESG_BAD="$KP_DMESG_BAD|blocked for more than|WARNING:|BUG:|kernel BUG at|Oops|general protection fault"
KP_DMESG_BAD="$KP_DMESG_BAD|ODEBUG:|workqueue lockup|BUG: workqueue|soft lockup|hard LOCKUP|detected stall"
KP_DMESG_BAD="$KP_DMESG_BAD|self-detected stall|Call Trace:|Kernel panic|refcount_t:|list_add corruption"
KP_DMESG_BAD="$KP_DMESG_BAD|list_del corruption|stack-protector|stack is corrupted|double fault|slab error"

kp_dmesg_check() {
	_kp_log=/tmp/.kp_dmesg
	dmesg >"$_kp_log.all" || { kp_log "kp_dmesg_check: cannot read dmesg"; return 2; }
	if [ -n "${1:-}" ]; then
		_kp_from=$(grep -n -F "kpool-mark: $1" "$_kp_log.all" | tail -n 1 | cut -d: -f1)
		[ -n "$_kp_from" ] || { kp_log "kp_dmesg_check: no mark '$1' in dmesg"; return 2; }
		tail -n "+$_kp_from" "$_kp_log.all" >"$_kp_log"
	else
		cp "$_kp_log.all" "$_kp_log"
	fi
	if [ -n "${KP_DMESG_IGNORE:-}" ]; then
		grep -E "$KP_DMESG_BAD" "$_kp_log" | grep -v -E "$KP_DMESG_IGNORE" >"$_kp_log.bad"
	else
		grep -E "$KP_DMESG_BAD" "$_kp_log" >"$_kp_log.bad"
	fi
	_kp_rc=0
	if [ -s "$_kp_log.bad" ]; then
		kp_log "kp_dmesg_check: FAIL: $(wc -l <"$_kp_log.bad") report line(s) in dmesg${1:+ since mark '$1'}:"
		sed 's/^/kpool:   /' "$_kp_log.bad"
		# The first report in full: its context is what one needs to debug it.
		_kp_first=$(head -n 1 "$_kp_log.bad")
		_kp_n=$(grep -n -F -x -- "$_kp_first" "$_kp_log" | head -n 1 | cut -d: -f1)
		kp_log "kp_dmesg_check: first report:"
		tail -n "+$(( _kp_n > 5 ? _kp_n - 5 : 1 ))" "$_kp_log" | head -n 80 | sed 's/^/kpool:   /'
		_kp_rc=1
	fi
	kp_debug_locks_ok || _kp_rc=1
	rm -f "$_kp_log" "$_kp_log.all" "$_kp_log.bad"
	[ "$_kp_rc" = 0 ] && kp_log "kp_dmesg_check: clean${1:+ since mark '$1'}"
	return "$_kp_rc"
}

# Lockdep switches itself off after its first report or on some taints; a run
# with it off proves nothing about locking. Passes when lockdep is not built in.
kp_debug_locks_ok() {
	[ -r /proc/lockdep_stats ] || return 0
	if grep -q 'debug_locks: *0' /proc/lockdep_stats; then
		kp_log "kp_debug_locks_ok: FAIL: lockdep is off (debug_locks=0)"
		return 1
	fi
	return 0
}

kp_kmemleak_clear() {
	[ -w "$KP_DEBUGFS/kmemleak" ] || { kp_log "kp_kmemleak_clear: no $KP_DEBUGFS/kmemleak"; return 2; }
	echo clear >"$KP_DEBUGFS/kmemleak"
}

# kmemleak only reports objects older than 5 s, hence the pause before the
# second scan ($KP_KMEMLEAK_PAUSE seconds, default 6).
kp_kmemleak_scan() {
	_kp_f=$KP_DEBUGFS/kmemleak
	[ -w "$_kp_f" ] || { kp_log "kp_kmemleak_scan: no $_kp_f (kmemleak not built in or debugfs not mounted)"; return 2; }
	echo scan >"$_kp_f" || { kp_log "kp_kmemleak_scan: scan failed (kmemleak disabled? see dmesg)"; return 2; }
	sleep "${KP_KMEMLEAK_PAUSE:-6}"
	echo scan >"$_kp_f" || { kp_log "kp_kmemleak_scan: scan failed (kmemleak disabled? see dmesg)"; return 2; }
	cat "$_kp_f" >/tmp/.kp_leaks
	if [ -s /tmp/.kp_leaks ]; then
		kp_log "kp_kmemleak_scan: FAIL: $(grep -c 'unreferenced object' /tmp/.kp_leaks) leak(s):"
		sed 's/^/kpool:   /' /tmp/.kp_leaks
		rm -f /tmp/.kp_leaks
		return 1
	fi
	rm -f /tmp/.kp_leaks
	kp_log "kp_kmemleak_scan: no leaks"
	return 0
}

kp_kunit_check() {
	_kp_dir=$KP_DEBUGFS/kunit
	[ -d "$_kp_dir" ] || { kp_log "kp_kunit_check: no $_kp_dir (KUNIT_DEBUGFS off?)"; return 2; }
	# shellcheck disable=SC2046 # suite names are C identifiers: no blanks to split on
	[ $# -gt 0 ] || set -- $(ls "$_kp_dir")
	[ $# -gt 0 ] || { kp_log "kp_kunit_check: FAIL: no KUnit suite ran"; return 1; }
	_kp_rc=0
	for _kp_s in "$@"; do
		if [ ! -r "$_kp_dir/$_kp_s/results" ]; then
			kp_log "kp_kunit_check: FAIL: suite $_kp_s did not run"
			_kp_rc=1
		elif grep -q '^ *not ok' "$_kp_dir/$_kp_s/results"; then
			kp_log "kp_kunit_check: FAIL: suite $_kp_s:"
			sed 's/^/kpool:   /' "$_kp_dir/$_kp_s/results"
			_kp_rc=1
		else
			kp_log "kp_kunit_check: suite $_kp_s ok ($(grep -o -m 1 'pass:.*' "$_kp_dir/$_kp_s/results"))"
		fi
	done
	return "$_kp_rc"
}
