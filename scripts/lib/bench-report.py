#!/usr/bin/env python3
"""Turn the benchmark guest's output into a table, JSON and PNG plots.

usage: bench-report.py RESULTS_TXT OUT_DIR [HOST_INFO_KEY=VALUE...]

RESULTS_TXT is what qemu/tests/bench.sh printed between its section markers:
a first line `cpus=N kernel=V`, then lines from any benchmark module:
  START key=value...                         (parameters, kept in the JSON)
  RESULT scenario=S mechanism=M key=value... (one record each)
  HIST scenario=S mechanism=M first=I counts=C,C,...
HIST buckets: four per power of two; bucket 4*b+s (b >= 2) holds
[(4+s) << (b-2), (5+s) << (b-2)) ns. Every RESULT key=value is kept; the
standard fields (p50_ns, ..., bytes) are dropped when 0 ("does not apply").
The ratio column compares each record with the scenario's mechanism whose
name starts with "kpool".
"""
import json
import os
import re
import shutil
import subprocess
import sys

STD = ('p50_ns', 'p99_ns', 'p999_ns', 'max_ns', 'ops_per_s', 'makespan_ns', 'bytes')


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


def parse(path):
    lines = open(path).read().split('\n')
    meta = {k: num(v) for k, v in kv(lines[0].split()).items()}
    params, records, hists = {}, [], {}
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
            rec = {'scenario': d.pop('scenario'), 'mechanism': d.pop('mechanism')}
            for k, v in d.items():
                v = num(v)
                if k in STD and v == 0:
                    continue
                rec[k] = v
            records.append(rec)
        elif w[0] == 'HIST':
            d = kv(w[1:])
            first = int(d['first'])
            counts = [int(c) for c in d['counts'].split(',')]
            hists[(d['scenario'], d['mechanism'])] = (first, counts)
    return meta, params, records, hists


def ratio_of(r, base):
    """(text, value) of r against the kpool record of its scenario."""
    if base is None:
        return '-', None
    for f, how in (('p50_ns', 'p50'), ('ops_per_s', 'kpool ops/s / this'),
                   ('makespan_ns', 'makespan'), ('bytes', 'bytes')):
        if f in r and f in base and r[f] and base[f]:
            v = base[f] / r[f] if f == 'ops_per_s' else r[f] / base[f]
            return f'{v:.2f}x ({how})', v
    return '-', None


def table(meta, records):
    out = [f"kpool benchmarks: {meta.get('cpus')} vCPUs, kernel {meta.get('kernel')} "
           "(QEMU/TCG, debug kernel)"]
    hdr = (f"{'scenario':<11} {'mechanism':<24} {'p50 us':>8} {'p99 us':>8} {'p99.9 us':>8} "
           f"{'max us':>8} {'ops/s':>8} {'mkspan ms':>9} {'bytes':>6} {'thr':>11}  ratio to kpool")
    out.append(hdr)
    by = {}
    for r in records:
        by.setdefault(r['scenario'], []).append(r)
    for sc, rs in by.items():
        base = next((r for r in rs if r['mechanism'].startswith('kpool')), None)
        for r in rs:
            def us(f):
                return f"{r[f] / 1000:8.1f}" if f in r else f"{'-':>8}"
            ops = f"{r['ops_per_s']:8d}" if 'ops_per_s' in r else f"{'-':>8}"
            mk = f"{r['makespan_ns'] / 1e6:9.1f}" if 'makespan_ns' in r else f"{'-':>9}"
            by_ = f"{r['bytes']:6d}" if 'bytes' in r else f"{'-':>6}"
            thr = '-'
            if 'threads_after' in r and 'threads_after_idle' in r:
                thr = f"{r['threads_after']}->{r['threads_after_idle']}"
            out.append(f"{sc:<11} {r['mechanism']:<24} {us('p50_ns')} {us('p99_ns')} "
                       f"{us('p999_ns')} {us('max_ns')} {ops} {mk} {by_} {thr:>11}  "
                       f"{ratio_of(r, base)[0]}")
    out.append("thr: threads alive right after the burst -> after the idle wait "
               "(kpool: the pool's own threads; workqueues: every kworker in the system)")
    return '\n'.join(out)


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


def plots(out, meta, params, records, hists):
    made = []
    title = f"{meta.get('cpus')} vCPU QEMU/TCG guest, debug kernel {meta.get('kernel')}"
    # Latency distributions: complementary CDF (share of samples above x).
    scen = sorted({s for s, _ in hists})
    for sc in scen:
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
    # Burst: makespan and threads against K.
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
                f.write('# K makespan_ms cold_makespan_ms threads_after threads_after_idle\n')
                for k, r in sorted(pts, key=lambda p: p[0]):
                    f.write(f"{k} {r['makespan_ns'] / 1e6:.2f} "
                            f"{r.get('cold_makespan_ns', r['makespan_ns']) / 1e6:.2f} "
                            f"{r.get('threads_after', 0)} {r.get('threads_after_idle', 0)}\n")
            series.append(f"'{fn}' using 1:2 with linespoints lw 2 title '{mech}'")
            tser.append(f"'{fn}' using 1:4 with linespoints lw 2 title '{mech}: right after'")
            tser.append(f"'{fn}' using 1:5 with linespoints dt 2 title '{mech}: after idle wait'")
        if t_ms:
            series.append(f"{t_ms} with lines dt 3 lc rgb 'black' title 'T = {t_ms} ms'")
            series.append(f"{1.5 * t_ms} with lines dt 2 lc rgb 'gray' title '1.5 T (goal)'")
        script = ("set output 'burst_makespan.png'\n"
                  f"set title \"Blocking burst: K jobs each sleeping T = {t_ms} ms, "
                  f"median makespan (warm)\\n{title}\"\n"
                  "set logscale x 2\nset logscale y\nset xlabel 'K (jobs queued at once)'\n"
                  "set ylabel 'makespan (ms)'\nset grid\nset key top left box opaque\n"
                  f"plot {', '.join(series)}\n")
        if gnuplot(script, out):
            made.append('burst_makespan.png')
        script = ("set output 'burst_threads.png'\n"
                  f"set title \"Blocking burst: threads alive (kpool: its pool, min "
                  f"{params.get('burst_pool_min')}; workqueues: all kworkers)\\n{title}\"\n"
                  "set logscale x 2\nset xlabel 'K'\nset ylabel 'threads'\nset grid\n"
                  "set key top left box opaque\n"
                  f"plot {', '.join(tser)}\n")
        if gnuplot(script, out):
            made.append('burst_threads.png')
    return made


def main():
    src, out = sys.argv[1], sys.argv[2]
    host = kv(sys.argv[3:])
    meta, params, records, hists = parse(src)
    if not records:
        sys.exit('bench-report: no RESULT lines from the guest')
    by = {}
    for r in records:
        by.setdefault(r['scenario'], []).append(r)
    for rs in by.values():
        base = next((r for r in rs if r['mechanism'].startswith('kpool')), None)
        for r in rs:
            v = ratio_of(r, base)[1]
            if v is not None:
                r['ratio_to_kpool'] = round(v, 3)
    doc = {'cpus': meta.get('cpus'), 'kernel': meta.get('kernel'), 'params': params,
           'host': host, 'results': records}
    with open(os.path.join(out, 'results.json'), 'w') as f:
        json.dump(doc, f, indent=1)
    print(table(meta, records))
    made = plots(out, meta, params, records, hists)
    if made:
        print('plots: ' + ' '.join(os.path.join(out, p) for p in made))


main()
