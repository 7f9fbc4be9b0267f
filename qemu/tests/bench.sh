# The guest side of `make bench` (and of the smoke run in `make check`): load
# kpool and kpool_bench with the parameters in /kpool/bench.args, print the
# START, RESULT and HIST lines between section markers for scripts/bench.
# Any module's `RESULT scenario=...` (and `HIST scenario=...`) lines are
# collected, so other benchmark modules loaded here join the same report.
. /kpool/lib.sh
rc=0
kp_dmesg_mark bench-start
modprobe kpool || rc=1
args=$(cat /kpool/bench.args 2>/dev/null)
# shellcheck disable=SC2086 # word splitting of module parameters is intended
modprobe kpool_bench $args || { echo "kpool_bench failed to load"; rc=1; }
rmmod kpool_bench 2>/dev/null
rmmod kpool || rc=1
kp_dmesg_check bench-start || rc=1
echo 1 >/proc/sys/kernel/printk
kp_section bench-results
echo "cpus=$(grep -c ^processor /proc/cpuinfo) kernel=$(uname -r)"
dmesg | sed -n -e 's/.*kpool_bench: \(START .*\)/\1/p' \
	-e 's/.*\(RESULT scenario=.*\)/\1/p' -e 's/.*\(HIST scenario=.*\)/\1/p'
kp_section_end "$rc"
exit "$rc"
