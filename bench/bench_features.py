#!/usr/bin/env python
"""Feature cards (`mint.features.feature_stats`) for every feature of one SAE on SmolLM2-135M, timed; and the memory
of an F = 32768 SAE.

    python bench/bench_features.py --n_tokens 200000             # F = 4608 (8 x 576), layer 12, both passes
    python bench/bench_features.py --n_tokens 20000 --F 32768    # the memory check: peak RSS at F = 32768
    python bench/bench_features.py --sae checkpoints/smollm2/saes/layer_12   # a trained SAE instead of a random one

The corpus is `stdlib_corpus()` (Python's documentation, the SAE stage's corpus without the scenario prompts) cut
into 64-token chunks. Without `--sae` the SAE is a random TopK SAE (k = 32, as the SmolLM2 config trains), which
costs what a trained one costs: the encoder is dense and the top-k sees the same number of active features. Prints
tokens per second over both passes (the first for the top-k, density and histogram, the second for the quantile
samples), the share of the time in the model, the SAE and the top-k bookkeeping, and the peak resident memory."""
import argparse, resource, tempfile, time
import torch
from mint.lm import load_lm
from mint.models.sae_loader import SAE
from mint.models.sae_train import chunk_texts, stdlib_corpus
from mint.features import feature_stats

def _random_sae(d:int, F:int, k:int=32, seed:int=0)->SAE:
    "A random TopK SAE of width `F` over hidden size `d`."
    g = torch.Generator().manual_seed(seed)
    W = torch.randn(F, d, generator=g) / d**0.5
    return SAE(W.T.contiguous(), W, torch.zeros(F), torch.zeros(d), architecture='topk', k=k, path=f'random F={F}')

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--n_tokens', type=int, default=200_000)
    p.add_argument('--F', type=int, default=4608)
    p.add_argument('--layer', type=int, default=12)
    p.add_argument('--sae', default=None)
    p.add_argument('--batch_size', type=int, default=16)
    p.add_argument('--quantiles', type=int, default=5)
    p.add_argument('--cache_dir', default=None, help="where the converted SmolLM2 is (default: mint's)")
    a = p.parse_args()
    model, tok = load_lm('smollm2', a.cache_dir)
    from mint.models.sae_loader import load_sae
    sae = load_sae(a.sae, device='cpu') if a.sae else _random_sae(model.config.hidden_size, a.F)
    ids = chunk_texts(tok, stdlib_corpus(), 64, a.n_tokens, 0)
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        cards = feature_stats(model, tok, sae, a.layer, out, ids=ids, quantiles=a.quantiles, batch_size=a.batch_size, model_name='smollm2')
        wall = time.perf_counter() - t0
        s = cards.meta['seconds']
        cards.card(0)
    n = ids.numel()
    print(f"F={sae.d_sae} layer={a.layer} tokens={n} passes={2 if a.quantiles else 1} wall={wall:.1f}s tokens/s={n/wall:.0f} (per pass {n*(2 if a.quantiles else 1)/wall:.0f})")
    print("share of the time: " + ", ".join(f"{k} {v/wall:.1%} ({v:.1f}s)" for k,v in s.items()) +
          f", rest (logit effects, writing) {1 - sum(s.values())/wall:.1%}")
    print(f"dead features: {int((cards.t['on'] == 0).sum())} of {cards.F}; peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GB")

if __name__ == '__main__': main()
