"""Every stage under torchrun with two processes on Gloo, against one process, on the tiny random chat model:
the pair store, the trained weights and the evaluation are the same, and a killed rank stops the job, names
itself and its stage, and the rerun resumes without losing or repeating a pair."""
import json, math, os, signal, subprocess, sys, time
from pathlib import Path
import pytest, torch
from conftest import one_config, write_config, run_main

BIN = Path(sys.executable).parent
pytestmark = pytest.mark.skipif(not torch.distributed.is_gloo_available(), reason="torch was built without Gloo")


def _torchrun(cmd, cfg, n=2, **kw):
    return [str(BIN/'torchrun'), '--standalone', f'--nproc_per_node={n}', str(BIN/cmd), '--config_path', str(cfg)]

def _two(cmd, cfg, **kw): return subprocess.run(_torchrun(cmd, cfg), capture_output=True, text=True, **kw)

def _pairs(path):
    from mint.data.store import open_store
    return [(p.metadata, {l: t for l, t in p.h_with_tool.items()}, {l: t.idx for l, t in p.phi_no_tool.items()}) for p in open_store(path)]

def _same_store(a, b):
    A, B = _pairs(a), _pairs(b)
    assert len(A) == len(B) > 0
    for (ma, ha, ia), (mb, hb, ib) in zip(A, B):
        assert ma == mb
        assert all(torch.equal(ha[l], hb[l]) and torch.equal(ia[l], ib[l]) for l in ha)

def test_two_processes_write_the_same_pair_store(lm, one):
    r = _two('mint-pairs', one_config(lm, 'two'))
    assert r.returncode == 0, r.stderr[-3000:]
    m = json.loads((lm/'two/pairs/manifest.json').read_text())
    assert m['complete'] and m['ranks'] == 2 and {s['file'].split('/')[1] for s in m['shards']} == {'rank_0_of_2', 'rank_1_of_2'}
    _same_store(one[0]/'pairs', lm/'two/pairs')

def test_ddp_reaches_the_weights_of_one_process(world, tmp_path):
    "Two ranks with half the batch each reach the weights of one rank with the whole batch (pairs of varied lengths), with dropout: its masks are drawn for the global batch (issue 19)."
    runs = {}
    for n in (1, 2):
        cfg = write_config(tmp_path/f'{n}.yaml', world, steps=12, checkpoint_every=6, dropout=0.1, batch_size=8, save_dir=str(tmp_path/f'run{n}'))
        r = run_main('--config_path', cfg) if n == 1 else _two('mint-train', cfg)
        assert r.returncode == 0, r.stderr[-3000:]
        runs[n] = torch.load(tmp_path/f'run{n}/mte_final.pt', weights_only=True)
    a, b = runs[1], runs[2]
    assert (a['world_size'], b['world_size'], a['global_batch'], b['global_batch']) == (1, 2, 8, 8)
    for k in a['state_dict']: torch.testing.assert_close(b['state_dict'][k], a['state_dict'][k], rtol=1e-4, atol=1e-5)
    assert torch.load(tmp_path/'run2/mte_step_6.pt', weights_only=True)['world_size'] == 2
    va, vb = ([json.loads(l) for l in (tmp_path/f'run{n}/metrics.jsonl').read_text().splitlines()] for n in (1, 2))
    assert [x['step'] for x in va] == [x['step'] for x in vb]  # rank 0 logs the whole batch's metrics, once
    assert all(math.isclose(x['total_loss'], y['total_loss'], rel_tol=1e-4) for x, y in zip(va, vb) if x['split'] == 'train')

def test_two_processes_write_the_same_evaluation(lm, one):
    r = _two('mint-eval', one_config(lm, 'one', eval={'out_dir': 'one/eval2'}))
    assert r.returncode == 0, r.stderr[-3000:]
    a, b = (json.loads((one[0]/f'{e}/eval.json').read_text()) for e in ('eval', 'eval2'))
    assert a['n_scenarios'] == 12 and a['conditions'][:3] == ['none', 'mean_shift', 'mte']
    assert b == a

def _workers(agent:int)->dict:
    "Rank -> pid of the worker processes that the torchrun process `agent` started."
    out = {}
    for kid in Path(f'/proc/{agent}/task/{agent}/children').read_text().split():
        env = dict(kv.split('=', 1) for kv in Path(f'/proc/{kid}/environ').read_bytes().decode().split('\0') if '=' in kv)
        if 'RANK' in env: out[int(env['RANK'])] = int(kid)
    return out

def test_a_killed_rank_stops_the_job_and_the_rerun_resumes(lm, one):
    cfg = one_config(lm, 'fault')
    p = subprocess.Popen(_torchrun('mint-pairs', cfg), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    man = lm/'fault/pairs/ranks/rank_1_of_2/manifest.json'
    for _ in range(1200):  # kill rank 1 once some of its pairs are durable and its store is unfinished
        if man.exists() and json.loads(man.read_text()).get('complete') is False: break
        time.sleep(0.05)
    os.kill(_workers(p.pid)[1], signal.SIGKILL)
    out, err = p.communicate(timeout=120)
    assert p.returncode != 0
    assert 'rank: 1' in err and 'SIGKILL' in err, err[-3000:]  # torchrun's report names the rank that died
    assert 'mint-pairs: rank 0 of 2, stage pairs stopped' in err, err[-3000:]  # and the other rank its stage
    durable = len(json.loads(man.read_text())['pairs'])
    assert 0 < durable < 24 and not json.loads((lm/'fault/pairs/manifest.json').read_text())['complete']
    r = _two('mint-pairs', cfg)
    assert r.returncode == 0, r.stderr[-3000:]
    _same_store(one[0]/'pairs', lm/'fault/pairs')  # nothing lost, nothing twice, in order
