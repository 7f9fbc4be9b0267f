# The guest side of `make bench` (qemu/tests/bench_lib.sh does the work).
. /kpool/lib.sh
. /kpool/tests/xpc_lib.sh
. /kpool/tests/bench_lib.sh
kb_bench_run
exit $?
