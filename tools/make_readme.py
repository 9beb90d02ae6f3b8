#!/usr/bin/env python
"""Write README.md from nbs/index.ipynb: markdown cells as they are, shown code cells and their text outputs.

nbdev's own `nbdev-readme` needs Quarto, which is not installable everywhere; this keeps README.md current without it."""
import re, sys
from pathlib import Path
import nbformat

root = Path(__file__).resolve().parent.parent
_dir = re.compile(r'^\s*#\s*\|\s*(\w+)')

def _directives(src): return {m[1] for l in src.splitlines() if (m := _dir.match(l))}

def readme(nb_path=root/'nbs'/'index.ipynb'):
    "The README text for the notebook at `nb_path`."
    parts = ['<!-- Generated from nbs/index.ipynb by tools/make_readme.py (run `make readme`); do not edit. -->']
    for c in nbformat.read(nb_path, as_version=4).cells:
        if c.cell_type == 'markdown': parts.append(c.source.strip()); continue
        if c.cell_type != 'code' or _directives(c.source) & {'hide', 'exec_doc'}: continue
        code = '\n'.join(l for l in c.source.splitlines() if not _dir.match(l)).strip()
        if code: parts.append(f"```python\n{code}\n```")
        for o in c.get('outputs', []):
            txt = o.get('text') if o.output_type == 'stream' else o.get('data', {}).get('text/plain')
            if txt: parts.append(f"```\n{''.join(txt).rstrip()}\n```")
    return '\n\n'.join(parts) + '\n'

if __name__ == '__main__':
    out = root/'README.md'
    new = readme()
    if not out.exists() or out.read_text() != new: out.write_text(new); print(f"wrote {out}", file=sys.stderr)
