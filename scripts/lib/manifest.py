#!/usr/bin/env python3
"""Checks a `make check` run's KTAP documents against qemu/manifest.

usage: manifest.py MANIFEST KTAP_DIR PROFILE [--ran BOOT]... [--skipped BOOT=REASON]...

Every manifest entry of PROFILE whose boot ran must have its document in
KTAP_DIR, with a case count in the entry's range and not every case skipped;
a document that no entry of the profile names is an error too (a new suite is
added to the manifest in the same change). Entries of a boot skipped on
request (--skipped) are listed as skipped with the reason; entries of a boot
neither ran nor skipped are errors (a stage that silently did not run).

Prints one line per problem ("manifest: ..."), then every skipped case and
skipped boot with its reason, and exits 1 if there was a problem.
"""
import os
import re
import sys

CASE = re.compile(r'^    (not ok|ok) \d+ (\S+)(?:\s+#\s*SKIP\b\s*(.*))?$')


def read_manifest(path, profile):
    entries = []
    for n, line in enumerate(open(path), 1):
        line = line.split('#', 1)[0].strip()
        if not line:
            continue
        f = line.split()
        if len(f) != 4:
            sys.exit(f'{path}:{n}: want "DOCUMENT BOOT CASES PROFILES", got {line!r}')
        doc, boot, cases, profiles = f
        m = re.fullmatch(r'(\d+)(?:-(\d+))?', cases)
        if not m:
            sys.exit(f'{path}:{n}: CASES is N or MIN-MAX, got {cases!r}')
        lo = int(m.group(1))
        hi = int(m.group(2)) if m.group(2) else lo
        if profile in profiles.split(','):
            entries.append((doc, boot, lo, hi))
    return entries


def cases_of(path):
    """The top-level cases of a one-suite KTAP document: (name, result, skip reason)."""
    out = []
    for line in open(path, errors='replace'):
        m = CASE.match(line.rstrip('\n'))
        if m:
            out.append((m.group(2), m.group(1), m.group(3)))
    return out


def main(argv):
    if len(argv) < 4:
        sys.exit(__doc__)
    manifest, ktap_dir, profile = argv[1:4]
    ran, skipped = set(), {}
    rest = argv[4:]
    while rest:
        opt, val = rest[0], rest[1]
        rest = rest[2:]
        if opt == '--ran':
            ran.add(val)
        elif opt == '--skipped':
            boot, _, reason = val.partition('=')
            skipped[boot] = reason
        else:
            sys.exit(f'unknown option {opt}')

    entries = read_manifest(manifest, profile)
    docs = {d for d in os.listdir(ktap_dir) if os.path.isfile(os.path.join(ktap_dir, d))}
    problems, skip_lines = [], []
    named = set()
    for doc, boot, lo, hi in entries:
        named.add(doc)
        if boot in skipped:
            skip_lines.append(f'  {doc} ({boot} boot): skipped as a whole: {skipped[boot]}')
            continue
        if boot not in ran:
            problems.append(f'{doc}: its boot "{boot}" did not run')
            continue
        if doc not in docs:
            problems.append(f'{doc}: missing (the {boot} run produced no results for it)')
            continue
        cases = cases_of(os.path.join(ktap_dir, doc))
        n = len(cases)
        if n == 0:
            problems.append(f'{doc}: ran no case')
            continue
        if not lo <= n <= hi:
            want = f'{lo}' if lo == hi else f'{lo}-{hi}'
            problems.append(f'{doc}: ran {n} cases, the manifest wants {want}')
        nskip = 0
        for name, _, reason in cases:
            if reason is not None:
                nskip += 1
                skip_lines.append(f'  {doc}/{name}: {reason or "(no reason given)"}')
        if nskip == n:
            problems.append(f'{doc}: every case was skipped')
    listed = {b for _, b, _, _ in entries}
    for boot, reason in sorted(skipped.items()):
        if boot not in listed:
            skip_lines.append(f'  the {boot} stage: skipped: {reason}')
    for doc in sorted(docs - named):
        problems.append(f'{doc}: not in {os.path.basename(manifest)} for profile {profile} '
                        '(add it in the same change as the suite)')
    for p in problems:
        print(f'manifest: {p}')
    if skip_lines:
        print('skipped (with reasons):')
        print('\n'.join(skip_lines))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
