#!/usr/bin/env python
"""Write the planted world that `configs/demo.yaml` trains on into data/demo (once; later runs reuse it)."""
from pathlib import Path
import fire
from mint.data.synthetic import ensure_planted_world

def main(out_dir:str=str(Path(__file__).resolve().parent.parent/'data'/'demo')):
    "Make the demo world in `out_dir` unless it is already there."
    w = ensure_planted_world(out_dir, layers=(2, 5), d=32, F=256, n_pairs=256, seed=0)
    print(f"planted world: {w['n_pairs']} pairs at {w['pairs_dir']}")

if __name__ == "__main__": fire.Fire(main)
