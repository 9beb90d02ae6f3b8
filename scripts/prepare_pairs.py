"""Make counterfactual pairs from a live model: load the config's model, scenarios and SAEs, and write the pair store.

    python scripts/prepare_pairs.py --config_path configs/smollm2.yaml

The same as the `mint-pairs` command (mint.cli.pairs_main)."""
import fire
from mint.cli import pairs_main

if __name__ == "__main__": fire.Fire(pairs_main)
