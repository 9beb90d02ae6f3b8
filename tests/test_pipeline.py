"""The real-model path through its commands, on a tiny random chat model: `mint-run` goes end to end and reuses its
stages, a killed `mint-pairs` resumes to the same store, an MTE is evaluated on a user's scenario files, and bad
input ends in one line."""
import contextlib, io, json, signal, subprocess, sys, time
from pathlib import Path
import torch
from conftest import one_config

BIN = Path(sys.executable).parent

def _run(cmd, cfg, **kw): return subprocess.run([str(BIN/cmd), '--config_path', str(cfg)], capture_output=True, text=True, **kw)

def _here(stages, cfg, **kw):
    "Run `stages` of `cfg` with `mint.cli`'s entry point in this process (`kw`: its other flags); return (exit status, stdout, stderr)."
    from mint.cli import stages_main
    out, err, code = io.StringIO(), io.StringIO(), 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try: stages_main(stages, "mint-" + stages[-1])(str(cfg), **kw)
        except SystemExit as e: code = e.code
    return code, out.getvalue(), err.getvalue()

def _store(path):
    from mint.data.store import open_store
    return [(p.metadata, p.h_with_tool[2], p.h_no_tool[1]) for p in open_store(path)]

def test_run_goes_end_to_end_and_reuses_its_stages(lm, one):
    root, r = one
    assert '| mte |' in r.stdout and 'stage eval' in r.stdout
    ev = json.loads((root/'eval/eval.json').read_text())
    assert ev['conditions'][:3] == ['none', 'mean_shift', 'mte'] and ev['n_scenarios'] == 12
    assert [x['id'] for x in ev['scenarios']] == [json.loads(l)['id'] for l in (root/'scenarios/test.jsonl').read_text().splitlines()]
    assert 'strengths tuned on' in r.stdout and 'gap closed (last)' in r.stdout
    code, out, _ = _here(("train", "eval"), one_config(lm, 'one'))
    assert code == 0 and 'not training again' in out and 'not evaluating again' in out

def test_killed_pairs_run_resumes_to_the_same_store(lm, one):
    cfg = one_config(lm, 'killed')
    proc = subprocess.Popen([str(BIN/'mint-pairs'), '--config_path', str(cfg)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    man = lm/'killed/pairs/manifest.json'
    for _ in range(1200):  # kill as soon as some pairs are on disk and the store is unfinished
        if man.exists() and json.loads(man.read_text()).get('complete') is False: break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL); proc.wait()
    m = json.loads(man.read_text())
    assert m['complete'] is False and 0 < len(m['pairs']) < 48, "the run was not caught mid-way"
    code, _, err = _here(("pairs",), cfg)
    assert code == 0, err[-3000:]
    a, b = _store(one[0]/'pairs'), _store(lm/'killed/pairs')
    assert len(a) == len(b) == 48
    for (ma, ha, na), (mb, hb, nb) in zip(a, b):
        assert ma == mb and torch.equal(ha, hb) and torch.equal(na, nb)

def test_eval_reads_the_users_own_scenario_files(lm, one):
    "An existing MTE is evaluated on scenario files of the user's, with only the file keys changed."
    mine = [dict(family='weather', query=f'Weather in Zork {i}?', tool_name='get_weather', arguments={'city': f'Zork {i}'},
                 tool_output=f'Zork {i}: {i}°C, fog', answer=f'{i}°C', id=f'mine-{i}') for i in range(3)]
    f = lm/'mine.jsonl'; f.write_text(''.join(json.dumps(m) + '\n' for m in mine))
    code, out, err = _here(("eval",), one_config(lm, 'one', scenarios={'train_file': str(f), 'test_file': str(f)}, eval={'out_dir': 'one/eval_mine'}))
    assert code == 0, err[-3000:]
    ev = json.loads((lm/'one/eval_mine/eval.json').read_text())
    assert [x['id'] for x in ev['scenarios']] == ['mine-0', 'mine-1', 'mine-2'] and 'no validation scenarios' in out

def test_eval_on_a_family_that_training_never_saw(lm, one):
    """Issue 19: a test file with a family that no training pair has: every condition is computed for every scenario, and the
    per-family mean shift for the scenarios of the families it has, saying over how many; the unseen family's cells show '–'."""
    test = [json.loads(l) for l in (lm/'one/scenarios/test.jsonl').read_text().splitlines()]
    cur = [dict(family='currency', query=f'How much is {a} EUR in USD?', tool_name='convert_currency', arguments={'amount': a, 'from': 'EUR', 'to': 'USD'},
                tool_output=f'{a} EUR = {a * 1.1:.2f} USD', answer=f'{a * 1.1:.2f}', id=f'currency-{a}') for a in (10, 20)]
    f = lm/'unseen.jsonl'; f.write_text(''.join(json.dumps(s) + '\n' for s in test + cur))
    cfg = one_config(lm, 'one', scenarios={'train_file': str(lm/'one/scenarios/train.jsonl'), 'test_file': str(f)},
                     eval={'out_dir': 'one/eval_unseen', 'conditions': ['none', 'mean_shift', 'mean_shift_family', 'mte']})
    code, out, err = _here(("eval",), cfg)
    assert code == 0, err[-3000:]
    ev, n = json.loads((lm/'one/eval_unseen/eval.json').read_text()), len(test) + len(cur)
    recs = {x['id']: x for x in ev['scenarios']}
    assert [recs[s['id']]['mean_shift_family'] is None for s in test + cur] == [False] * len(test) + [True] * len(cur)
    assert all(recs[s['id']][c] is not None for s in test + cur for c in ('none', 'mean_shift', 'mte'))
    s = ev['summary']
    assert s['conditions']['mean_shift_family']['n_scenarios'] == len(test) and 'n_scenarios' not in s['conditions']['mte']
    assert [c.get('n_scenarios') for c in s['comparisons']][:2] == [None, len(test)]  # mte against mean_shift, against mean_shift_family
    assert ev['families']['currency']['conditions']['mean_shift_family']['closed_last'] is None and 'strengths tuned on' in out
    md = (lm/'one/eval_unseen/eval.md').read_text()
    assert f"| mean_shift_family ({len(test)} of {n}) |" in md and f"| mte | mean_shift_family ({len(test)} of {n}) |" in md
    assert "`mean_shift_family` is not computed for currency, a family training never saw" in md
    assert [l.split(' | ')[-1] for l in md.splitlines() if l.startswith('| mean_shift_family |')] == ['– |', '– |']  # gap closed and hit rate, per family

def _traces(path):
    "Write made-up chat-format traces to `path`: a system prompt, two calls of one turn (OpenAI's shape), and a second record in Hugging Face's; no answers."
    call = lambda i, n, a: {"role": "assistant", "content": None, "tool_calls": [{"id": i, "type": "function", "function": {"name": n, "arguments": json.dumps(a)}}]}
    a = {"id": "trip", "messages": [{"role": "system", "content": "You plan trips."}, {"role": "user", "content": "Weather in Zork, and 3 times 4?"},
         call("c1", "get_weather", {"city": "Zork"}), {"role": "tool", "tool_call_id": "c1", "content": "Zork: 2°C, fog"},
         call("c2", "multiply", {"a": 3, "b": 4}), {"role": "tool", "tool_call_id": "c2", "content": "12"}]}
    b = {"messages": [{"role": "user", "content": "Who founded Velmor Labs?"}, {"role": "assistant", "content": "", "tool_calls": [
         {"type": "function", "function": {"name": "lookup_entity", "arguments": {"name": "Velmor Labs"}}}]}, {"role": "tool", "content": "Velmor Labs: founded by Ada Novak."}]}
    path.write_text(json.dumps(a) + "\n" + json.dumps(b) + "\n")
    return path

def test_eval_reads_chat_traces_without_answers(lm, one):
    "The MTE on chat traces given with --test_file: one scenario per call with its history, KL and log-prob but no hit rate, no per-family shift (no pairs of those families)."
    cfg = one_config(lm, 'one', eval={'conditions': ['none', 'mean_shift', 'mean_shift_family', 'mte']})
    code, out, err = _here(("eval",), cfg, test_file=str(_traces(lm/'traces.jsonl')))
    assert code == 0, err[-3000:]
    ev = json.loads((lm/'one'/'eval_traces'/'eval.json').read_text())
    assert [x['id'] for x in ev['scenarios']] == ['trip-call0', 'trip-call1', 'traces-2'] and 'mean_shift_family left out' in out
    assert 'mean_shift_family' not in ev['conditions'] and 'mte' in ev['conditions']
    assert all(m['hit_rate'] is None for m in ev['summary']['conditions'].values()) and ev['summary']['with_tool']['hit_rate'] is None
    assert all(x['mte']['kl_last'] >= 0 and x['with_tool']['hit'] is None for x in ev['scenarios'])
    assert not (lm/'one'/'scenarios'/'test.jsonl').read_text().startswith('{"family": "get_weather"')  # the generated split is not overwritten

def test_bad_inputs_end_in_one_line(lm, one):
    code, _, err = _here(("pairs",), one_config(lm, 'bad', mte={'hidden_dim': 64}))
    assert code == 1 and 'Traceback' not in err
    assert 'mte.hidden_dim is 64 but' in err and 'hidden size 32' in err
    sf = lm/'bad_scen.jsonl'; sf.write_text('{"family": "x", "query": "q"}\n')
    code, _, err = _here(("pairs",), one_config(lm, 'bad2', scenarios={'train_file': str(sf), 'test_file': str(sf)}))
    assert code == 1 and "bad_scen.jsonl:1: missing field 'tool_name'" in err
    code, _, err = _here(("eval",), one_config(lm, 'noeval'))
    assert code == 1 and 'no trained MTE; run mint-train' in err

def test_blocking_command_writes_its_table(lm, tmp_path):
    "`mint-blocking` on the tiny model: blocking from every layer and from none, per family, written as JSON, markdown and a plot."
    cfg = one_config(lm, 'blocking')
    r = subprocess.run([str(BIN/'mint-blocking'), '--config_path', str(cfg), '--per_family', '1', '--from_layers', '[0,2,3]',
                        '--out_dir', str(tmp_path/'b')], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    wf = json.loads((tmp_path/'b'/'blocking.json').read_text())
    assert wf['from_layers'] == [0, 2, 3] and wf['n_scenarios'] == 4 and wf['split'] == 'train'
    assert [r['family'] for r in wf['scenarios']] == ['weather', 'calculator', 'units', 'lookup']
    assert (tmp_path/'b'/'blocking.md').read_text() in r.stdout and (tmp_path/'b'/'blocking.png').exists()
    for s in wf['scenarios']:  # blocking from the last layer + 1 blocks nothing: the with-tool run's answer and log-probability
        assert s['blocked']['answer@3']['text'] == s['with_tool']['text']
        assert abs(s['blocked']['answer@3']['answer_logprob'] - s['with_tool']['answer_logprob']) < 1e-4
    assert any(abs(s['blocked']['suffix+answer@0']['answer_logprob'] - s['with_tool']['answer_logprob']) > 1e-3 for s in wf['scenarios'])
    again = subprocess.run([str(BIN/'mint-blocking'), '--config_path', str(cfg), '--per_family', '1', '--from_layers', '[0,2,3]',
                            '--out_dir', str(tmp_path/'b')], capture_output=True, text=True)
    assert again.returncode == 0 and 'not running again' in again.stdout

def test_blocking_command_writes_the_write_sweep_and_kv_reference(lm, tmp_path):
    "`mint-blocking --write_at --kv_from --reading` on the tiny model: lives.json and lives.md, no blocking sweep; bad layers and readings end in one line."
    cfg = one_config(lm, 'lives')
    cmd = [str(BIN/'mint-blocking'), '--config_path', str(cfg), '--per_family', '1', '--out_dir', str(tmp_path/'l')]
    r = subprocess.run(cmd + ['--write_at', '[0,1]', '--kv_from', '[0,3]', '--reading', 'call'], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    lv = json.loads((tmp_path/'l'/'lives.json').read_text())
    assert list(lv['summary']) == ['with_tool', 'no_tool', 'write@0', 'write@1', 'kv@0', 'kv@3'] and lv['n_scenarios'] == 4 and lv['split'] == 'train'
    assert lv['settings']['reading'] == 'call' and 'argmax' in lv['settings']['hit']
    assert (tmp_path/'l'/'lives.md').read_text() in r.stdout and not (tmp_path/'l'/'blocking.json').exists()
    for s in lv['scenarios']:  # the kv reference from no layer is the plain no-tool run
        assert abs(s['runs']['kv@3']['answer_logprob'] - s['runs']['no_tool']['answer_logprob']) < 1e-3
    for bad, msg in ((['--write_at', '[2]'], 'write_at: layer 2 is the model'), (['--kv_from', '[9]'], 'kv_from: layer 9 is out of range'),
                     (['--write_at', '[0]', '--reading', 'apart'], "reading must be one of ['alone', 'call']")):
        r = subprocess.run(cmd + bad, capture_output=True, text=True)
        assert r.returncode == 1 and msg in r.stderr and 'Traceback' not in r.stderr, r.stderr[-2000:]

def test_kl_run_trains_the_tool_editor_and_evaluates_it(lm, one):
    "`mint-run` with `mte.objective: kl` and the tool editor: the editor, its hidden-space control, and the evaluation with every control."
    cfg = one_config(lm, 'kl', mte={'objective': 'kl', 'editor': 'tool', 'steps': 2, 'checkpoint_every': 1, 'save_dir': 'kl/editor'},
                     tool={'heads': 2, 'attn_dim': 8}, data={'pairs_dir': 'one/pairs'}, eval={'out_dir': 'kl/eval'})
    r = _run('mint-run', cfg)
    assert r.returncode == 0, r.stderr[-3000:]
    et = json.loads((lm/'kl'/'eval'/'tool_eval.json').read_text())
    assert et['conditions'] == ['none', 'mean_shift_family', 'tool', 'tool_zero', 'tool_hidden'] and et['swaps'] == ['tool_swap']
    assert (lm/'kl'/'editor'/'hidden'/'tool_editor_final.pt').exists() and '| tool_swap |' in r.stdout

def test_copy_run_trains_on_more_scenarios_and_evaluates_its_controls(lm, one):
    "`mint-run` with `mte.editor: copy`: more training scenarios written and trained on, the editor and its zero and swap controls evaluated; a checkpoint of another reading refused."
    cfg = one_config(lm, 'copy', scenarios={'n_more': 2, 'out_dir': 'copy/scenarios'}, mte={'objective': 'kl', 'editor': 'copy', 'steps': 2, 'checkpoint_every': 1, 'save_dir': 'copy/editor'},
                     tool={'heads': 2, 'attn_dim': 8, 'controls': ['zero', 'swap'], 'reading': 'call'}, data={'pairs_dir': 'one/pairs'}, eval={'out_dir': 'copy/eval'})
    r = _run('mint-run', cfg)
    assert r.returncode == 0, r.stderr[-3000:]
    more = [json.loads(l) for l in (lm/'copy'/'scenarios'/'more.jsonl').read_text().splitlines()]
    test = [json.loads(l) for l in (lm/'copy'/'scenarios'/'test.jsonl').read_text().splitlines()]
    assert len(more) == 2 * 4 and not {json.dumps(m['arguments']) for m in more} & {json.dumps(t['arguments']) for t in test}
    ck = torch.load(lm/'copy'/'editor'/'tool_editor_step_2.pt', weights_only=True)
    assert ck['editor'] == 'copy' and ck['settings']['reading'] == 'call' and len(more) < ck['settings']['n'] < len(more) + 48  # the training split less validation, and the more
    et = json.loads((lm/'copy'/'eval'/'tool_eval.json').read_text())
    assert et['conditions'] == ['none', 'mean_shift_family', 'copy', 'copy_zero'] and et['swaps'] == ['copy_swap'] and '| copy_swap |' in r.stdout
    bad = one_config(lm, 'copy', scenarios={'n_more': 2, 'out_dir': 'copy/scenarios'}, mte={'objective': 'kl', 'editor': 'copy', 'steps': 2, 'checkpoint_every': 1, 'save_dir': 'copy/editor'},
                     tool={'heads': 2, 'attn_dim': 8, 'controls': ['zero', 'swap'], 'reading': 'alone'}, data={'pairs_dir': 'one/pairs'}, eval={'out_dir': 'copy/eval2'})
    code, out, err = _here(("eval",), bad)
    assert code != 0 and "tool.reading:" in err and "trained reading the tool's part as 'call'" in err

def test_tool_editor_is_evaluated_on_chat_traces(lm, one):
    "The tool editor and its controls on chat traces without answers: every arm but the per-family mean shift, no hit rates."
    cfg = one_config(lm, 'kl', mte={'objective': 'kl', 'editor': 'tool', 'steps': 2, 'checkpoint_every': 1, 'save_dir': 'kl/editor'},
                     tool={'heads': 2, 'attn_dim': 8}, data={'pairs_dir': 'one/pairs'}, eval={'out_dir': 'kl/eval'})
    if not (lm/'kl'/'editor'/'tool_editor_final.pt').exists(): assert _run('mint-run', cfg).returncode == 0
    code, out, err = _here(("eval",), cfg, test_file=str(_traces(lm/'traces.jsonl')), eval_dir=str(lm/'kl'/'eval_traces'))
    assert code == 0, err[-3000:]
    et = json.loads((lm/'kl'/'eval_traces'/'tool_eval.json').read_text())
    assert et['conditions'] == ['none', 'tool', 'tool_zero', 'tool_hidden'] and et['n_scenarios'] == 3 and 'mean_shift_family left out' in out
    assert all(m['hit_rate'] is None for m in et['summary']['conditions'].values()) and '| tool |' in out

def test_residual_run_trains_the_tool_editor_on_stored_tool_features(lm, one):
    "`mint-run` with `mte.editor: tool` and `mte.objective: residual`: pairs hold their tool output's features, the editor trains on them, and it is evaluated with its controls."
    cfg = one_config(lm, 'tres', pairs={'tool_features': True}, mte={'objective': 'residual', 'editor': 'tool', 'save_dir': 'tres/editor'},
                     tool={'heads': 2, 'attn_dim': 8, 'controls': ['zero', 'swap']}, eval={'out_dir': 'tres/eval'})
    r = _run('mint-run', cfg)
    assert r.returncode == 0, r.stderr[-3000:]
    from mint.data.store import open_store
    st = open_store(lm/'tres'/'pairs')
    assert st.m['meta']['tool_features'] and st[0].phi_tool[1].shape[0] == len(st[0].metadata['tool_tokens'])
    et = json.loads((lm/'tres'/'eval'/'tool_eval.json').read_text())
    assert et['conditions'] == ['none', 'mean_shift_family', 'tool', 'tool_zero'] and et['swaps'] == ['tool_swap']
    assert (lm/'tres'/'editor'/'tool_editor_final.pt').exists() and (lm/'tres'/'editor'/'edit_magnitudes.png').exists()
    assert "editor's strength tuned on" in r.stdout and et['strengths']['tool'] == et['tuning']['tool_strength']['chosen'] in (0.5, 1.0, 1.5, 2.0)
    assert et['strengths']['tool_zero'] == et['strengths']['tool']  # the controls are applied at the editor's strength
