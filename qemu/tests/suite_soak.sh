# Suites kpool_soak and kpool_loadloop (issue 7): the soak with fault injection,
# CPU hotplug, random knob writes and hostile input while busy, then the
# load/unload loop with jobs in flight. See soak.sh. Durations come from the
# kernel command line (scripts/check: SOAK_SECONDS, KPOOL_LOOP_COUNT).
. /kpool/tests/soak.sh

# make check-quick passes kpool_hostile=0: the soak without the hostile-input
# table (its slowest part on a busy guest shell).
if [ "$(soak_param hostile 1)" = 0 ]; then
	soak_suite kpool_soak "$(soak_param soak 60)"
else
	soak_suite kpool_soak "$(soak_param soak 60)" hostile
fi
# make check-quick passes kpool_loop=0: no load/unload loop (not in its manifest).
[ "$(soak_param loop 8)" = 0 ] || loadloop_suite kpool_loadloop "$(soak_param loop 8)"
