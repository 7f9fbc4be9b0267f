# kpool: top-level entry points (see README.md).
#
#   make              build kpool.ko and kpool_test.ko against the test kernel
#   make KDIR=<dir>   ... against another kernel build tree
#   make run          the main job: boot the guest, run kpool's demo scenario
#   make check        the whole test suite in the guest (what CI runs)
#   make check-quick  the edit-test loop (build, lint, KUnit, module, sysfs, a 20 s
#                     soak on the debug kernel): NOT the full suite
#   make bench        kpool against the kernel's mechanisms on Debian's stock kernel
#                     (table + build/bench/results.json); KERNEL=debug: on the debug
#                     kernel; SWEEP="1 2 4 8": also at those vCPU counts
#   make kernel       build (or reuse) the debug test kernel
#   make install      build against KDIR (default: the running kernel) and
#                     install into its module tree, then depmod (INSTALL_MOD_PATH,
#                     INSTALL_MOD_DIR; scripts/kinstall)
#   make compile_commands.json   for clangd (C and C++)
#   make lint         clang-format and checkpatch (make lint FIX=1 reformats)
#   make clean

.PHONY: all modules run check check-quick bench kernel clean deps install lint compile_commands.json

all: modules

deps:
	@scripts/install-deps

modules: deps
	@scripts/kmake modules

kernel: deps
	@scripts/build-kernel debug

run:
	@scripts/run-main

check:
	@scripts/check

check-quick:
	@scripts/check --quick

bench:
	@scripts/bench $(if $(KERNEL),--kernel $(KERNEL)) $(if $(SWEEP),--sweep "$(SWEEP)")

install:
	@scripts/kinstall

lint:
	@scripts/lint $(if $(FIX),--fix)

compile_commands.json:
	@scripts/compile-commands

clean:
	@if [ -n "$(KDIR)" ] || ls $${KPOOL_CACHE:-$$HOME/.cache/kpool}/kernel-debug-*/.kpool-complete >/dev/null 2>&1; then \
		scripts/kmake clean; fi
	rm -rf generated build/guest build/check
