#!/usr/bin/env python
"""Pair-generation throughput at Llama-3.1-8B's shape, with random weights (nothing is downloaded).

    python bench/bench_pairs_gpu.py                          # cuda, bf16 model, 16 prompts × 256 tokens
    python bench/bench_pairs_gpu.py --device cpu --tiny      # a dry run at toy sizes
    torchrun --standalone --nproc_per_node=2 bench/bench_pairs_gpu.py --layers 13,18   # each rank on its own GPU

Under torchrun every rank builds the model on its own GPU and times its own batches at the same time as the others
(a barrier starts each timing); rank 0 prints the ranks' summed throughput, which is what `mint-pairs` gets from N
GPUs (its ranks share nothing while they make pairs).

Builds `LlamaForCausalLM` from Llama-3.1-8B's config (d = 4096, 32 layers, GQA 32/8, vocab 128256) directly on
the device in bf16 with its random init, and random SAEs of width F = 8·d = 32768 from
`mint.models.sae_loader.SAE` (TopK with k = 50, and JumpReLU). For each set of layers it times what
`pairs_from_model` does per run of a batch: `capture_hidden` at those layers (the forward pass stops after
the deepest one and never reaches the LM head), then each layer's `.float()` hidden states encoded to sparse
features. The SAE is timed in fp32, as `mint-pairs` loads it (`load_sae`'s default), and in bf16. A pair is
two such runs (without and with the tool result); tokens/s counts the tokens of one run. Times are the
median of `--reps` batches after one warm-up; the greedy answer generation of `align: suffix+answer` is not
included."""
import argparse, time
import torch

LLAMA_8B = dict(hidden_size=4096, intermediate_size=14336, num_hidden_layers=32, num_attention_heads=32,
                num_key_value_heads=8, vocab_size=128256)
TINY = dict(hidden_size=64, intermediate_size=128, num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=2, vocab_size=512)

def make_model(shape, device, dtype):
    "A random `LlamaForCausalLM` of `shape`, built in `dtype` straight on `device`."
    from transformers import LlamaConfig, LlamaForCausalLM
    prev = torch.get_default_dtype()
    torch.set_default_dtype(dtype)  # build in bf16: an fp32 copy of 8B parameters would take 32 GB first
    try:
        with torch.device(device): model = LlamaForCausalLM(LlamaConfig(**shape, max_position_embeddings=8192))
    finally: torch.set_default_dtype(prev)
    return model.eval()

def make_sae(h, Fd, arch, dtype, seed=0, L0=50):
    "A random SAE of width `Fd` for hidden states like `h` (N, d): TopK with k = `L0`, or JumpReLU with about `L0` active."
    from mint.models.sae_loader import SAE
    d, device = h.shape[-1], h.device
    g = torch.Generator(device).manual_seed(seed)
    W_dec = torch.randn(Fd, d, generator=g, device=device); W_dec /= W_dec.norm(dim=-1, keepdim=True)
    thr = None
    if arch == 'jumprelu':  # one threshold for all features, at the quantile of `h`'s pre-activations that leaves L0 per token
        pre = (h[:64] @ W_dec.T).flatten()
        thr = pre.kthvalue(pre.numel() - L0*min(64, len(h))).values.expand(Fd).clone()
    return SAE(W_dec.T.contiguous(), W_dec, torch.zeros(Fd, device=device), torch.zeros(d, device=device),
               architecture=arch, threshold=thr, k=L0 if arch == 'topk' else None).to(dtype)

def _sync(device):
    if str(device).startswith('cuda'): torch.cuda.synchronize()

def _median(fn, reps, device):
    from mint.dist import barrier
    fn(); ts = []  # one warm-up
    barrier()  # under torchrun, every rank times its batches at the same time
    for _ in range(reps):
        _sync(device); t = time.perf_counter(); fn(); _sync(device); ts.append(time.perf_counter() - t)
    return sorted(ts)[len(ts)//2]

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    ap.add_argument('--tiny', action='store_true', help='toy sizes for a dry run')
    ap.add_argument('--batch', type=int, default=16, help='prompts per forward pass')
    ap.add_argument('--tokens', type=int, default=256, help='tokens per prompt')
    ap.add_argument('--layers', default='13,18;0,4,9,13,18,22,27,31', help='sets of layers, ";"-separated')
    ap.add_argument('--reps', type=int, default=5)
    args = ap.parse_args()
    from mint.lm import capture_hidden
    from mint.dist import init_distributed, local_device, gather, is_main
    n_ranks = init_distributed()[1]
    shape = TINY if args.tiny else LLAMA_8B
    dev = str(local_device()) if n_ranks > 1 else args.device
    d, Fd, B, T = shape['hidden_size'], 8*shape['hidden_size'], args.batch, args.tokens
    layer_sets = [sorted({int(l) % shape['num_hidden_layers'] for l in s.split(',')}) for s in args.layers.split(';')]
    t0 = time.perf_counter()
    model = make_model(shape, dev, torch.bfloat16)
    _sync(dev); t_build = time.perf_counter() - t0
    name = torch.cuda.get_device_name() if dev.startswith('cuda') else f"CPU, {torch.get_num_threads()} threads"
    name += f", {n_ranks} ranks (tokens/s and pairs/s summed over them)" if n_ranks > 1 else ""
    say = print if is_main() else (lambda *a, **k: None)
    say(f"pair generation, {'Llama-3.1-8B shape' if not args.tiny else 'tiny shape'} (d={d}, {shape['num_hidden_layers']} layers), "
          f"bf16 model, random weights (built in {t_build:.1f} s), F={Fd}, {B} prompts × {T} tokens, on {name}; median of {args.reps}")
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(0, shape['vocab_size'], (B, T), generator=g).to(dev)
    mask = torch.ones(B, T, dtype=torch.long, device=dev)
    say(f"{'layers':>24} | {'SAE':>13} | {'forward s':>9} | {'encode s':>8} | {'run s':>7} | {'tokens/s':>9} | {'pairs/s':>7} | {'L0':>5}")
    for layers in layer_sets:
        fwd = _median(lambda: capture_hidden(model, ids, mask, layers), args.reps, dev)
        hs = {l: h.float() for l,h in capture_hidden(model, ids, mask, layers).items()}  # as pairs_from_model hands them over
        for arch in ('topk', 'jumprelu'):
            for sdt, sname in ((torch.float32, 'fp32'), (torch.bfloat16, 'bf16')):
                saes = {l: make_sae(hs[l].flatten(0, 1), Fd, arch, sdt, seed=l) for l in layers}
                enc = lambda: [saes[l].encode(hs[l], sparse=True) for l in layers]
                t_enc = _median(enc, args.reps, dev)
                L0 = sum((p.val > 0).sum(-1).float().mean().item() for p in enc()) / len(layers)
                run = fwd + t_enc
                runs = gather(run)  # each rank's seconds per batch; [run] alone
                if is_main():
                    tps, pps = sum(B*T/r for r in runs), sum(B/(2*r) for r in runs)
                    say(f"{','.join(map(str, layers)):>24} | {arch + ' ' + sname:>13} | {fwd:>9.3f} | {t_enc:>8.3f} | {run:>7.3f} | "
                        f"{tps:>9,.0f} | {pps:>7.1f} | {L0:>5.0f}", flush=True)
                saes.clear()  # free this set of SAEs before the next
    if dev.startswith('cuda'): say(f"peak GPU memory {torch.cuda.max_memory_allocated()/2**30:.1f} GiB (rank 0)")

if __name__ == '__main__': main()
