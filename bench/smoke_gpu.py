#!/usr/bin/env python
"""Smoke test of mint's real-model path on a device: a tiny random chat Llama in bf16, its hidden states, an SAE
and an MTE edit inside the model's forward pass and generate().

    python bench/smoke_gpu.py                 # cuda
    python bench/smoke_gpu.py --device cpu    # the same on the CPU

Writes the tiny model with `mint.lm.make_tiny_lm`, loads it in bf16 on the device, captures two layers'
hidden states, encodes and decodes them with a random TopK SAE (fp32, as `load_sae` gives it), and runs the
model with `apply_mte` (strength 0 must leave the logits as the plain SAE reconstruction does; strength 1
must change them), then greedy `generate()` with the edit on generated tokens. Prints one line per check and
exits non-zero on the first failure."""
import argparse, sys, tempfile, time
import torch

def check(name, ok, detail=''):
    print(f"{'ok  ' if ok else 'FAIL'} {name}" + (f": {detail}" if detail else ''), flush=True)
    if not ok: sys.exit(1)

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    args = ap.parse_args()
    dev, t0 = args.device, time.perf_counter()
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from mint.lm import make_tiny_lm, capture_hidden
    from mint.models.sae_loader import SAE
    from mint.models.mte import MechanisticToolEditor
    from mint.models.hooks import apply_mte, patch_hidden
    texts = ["What is the weather in Paris?", "The tool says 21 degrees and sunny.", "Convert 3 miles to km."] * 4
    with tempfile.TemporaryDirectory() as tmp:
        path = make_tiny_lm(f"{tmp}/tiny", texts, layers=4, d=64)
        tok = AutoTokenizer.from_pretrained(path)
        model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.bfloat16).to(dev).eval()
    check('tiny model on device', next(model.parameters()).device.type == dev, f"{type(model).__name__} bf16 on {dev}")
    enc = tok(texts[:4], return_tensors='pt', padding=True, padding_side='left')
    ids, mask = enc['input_ids'].to(dev), enc['attention_mask'].to(dev)
    hs = capture_hidden(model, ids, mask, layers=(1, 2))
    check('capture_hidden', all(h.shape == (*ids.shape, 64) and h.dtype == torch.bfloat16 and torch.isfinite(h).all() for h in hs.values()),
          f"layers {sorted(hs)}, {tuple(hs[1].shape)} {hs[1].dtype}")
    g = torch.Generator().manual_seed(0)
    W = torch.randn(256, 64, generator=g); W /= W.norm(dim=-1, keepdim=True)
    saes = {l: SAE(W.T.contiguous(), W.clone(), torch.zeros(256), torch.zeros(64), architecture='topk', k=16).to(dev) for l in (1, 2)}
    phi = saes[1].encode(hs[1].float(), sparse=True)
    rec = saes[1].decode(saes[1].encode(hs[1].float()))
    check('SAE encode/decode', phi.idx.device.type == dev and rec.shape == hs[1].shape and bool(torch.isfinite(rec).all()),
          f"L0 {(phi.val > 0).sum(-1).float().mean():.1f} of 256")
    torch.manual_seed(0)
    mte = MechanisticToolEditor([1, 2], 256, 32, edit_norm_cap=None, dropout=0.0).to(dev)
    for p in mte.parameters(): torch.nn.init.normal_(p, std=0.5)  # a visible edit
    with torch.no_grad():
        plain = model(input_ids=ids, attention_mask=mask).logits.float()
        with patch_hidden(model, {l: (lambda x, s=saes[l]: s.decode(s.encode(x.float()))) for l in (1, 2)}): recon = model(input_ids=ids, attention_mask=mask).logits.float()
        with apply_mte(model, mte, saes, strength=0.0): zero = model(input_ids=ids, attention_mask=mask).logits.float()
        with apply_mte(model, mte, saes): edited = model(input_ids=ids, attention_mask=mask).logits.float()
    check('apply_mte strength 0 = SAE reconstruction', (zero - recon).abs().max().item() < 1e-2, f"max |diff| {(zero - recon).abs().max():.2e}")
    check('apply_mte edit changes the logits', (edited - zero).abs().max().item() > 1e-2,
          f"max |edited - unedited| {(edited - zero).abs().max():.3f}, vs plain {(plain - zero).abs().max():.3f}")
    with torch.no_grad(), apply_mte(model, mte, saes, generated=True):
        out = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=8, do_sample=False, pad_token_id=tok.pad_token_id)
    check('generate() with the edit', out.shape[0] == ids.shape[0] and out.shape[1] > ids.shape[1], f"{tuple(out.shape)}")
    print(f"smoke test passed on {torch.cuda.get_device_name() if dev == 'cuda' else 'CPU'} in {time.perf_counter() - t0:.1f} s")

if __name__ == '__main__': main()
