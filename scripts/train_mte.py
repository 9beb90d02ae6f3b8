#!/usr/bin/env python
"""Train the Mechanistic Tool Editor: `python scripts/train_mte.py --config_path configs/demo.yaml`.

The same entry point is installed as the console script `mint-train`. See `mint.cli.main` for the flags."""
import fire
from mint.cli import main

if __name__ == "__main__": fire.Fire(main)
