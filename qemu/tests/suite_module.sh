# Suite kpool_module: loading and unloading kpool.ko in the guest.

module_load_creates_sysfs() {
	modprobe kpool || return 1
	grep -q '^kpool ' /proc/modules || { echo "kpool not in /proc/modules"; return 1; }
	[ -d /sys/kernel/kpool/default ] || { echo "no /sys/kernel/kpool/default"; return 1; }
	rmmod kpool
}

# kpool's threads (pool workers kpool/<pool>:N, managers kpool_mgr/<pool>,
# and the rescuer of its reaper's workqueue: "kworker/R-kpool" from 6.9 on,
# the workqueue's name "kpool_reaper" before), one "PID COMM" line each.
module_kpool_threads() {
	# read is a shell builtin: no fork per process (slow on a TCG guest).
	for d in /proc/[0-9]*; do
		read -r c 2>/dev/null <"$d/comm" || continue
		case "$c" in kpool/* | kpool_mgr/* | kpool_* | kworker/R-kpool*) echo "${d#/proc/} $c" ;; esac
	done
}

module_unload_leaves_nothing() {
	modprobe kpool || return 1
	# The default pool's threads exist while loaded (so the check below can see them)...
	n=$(module_kpool_threads | wc -l)
	echo "$n kpool threads while loaded"
	[ "$n" -ge 2 ] || { echo "expected the default pool's threads"; return 1; }
	rmmod kpool || return 1
	! grep -q '^kpool ' /proc/modules || { echo "still in /proc/modules"; return 1; }
	[ ! -e /sys/kernel/kpool ] || { echo "/sys/kernel/kpool still there"; return 1; }
	[ ! -e /sys/kernel/debug/kpool ] || { echo "/sys/kernel/debug/kpool still there"; return 1; }
	# ...and none is left once rmmod returned.
	left=$(module_kpool_threads)
	[ -z "$left" ] || { echo "threads left after rmmod: $left"; return 1; }
}

module_load_unload_repeat() {
	i=0
	while [ $i -lt 10 ]; do
		modprobe kpool || { echo "load $i failed"; return 1; }
		rmmod kpool || { echo "unload $i failed"; return 1; }
		left=$(module_kpool_threads)
		[ -z "$left" ] || { echo "unload $i left threads: $left"; return 1; }
		i=$((i + 1))
	done
}

module_info_complete() {
	for f in license description version; do
		modinfo -F "$f" kpool | grep -q . || { echo "modinfo: no $f"; return 1; }
	done
}

ktap_suite_begin kpool_module
ktap_case module_load_creates_sysfs module_load_creates_sysfs
ktap_case module_unload_leaves_nothing module_unload_leaves_nothing
ktap_case module_load_unload_repeat module_load_unload_repeat
ktap_case module_info_complete module_info_complete
ktap_suite_end
