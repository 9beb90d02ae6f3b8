#!/usr/bin/env python
"""Check that mint's dependencies point one way (issues 13 and 23).

    python tools/check_imports.py      # exit 1, naming each offending import, if a rule is broken

The notebooks' order (nbs/*.ipynb sorted by name, each exporting one module) is the layering: a module may import
only modules whose notebooks come before its own. That rules out cycles. Nor may code import a private name
(`_x`) from another mint module, in `mint/` or in any notebook cell: what another module needs is public.
Training and evaluation stay apart: no module under `mint/train/` imports an evaluation module (`EVALUATION`), and
no evaluation module imports `mint/train/`, the spec's data loading (`mint.train.datasets`) aside; what both need
lives below them (`mint.models.window`, `mint.stats`, `mint.data.split`, `mint.data.tool`)."""
import ast, re, sys
from pathlib import Path
import nbformat

ROOT = Path(__file__).resolve().parent.parent
_exp = re.compile(r'^#\|\s*default_exp\s+(\S+)', re.M)
EVALUATION = ('mint.eval', 'mint.blocking', 'mint.tool_eval', 'mint.analysis', 'mint.features')  # the evaluation modules
TRAINING_DATA = ('mint.train.datasets',)  # the part of training that evaluation may import: the spec's data loading

def module_order():
    "Module name -> its notebook's position in nbs/ (sorted by file name)."
    out = {}
    for i, p in enumerate(sorted((ROOT/'nbs').glob('*.ipynb'))):
        for c in nbformat.read(p, as_version=4).cells:
            if c.cell_type == 'code' and (m := _exp.search(c.source)): out['mint.' + m[1]] = i; break
    return out

def _target(node, mod):
    "The absolute module names that import `node`, inside module `mod`, refers to, with the names it takes."
    if isinstance(node, ast.Import): return [(a.name, []) for a in node.names]
    base = mod.split('.')[:-node.level] if node.level else []
    name = '.'.join(base + ([node.module] if node.module else []))
    return [(name, [a.name for a in node.names])]

def imports(src, mod):
    "(line, imported module, names) for each import of a mint module in `src`, code of module `mod`."
    out = []
    for n in ast.walk(ast.parse(src)):
        if isinstance(n, (ast.Import, ast.ImportFrom)):
            for name, names in _target(n, mod):
                if name == 'mint' and names:  # `from mint import x`: x may be a submodule
                    out += [(n.lineno, f'mint.{x}', []) for x in names]
                elif name.startswith('mint.') or name == 'mint': out.append((n.lineno, name, names))
    return out

def wrong_way(mod:str, tgt:str)->str|None:
    "Why module `mod` may not import module `tgt` because training and evaluation stay apart; None if it may."
    train = lambda m: m == 'mint.train' or m.startswith('mint.train.')
    if train(mod) and tgt in EVALUATION: return f"{mod} (training) imports {tgt}, an evaluation module"
    if mod in EVALUATION and train(tgt) and tgt not in TRAINING_DATA: return f"{mod} (an evaluation module) imports {tgt}, training"

def module_problems(src:str, mod:str, order:dict, where:str)->list[str]:
    "The broken rules of the imports in `src`, the code of module `mod`, with `order` from `module_order`; `where` names the file."
    errs = []
    for line, tgt, names in imports(src, mod):
        at = f"{where}:{line}"
        if tgt != 'mint' and tgt not in order: errs.append(f"{at}: imports {tgt}, which no notebook exports"); continue
        if tgt != 'mint' and order[tgt] >= order[mod]:
            errs.append(f"{at}: {mod} imports {tgt}, whose notebook comes {'at the same place' if tgt == mod else 'after'} its own")
        if why := wrong_way(mod, tgt): errs.append(f"{at}: {why}")
        errs += [f"{at}: imports the private name {tgt}.{x}" for x in names if x.startswith('_') and tgt != mod]
    return errs

def problems():
    "Every broken rule, one line each."
    order, errs = module_order(), []
    for f in sorted((ROOT/'mint').rglob('*.py')):
        mod = '.'.join(f.relative_to(ROOT).with_suffix('').parts)
        if mod.endswith('__init__') or mod == 'mint._modidx': continue
        errs += module_problems(f.read_text(), mod, order, str(f.relative_to(ROOT)))
    for p in sorted((ROOT/'nbs').glob('*.ipynb')):
        cells = nbformat.read(p, as_version=4).cells
        own = next((('mint.' + m[1]) for c in cells if c.cell_type == 'code' and (m := _exp.search(c.source))), None)
        for i, c in enumerate(cells):
            if c.cell_type != 'code': continue
            src = '\n'.join(l for l in c.source.splitlines() if not l.lstrip().startswith(('%', '!')))
            try: found = imports(src, own or 'mint')
            except SyntaxError: continue
            errs += [f"nbs/{p.name} cell {i}: imports the private name {t}.{x}" for _, t, ns in found for x in ns
                     if x.startswith('_') and t != own]
    return errs

if __name__ == '__main__':
    errs = problems()
    for e in errs: print(e, file=sys.stderr)
    print(f"check_imports: {len(errs)} problem(s)" if errs else "check_imports: dependencies point one way; training and evaluation apart; no private names cross modules")
    sys.exit(1 if errs else 0)
