#!/usr/bin/env python3
"""Runs the kernel tree's kunit.py `parse` on many KTAP documents in one process.

usage: kunit-parse-all.py KUNIT_PY OUTDIR DOC...

For every DOC, writes what `kunit.py parse DOC` prints (its stdout and
stderr) to OUTDIR/parse-<basename of DOC>.txt, exactly as separate runs
would; one interpreter saves Python's start-up and kunit.py's imports per
document (a run of make check has about 60 documents). Exits 0; the callers
read the files.
"""
import os
import sys


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    kunit_py, outdir = argv[1], os.path.abspath(argv[2])
    docs = [os.path.abspath(d) for d in argv[3:]]  # kunit.py changes directory
    sys.path.insert(0, os.path.dirname(os.path.abspath(kunit_py)))
    import kunit  # noqa: E402  (the kernel tree's tools/testing/kunit/kunit.py)
    import kunit_printer  # noqa: E402
    # As in a run with its output in a file: no colours.
    if hasattr(kunit_printer, 'stdout') and hasattr(kunit_printer.stdout, '_use_color'):
        kunit_printer.stdout._use_color = False

    saved_out, saved_err = os.dup(1), os.dup(2)
    for doc in docs:
        path = os.path.join(outdir, 'parse-' + os.path.basename(doc) + '.txt')
        sys.stdout.flush()
        sys.stderr.flush()
        with open(path, 'w') as f:
            os.dup2(f.fileno(), 1)
            os.dup2(f.fileno(), 2)
            try:
                kunit.main(['parse', doc])
            except SystemExit:
                pass
            except Exception as e:  # a document kunit.py cannot handle
                print(f'kunit-parse-all: kunit.py failed on {doc}: {e!r}')
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os.dup2(saved_out, 1)
                os.dup2(saved_err, 2)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
