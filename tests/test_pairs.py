"Every bad pair input we know of stops `load_pairs` with an error that names the file (nothing is skipped)."
import os
import pytest, torch
from mint.data.counterfactual_pairs import load_pairs, save_pairs, PairError, pair_from_dict

def _pair(T_no=4, T_with=4, layers=(1, 3), F=8, d=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    r = lambda T, n: torch.randn(1, T, n, generator=g)  # the original's leading batch dim
    return dict(phi_no_tool={l: r(T_no, F).relu() for l in layers}, phi_with_tool={l: r(T_with, F).relu() for l in layers},
                h_no_tool={l: r(T_no, d) for l in layers}, h_with_tool={l: r(T_with, d) for l in layers},
                tool_label='search', metadata={'query': 'q', 'tool_output': 'o', 'domain': 'x'})

@pytest.fixture
def folder(tmp_path):
    for i in range(3): torch.save(_pair(seed=i), tmp_path/f'pair_{i:06d}.pt')
    return tmp_path

def _fails(folder, contains, **kw):
    with pytest.raises((PairError, FileNotFoundError, ValueError)) as e: load_pairs(folder, **kw)
    assert contains in str(e.value), str(e.value)
    return str(e.value)

def test_reads_the_originals_format(folder):
    ps = load_pairs(folder)
    assert len(ps) == 3 and ps[0].phi_no_tool[1].shape == (4, 8) and ps[2].metadata['domain'] == 'x'

def test_corrupt_file(folder):
    (folder/'pair_000001.pt').write_bytes(b'\x00garbage')
    _fails(folder, 'pair_000001.pt: cannot read pair file: it is corrupt')

def test_truncated_file(folder):
    f = folder/'pair_000002.pt'; f.write_bytes(f.read_bytes()[:200])
    _fails(folder, 'pair_000002.pt: cannot read pair file')

class _RunsCode:
    def __reduce__(self): return (os.system, ('echo should-not-run',))

def test_pickled_code_is_refused(folder):
    d = _pair(); d['metadata'] = {'x': _RunsCode()}
    torch.save(d, folder/'pair_000001.pt')
    _fails(folder, 'safe load (weights_only=True) refuses')

def test_missing_key(folder):
    d = _pair(); del d['h_with_tool']; torch.save(d, folder/'pair_000000.pt')
    _fails(folder, "pair_000000.pt: missing key 'h_with_tool'")

def test_missing_layer_in_one_key(folder):
    d = _pair(); del d['phi_with_tool'][3]; torch.save(d, folder/'pair_000000.pt')
    _fails(folder, "'phi_with_tool' has layers [1]")

def test_layers_differ_between_pairs(folder):
    torch.save(_pair(layers=(1,)), folder/'pair_000002.pt')
    _fails(folder, "pair_000002.pt: has layers [1]")

def test_F_differs_between_pairs(folder):
    torch.save(_pair(F=9), folder/'pair_000001.pt')
    _fails(folder, "pair_000001.pt: layer 1: phi_no_tool has width 9")

def test_d_differs_between_pairs(folder):
    torch.save(_pair(d=5), folder/'pair_000001.pt')
    _fails(folder, "h_no_tool has width 5")

@pytest.mark.parametrize('bad', [float('nan'), float('inf')])
def test_non_finite(folder, bad):
    d = _pair(); d['phi_no_tool'][3][0, 1, 2] = bad; torch.save(d, folder/'pair_000001.pt')
    _fails(folder, "pair_000001.pt: phi_no_tool[3] holds NaN or inf")

def test_non_integer_layer_key(folder):
    d = _pair(); d['h_no_tool'] = {'layer_one': d['h_no_tool'][1], 3: d['h_no_tool'][3]}; torch.save(d, folder/'pair_000000.pt')
    _fails(folder, "has a layer key 'layer_one' that is not an integer")

def test_string_layer_keys_are_read(folder):
    d = _pair(); d = {k: ({str(l): t for l, t in v.items()} if isinstance(v, dict) and k != 'metadata' else v) for k, v in d.items()}
    torch.save(d, folder/'pair_000000.pt')
    assert load_pairs(folder)[0].layers == [1, 3]

def test_unaligned_runs_are_refused_then_trimmed(folder):
    torch.save(_pair(T_no=3, T_with=7), folder/'pair_000001.pt')
    _fails(folder, "pair_000001.pt: the no-tool run has 3 positions and the with-tool run 7")
    ps = load_pairs(folder, align='last')
    assert ps[1].lengths == (3, 3)

def test_same_run_lengths_must_match(folder):
    d = _pair(); d['h_no_tool'][1] = d['h_no_tool'][1][:, :2]; torch.save(d, folder/'pair_000000.pt')
    _fails(folder, "phi_no_tool has T=4 but h_no_tool has T=2")

def test_missing_and_empty_folders(tmp_path):
    _fails(tmp_path/'nope', 'pairs directory not found')
    _fails(tmp_path, 'no pair_*.pt files and no layer_N/ folders')

def test_layer_shards_missing_a_file(tmp_path):
    for l in (1, 3):
        (tmp_path/f'layer_{l}').mkdir()
        for i in range(2 if l == 3 else 3):
            d = _pair(layers=(l,), seed=i); torch.save(d, tmp_path/f'layer_{l}/pair_{i:06d}.pt')
    _fails(tmp_path, 'layer_3: missing pair_000002.pt')

def test_both_layouts_refused(folder):
    (folder/'layer_1').mkdir()
    _fails(folder, 'holds both pair_*.pt files and layer_N/ folders')

def test_bad_align_value(folder):
    _fails(folder, "align must be 'error' or 'last'", align='first')

def test_save_is_atomic(tmp_path, monkeypatch):
    "A save that dies mid-write leaves neither a partial file nor its temporary."
    p = pair_from_dict(_pair())
    def boom(obj, f): open(f, 'wb').write(b'partial'); raise OSError('disk full')
    monkeypatch.setattr(torch, 'save', boom)
    with pytest.raises(OSError): save_pairs([p], tmp_path)
    assert list(tmp_path.iterdir()) == []
