#!/usr/bin/env python3
"""Turn the benchmark guest's output into a table, JSON and PNG plots.

usage: bench-report.py RESULTS_TXT OUT_DIR [HOST_INFO_KEY=VALUE...]
       bench-report.py --sweep SWEEP_DIR HOST_CORES
       bench-report.py --check RESULTS_JSON OUT_DIR   (the smoke run's checks)

RESULTS_TXT is what qemu/tests/bench_lib.sh printed between its section
markers: a first line `cpus=N kernel=V clocksource=C preempt_mode=M ...`, then
lines from any benchmark module:
  START key=value...                          (parameters, kept in the JSON)
  RESULT scenario=S mechanism=M key=value...  (kpool_bench: F, F_lo, F_hi are
                                               the median, min and max over the
                                               repetitions; error=E: it failed)
  RESULT scenario=S mechanism=M rep=R ...     (one repetition; this script takes
                                               median, min and max over them)
  HIST scenario=S mechanism=M first=I counts=C,C,...
Several RESULT lines without rep= for one pair are merged (later keys add to
earlier ones). HIST buckets: four per power of two; bucket 4*b+s (b >= 2)
holds [(4+s) << (b-2), (5+s) << (b-2)) ns.

The ratio column compares each record with its scenario's "kpool" mechanism
(else the first whose name starts with "kpool"): this / kpool for times and
bytes, kpool / this for ops/s, so > 1 always means kpool is better. A ratio
is marked "~" (within noise) when the two min-max ranges overlap.
"""
import json
import os
import re
import shutil
import statistics
import subprocess
import sys

# (field, label, scale, higher is better)
PRIMARY = (('ops_per_s', 'ops/s', 1, True), ('p50_ns', 'p50', 1e3, False),
           ('makespan_ns', 'makespan', 1e6, False), ('bytes', 'bytes', 1, False))


def num(v):
    try:
        return int(v)
    except ValueError:
        try:
            return float(v)
        except ValueError:
            return v


def kv(words):
    return dict(w.split('=', 1) for w in words if '=' in w)


def bucket_lo(i):
    if i < 8:
        return i
    b, s = divmod(i, 4)
    return (4 + s) << (b - 2)


def aggregate(reps):
    """Median, min and max of every numeric field over repetition records."""
    rec = {'reps': len([r for r in reps if 'error' not in r])}
    errs = [r['error'] for r in reps if 'error' in r]
    if errs:
        rec['error'] = errs[0]
    ok = [r for r in reps if 'error' not in r]
    keys = sorted({k for r in ok for k in r if isinstance(r[k], (int, float)) and k != 'rep'})
    for k in keys:
        vs = sorted(r[k] for r in ok if k in r)
        rec[k] = vs[len(vs) // 2]
        rec[k + '_lo'] = vs[0]
        rec[k + '_hi'] = vs[-1]
    rec['n'] = len(ok)
    return rec


def parse(path):
    lines = open(path).read().split('\n')
    meta = {k: num(v) for k, v in kv(lines[0].split()).items()}
    params, merged, repd, order, hists = {}, {}, {}, [], {}
    for line in lines[1:]:
        w = line.split()
        if not w:
            continue
        if w[0] == 'START':
            params.update({k: num(v) for k, v in kv(w[1:]).items()})
        elif w[0] == 'RESULT':
            d = kv(w[1:])
            if 'scenario' not in d or 'mechanism' not in d:
                continue
            key = (d.pop('scenario'), d.pop('mechanism'))
            if key not in order:
                order.append(key)
            d = {k: num(v) for k, v in d.items()}
            if 'rep' in d:
                repd.setdefault(key, []).append(d)
            else:
                merged.setdefault(key, {}).update(d)
        elif w[0] == 'HIST':
            d = kv(w[1:])
            hists[(d['scenario'], d['mechanism'])] = (
                int(d['first']), [int(c) for c in d['counts'].split(',')])
    records = []
    for key in order:
        rec = {'scenario': key[0], 'mechanism': key[1]}
        if key in repd:
            rec.update(aggregate(repd[key]))
        rec.update(merged.get(key, {}))
        records.append(rec)
    return meta, params, records, hists


def base_of(rs):
    """The scenario's kpool record with figures: "kpool", else the first kpool*."""
    have = [r for r in rs if r['mechanism'].startswith('kpool') and 'error' not in r and
            any(f in r for f, _, _, _ in PRIMARY)]
    return next((r for r in have if r['mechanism'] == 'kpool'), have[0] if have else None)


def ratio(r, base, field=None):
    """{'field','value','lo','hi','noise'}: r against base, > 1 = kpool better."""
    if base is None or r is base or 'error' in r or 'error' in base:
        return None
    for f, label, _, higher in PRIMARY:
        if field and f != field:
            continue
        if f in r and f in base and r[f] and base[f]:
            a, b = (base, r) if higher else (r, base)
            lo_a, hi_a = a.get(f + '_lo', a[f]), a.get(f + '_hi', a[f])
            lo_b, hi_b = b.get(f + '_lo', b[f]), b.get(f + '_hi', b[f])
            v = a[f] / b[f]
            lo = lo_a / hi_b if hi_b else v
            hi = hi_a / lo_b if lo_b else v
            noise = not (r.get(f + '_hi', r[f]) < base.get(f + '_lo', base[f]) or
                         base.get(f + '_hi', base[f]) < r.get(f + '_lo', r[f]))
            return {'field': f, 'label': label, 'value': round(v, 3), 'lo': round(lo, 3),
                    'hi': round(hi, 3), 'noise': noise}
    return None


def spread(r, f, scale, width):
    if f not in r:
        return f"{'-':>{width}}"
    v, lo, hi = r[f] / scale, r.get(f + '_lo', r[f]) / scale, r.get(f + '_hi', r[f]) / scale
    def fmt(x):
        return f"{x:.1f}" if abs(x) < 1000 else f"{x:.0f}"
    s = fmt(v) if lo == hi == v else f"{fmt(v)} [{fmt(lo)}-{fmt(hi)}]"
    return f"{s:>{width}}"


PLACEMENT = ("placement: the measuring thread is bound to CPU {sub}. *_same: the target on "
             "that CPU, *_cross: on CPU {cross}. Pinned: kpool_bound/kpool_quick* (a bound "
             "pool), system_wq (queue_work_on), kthread_worker (on that CPU), floor_wake and "
             "kthread_run (kthread_bind). Unpinned (kpool, unbound workqueues): each sample is "
             "classified by the CPU its callback ran on, n says how many fell in each class; "
             "*_any: all their samples, wherever they ran (what a default user gets).")


def table(meta, params, host, records):
    fl = host.get('flavour', 'debug')
    out = [f"kpool benchmarks: {meta.get('cpus')} vCPUs, kernel {meta.get('kernel')} "
           f"({'Debian stock, production config' if fl == 'stock' else 'debug kernel: KASAN, lockdep, ...'}), "
           f"preempt {params.get('preempt')}/{meta.get('preempt_mode')}, HZ {params.get('hz')}, "
           f"clocksource {meta.get('clocksource')}, QEMU/TCG",
           f"host: load {host.get('load_before')} at start ({host.get('qemu_before')} other QEMU), "
           f"{host.get('load_after')} at end, {host.get('host_cores')} cores, {host.get('date')}; "
           f"boot retries {host.get('boot_retries', 0)}",
           f"every figure: median [min-max] over {params.get('reps')} interleaved repetitions "
           "(after a warm-up); ratio > 1: kpool better; ~ = spreads overlap (within noise)",
           PLACEMENT.format(sub=params.get('submitter_cpu'), cross=params.get('cross_cpu')), '']
    hdr = (f"{'scenario':<17} {'mechanism':<24} {'n':>6} {'p50 us':>21} {'p99 us':>21} "
           f"{'ops/s | mkspan ms | bytes':>27} {'threads':>12}  ratio to kpool")
    out.append(hdr)
    by = {}
    for r in records:
        by.setdefault(r['scenario'], []).append(r)
    for sc, rs in by.items():
        base = base_of(rs)
        for r in rs:
            if 'error' in r:
                out.append(f"{sc:<17} {r['mechanism']:<24} FAILED: error {r['error']}")
                continue
            if 'ops_per_s' in r:
                third = spread(r, 'ops_per_s', 1, 27)
            elif 'makespan_ns' in r:
                third = spread(r, 'makespan_ns', 1e6, 27)
            elif 'bytes' in r:
                third = spread(r, 'bytes', 1, 27)
            else:
                third = f"{'-':>27}"
            thr = '-'
            if 'threads_delta' in r:
                thr = f"+{r['threads_delta']}" + (f"->{r['threads_after_idle']}"
                                                  if 'threads_after_idle' in r else '')
            elif 'threads_peak' in r:
                thr = f"peak {r['threads_peak']}"
            q = ratio(r, base)
            rt = '-' if not q else (f"{q['value']:.2f}x [{q['lo']:.2f}-{q['hi']:.2f}] "
                                    f"({q['label']}){' ~' if q['noise'] else ''}")
            n = r.get('n', '-')
            extra = ''
            if r.get('dropped'):
                extra += f" dropped {r['dropped']}"
            if 'caches' in r:
                extra += f" caches {r['caches']}"
            if 'p90_ns' in r:
                extra += (f" queue call p90 {r['p90_ns'] / 1e3:.2f} us p95 {r['p95_ns'] / 1e3:.2f} us"
                          f" (p50 column = queue call)")
            out.append(f"{sc:<17} {r['mechanism']:<24} {n!s:>6} {spread(r, 'p50_ns', 1e3, 21)} "
                       f"{spread(r, 'p99_ns', 1e3, 21)} {third} {thr:>12}  {rt}{extra}")
    out.append("threads: burst: threads added by the burst (kpool: its pool; workqueues: every "
               "kworker of the system) -> alive after the idle wait; throughput: the kpool pool's "
               f"peak during the flood (goal <= CPUs + 2 = {(meta.get('cpus') or 0) + 2})")
    return '\n'.join(out)


# Headline ratios: (label, scenario, kpool mechanism, other mechanism, field).
HEADLINES = (
    ('hand-off : wake-up, same CPU', 'spawn_warm_same', 'kpool_quick', 'floor_wake', 'p50_ns'),
    ('hand-off : wake-up, cross CPU', 'spawn_warm_cross', 'kpool_quick', 'floor_wake', 'p50_ns'),
    ('cold spawn : kthread_run', 'spawn_cold_cross', 'kpool_quick_cold', 'kthread_run', 'p50_ns'),
    ('dispatch p50 : unbound wq (unpinned)', 'dispatch_any', 'kpool', 'system_unbound_wq', 'p50_ns'),
    ('dispatch p99 : unbound wq (unpinned)', 'dispatch_any', 'kpool', 'system_unbound_wq', 'p99_ns'),
    ('dispatch pinned : system_wq, same CPU', 'dispatch_same', 'kpool_bound', 'system_wq', 'p50_ns'),
    ('dispatch pinned : system_wq, cross CPU', 'dispatch_cross', 'kpool_bound', 'system_wq', 'p50_ns'),
    ('throughput : system_wq', 'throughput', 'kpool', 'system_wq', 'ops_per_s'),
    ('throughput : system_unbound_wq', 'throughput', 'kpool', 'system_unbound_wq', 'ops_per_s'),
    ('wq_bench items/s : system_unbound_wq', 'wq_bench', 'kpool', 'system_unbound_wq', 'ops_per_s'),
    ('burst512 : system_unbound_wq', 'burst512', 'kpool', 'system_unbound_wq', 'makespan_ns'),
    ('burst512 unannotated : unbound wq', 'burst512', 'kpool_unannotated', 'system_unbound_wq',
     'makespan_ns'),
    ('teardown blocked : parallel stop', 'teardown_blocked', 'kpool_destroy',
     'kthread_parallel_stop', 'makespan_ns'),
    ('XPC delivery p50 : XPC original', 'xpc_delivery', 'kpool', 'xpc_original', 'p50_ns'),
    ('XPC delivery p99 : XPC original', 'xpc_delivery', 'kpool', 'xpc_original', 'p99_ns'),
)


def headline(records):
    idx = {(r['scenario'], r['mechanism']): r for r in records}
    out = []
    for label, sc, a, b, f in HEADLINES:
        ra, rb = idx.get((sc, a)), idx.get((sc, b))
        if not ra or not rb or f not in ra or f not in rb or 'error' in ra or 'error' in rb:
            continue
        if f == 'p99_ns':
            # ratio() uses the first primary field; for p99 compare directly.
            v = rb[f] / ra[f]
            lo = rb.get(f + '_lo', rb[f]) / ra.get(f + '_hi', ra[f])
            hi = rb.get(f + '_hi', rb[f]) / ra.get(f + '_lo', ra[f])
            noise = not (ra.get(f + '_hi', ra[f]) < rb.get(f + '_lo', rb[f]) or
                         rb.get(f + '_hi', rb[f]) < ra.get(f + '_lo', ra[f]))
            q = {'value': round(v, 3), 'lo': round(lo, 3), 'hi': round(hi, 3), 'noise': noise}
        else:
            q = ratio(rb, ra, f)
        if q:
            out.append({**q, 'label': label, 'scenario': sc, 'kpool': a, 'other': b, 'field': f})
    return out


def gnuplot(script, cwd):
    if not shutil.which('gnuplot'):
        print('bench-report: gnuplot not installed, no plots', file=sys.stderr)
        return False
    terms = subprocess.run(['gnuplot', '-e', 'set terminal'], capture_output=True,
                           text=True).stderr + ''
    term = 'pngcairo' if 'pngcairo' in terms else 'png'
    subprocess.run(['gnuplot'], input=f"set terminal {term} noenhanced size 900,560\n" + script,
                   text=True, cwd=cwd, check=True)
    return True


def plots(out, meta, params, host, records, hists, heads):
    made = []
    title = (f"{meta.get('cpus')} vCPU QEMU/TCG guest, {host.get('flavour', 'debug')} kernel "
             f"{meta.get('kernel')}, host load {host.get('load_before')}")
    for sc in sorted({s for s, _ in hists}):
        series = []
        for (s, m), (first, counts) in hists.items():
            if s != sc:
                continue
            total = sum(counts)
            fn = f"hist_{s}_{m}.dat"
            with open(os.path.join(out, fn), 'w') as f:
                above = total
                f.write('# lo_us share_above_lo\n')
                for i, c in enumerate(counts):
                    f.write(f"{bucket_lo(first + i) / 1000:.3f} {above / total:.6g}\n")
                    above -= c
                f.write(f"{bucket_lo(first + len(counts)) / 1000:.3f} {1.0 / total:.6g}\n")
            series.append(f"'{fn}' using 1:2 with steps lw 2 title '{m}'")
        png = f"latency_{sc}.png"
        script = (f"set output '{png}'\nset title \"{sc} latency: share of samples above x "
                  f"(all measured repetitions)\\n{title}\"\n"
                  "set logscale xy\nset xlabel 'latency (us)'\nset ylabel 'share above x'\n"
                  "set grid\nset key bottom left box opaque\nset yrange [*:1.5]\n"
                  f"plot {', '.join(series)}\n")
        if series and gnuplot(script, out):
            made.append(png)
    burst = {}
    for r in records:
        m = re.fullmatch(r'burst(\d+)', r['scenario'])
        if m and 'makespan_ns' in r:
            burst.setdefault(r['mechanism'], []).append((int(m.group(1)), r))
    if burst:
        t_ms = params.get('burst_ms')
        series, tser = [], []
        for mech, pts in burst.items():
            fn = f"burst_{mech}.dat"
            with open(os.path.join(out, fn), 'w') as f:
                f.write('# K makespan_ms lo hi threads_delta threads_after_idle\n')
                for k, r in sorted(pts, key=lambda p: p[0]):
                    f.write(f"{k} {r['makespan_ns'] / 1e6:.2f} "
                            f"{r.get('makespan_ns_lo', r['makespan_ns']) / 1e6:.2f} "
                            f"{r.get('makespan_ns_hi', r['makespan_ns']) / 1e6:.2f} "
                            f"{r.get('threads_delta', 0)} {r.get('threads_after_idle', 0)}\n")
            series.append(f"'{fn}' using 1:2:3:4 with yerrorlines lw 2 title '{mech}'")
            tser.append(f"'{fn}' using 1:5 with linespoints lw 2 title '{mech}: added by the burst'")
        if t_ms:
            series.append(f"{t_ms} with lines dt 3 lc rgb 'black' title 'T = {t_ms} ms'")
        script = ("set output 'burst_makespan.png'\n"
                  f"set title \"Blocking burst: K jobs each sleeping T = {t_ms} ms, "
                  f"median makespan [min-max]\\n{title}\"\n"
                  "set logscale x 2\nset logscale y\nset xlabel 'K (jobs queued at once)'\n"
                  "set ylabel 'makespan (ms)'\nset grid\nset key top left box opaque\n"
                  f"plot {', '.join(series)}\n")
        if gnuplot(script, out):
            made.append('burst_makespan.png')
        script = ("set output 'burst_threads.png'\n"
                  "set title \"Blocking burst: threads added (kpool: its pool; workqueues: "
                  f"all kworkers)\\n{title}\"\n"
                  "set logscale x 2\nset xlabel 'K'\nset ylabel 'threads'\nset grid\n"
                  "set key top left box opaque\n"
                  f"plot {', '.join(tser)}\n")
        if gnuplot(script, out):
            made.append('burst_threads.png')
    if heads:
        with open(os.path.join(out, 'headline.dat'), 'w') as f:
            f.write('# i ratio lo hi label\n')
            for i, h in enumerate(heads):
                clamp = lambda x: min(max(x, 0.01), 100)
                f.write(f"{i} {clamp(h['value'])} {clamp(h['lo'])} {clamp(h['hi'])} "
                        f"\"{h['label']}\"\n")
        script = ("set output 'headline_ratios.png'\n"
                  "set title \"Headline ratios: median, range from the repetitions' min-max; "
                  f"> 1: kpool better\\n{title}\" font ',10'\n"
                  "set logscale x 10\nset format x '%g'\nset xrange [0.01:100]\n"
                  "set xlabel 'ratio (other / kpool; ops/s: kpool / other), clamped to 0.01-100'\n"
                  f"set yrange [-1:{len(heads)}]\nset ytics ('' 0)\nset grid x\n"
                  "set lmargin 40\nunset key\n"
                  "set arrow from 1, graph 0 to 1, graph 1 nohead dt 2 lc rgb 'black'\n"
                  "plot 'headline.dat' using 2:1:3:4:ytic(5) with xerrorbars pt 7 ps 1.2 lw 2\n")
        if gnuplot(script, out):
            made.append('headline_ratios.png')
    return made


def report(src, out, host):
    meta, params, records, hists = parse(src)
    if not records:
        sys.exit('bench-report: no RESULT lines from the guest')
    by = {}
    for r in records:
        by.setdefault(r['scenario'], []).append(r)
    for rs in by.values():
        base = base_of(rs)
        for r in rs:
            q = ratio(r, base)
            if q:
                r['ratio_to_kpool'] = q
    heads = headline(records)
    doc = {'cpus': meta.get('cpus'), 'kernel': meta.get('kernel'),
           'kernel_info': {'release': meta.get('kernel'), 'version': meta.get('kernel_version'),
                           'preempt_config': params.get('preempt'),
                           'preempt_mode': meta.get('preempt_mode'), 'hz': params.get('hz'),
                           'clocksource': meta.get('clocksource'),
                           'preempt_notifiers': params.get('preempt_notifiers')},
           'params': params, 'host': host, 'headline': heads, 'results': records}
    with open(os.path.join(out, 'results.json'), 'w') as f:
        json.dump(doc, f, indent=1)
    print(table(meta, params, host, records))
    if heads:
        print('\nheadline ratios (> 1: kpool better; ~ within noise):')
        for h in heads:
            print(f"  {h['label']:<40} {h['value']:6.2f}x [{h['lo']:.2f}-{h['hi']:.2f}]"
                  f"{'  ~ within noise' if h['noise'] else ''}")
    made = plots(out, meta, params, host, records, hists, heads)
    if made:
        print('plots: ' + ' '.join(os.path.join(out, p) for p in made))


def sweep(d, cores):
    rows = []
    for sub in sorted(os.listdir(d), key=lambda s: int(s[3:]) if s[3:].isdigit() else 0):
        p = os.path.join(d, sub, 'results.json')
        if not os.path.isfile(p):
            continue
        doc = json.load(open(p))
        n = doc.get('cpus')
        idx = {(r['scenario'], r['mechanism']): r for r in doc['results']}
        for sc, f, scale in (('throughput', 'ops_per_s', 1), ('wq_bench', 'ops_per_s', 1),
                             ('dispatch_cross', 'p50_ns', 1e3), ('dispatch_same', 'p50_ns', 1e3)):
            for (s, m), r in idx.items():
                if s == sc and f in r:
                    rows.append((n, sc, m, r, f, scale))
    out = [f"scaling sweep (host has {cores} cores; vCPUs > {cores} are OVERCOMMITTED: "
           "several vCPUs share a host core, figures there show contention, not scaling)",
           f"{'vCPUs':>5} {'scenario':<15} {'mechanism':<24} {'figure':>30}"]
    for n, sc, m, r, f, scale in rows:
        oc = ' (overcommitted)' if n and n > int(cores) else ''
        unit = 'ops/s' if f == 'ops_per_s' else 'us p50'
        out.append(f"{n:>5} {sc:<15} {m:<24} {spread(r, f, scale, 30)} {unit}{oc}")
    print('\n'.join(out))


def check(path, out):
    """The smoke run's checks: every (scenario, mechanism) measured, no error."""
    doc = json.load(open(path))
    cpus = doc.get('cpus') or 1
    places = ['same'] + (['cross'] if cpus > 1 else [])
    pinned = {'kpool_bound', 'system_wq', 'kthread_worker', 'floor_wake', 'kpool_quick',
              'kpool_quick_cold', 'kthread_run'}
    want = {}
    for p in places:
        want[f'spawn_warm_{p}'] = ['kpool_quick', 'floor_wake']
        want[f'spawn_cold_{p}'] = ['kpool_quick_cold', 'kthread_run']
        want[f'dispatch_{p}'] = ['kpool', 'kpool_bound', 'system_unbound_wq',
                                 'alloc_workqueue_unbound', 'system_wq', 'kthread_worker',
                                 'floor_wake']
    want['dispatch_any'] = ['kpool', 'system_unbound_wq', 'alloc_workqueue_unbound']
    want['throughput'] = ['kpool', 'system_unbound_wq', 'alloc_workqueue_unbound', 'system_wq',
                          'kthread_worker']
    want['wq_bench'] = ['kpool', 'system_unbound_wq', 'system_wq', 'alloc_workqueue_unbound']
    for k in (16, 32, 64, 128, 256, 512):
        want[f'burst{k}'] = ['kpool', 'kpool_unannotated', 'system_unbound_wq',
                             'alloc_workqueue_unbound', 'system_wq']
    for s in ('teardown_idle', 'teardown_blocked'):
        want[s] = ['kpool_destroy', 'kthread_stop_loop', 'kthread_parallel_stop']
    want['memory'] = ['kpool_idle_thread', 'bare_kthread']
    want['memory_caches'] = ['kpool_idle_thread', 'bare_kthread']
    want['xpc_delivery'] = ['kpool', 'xpc_original']
    idx = {(r['scenario'], r['mechanism']): r for r in doc['results']}
    bad = []
    for sc, mechs in want.items():
        for m in mechs:
            r = idx.get((sc, m))
            if r is None:
                bad.append(f'{sc}/{m}: missing')
                continue
            if 'error' in r:
                bad.append(f'{sc}/{m}: error {r["error"]}')
                continue
            need = (['makespan_ns', 'threads_delta', 'threads_after_idle'] if sc.startswith('burst')
                    else ['bytes'] if sc == 'memory'
                    else ['caches'] if sc == 'memory_caches'
                    else ['ops_per_s', 'p50_ns', 'p95_ns'] if sc == 'wq_bench'
                    else ['ops_per_s'] if sc == 'throughput'
                    else ['makespan_ns'] if sc.startswith('teardown')
                    else ['p50_ns', 'p99_ns'] if sc in ('xpc_delivery', 'dispatch_any') or m in pinned
                    else [])
            bad += [f'{sc}/{m}: no {f}' for f in need if f not in r]
            if m in pinned and sc.split('_')[0] in ('spawn', 'dispatch') and not r.get('n'):
                bad.append(f'{sc}/{m}: no sample kept (all dropped?)')
    if idx.get(('throughput', 'kpool'), {}).get('threads_peak') is None:
        bad.append('throughput/kpool: no threads_peak')
    for p in ('latency_dispatch_same.png', 'burst_makespan.png', 'headline_ratios.png'):
        f = os.path.join(out, p)
        if not os.path.isfile(f) or not os.path.getsize(f):
            bad.append(f'plot {p} missing')
    for b in bad:
        print('bench smoke problem:', b, file=sys.stderr)
    return 1 if bad else 0


def main():
    if sys.argv[1] == '--sweep':
        sweep(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == '--check':
        sys.exit(check(sys.argv[2], sys.argv[3]))
    else:
        report(sys.argv[1], sys.argv[2], kv(sys.argv[3:]))


main()
