# The guest side of `make run`, kpool's main job (for now): load kpool, show
# what it exposes, exercise the default pool through the KUnit-free path
# (module load, parameters), unload, and check the kernel log.
. /kpool/lib.sh

rc=0
kp_dmesg_mark main-start
echo "== modinfo kpool"
modinfo kpool | grep -E '^(version|description|license|parm):' || rc=1
echo "== modprobe kpool"
modprobe kpool || rc=1
echo "== module parameters (/sys/module/kpool/parameters)"
for p in /sys/module/kpool/parameters/*; do
	printf '  %-28s %s\n' "$(basename "$p")" "$(cat "$p")"
done
if [ -d /sys/kernel/kpool ]; then
	echo "== pools (/sys/kernel/kpool)"
	for d in /sys/kernel/kpool/*/; do
		echo "  $(basename "$d"):"
		for f in "$d"*; do
			[ -f "$f" ] && printf '    %-20s %s\n' "$(basename "$f")" "$(cat "$f" 2>/dev/null | head -1)"
		done
	done
fi
echo "== kpool threads"
ps -o pid,comm 2>/dev/null | grep -E 'kpool' || ps | grep -E 'kpool' | grep -v grep
echo "== rmmod kpool"
rmmod kpool || rc=1
kp_dmesg_check main-start || rc=1
exit "$rc"
