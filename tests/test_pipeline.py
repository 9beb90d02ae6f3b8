"The real-model path through its commands, on a tiny random chat model: a killed `mint-pairs` resumes to the same store, `mint-run` goes end to end, and bad input ends in one line."
import json, signal, subprocess, sys, time
from pathlib import Path
import torch
from conftest import pipe_config

BIN = Path(sys.executable).parent

def _config(root, name, **over): return pipe_config(root, name, **over)

def _run(cmd, cfg, **kw): return subprocess.run([str(BIN/cmd), '--config_path', str(cfg)], capture_output=True, text=True, **kw)

def _store(path):
    from mint.data.store import open_store
    st = open_store(path)
    return [(p.metadata, p.h_with_tool[2], p.h_no_tool[1]) for p in st]

def test_killed_pairs_run_resumes_to_the_same_store(lm):
    whole = _run('mint-pairs', _config(lm, 'whole'))
    assert whole.returncode == 0, whole.stderr[-3000:]
    cfg = _config(lm, 'killed')
    proc = subprocess.Popen([str(BIN/'mint-pairs'), '--config_path', str(cfg)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    man = lm/'killed/pairs/manifest.json'
    for _ in range(600):  # kill as soon as some pairs are on disk and the store is unfinished
        if man.exists() and json.loads(man.read_text()).get('complete') is False: break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL); proc.wait()
    m = json.loads(man.read_text())
    assert m['complete'] is False and 0 < len(m['pairs']) < 240, "the run was not caught mid-way"
    again = _run('mint-pairs', _config(lm, 'killed'))
    assert again.returncode == 0, again.stderr[-3000:]
    a, b = _store(lm/'whole/pairs'), _store(lm/'killed/pairs')
    assert len(a) == len(b) == 240
    for (ma, ha, na), (mb, hb, nb) in zip(a, b):
        assert ma == mb and torch.equal(ha, hb) and torch.equal(na, nb)

def test_run_goes_end_to_end_and_reuses_its_stages(lm):
    cfg = _config(lm, 'e2e', scenarios={'n_train': 6})
    r = _run('mint-run', cfg)
    assert r.returncode == 0, r.stderr[-3000:]
    assert '| mte |' in r.stdout and 'stage eval' in r.stdout
    ev = json.loads((lm/'e2e/eval/eval.json').read_text())
    assert ev['conditions'][:3] == ['none', 'mean_shift', 'mte'] and ev['n_scenarios'] == 8
    assert [r['id'] for r in ev['scenarios']] == [json.loads(l)['id'] for l in (lm/'e2e/scenarios/test.jsonl').read_text().splitlines()]
    assert 'strengths tuned on' in r.stdout and 'gap closed (last)' in r.stdout
    r2 = _run('mint-run', cfg)
    assert 'not training again' in r2.stdout and 'not evaluating again' in r2.stdout

def test_eval_reads_the_users_own_scenario_files(lm):
    "An existing MTE is evaluated on scenario files of the user's, with only the file keys changed."
    cfg = _config(lm, 'own', scenarios={'n_train': 6})
    assert _run('mint-run', cfg).returncode == 0
    mine = [dict(family='weather', query=f'Weather in Zork {i}?', tool_name='get_weather', arguments={'city': f'Zork {i}'},
                 tool_output=f'Zork {i}: {i}°C, fog', answer=f'{i}°C', id=f'mine-{i}') for i in range(3)]
    f = lm/'mine.jsonl'; f.write_text(''.join(json.dumps(m) + '\n' for m in mine))
    r = _run('mint-eval', _config(lm, 'own', scenarios={'n_train': 6, 'train_file': str(f), 'test_file': str(f)}, eval={'out_dir': 'own/eval_mine'}))
    assert r.returncode == 0, r.stderr[-3000:]
    ev = json.loads((lm/'own/eval_mine/eval.json').read_text())
    assert [x['id'] for x in ev['scenarios']] == ['mine-0', 'mine-1', 'mine-2'] and 'no validation scenarios' in r.stdout

def test_bad_inputs_end_in_one_line(lm):
    r = _run('mint-pairs', _config(lm, 'bad', mte={'hidden_dim': 64}))
    assert r.returncode == 1 and 'Traceback' not in r.stderr
    assert 'mte.hidden_dim is 64 but' in r.stderr and 'hidden size 32' in r.stderr
    sf = lm/'bad_scen.jsonl'; sf.write_text('{"family": "x", "query": "q"}\n')
    r = _run('mint-pairs', _config(lm, 'bad2', scenarios={'train_file': str(sf), 'test_file': str(sf)}))
    assert r.returncode == 1 and "bad_scen.jsonl:1: missing field 'tool_name'" in r.stderr
    r = _run('mint-eval', _config(lm, 'noeval'))
    assert r.returncode == 1 and 'no trained MTE; run mint-train' in r.stderr
