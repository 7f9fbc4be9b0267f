# Suite kpool_module: loading and unloading kpool.ko in the guest.

module_load_creates_sysfs() {
	modprobe kpool || return 1
	grep -q '^kpool ' /proc/modules || { echo "kpool not in /proc/modules"; return 1; }
	[ -d /sys/kernel/kpool/default ] || { echo "no /sys/kernel/kpool/default"; return 1; }
	rmmod kpool
}

module_unload_leaves_nothing() {
	modprobe kpool || return 1
	rmmod kpool || return 1
	! grep -q '^kpool ' /proc/modules && [ ! -e /sys/kernel/kpool ]
}

module_load_unload_repeat() {
	i=0
	while [ $i -lt 10 ]; do
		modprobe kpool || { echo "load $i failed"; return 1; }
		rmmod kpool || { echo "unload $i failed"; return 1; }
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
