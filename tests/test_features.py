"""Feature cards (`mint.features`) on a tiny random model and SAE: the streaming statistics against brute force, a
killed run resumed, two Gloo processes against one, HTML escaping, and bad input."""
import json, subprocess, sys, textwrap, unittest.mock
from pathlib import Path
import pytest, torch
from safetensors.torch import load_file

BIN = Path(sys.executable).parent
TEXTS = [f"def f{i}(x):\n    return x * {i}  # <script>alert({i % 4})</script>" for i in range(30)] + ["The cat sat on the mat. & so on"] * 4
KW = dict(seq_len=16, k=5, window=3, quantiles=3, per_quantile=2, batch_size=3)

@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    "A tiny random chat model and a random JumpReLU SAE at its layer 1, saved in a folder."
    from mint.lm import make_tiny_lm, load_lm
    from mint.models.sae_loader import SAE
    root = tmp_path_factory.mktemp('feat')
    make_tiny_lm(root/'lm', TEXTS, layers=3, d=16, vocab=300)
    g = torch.Generator().manual_seed(0)
    sae = SAE(torch.randn(16, 40, generator=g) * 25, torch.randn(40, 16, generator=g), torch.zeros(40), torch.zeros(16),
              architecture='jumprelu', threshold=torch.full((40,), 0.3))
    torch.save(dict(W_enc=sae.W_enc, W_dec=sae.W_dec, threshold=sae.threshold), root/'sae.pt')
    return root, *load_lm(str(root/'lm')), sae

def _stats(tiny, out, **kw):
    from mint.features import feature_stats
    root, model, tok, sae = tiny
    return feature_stats(model, tok, sae, 1, out, texts=TEXTS, **{**KW, **kw})

def _brute(tiny):
    "(N, T, F) activations of the whole corpus at once, EOS positions zero."
    from mint.features import _encode, _hidden
    from mint.models.sae_train import chunk_texts
    root, model, tok, sae = tiny
    ids, t = chunk_texts(tok, TEXTS, 16, None, 0), dict(model=0., sae=0.)
    return _encode(sae, _hidden(model, ids, 1, t), ids, tok.eos_token_id, t), ids

def test_streaming_statistics_equal_brute_force(tiny, tmp_path):
    "One-chunk blocks and batches of 3: the top-k, windows, counts and quantile bins are those of the whole activation matrix."
    from mint.features import _unkey
    c = _stats(tiny, tmp_path/'c', max_block_mb=0, reuse_hidden=False)  # a block of one chunk, the model run in both passes
    phi, ids = _brute(tiny)
    flat = phi.flatten(0, 1)  # (N·T, F)
    v, g = _unkey(c.t['key'])
    top = flat.T.topk(5)
    torch.testing.assert_close(v, top.values)
    assert ((v == 0) | (flat.T.gather(1, g.clamp(max=len(flat) - 1)) == v)).all()  # each entry's position holds its value
    assert (flat > 0).any(0).sum() > 5 and torch.equal(c.t['on'], (flat > 0).sum(0))
    assert torch.equal(c.t['hist'].sum(1), c.t['on'])
    T, f = ids.shape[1], int(c.t['on'].argmax())
    card = c.card(f)
    for x in card.top:  # the window is the activations of the chunk around the position
        ch, t = divmod(x.gid, T)
        torch.testing.assert_close(torch.tensor(x.acts), phi[ch, max(0, t-3):t+4, f])
    mx = top.values[:, 0]
    for i in range(3):
        q = c.t['qctx'][:, i, :, 3]  # (F, m) sample values
        ok = (c.t['qkey'][:, i] < 0) | ((q > i/3*mx[:, None]*(1 - 1e-6)) & (q <= (i+1)/3*mx[:, None]*(1 + 1e-6)))
        assert ok.all()
        n_bin = ((flat > 0) & ((flat / mx * 3).ceil().clamp(max=3) == i + 1)).sum(0)
        assert torch.equal((c.t['qkey'][:, i] >= 0).sum(1), n_bin.clamp(max=2))

def _same(a, b):
    for k in a.t:
        if k in ('qctx', 'ctx'): torch.testing.assert_close(a.t[k], b.t[k])
        else: assert torch.equal(a.t[k], b.t[k]), k

def test_a_killed_run_resumes_to_the_same_cards(tiny, tmp_path):
    import mint.features as mf
    ref = _stats(tiny, tmp_path/'ref')
    enc, calls, n1 = mf._hidden, [], -(-len(_brute(tiny)[1]) // 3)  # batches per pass
    def dying(*a, **kw):
        calls.append(1)
        if len(calls) == n1 + 3: raise KeyboardInterrupt  # in pass 2, after two of its batches
        return enc(*a, **kw)
    with unittest.mock.patch.object(mf, '_hidden', dying), pytest.raises(KeyboardInterrupt): _stats(tiny, tmp_path/'run', save_every=1)
    assert not (tmp_path/'run/cards.json').exists() and (tmp_path/'run/progress_rank0of1.safetensors').exists()
    with pytest.raises(mf.FeatureError, match='no complete feature cache'): mf.load_cards(tmp_path/'run')
    calls.clear()
    with unittest.mock.patch.object(mf, '_hidden', lambda *a, **kw: (calls.append(1), enc(*a, **kw))[1]): got = _stats(tiny, tmp_path/'run', save_every=1)
    assert len(calls) == n1 - 2  # only the rest of pass 2 ran again
    _same(ref, got)
    assert not list((tmp_path/'run').glob('progress_*')) and not (tmp_path/'run'/'hidden').exists()

def test_a_half_written_cache_is_not_read(tiny, tmp_path):
    from mint.features import load_cards, FeatureError
    _stats(tiny, tmp_path/'c', quantiles=0)
    m = json.loads((tmp_path/'c/cards.json').read_text())
    (tmp_path/'c/cards.json').write_text(json.dumps({**m, 'complete': False}))
    with pytest.raises(FeatureError, match='no complete feature cache'): load_cards(tmp_path/'c')

SCRIPT = textwrap.dedent("""
    import sys, torch
    from mint.dist import init_distributed
    from mint.lm import load_lm
    from mint.models.sae_loader import SAE
    from mint.features import feature_stats
    sys.path.insert(0, {tests!r})
    from test_features import TEXTS, KW
    init_distributed()
    model, tok = load_lm({lm!r})
    sd = torch.load({sae!r})
    sae = SAE(sd['W_enc'], sd['W_dec'], torch.zeros(40), torch.zeros(16), architecture='jumprelu', threshold=sd['threshold'])
    feature_stats(model, tok, sae, 1, {out!r}, texts=TEXTS, **KW)
    """)

@pytest.mark.skipif(not torch.distributed.is_gloo_available(), reason="torch was built without Gloo")
def test_two_gloo_processes_give_the_cards_of_one(tiny, tmp_path):
    from mint.features import load_cards
    root = tiny[0]
    for n in (1, 2):
        f = tmp_path/f'run{n}.py'
        f.write_text(SCRIPT.format(tests=str(Path(__file__).parent), lm=str(root/'lm'), sae=str(root/'sae.pt'), out=str(tmp_path/f'c{n}')))
        r = subprocess.run([str(BIN/'torchrun'), '--standalone', f'--nproc_per_node={n}', str(f)], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr[-3000:]
    a, b = load_cards(tmp_path/'c1'), load_cards(tmp_path/'c2')
    _same(a, b)
    assert int(a.t['n']) == int(b.t['n']) > 0

def test_card_html_escapes_tokens(tiny, tmp_path):
    from mint.features import card_html
    c = _stats(tiny, tmp_path/'c')
    toks = {t for f in range(c.F) for x in c.card(f).top for t in x.tokens}
    assert any('<' in t for t in toks)  # the corpus's '<script>' reaches some card
    for f in range(c.F):
        h = card_html(c.card(f))
        assert '<script' not in h and '</script' not in h

def test_bad_input_names_the_file_layer_or_feature(tiny, tmp_path):
    from mint.features import FeatureError, read_texts, load_cards, feature_stats
    from mint.models.sae_loader import SAE
    root, model, tok, sae = tiny
    (tmp_path/'empty.txt').write_text('')
    (tmp_path/'bin.txt').write_bytes(bytes(range(256)))
    with pytest.raises(FeatureError, match='empty.txt: empty corpus file'): read_texts([tmp_path/'empty.txt'])
    with pytest.raises(FeatureError, match='bin.txt: not a text file'): read_texts([tmp_path/'bin.txt'])
    with pytest.raises(FeatureError, match='missing.txt: corpus file not found'): read_texts([tmp_path/'missing.txt'])
    with pytest.raises(FeatureError, match='layer 5 is out of range: the model has 3 layers'): feature_stats(model, tok, sae, 5, tmp_path/'x', texts=TEXTS)
    c = _stats(tiny, tmp_path/'c', quantiles=0)
    with pytest.raises(FeatureError, match='feature 40 is out of range'): c.card(40)
    wide = SAE(torch.zeros(16, 64), torch.zeros(64, 16), torch.zeros(64), torch.zeros(16), path='wide/sae')
    with pytest.raises(FeatureError, match=r'c/cards.safetensors: the cache holds 40 features, the SAE wide/sae has 64'): load_cards(tmp_path/'c', wide)
    with pytest.raises(FeatureError, match='no chunk of 16 tokens'): feature_stats(model, tok, sae, 1, tmp_path/'y', texts=['x'], seq_len=16)

def test_mint_features_makes_the_cards_of_a_config(tiny, tmp_path):
    "`mint-features --config_path ...` on the tiny model with a state-dict SAE: the cards of its layer, then reused; a bad corpus file is one line."
    import yaml
    root = tiny[0]
    g = torch.Generator().manual_seed(1)
    torch.save({'encoder.weight': torch.randn(64, 16, generator=g) * 25, 'encoder.bias': torch.zeros(64),
                'decoder.weight': torch.randn(16, 64, generator=g), 'decoder.bias': torch.zeros(16)}, tmp_path/'sae.pt')
    cfg = dict(seed=0, model={'name': str(root/'lm')}, scenarios={'n_train': 2, 'n_test': 1, 'out_dir': 'scenarios'},
               mte={'layers': [1], 'hidden_dim': 16, 'hidden_expansion': 4, 'sae_checkpoints': {1: 'sae.pt'}},
               features={'out_dir': 'features', 'n_tokens': 1024, 'seq_len': 16, 'k': 4, 'quantiles': 2})
    (tmp_path/'c.yaml').write_text(yaml.safe_dump(cfg))
    cmd = [sys.executable, '-c', 'from mint.cli import features_cli; features_cli()', '--config_path', str(tmp_path/'c.yaml')]
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    assert '[mint] feature cards of layer 1: ' in r.stdout and 'stage features' in r.stdout
    from mint.features import load_cards
    c = load_cards(tmp_path/'features/layer_1')
    assert c.F == 64 and int(c.t['n']) > 0
    r2 = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path)
    assert r2.returncode == 0 and 'pass 1' not in r2.stderr  # reused, the model not run
    (tmp_path/'bad.txt').write_bytes(b'\x00\x00')
    (tmp_path/'c.yaml').write_text(yaml.safe_dump({**cfg, 'features': {**cfg['features'], 'texts': ['bad.txt']}}))
    r3 = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path)
    assert r3.returncode == 1 and f"mint-features: error: {tmp_path/'bad.txt'}: not a text file" in r3.stderr, r3.stderr

def test_read_texts_reads_a_dataset_saved_to_disk(tmp_path):
    from datasets import Dataset
    from mint.features import FeatureError, read_texts
    Dataset.from_dict({'text': ['a b', '', 'c d']}).save_to_disk(str(tmp_path/'ds'))
    Dataset.from_dict({'body': ['a']}).save_to_disk(str(tmp_path/'nt'))
    (tmp_path/'f.txt').write_text('e f')
    assert read_texts([tmp_path/'ds', tmp_path/'f.txt']) == ['a b', 'c d', 'e f']
    with pytest.raises(FeatureError, match="nt: the dataset has no 'text' column"): read_texts(tmp_path/'nt')
