import contextlib, io, multiprocessing, os, subprocess, sys, tempfile
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
# One CPU thread per process, set before torch is imported and inherited by every process the tests start: the
# notebooks run in the background (below) beside the other tests, and torch's threads would spin on a busy 2-core machine.
os.environ.setdefault('OMP_NUM_THREADS', '1')
import pytest, yaml
from mint.data.synthetic import make_planted_world

ROOT = Path(__file__).resolve().parent.parent
NBS = sorted(p.name for p in (ROOT/'nbs').glob('*.ipynb'))
EXEC = ROOT/'docs'/'_exec'

_runs, _pool = {}, []

def _start_notebooks()->dict:
    "Start executing every notebook in a fresh kernel, two at a time, into docs/_exec: name -> Future."
    sys.path.insert(0, str(ROOT/'tools'))
    from run_notebooks import execute_to
    EXEC.mkdir(parents=True, exist_ok=True)
    for f in EXEC.glob('*.ipynb'): f.unlink()
    _pool.append(ProcessPoolExecutor(3, mp_context=multiprocessing.get_context('spawn')))  # three fill the gaps of two cores best
    biggest_first = sorted(NBS, key=lambda n: -(ROOT/'nbs'/n).stat().st_size)  # so that both kernels finish about together
    return {nb: _pool[0].submit(execute_to, ROOT/'nbs'/nb, EXEC) for nb in biggest_first}

# Issue 19: the numeric notebooks once more with the CPU kernels of another instruction set, whose sums round
# otherwise, so that a float tolerance that only holds on the kernels of this machine fails here first.
KERNEL_ENV = {'MKL_ENABLE_INSTRUCTIONS': 'SSE4_2', 'ATEN_CPU_CAPABILITY': 'default'}
NUMERIC = ['01_data.sparse.ipynb', '04_models.sae_loader.ipynb', '05_models.mte.ipynb', '05a_models.fused.ipynb',
           '10a_models.hooks.ipynb', '14_eval.ipynb']
_kernel_runs = {}

def _run_on_other_kernels(nb:str, cwd)->subprocess.CompletedProcess:
    "Run notebook `nb` in a fresh kernel under `KERNEL_ENV`, its files in `cwd`."
    return subprocess.run([sys.executable, str(ROOT/'tools'/'run_notebooks.py'), '--timeout', '120', '--cwd', str(cwd), str(ROOT/'nbs'/nb)],
                          env={**os.environ, **KERNEL_ENV}, capture_output=True, text=True, timeout=600)

def _start_kernel_runs()->dict:
    "Start the `NUMERIC` notebooks' runs under `KERNEL_ENV`, two at a time, each in its own folder: name -> Future."
    _pool.append(ThreadPoolExecutor(2))  # threads that wait on the subprocesses
    tmp = Path(tempfile.mkdtemp(prefix='mint-kernels-'))
    return {nb: _pool[-1].submit(_run_on_other_kernels, nb, tmp/Path(nb).stem) for nb in NUMERIC}

def pytest_collection_finish(session):
    "When the docs' (or the kernels') tests are collected, start their notebooks' runs at once, so that they go on beside the other tests."
    if any(i.nodeid.startswith('tests/test_docs.py') for i in session.items): _runs.update(_start_notebooks())
    if any(i.nodeid.startswith('tests/test_kernels.py') for i in session.items): _kernel_runs.update(_start_kernel_runs())

def pytest_sessionfinish(session):
    for p in _pool: p.shutdown(cancel_futures=True)

@pytest.fixture(scope="session")
def notebook_runs()->dict:
    "Name -> Future of each notebook's run in a fresh kernel (see `pytest_collection_finish`)."
    if not _runs: _runs.update(_start_notebooks())
    return _runs

@pytest.fixture(scope="session")
def kernel_runs()->dict:
    "Name -> Future of each `NUMERIC` notebook's run under `KERNEL_ENV` (see `pytest_collection_finish`)."
    if not _kernel_runs: _kernel_runs.update(_start_kernel_runs())
    return _kernel_runs

@pytest.fixture(scope="session")
def world(tmp_path_factory):
    "A small planted world shared by the tests."
    return make_planted_world(tmp_path_factory.mktemp("world"), layers=(1, 3), d=16, F=64, n_pairs=48, T_range=(3, 6), seed=1)

def write_config(path, world, data=None, **mte):
    "Write a config for `world` to `path`, with `data` and `mte` overriding the defaults."
    m = dict(layers=[1, 3], hidden_dim=16, hidden_expansion=4, edit_norm_cap=4.0, lr=1e-3, batch_size=8, steps=20,
             editor_hidden=32, dropout=0.1, checkpoint_every=5, save_dir=str(Path(path).parent/'run'),
             sae_checkpoints={l: world['saes'][l] for l in (1, 3)})
    m.update(mte)
    # the planted world's pairs name no entities or phrasings: only a random validation split applies
    cfg = dict(seed=0, data={**dict(pairs_dir=world['pairs_dir'], val_fraction=0.25, val_split='random'), **(data or {})}, mte=m)
    Path(path).write_text(yaml.safe_dump(cfg))
    return Path(path)

def run_main(*args):
    "Run `mint.cli.main` (what `mint-train` runs) in this process with the command line `args`; return a CompletedProcess."
    from mint.cli import main
    kw, it = {}, iter(map(str, args))
    for a in it: kw[a.lstrip('-')] = True if a == '--debug' else next(it)
    out, err, code = io.StringIO(), io.StringIO(), 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try: main(**kw)
        except SystemExit as e: code = e.code
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())

def run_cli(*args, **kw):
    "Run `scripts/train_mte.py` with `args`; return the CompletedProcess."
    return subprocess.run([sys.executable, str(ROOT/'scripts'/'train_mte.py'), *map(str, args)], capture_output=True, text=True, **kw)

@pytest.fixture(scope="session")
def lm(tmp_path_factory):
    "A tiny random chat model in a folder, shared by the real-path tests (their SAEs, trained once, go beside it)."
    from mint.lm import make_tiny_lm
    from mint.data.scenarios import make_scenarios
    root = tmp_path_factory.mktemp('pipe')
    make_tiny_lm(root/'lm', [s.query + ' ' + s.tool_output for s in make_scenarios(8, 2)['train']], layers=3, d=32)
    return root

def pipe_config(root, name, **over):
    "Write `root/name.yaml`: the real path on the tiny model in `root`, each section updated by `over`; return its path."
    c = dict(seed=0, model={'name': str(root/'lm')}, scenarios={'n_train': 60, 'n_test': 2, 'out_dir': f'{name}/scenarios'},
             saes={'train': True, 'out_dir': 'saes', 'n_tokens': 4096, 'seq_len': 32, 'expansion_factor': 4, 'k': 8, 'batch_size': 8},
             pairs={'align': 'suffix+answer', 'max_answer_tokens': 6, 'batch_size': 2},
             data={'pairs_dir': f'{name}/pairs', 'val_fraction': 0.25},
             mte={'layers': [1, 2], 'hidden_dim': 32, 'hidden_expansion': 4, 'edit_norm_cap': 5.0, 'steps': 10, 'batch_size': 8,
                  'editor_hidden': 32, 'checkpoint_every': 5, 'save_dir': f'{name}/mte'},
             eval={'out_dir': f'{name}/eval', 'conditions': ['none', 'mean_shift', 'mte'], 'max_new_tokens': 8, 'n_boot': 200})
    for k,v in over.items(): c[k] = {**c.get(k, {}), **v}
    f = Path(root)/f'{name}.yaml'; f.write_text(yaml.safe_dump(c)); return f

ONE = dict(scenarios={'n_train': 12, 'n_test': 3, 'out_dir': 'one/scenarios'}, pairs={'batch_size': 3, 'flush_pairs': 3}, mte={'dropout': 0.0})

def one_config(lm, name, **over):
    "A config of the one-process run's scenarios and settings (`ONE`) under `name`, each section updated by `over`."
    return pipe_config(lm, name, **{k: {**ONE.get(k, {}), **over.get(k, {})} for k in {*ONE, *over}})

@pytest.fixture(scope="session")
def one(lm):
    "The whole real path in one process (`mint-run`): the reference that the resume and two-process tests compare with."
    r = subprocess.run([str(Path(sys.executable).parent/'mint-run'), '--config_path', str(one_config(lm, 'one'))], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    return lm/'one', r
