#!/usr/bin/env python
"""The behavioural evaluation on a tiny random chat model, on a chosen device and dtype: pairs from the live model,
an untrained MTE of each objective, `tune_scales` and `evaluate_behaviour` with every condition, single layers and
greedy answers edited at every generated token. It checks that the whole path runs there and that the unedited
greedy answers equal plain `generate()`; the numbers mean nothing (a random model knows no tools).

    python bench/cuda_eval_check.py --device cuda --dtype bfloat16
    python bench/cuda_eval_check.py --device cpu --dtype float32      # the same on a CPU"""
import argparse, shutil, tempfile, time
from pathlib import Path
import torch

def main(device="cuda", dtype="bfloat16"):
    from mint.data.scenarios import make_scenarios, build_prompts
    from mint.data.generate import generate_pairs, greedy_answers
    from mint.lm import make_tiny_lm, load_lm
    from mint.models.mte import MechanisticToolEditor
    from mint.models.sae_loader import SAE
    from mint.eval import evaluate_behaviour, tune_scales, summary_table
    t0, root = time.time(), Path(tempfile.mkdtemp())
    sc = make_scenarios(6, 2, seed=0)
    model, tok = load_lm(str(make_tiny_lm(root/"lm", [s.query + " " + s.tool_output for s in sc["train"]], layers=3, d=32)), dtype=dtype, device=device)
    def sae(seed):
        g = torch.Generator().manual_seed(seed); W = torch.randn(128, 32, generator=g) / 32**0.5
        return SAE(W.T.contiguous(), W, torch.zeros(128), torch.zeros(32), architecture="topk", k=8).to(device)
    saes = {1: sae(1), 2: sae(2)}
    store = generate_pairs(model, tok, sc["train"], saes, root/"pairs", align="suffix+answer", max_answer_tokens=4)
    for obj in ("spec", "residual"):
        mte = MechanisticToolEditor([1, 2], 128, hidden_dim=64, edit_norm_cap=2.0, objective=obj).to(device)
        t = tune_scales(model, tok, sc["train"][:8], mte, saes, store, align="suffix+answer", max_answer_tokens=4)
        ev = evaluate_behaviour(model, tok, sc["test"], mte, saes, store, align="suffix+answer", scales=t["chosen"], single_layer=True,
                                max_answer_tokens=4, max_new_tokens=6, n_boot=200)
        plain = greedy_answers(model, tok, [build_prompts(tok, s)[0] for s in sc["test"]], 6)
        same = [r["none"]["text"] for r in ev["scenarios"]] == [tok.decode(x, skip_special_tokens=True).strip() for x in plain]
        print(f"objective {obj}: {len(ev['scenarios'])} scenarios, {len(ev['conditions'])} conditions, strengths {t['chosen']}, "
              f"unedited answers equal plain generate(): {same}")
        assert same
    print(summary_table(ev).split("\n\n**The MTE")[0])
    print(f"device {device} ({torch.cuda.get_device_name() if device == 'cuda' else 'cpu'}), dtype {dtype}: all ran in {time.time() - t0:.1f} s")
    shutil.rmtree(root, ignore_errors=True)

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cuda"); ap.add_argument("--dtype", default="bfloat16")
    main(**vars(ap.parse_args()))
