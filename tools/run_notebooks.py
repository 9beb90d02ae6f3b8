#!/usr/bin/env python
"""Execute notebooks top to bottom in a fresh Jupyter kernel (nbclient + ipykernel), as a user runs them.

    python tools/run_notebooks.py nbs/08_analysis.ipynb ...      # run, fail on the first error, save nothing
    python tools/run_notebooks.py --out docs/_exec nbs/*.ipynb   # also write the executed notebooks there
    python tools/run_notebooks.py --cwd /tmp/run nbs/05_models.mte.ipynb  # their files (fixtures, checkpoints) go to /tmp/run

Widget state is stored in the executed notebooks (nbclient's store_widget_state), so a docs page can show
the widgets as they were. Streams are saved as a Jupyter front end shows them (progress bars collapsed).
Cells flagged `#| cuda` are skipped on a machine without CUDA, and each notebook's closing hidden
`nbdev_export()` cell is skipped (it would rewrite mint/ while other processes import it; `make export` exports). Cells flagged `#| slow` (the real model's
tutorial: minutes of CPU) are skipped unless `--slow` is given, and keep the outputs saved in the notebook,
which came from a real run with `--slow`."""
import argparse, sys, time
from pathlib import Path
import nbformat
from nbclient import NotebookClient

def _render(text):
    "`text` with each carriage-return-overwritten line reduced to what a terminal shows."
    return '\n'.join(l.rsplit('\r', 1)[-1] if '\r' in l.rstrip('\r') else l.rstrip('\r') for l in text.split('\n'))

def _coalesce(outputs):
    "Merge consecutive stream outputs of one name, rendered."
    res = []
    for o in outputs:
        if o.output_type == 'stream' and res and res[-1].output_type == 'stream' and res[-1].name == o.name: res[-1].text += o.text
        else: res.append(o)
    for o in res:
        if o.output_type == 'stream': o.text = _render(o.text)
    return res

def _exports(cell)->bool:
    "Whether `cell` is a notebook's closing hidden `nbdev_export()`."
    # it rewrites mint/ (unchanged: the sync check exports first) while other processes may be importing it
    return 'nbdev_export()' in cell.source and '#| hide' in cell.source

def execute(nb_path, cwd=None, timeout=900, slow=False):
    "The notebook at `nb_path`, executed in a fresh kernel with `cwd` as its working directory (default: its folder)."
    import torch
    nb = nbformat.read(nb_path, as_version=4)
    skip = [c for c in nb.cells if c.cell_type == 'code' and ('#| cuda' in c.source and not torch.cuda.is_available() or _exports(c))]
    keep = [c for c in nb.cells if c.cell_type == 'code' and '#| slow' in c.source and not slow and c not in skip]
    saved = [(c.outputs, c.get('execution_count')) for c in keep]
    for c in skip + keep: c.cell_type = 'raw'
    NotebookClient(nb, timeout=timeout, kernel_name='python3', store_widget_state=True,
                   resources={'metadata': {'path': str(cwd or Path(nb_path).parent)}}).execute()
    for c in skip: c.cell_type, c.outputs, c.execution_count = 'code', [], None
    for c,(o,n) in zip(keep, saved): c.cell_type, c.outputs, c.execution_count = 'code', o, n
    for c in nb.cells:
        if c.cell_type == 'code': c.outputs = _coalesce(c.outputs)
    return nb

def _execute_retrying(nb_path, timeout:int, tries:int=3, **kw):
    "`execute`, run again (up to `tries` times in all) when the kernel stops answering."
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    for i in range(tries):
        try: return execute(nb_path, timeout=timeout, **kw)
        except (CellTimeoutError, DeadKernelError) as e:  # a reply that never comes (seen now and then under load): the kernel sits idle
            if i == tries - 1: raise
            print(f"run_notebooks: {Path(nb_path).name}: {type(e).__name__}; running it again", file=sys.stderr, flush=True)

def execute_to(nb_path, out_dir, timeout=120, **kw)->Path:
    "Execute the notebook at `nb_path` (see `execute`, retried when the kernel stops answering) and write the result to `out_dir`; returns its path."
    nb = _execute_retrying(nb_path, timeout, **kw)
    out = Path(out_dir)/Path(nb_path).name
    nbformat.write(nb, out)
    return out

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('notebooks', nargs='+'); ap.add_argument('--out', help='write the executed notebooks to this folder')
    ap.add_argument('--slow', action='store_true', help='also run cells flagged #| slow')
    ap.add_argument('--timeout', type=int, default=1800, help='seconds a cell may take before the notebook is run again (a kernel that stopped answering)')
    ap.add_argument('--cwd', help="run the notebooks in this folder (default: each one's own), so that their files go there")
    args = ap.parse_args()
    if args.cwd: Path(args.cwd).mkdir(parents=True, exist_ok=True)
    for f in map(Path, args.notebooks):
        t = time.time()
        nb = _execute_retrying(f, args.timeout, cwd=args.cwd, slow=args.slow)
        if args.out: Path(args.out).mkdir(parents=True, exist_ok=True); nbformat.write(nb, Path(args.out)/f.name)
        print(f"ran {f} in {time.time()-t:.1f}s", file=sys.stderr)

if __name__ == '__main__': main()
