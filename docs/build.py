#!/usr/bin/env python
"""Build mint's docs site offline: nbdev's processors, a little glue, then Sphinx + myst-nb + furo.

    python docs/build.py        # (make docs) -> docs/_build/html/index.html

Quarto, which `nbdev-docs` uses, is not installable everywhere; nbdev's Quarto config stays in nbs/ for those
who have it. This script:
1. fetches the widget JavaScript (@jupyter-widgets/html-manager's embed.js) from the npm registry into docs/_static;
2. executes every notebook in a fresh kernel with nbclient, storing widget state, into docs/_exec;
3. runs nbdev's own processors on them (`nbdev.serve.proc_nbs`), which insert the show_doc API docs, into _proc/;
4. applies the glue below, writing Sphinx sources to docs/_src;
5. runs `sphinx-build -W` (warnings are errors) into docs/_build/html."""
import re, shutil, subprocess, sys, tarfile, tempfile
from pathlib import Path
import nbformat

ROOT = Path(__file__).resolve().parent.parent
DOCS, HTML_MANAGER = ROOT/'docs', '@jupyter-widgets/html-manager@1.0.15'
DOC_HOST = 'https://mint-dev.github.io/mint/'

# ---- the glue: nbdev's processed notebooks -> myst-nb sources (tested in tests/test_docs.py)
_fm = re.compile(r'^---\n(.*?)\n---', re.S)
_target = re.compile(r'\{target="[^"]*"[^}]*\}')
_doclink = re.compile(r'\[`([^`]+)`\]\(' + re.escape(DOC_HOST) + r'([^)#]*)(#[^)]*)?\)')

def _front_matter(cell):
    "The title, description and output file of a Quarto front-matter raw cell."
    import yaml
    m = _fm.match(cell.source.strip())
    return yaml.safe_load(m[1]) if cell.cell_type == 'raw' and m else None

def _fix_md(text):
    "Markdown that Sphinx accepts: plain links, <hr> for show_doc's leading ---, local doc links."
    text = _target.sub('', text)
    text = _doclink.sub(lambda m: f'<a href="{m[2]}{m[3] or ""}"><code>{m[1]}</code></a>', text)
    return re.sub(r'^---\n', '<hr>\n', text)

def glue(nb):
    "Turn one nbdev-processed notebook into a myst-nb source; return (notebook, page name)."
    name = None
    cells = []
    for c in nb.cells:
        fm = _front_matter(c)
        if fm is not None:
            name = Path(fm.get('output-file', '')).stem or None
            c = nbformat.v4.new_markdown_cell(f"# {fm.get('title', name)}\n\n> {fm.get('description', '')}".rstrip('> \n'))
        elif c.cell_type == 'markdown': c.source = _fix_md(c.source)
        elif c.cell_type == 'code':
            tags = set(c.metadata.get('tags', []))
            if re.search(r'^#\|\s*echo:\s*false', c.source, re.M): tags.add('remove-input')
            if re.search(r'^#\|\s*output:\s*false', c.source, re.M): tags.add('remove-output')
            c.source = '\n'.join(l for l in c.source.splitlines() if not l.startswith('#|'))
            if tags: c.metadata['tags'] = sorted(tags)
            c.metadata.pop('execution', None)
            c.pop('has_sd', None)  # nbdev's marker; not valid notebook JSON
            for o in c.get('outputs', []):
                if 'text/markdown' in o.get('data', {}): o['data']['text/markdown'] = _fix_md(o['data']['text/markdown'])
        cells.append(c)
    nb.cells = cells
    return nb, name

# The sidebar's sections, in reading order; within each, pages keep the notebooks' numbering.
SECTIONS = (('Tutorials', lambda nb: 'tutorial' in nb),
            ('The training system', lambda nb: nb[:2] < '10'),
            ('The real-model path', lambda nb: '10' <= nb[:2] < '17'),
            ('Commands and scale', lambda nb: nb[:2] == '17'),
            ('Benchmarks', lambda nb: nb == 'benchmarks'))

def section_of(nb:str)->str:
    "The sidebar section of notebook `nb` (its file name without `.ipynb`): the first of `SECTIONS` that takes it."
    for caption, takes in SECTIONS:
        if takes(nb): return caption
    raise ValueError(f"docs/build.py: notebook {nb}.ipynb belongs to no sidebar section; add it to SECTIONS")

def _toctree(caption, names):
    return nbformat.v4.new_markdown_cell(f"```{{toctree}}\n:hidden:\n:maxdepth: 1\n:caption: {caption}\n\n" + '\n'.join(names) + "\n```")

def toctrees(pages:dict)->list:
    "One toctree cell per sidebar section, for `pages` (page name -> notebook name), in notebook order."
    by = {c: [] for c, _ in SECTIONS}
    for page, nb in sorted(pages.items(), key=lambda kv: kv[1]): by[section_of(nb)].append(page)
    return [_toctree(c, names) for c, names in by.items() if names]

# ---- the steps
def fetch_widget_js():
    "Copy html-manager's embed.js into docs/_static (from the npm registry, once)."
    dst = DOCS/'_static'/'embed.js'
    if dst.exists(): return dst
    dst.parent.mkdir(parents=True, exist_ok=True)
    if not shutil.which('npm'): sys.exit(f"docs/build.py: npm is needed to fetch {HTML_MANAGER} (the widget JavaScript)")
    with tempfile.TemporaryDirectory() as t:
        subprocess.run(['npm', 'pack', HTML_MANAGER, '--silent'], cwd=t, check=True, capture_output=True)
        with tarfile.open(next(Path(t).glob('*.tgz'))) as tf: shutil.copyfileobj(tf.extractfile('package/dist/embed.js'), open(dst, 'wb'))
    return dst

def execute_all():
    "Execute every notebook in nbs/ into docs/_exec, widget state included."
    sys.path.insert(0, str(ROOT/'tools'))
    from run_notebooks import execute
    out = DOCS/'_exec'
    shutil.rmtree(out, ignore_errors=True); out.mkdir(parents=True)
    for f in sorted((ROOT/'nbs').glob('*.ipynb')):
        print(f"executing {f.name}", flush=True)
        nbformat.write(execute(f), out/f.name)  # run where users run them: nbs/
    return out

def build(execute:bool=True):
    "Build the site; with `execute=False`, from notebooks already executed into docs/_exec."
    from nbdev.serve import proc_nbs
    fetch_widget_js()
    exe = execute_all() if execute else DOCS/'_exec'
    proc = proc_nbs(str(exe), n_workers=2, force=True, skip_folder_re=r'^(data|[_.].*)$')
    src = DOCS/'_src'
    shutil.rmtree(src, ignore_errors=True); src.mkdir()
    pages, nbs = {}, {}
    for f in sorted(Path(proc).glob('*.ipynb')):
        nb, name = glue(nbformat.read(f, as_version=4))
        pages[name or f.stem], nbs[name or f.stem] = nb, f.stem
    home = pages.pop('index'); nbs.pop('index')
    home.cells += toctrees(nbs)
    for name, nb in {'index': home, **pages}.items(): nbformat.write(nb, src/f'{name}.ipynb')
    subprocess.run([sys.executable, '-m', 'sphinx', '-W', '--keep-going', '-q', '-E', '-j', '2', '-b', 'html', '-c', str(DOCS), str(src), str(DOCS/'_build'/'html')], check=True)
    print(f"docs: {DOCS/'_build'/'html'/'index.html'}")
    return DOCS/'_build'/'html'

if __name__ == '__main__': build()  # proc_nbs starts worker processes that re-import this file
