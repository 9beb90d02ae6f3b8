"The pair store end to end: training on a store, DataLoader workers, and writes that die half way."
import pytest, torch
import safetensors.torch
from conftest import write_config, run_main
from mint.config import load_config
from mint.data.store import convert_to_store, open_store, StoreError
from mint.data.counterfactual_pairs import load_pairs
from mint.train.datasets import create_dataloader
from mint.train.train_mte import train_mte

def test_training_on_a_store_matches_the_pt_folder(world, tmp_path):
    "An fp32 store holds the same numbers as the .pt folder, so training on it reaches the same weights."
    store = convert_to_store(world['pairs_dir'], tmp_path/'store', phi_dtype='float32', h_dtype='float32')
    a = train_mte(load_config(write_config(tmp_path/'a.yaml', world, steps=15, save_dir=str(tmp_path/'a'))))
    b = train_mte(load_config(write_config(tmp_path/'b.yaml', world, steps=15, save_dir=str(tmp_path/'b'))), pairs_dir=store)
    assert all(torch.allclose(x, y, atol=1e-5) for x, y in zip(a.state_dict().values(), b.state_dict().values()))

def test_cli_trains_on_an_fp16_store(world, tmp_path):
    store = convert_to_store(world['pairs_dir'], tmp_path/'store', keep_h_no_tool=False)
    r = run_main('--config_path', write_config(tmp_path/'run.yaml', world, steps=10), '--pairs_dir', store)
    assert r.returncode == 0, r.stderr

def test_dataloader_workers_read_the_store(world, tmp_path):
    st = open_store(convert_to_store(world['pairs_dir'], tmp_path/'store'))
    one = [b['h_with_tool'][1] for b in create_dataloader(st, [1, 3], 8, shuffle=False)]
    two = [b['h_with_tool'][1] for b in create_dataloader(st, [1, 3], 8, shuffle=False, num_workers=2)]
    assert len(one) == 6 and all(torch.equal(x, y) for x, y in zip(one, two))

def test_a_write_that_dies_leaves_a_refused_store(world, tmp_path, monkeypatch):
    real, calls = safetensors.torch.save_file, []
    def dies_on_second(tensors, f):
        calls.append(f)
        if len(calls) == 2: raise OSError('disk full')
        real(tensors, f)
    monkeypatch.setattr('mint.data.store.save_file', dies_on_second)
    with pytest.raises(OSError): convert_to_store(world['pairs_dir'], tmp_path/'store', shard_tokens=50)
    assert (tmp_path/'store/shard_00000.safetensors').exists() and not (tmp_path/'store/manifest.json').exists()
    with pytest.raises(StoreError, match='no manifest.json, so its write never finished'): load_pairs(tmp_path/'store')

def test_a_store_with_a_truncated_shard_is_refused(world, tmp_path):
    store = convert_to_store(world['pairs_dir'], tmp_path/'store', shard_tokens=50)
    f = store/'shard_00001.safetensors'; f.write_bytes(f.read_bytes()[:100])
    with pytest.raises(StoreError, match='shard_00001.safetensors: cannot read shard'): open_store(store)
