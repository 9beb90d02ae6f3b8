"""The training CLI end to end: a real run, each bad input ending in one line, a killed run resumed exactly.

The real runs go through `scripts/train_mte.py` and the console script; the bad inputs and the short runs call
`mint.cli.main` in this process (`run_main`), which is the same code without starting Python each time."""
import json, math, signal, subprocess, sys, time
from pathlib import Path
import pytest, torch, yaml
from conftest import ROOT, write_config, run_cli, run_main
from mint.data.store import convert_to_store
from mint.models.mte import MechanisticToolEditor
from mint.utils import atomic_save

def test_trains_and_reports(world, tmp_path):
    cfg = write_config(tmp_path/'run.yaml', world, steps=40, checkpoint_every=20)
    r = run_cli('--config_path', cfg)
    assert r.returncode == 0, r.stderr
    assert 'held-out tool_effect_recovered:' in r.stdout and 'checkpoint:' in r.stdout and 'edit magnitudes:' in r.stdout
    run = tmp_path/'run'
    assert sorted(p.name for p in run.glob('mte_*.pt')) == ['mte_final.pt', 'mte_step_20.pt', 'mte_step_40.pt']
    assert (run/'training_curves.png').stat().st_size > 1000 and (run/'edit_magnitudes.png').stat().st_size > 1000
    m = MechanisticToolEditor.load(run/'mte_final.pt', device='cpu')
    assert m.layers == [1, 3] and m.feature_dim == 64
    recs = [json.loads(l) for l in (run/'metrics.jsonl').read_text().splitlines()]
    assert [r['step'] for r in recs if r['split'] == 'val'] == [20, 40]
    assert len([r for r in recs if r['split'] == 'train']) == 40
    for k in ('Pairs directory:', 'Layers: [1, 3]', 'Learning rate: 0.001', 'Steps: 40'): assert k in r.stderr

def test_console_script(world, tmp_path):
    cfg = write_config(tmp_path/'run.yaml', world, steps=2, checkpoint_every=2)
    r = subprocess.run([str(Path(sys.executable).parent/'mint-train'), '--config_path', str(cfg)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr

def _one_line_error(r, *contains):
    assert r.returncode == 1, (r.stdout, r.stderr)
    lines = [l for l in r.stderr.splitlines() if 'mint-train: error' in l]
    assert len(lines) == 1 and 'Traceback' not in r.stderr, r.stderr
    for c in contains: assert c in lines[0], lines[0]
    return lines[0]

def test_missing_config(tmp_path): _one_line_error(run_main('--config_path', tmp_path/'none.yaml'), 'config file not found', 'none.yaml')

def test_bad_config(world, tmp_path):
    cfg = write_config(tmp_path/'run.yaml', world, steps=0, stpes=3)
    _one_line_error(run_main('--config_path', cfg), 'run.yaml', 'mte.stpes: unknown key', 'mte.steps: must be at least 1')

def test_yaml_syntax_error(tmp_path):
    (tmp_path/'c.yaml').write_text('mte: {layers: [1, 2\n')
    _one_line_error(run_main('--config_path', tmp_path/'c.yaml'), 'c.yaml: not valid YAML')

def test_missing_pairs(world, tmp_path):
    cfg = write_config(tmp_path/'run.yaml', world)
    _one_line_error(run_main('--config_path', cfg, '--pairs_dir', tmp_path/'nopairs'), 'pairs directory not found', 'nopairs')

def test_missing_sae(world, tmp_path):
    cfg = write_config(tmp_path/'run.yaml', world, sae_checkpoints={1: str(tmp_path/'gone'), 3: world['saes'][3]})
    _one_line_error(run_main('--config_path', cfg), 'SAE checkpoint not found', 'gone')

def test_sae_of_the_wrong_size(world, tmp_path):
    cfg = write_config(tmp_path/'run.yaml', world, hidden_expansion=8)
    _one_line_error(run_main('--config_path', cfg), 'layer 1: SAE at', '(16, 64)', '(16, 128)')

def test_entity_split_needs_entity_metadata(world, tmp_path):
    "The planted world's pairs name no entities: a split by entity says so and names the key to change."
    cfg = write_config(tmp_path/'run.yaml', world, data=dict(val_split='entity'))
    _one_line_error(run_main('--config_path', cfg), "data.val_split: 'entity'", 'set data.val_split: auto')

def _originals_pairs(world, out):
    "The planted world's pairs rewritten in the original project's format: a leading batch dim, metadata query, tool_output, domain (two pairs a query)."
    out.mkdir()
    for i, f in enumerate(sorted(Path(world['pairs_dir']).glob('pair_*.pt'))):
        d = torch.load(f, weights_only=True)
        d = {k: ({l: t[None] if t.dim() == 2 else t for l, t in v.items()} if isinstance(v, dict) and k != 'metadata' else v) for k, v in d.items()}
        d['metadata'] = {'query': f'What is q{i // 2}?', 'tool_output': f'o{i // 2}', 'domain': 'search'}
        torch.save(d, out/f.name)
    return out

def test_spec_flow_trains_on_the_originals_pairs(world, tmp_path):
    "The spec's command, with a config without data.val_split, on the original's pairs: it trains, holding out whole prompts (issue 19)."
    cfg = write_config(tmp_path/'run.yaml', world, data=dict(pairs_dir=str(_originals_pairs(world, tmp_path/'orig'))), steps=4, checkpoint_every=4)
    c = yaml.safe_load(cfg.read_text()); del c['data']['val_split']; cfg.write_text(yaml.safe_dump(c))
    r = run_cli('--config_path', cfg)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stderr.count('data.val_split: auto holds out pairs by prompt') == 1, r.stderr[-3000:]
    for f in ('mte_final.pt', 'mte_step_4.pt'): assert torch.load(tmp_path/'run'/f, weights_only=True)['config']['data']['val_split'] == 'prompt'
    assert '36 training pairs, 12 held out by prompt' in r.stderr
    from mint.data.counterfactual_pairs import load_pairs
    from mint.data.split import split_pairs
    tr, va = split_pairs(load_pairs(tmp_path/'orig'), 0.25, 0)
    assert not {p.metadata['query'] for p in tr} & {p.metadata['query'] for p in va}
    c['data']['val_split'] = 'entity'; cfg.write_text(yaml.safe_dump(c))  # an explicit entity split keeps its error
    _one_line_error(run_main('--config_path', cfg), "data.val_split: 'entity' groups pairs by their metadata ['family', 'arguments'], but pair 0 has no")

def test_residual_objective_is_trained_and_recorded(world, tmp_path):
    r = run_main('--config_path', write_config(tmp_path/'run.yaml', world, steps=4, checkpoint_every=4, objective='residual'))
    assert r.returncode == 0, r.stderr
    assert MechanisticToolEditor.load(tmp_path/'run/mte_final.pt', device='cpu').objective == 'residual'
    assert torch.load(tmp_path/'run/mte_step_4.pt', weights_only=True)['objective'] == 'residual'
    v = [json.loads(l) for l in (tmp_path/'run/metrics.jsonl').read_text().splitlines() if '"val"' in l][-1]
    for k in ('tool_effect_recovered', 'mean_shift_recovered', 'beyond_mean_shift', 'tool_effect_recovered_suffix', 'n_massive', 'n_tokens'): assert k in v

def test_residual_objective_needs_h_no_tool(world, tmp_path):
    store = convert_to_store(world['pairs_dir'], tmp_path/'store', keep_h_no_tool=False)
    cfg = write_config(tmp_path/'run.yaml', world, objective='residual')
    _one_line_error(run_main('--config_path', cfg, '--pairs_dir', store), "mte.objective: 'residual' needs h_no_tool")

def test_debug_shows_traceback(tmp_path):
    from mint.cli import main
    with pytest.raises(FileNotFoundError, match='none.yaml'): main(config_path=str(tmp_path/'none.yaml'), debug=True)

def _weights(p): return torch.load(p, map_location='cpu', weights_only=True)['state_dict']

def test_killed_run_resumes_to_the_same_weights(world, tmp_path):
    "Kill a run mid-way (SIGKILL), resume it from its last checkpoint, and match an unbroken run exactly."
    (tmp_path/'a').mkdir()
    whole = write_config(tmp_path/'a/run.yaml', world, steps=300, checkpoint_every=10)
    assert run_main('--config_path', whole).returncode == 0
    (tmp_path/'b').mkdir()
    killed = write_config(tmp_path/'b/run.yaml', world, steps=300, checkpoint_every=10)
    p = subprocess.Popen([sys.executable, str(ROOT/'scripts'/'train_mte.py'), '--config_path', str(killed)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    run = tmp_path/'b/run'
    t0 = time.time()
    while not list(run.glob('mte_step_3*.pt')) and time.time() - t0 < 120 and p.poll() is None: time.sleep(0.01)
    p.send_signal(signal.SIGKILL); p.wait()
    assert not (run/'mte_final.pt').exists(), "the run finished before it was killed; the test proves nothing"
    ckpts = sorted(run.glob('mte_step_*.pt'), key=lambda f: int(f.stem.split('_')[-1]))
    for c in ckpts: _weights(c)  # every checkpoint on disk is whole
    r = run_main('--config_path', killed, '--checkpoint_path', ckpts[-1])
    assert r.returncode == 0, r.stderr
    a, b = _weights(tmp_path/'a/run/mte_final.pt'), _weights(run/'mte_final.pt')
    assert all(torch.equal(a[k], b[k]) for k in a)
    steps = [json.loads(l)['step'] for l in (run/'metrics.jsonl').read_text().splitlines() if '"train"' in l]
    assert steps == list(range(1, 301))

def test_weights_only_checkpoint_starts_a_new_optimizer(world, tmp_path):
    cfg = write_config(tmp_path/'run.yaml', world, steps=4, checkpoint_every=4)
    assert run_main('--config_path', cfg).returncode == 0
    r = run_main('--config_path', cfg, '--checkpoint_path', tmp_path/'run/mte_final.pt')
    assert r.returncode == 0 and 'holds weights only: starting a new optimizer' in r.stderr

def test_checkpoint_write_is_atomic(tmp_path, monkeypatch):
    (tmp_path/'mte.pt').write_bytes(b'old')
    def boom(obj, f): open(f, 'wb').write(b'half'); raise KeyboardInterrupt
    monkeypatch.setattr(torch, 'save', boom)
    with pytest.raises(KeyboardInterrupt): atomic_save({'x': 1}, tmp_path/'mte.pt')
    assert (tmp_path/'mte.pt').read_bytes() == b'old' and [f.name for f in tmp_path.iterdir()] == ['mte.pt']

@pytest.mark.parametrize('impl,dtype', [('reference', 'fp32'), ('fused', 'fp32'), ('auto', 'bf16')])
def test_every_loss_impl_and_dtype_trains(world, tmp_path, impl, dtype):
    r = run_main('--config_path', write_config(tmp_path/'run.yaml', world, steps=4, checkpoint_every=4, loss_impl=impl, dtype=dtype))
    assert r.returncode == 0, r.stderr
    v = [json.loads(l) for l in (tmp_path/'run/metrics.jsonl').read_text().splitlines() if '"val"' in l][-1]
    assert math.isfinite(v['mse_edit']) and math.isfinite(v['tool_effect_recovered']) and v['mse_no_edit'] > 0
