import subprocess, sys
from pathlib import Path
import pytest, yaml
from mint.data.synthetic import make_planted_world

ROOT = Path(__file__).resolve().parent.parent

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

def run_cli(*args, **kw):
    "Run `scripts/train_mte.py` with `args`; return the CompletedProcess."
    return subprocess.run([sys.executable, str(ROOT/'scripts'/'train_mte.py'), *map(str, args)], capture_output=True, text=True, **kw)
