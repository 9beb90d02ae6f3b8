#!/usr/bin/env python
"""Time one MTE training step: the spec's direct path against mint's fused path, at seed scale.

    python bench/bench_step.py                     # F=32768, d=4096, editor 512, one layer, L0=50, N=512,2048,8192
    python bench/bench_step.py --sizes 2048 --reps 5
    python bench/bench_step.py --device cuda --dtype bf16
    python bench/bench_step.py --device cpu --F 1024 --d 128 --sizes 64 --reps 1   # a dry run at toy sizes

Each (path, N) runs in its own process. After one warm-up step (which also allocates Adam's state), it times
`reps` steps and reports their median, and the step's peak memory above what was resident before it
(weights, optimizer state, the SAE decoder and the batch): on CPU the rise of the process's peak RSS, on CUDA
`torch.cuda.max_memory_allocated`. The GEMM-bound limit is the summed median time of the bare matrix
products the fused step must do (forward and backward), timed on the same machine; the fused path's time
over it says how much the rest (gathers, elementwise work, the optimizer) costs."""
import argparse, ctypes, gc, json, subprocess, sys, time
import torch

F, D, H, L0 = 32768, 4096, 512, 50

def _rss(field):
    "VmRSS or VmHWM of this process, in MB."
    for line in open('/proc/self/status'):
        if line.startswith(field): return int(line.split()[1]) / 1024
    return float('nan')

def _setup(n, device, dtype):
    from mint.models.mte import MechanisticToolEditor
    from mint.models.sae_loader import SAE
    from mint.data.sparse import SparsePhi
    g = torch.Generator().manual_seed(0)
    W_dec = torch.randn(F, D, generator=g); W_dec /= W_dec.norm(dim=-1, keepdim=True)
    sae = SAE(torch.zeros(1, 1), W_dec, torch.zeros(1), 0.01*torch.randn(D, generator=g)).to(device)  # decode needs no encoder
    if dtype == 'bf16': sae = sae.to(dtype=torch.bfloat16)
    torch.manual_seed(0)
    mte = MechanisticToolEditor([0], F, H, edit_norm_cap=0.5, dropout=0.1).to(device).train()
    idx = torch.randint(0, F, (1, n, L0), generator=g, dtype=torch.int32)
    phi = SparsePhi(idx, torch.rand(1, n, L0, generator=g), F).to(device)
    h = torch.randn(1, n, D, generator=g).to(device)
    mask = torch.ones(1, n, dtype=torch.bool, device=device)
    return mte, sae, phi, h, mask

def _step_fn(path, n, device, dtype):
    from mint.models.mte import compute_mte_loss
    from mint.models.fused import fused_mte_loss
    from mint.data.sparse import to_dense
    from mint.train.train_mte import make_optimizer
    mte, sae, phi, h, mask = _setup(n, device, dtype)
    opt = make_optimizer(mte.parameters(), 1e-4)  # the trainer's optimizer
    amp = torch.autocast(device, dtype=torch.bfloat16, enabled=dtype == 'bf16')
    if path == 'direct':  # the spec's step: dense features in, dense decode
        x = {0: to_dense(phi)}
        loss_fn = lambda: compute_mte_loss(mte(x), {0: h}, lambda l, p: sae.decode(p), 0.01, mask)
    else: loss_fn = lambda: fused_mte_loss(mte, {0: phi}, {0: h}, {0: sae}, 0.01, mask)
    def step():
        with amp: loss, _ = loss_fn()
        loss.backward(); opt.step(); opt.zero_grad(set_to_none=True)
    return step, (mte, sae, phi, h)

def _sync(device):
    if device == 'cuda': torch.cuda.synchronize()

def _median_time(fn, reps, device):
    ts = []
    for _ in range(reps):
        _sync(device); t = time.perf_counter(); fn(); _sync(device); ts.append(time.perf_counter() - t)
    return sorted(ts)[len(ts)//2]

def one(path, n, reps, device, dtype):
    "Measure one (path, N) in this process; print a JSON line."
    step, _ = _step_fn(path, n, device, dtype)
    step()  # warm-up; allocates the optimizer state
    gc.collect()
    if device == 'cuda': torch.cuda.synchronize(); base = torch.cuda.memory_allocated(); torch.cuda.reset_peak_memory_stats()
    else:
        ctypes.CDLL('libc.so.6').malloc_trim(0)
        base = _rss('VmRSS')
        open('/proc/self/clear_refs', 'w').write('5')  # reset the peak RSS to the current RSS
    t = _median_time(step, reps, device)
    total = torch.cuda.max_memory_allocated() / 2**20 if device == 'cuda' else _rss('VmHWM')
    peak = total - (base / 2**20 if device == 'cuda' else base)
    print(json.dumps(dict(path=path, n=n, seconds=t, peak_mb=peak, total_mb=total)))

def gemm_limit(n, reps, device, dtype):
    "Summed median time of the GEMMs in one fused step (forward and backward); print a JSON line."
    dt = torch.bfloat16 if dtype == 'bf16' else torch.float32
    g = torch.Generator().manual_seed(0)
    r = lambda *s: torch.randn(*s, generator=g).to(device, dt)
    W3, W_dec, z, gM, gG, gz, zh = r(F, H), r(F, D), r(n, H), r(H, D), r(H, H), r(n, D), r(n, H)
    M, Wm = r(H, D), r(H, H)
    prods = [lambda: W3.t() @ W_dec, lambda: W_dec @ gM.t(),         # M = W3ᵀ W_dec and W3's gradient from it
             lambda: W3.t() @ W3, lambda: W3 @ gG,                   # G = W3ᵀ W3 and W3's gradient from it
             lambda: z @ M, lambda: gz @ M.t(), lambda: z.t() @ gz,  # z @ M: forward, grad z, grad M
             lambda: zh @ Wm, lambda: zh @ Wm.t(), lambda: zh.t() @ zh]  # the middle Linear: forward and 2 gradients
    for p in prods: p()
    print(json.dumps(dict(path='gemm', n=n, seconds=sum(_median_time(p, reps, device) for p in prods))))

def _run(args, *extra):
    out = subprocess.run([sys.executable, __file__, *extra, '--reps', str(args.reps), '--device', args.device, '--dtype', args.dtype,
                          '--F', str(args.F), '--d', str(args.d)],
                         capture_output=True, text=True)
    if out.returncode: sys.exit(f"bench_step: a measurement failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--sizes', default='512,2048,8192', help='tokens per step, comma separated')
    ap.add_argument('--reps', type=int, default=3, help='timed steps per measurement (median reported)')
    ap.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    ap.add_argument('--dtype', default='fp32', choices=['fp32', 'bf16'])
    ap.add_argument('--F', type=int, default=F, help='SAE width')
    ap.add_argument('--d', type=int, default=D, help='hidden size')
    ap.add_argument('--one', nargs=2, metavar=('PATH', 'N'), help=argparse.SUPPRESS)
    args = ap.parse_args()
    globals().update(F=args.F, D=args.d)
    if args.one:
        path, n = args.one[0], int(args.one[1])
        return gemm_limit(n, args.reps, args.device, args.dtype) if path == 'gemm' else one(path, n, args.reps, args.device, args.dtype)
    dev = torch.cuda.get_device_name() if args.device == 'cuda' else f"CPU, {torch.get_num_threads()} threads"
    print(f"MTE step, F={F}, d={D}, editor {H}, one layer, L0={L0}, {args.dtype}, on {dev}; median of {args.reps} steps")
    print("step MB: peak memory during the step above what was resident before it; total MB: the process's peak")
    print(f"{'N':>6} | {'direct s':>9} | {'fused s':>8} | {'speed-up':>8} | {'direct MB':>9} | {'fused MB':>8} | {'memory ×':>8} | "
          f"{'direct total':>12} | {'fused total':>11} | {'GEMM-bound s':>12} | {'fused / bound':>13}")
    for n in map(int, args.sizes.split(',')):
        d, f, gm = (_run(args, '--one', p, str(n)) for p in ('direct', 'fused', 'gemm'))
        print(f"{n:>6} | {d['seconds']:>9.3f} | {f['seconds']:>8.3f} | {d['seconds']/f['seconds']:>7.1f}× | {d['peak_mb']:>9.0f} | "
              f"{f['peak_mb']:>8.0f} | {d['peak_mb']/max(f['peak_mb'], 1):>7.1f}× | {d['total_mb']:>12.0f} | {f['total_mb']:>11.0f} | "
              f"{gm['seconds']:>12.3f} | {f['seconds']/gm['seconds']:>12.2f}×", flush=True)

if __name__ == '__main__': main()
