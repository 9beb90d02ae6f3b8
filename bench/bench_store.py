#!/usr/bin/env python
"""The pair store against the original's dense `.pt` files, and the dataloader against the training step.

    python bench/bench_store.py                 # 32 pairs of 64 tokens, one layer, F=32768, d=4096, L0=50
    python bench/bench_store.py --pairs 64 --workers 0,2

Writes the same random pairs (L0 = 50 active features per token) once as the original's `pair_*.pt` files
(dense fp32 features with a leading batch dim, hidden states in the model's bf16) and once as a pair store
(int32 indices, fp16 values and fp16 hidden states), in a temporary folder, and prints their sizes. Then it
times the store's DataLoader (tokens per second, for each worker count) and one fused training step on
batches of the same size, and prints how many times faster the loader delivers tokens than the step eats them."""
import argparse, shutil, tempfile, time
from pathlib import Path
import torch

F, D, L0 = 32768, 4096, 50

def _pairs(n_pairs, T, layer=0, seed=0):
    "Random pairs in the original's dense format (as dicts) with L0 active features per token."
    g = torch.Generator().manual_seed(seed)
    def phi():
        x = torch.zeros(1, T, F)
        x[0].scatter_(1, torch.randint(0, F, (T, L0), generator=g), torch.rand(T, L0, generator=g) + 0.1)
        return x
    h = lambda: torch.randn(1, T, D, generator=g).to(torch.bfloat16)
    for i in range(n_pairs):
        yield dict(phi_no_tool={layer: phi()}, phi_with_tool={layer: phi()}, h_no_tool={layer: h()}, h_with_tool={layer: h()},
                   tool_label='calculator', metadata={'query': f'q{i}'})

def _size(p): return sum(f.stat().st_size for f in Path(p).rglob('*') if f.is_file())

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--pairs', type=int, default=32); ap.add_argument('--tokens', type=int, default=64)
    ap.add_argument('--batch', type=int, default=32, help='pairs per batch')
    ap.add_argument('--workers', default='0,2', help='DataLoader worker counts to time')
    args = ap.parse_args()
    import sys; sys.path.insert(0, str(Path(__file__).parent))
    from mint.data.store import convert_to_store, open_store
    from mint.train.datasets import create_dataloader
    tmp = Path(tempfile.mkdtemp(prefix='mint-bench-store-'))
    try:
        (tmp/'pt').mkdir()
        for i,d in enumerate(_pairs(args.pairs, args.tokens)): torch.save(d, tmp/'pt'/f'pair_{i:06d}.pt')
        t = time.perf_counter(); convert_to_store(tmp/'pt', tmp/'store'); t_conv = time.perf_counter() - t
        convert_to_store(tmp/'pt', tmp/'store_with_only', keep_h_no_tool=False)
        dense, store, slim = _size(tmp/'pt'), _size(tmp/'store'), _size(tmp/'store_with_only')
        n_tok = args.pairs * args.tokens
        print(f"{args.pairs} pairs × {args.tokens} tokens, one layer, F={F}, d={D}, L0={L0}")
        print(f"original dense .pt          : {dense/2**20:9.1f} MB  ({dense/n_tok/1024:6.1f} KB per token)")
        print(f"pair store                  : {store/2**20:9.1f} MB  ({store/n_tok/1024:6.1f} KB per token)  {dense/store:6.1f}× smaller")
        print(f"pair store without h_no_tool: {slim/2**20:9.1f} MB  ({slim/n_tok/1024:6.1f} KB per token)  {dense/slim:6.1f}× smaller")
        phi_dense, phi_store = 2 * n_tok * F * 4, 2 * n_tok * L0 * (4 + 2)
        print(f"features alone              : {phi_dense/phi_store:6.0f}× smaller (the hidden states, dense by nature, are the rest)")
        print(f"conversion                  : {t_conv:.1f} s ({n_tok/t_conv:,.0f} tokens/s)")
        from bench_step import _step_fn
        step, _ = _step_fn('fused', args.batch * args.tokens, 'cpu', 'fp32'); step()
        t = time.perf_counter(); step(); ts = time.perf_counter() - t
        eat = args.batch * args.tokens / ts
        print(f"fused training step         : {eat:12,.0f} tokens/s ({args.batch*args.tokens} tokens in {ts:.2f} s)")
        st = open_store(tmp/'store')
        for w in map(int, args.workers.split(',')):
            dl = create_dataloader(st, [0], args.batch, shuffle=True, num_workers=w, seed=0)
            next(iter(dl))
            t = time.perf_counter(); n = sum(int(b['mask'].sum()) for b in dl); dt = time.perf_counter() - t
            print(f"dataloader, {w} workers       : {n/dt:12,.0f} tokens/s = {n/dt/eat:7.1f}× what the step uses (above 1: data never limits training)")
    finally: shutil.rmtree(tmp, ignore_errors=True)

if __name__ == '__main__': main()
