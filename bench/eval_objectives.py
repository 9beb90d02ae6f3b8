#!/usr/bin/env python
"""Issue 10's check of edit semantics: the same test scenarios, teacher-forced, at strength 1 (no tuning).

    python bench/eval_objectives.py configs/smollm2.yaml configs/smollm2_residual.yaml   # after mint-run of each

Both configs must share the model, scenarios, SAEs and pairs (the second differs in `mte.objective` and its
`save_dir`). Prints, with paired bootstrap 95% intervals within families, the last-position and window KL gap
closed by: the spec-objective MTE applied as trained (error dropped), the same MTE applied with the SAE error
kept (the seed's mismatch), the residual-objective MTE as trained, and the global mean shift."""
import sys
from mint.config import load_config
from mint.pipeline import stage_model, stage_scenarios, stage_saes, training_split
from mint.models.mte import MechanisticToolEditor
from mint.eval import evaluate_behaviour
from pathlib import Path

def run(spec_cfg, res_cfg):
    c, r = load_config(spec_cfg), load_config(res_cfg)
    model, tok = stage_model(c)
    sc = stage_scenarios(c)
    saes = stage_saes(c, model, tok, sc, train=False)
    train, _ = training_split(c, sc["train"])
    kw = dict(align=c.pairs.align, batch_size=c.eval.batch_size, max_answer_tokens=c.pairs.max_answer_tokens, seed=c.seed,
              n_boot=c.eval.n_boot, generate=False, max_new_tokens=c.pairs.max_answer_tokens)
    rows = {}
    spec = MechanisticToolEditor.load(Path(c.mte.save_dir)/"mte_final.pt", device=c.model.device)
    ev = evaluate_behaviour(model, tok, sc["test"], spec, saes, train, conditions=("none", "mean_shift", "mte"), **kw)
    rows["spec MTE, as trained"], rows["mean shift (global)"] = ev["summary"]["conditions"]["mte"], ev["summary"]["conditions"]["mean_shift"]
    spec.objective = "residual"  # apply the spec-trained edit with the error kept: the seed's mismatch
    rows["spec MTE, error kept"] = evaluate_behaviour(model, tok, sc["test"], spec, saes, train, conditions=("none", "mte"), **kw)["summary"]["conditions"]["mte"]
    res = MechanisticToolEditor.load(Path(r.mte.save_dir)/"mte_final.pt", device=c.model.device)
    train_r, _ = training_split(r, sc["train"])
    rows["residual MTE, as trained"] = evaluate_behaviour(model, tok, sc["test"], res, saes, train_r, conditions=("none", "mte"), **kw)["summary"]["conditions"]["mte"]
    iv = lambda m, k: f"{m[k]:.3f} [{m[k + '_ci'][0]:.3f}, {m[k + '_ci'][1]:.3f}]"
    print(f"{len(sc['test'])} test scenarios, strength 1, teacher-forced\n")
    print("| edit | gap closed (last) | gap closed (window) |\n|---|---|---|")
    for k,m in rows.items(): print(f"| {k} | {iv(m, 'closed_last')} | {iv(m, 'closed_aligned')} |")

if __name__ == "__main__": run(*sys.argv[1:3])
