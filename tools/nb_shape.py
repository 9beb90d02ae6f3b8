#!/usr/bin/env python
"""The notebooks' shape, measured against the house style (issue 13): how long the code cells are, and how many
exported symbols a reader meets with prose, an example and a test.

    python tools/nb_shape.py            # print the numbers, one line each with its target
    python tools/nb_shape.py --check    # exit 1 if a number misses its target
    python tools/nb_shape.py --list     # also list the longest cells and the symbols that lack prose, example or test
    python tools/nb_shape.py --list nbs/05_models.mte.ipynb   # the same for some notebooks only

A cell's length counts its non-blank lines, nbdev directives (`#| ...`) left out. An exported symbol is a public
function or class that an `#| export` cell defines (`@patch`ed methods count as `Class.method`). It has *prose* when a
markdown cell of its notebook names it in backticks, an *example* when a later code cell that asserts nothing uses it,
and a *test* when a later code cell uses it and asserts (`assert`, `test_eq`, `test_close`, `test_fail`, ...)."""
import argparse, ast, re, statistics, sys
from pathlib import Path
import nbformat

NBS = Path(__file__).resolve().parent.parent/'nbs'
TARGETS = dict(median=4, p90=12, covered=0.60)
_test = re.compile(r'\bassert\b|\btest_(eq|ne|close|fail|is|warns|stdout|shuffled|eq_type)\b|pytest\.raises')

def _lines(src):
    "The non-blank lines of `src` that are not nbdev directives."
    return [l for l in src.splitlines() if l.strip() and not l.lstrip().startswith('#|')]

def _is_export(src): return bool(re.search(r'^#\|\s*(export|exports|exporti)\b', src, re.M))

def _defined(src):
    "Public names (function, class, `Class.method` for `@patch`) that the code `src` defines at its top level."
    try: tree = ast.parse('\n'.join(l for l in src.splitlines() if not l.lstrip().startswith(('%', '!'))))
    except SyntaxError: return []
    out = []
    for n in tree.body:
        if not isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) or n.name.startswith('_'): continue
        patch = [d for d in n.decorator_list if (d.id if isinstance(d, ast.Name) else getattr(getattr(d, 'func', None), 'id', None)) == 'patch']
        ann = n.args.args[0].annotation if patch and n.args.args else None
        out.append(f"{ann.id}.{n.name}" if isinstance(ann, ast.Name) else n.name)
    return out

def measure(nbs):
    "Cell lengths (all code cells, export cells) and, per exported symbol, whether it has prose, example and test."
    sizes, export_sizes, symbols, long_cells = [], [], {}, []
    for p in nbs:
        cells = nbformat.read(p, as_version=4).cells
        md = ' '.join(c.source for c in cells if c.cell_type == 'markdown')
        for i, c in enumerate(cells):
            if c.cell_type != 'code': continue
            n = len(_lines(c.source))
            if n == 0: continue
            sizes.append(n)
            if n >= 20: long_cells.append((n, p.name, i))
            if not _is_export(c.source): continue
            export_sizes.append(n)
            for name in _defined(c.source):
                short = name.split('.')[-1]
                used = re.compile(r'\b' + re.escape(short) + r'\b')
                later = [d.source for d in cells[i+1:] if d.cell_type == 'code' and not _is_export(d.source) and used.search(d.source)]
                symbols[f"{p.stem}:{name}"] = dict(
                    prose=f'`{short}' in md or f'`{name}' in md,
                    example=any(not _test.search(s) for s in later),
                    test=any(_test.search(s) for s in later))
    return sizes, export_sizes, symbols, sorted(long_cells, reverse=True)

def report(nbs=None, show=False):
    "Print the shape numbers with their targets; return True when every number meets its target."
    sizes, ex, syms, long_cells = measure(nbs or sorted(NBS.glob('*.ipynb')))
    med, p90 = statistics.median(sizes), statistics.quantiles(sizes, n=10)[-1]
    full = [k for k, v in syms.items() if all(v.values())]
    cov = len(full)/max(len(syms), 1)
    rows = [('median lines per code cell', med, f"<= {TARGETS['median']}", med <= TARGETS['median']),
            ('90th percentile lines per code cell', p90, f"<= {TARGETS['p90']}", p90 <= TARGETS['p90']),
            ('export cells under 12 lines', f"{sum(n < 12 for n in ex)/len(ex):.0%}", '', True),
            ('code cells of 20+ lines', len(long_cells), '', True),
            ('exported symbols with prose, example and test', f"{cov:.0%} ({len(full)}/{len(syms)})", f">= {TARGETS['covered']:.0%}", cov >= TARGETS['covered'])]
    print(f"notebook shape ({len(sizes)} code cells, {len(syms)} exported symbols):")
    for name, v, t, ok in rows: print(f"  {name:<48} {v!s:>14}  {t:<6} {'' if not t else ('ok' if ok else 'MISSED')}")
    if show:
        print("longest cells:"); [print(f"  {n:>3} lines  {f} cell {i}") for n, f, i in long_cells[:30]]
        print("symbols missing prose, example or test:")
        for k, v in syms.items():
            if not all(v.values()): print(f"  {k}: no {', no '.join(m for m, ok in v.items() if not ok)}")
    return all(ok for *_, ok in rows)

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('notebooks', nargs='*', help='notebooks to measure (default: all of nbs/)')
    ap.add_argument('--check', action='store_true'); ap.add_argument('--list', action='store_true')
    a = ap.parse_args()
    ok = report([Path(n) for n in a.notebooks] or None, show=a.list)
    sys.exit(0 if ok or not a.check else 1)
