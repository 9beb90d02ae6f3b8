"""tools/check_imports.py fails on imports that point the wrong way: fed the source of a module with a bad import,
it names the file, the line and the rule (issue 23: training and evaluation apart)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent/'tools'))
import check_imports as ci

# notebook positions as in nbs/: the evaluation notebooks come before train.kl's, so only the new rule forbids these
ORDER = {'mint.data.split': 4, 'mint.train.datasets': 5, 'mint.train.train_mte': 6, 'mint.analysis': 7, 'mint.models.window': 12,
         'mint.eval': 14, 'mint.blocking': 15, 'mint.train.kl': 16, 'mint.tool_eval': 17}

def test_training_may_not_import_evaluation():
    errs = ci.module_problems("import torch\nfrom ..eval import render\n", 'mint.train.kl', ORDER, 'mint/train/kl.py')
    assert errs == ["mint/train/kl.py:2: mint.train.kl (training) imports mint.eval, an evaluation module"]

def test_evaluation_may_not_import_training_even_inside_a_function():
    src = "def f():\n    from mint.train.kl import tool_features\n    return tool_features\n"
    assert ci.module_problems(src, 'mint.tool_eval', ORDER, 'mint/tool_eval.py') == \
        ["mint/tool_eval.py:2: mint.tool_eval (an evaluation module) imports mint.train.kl, training"]
    assert ci.module_problems("from .train.train_mte import split_pairs\n", 'mint.analysis', ORDER, 'a.py')[0].endswith("imports mint.train.train_mte, training")

def test_what_both_may_import():
    assert ci.module_problems("from .train.datasets import create_dataloader\nfrom .data.split import split_pairs\n", 'mint.analysis', ORDER, 'a.py') == []
    assert ci.module_problems("from ..models.window import render\n", 'mint.train.kl', ORDER, 'k.py') == []
    assert ci.module_problems("from .train.train_mte import train_mte\n", 'mint.blocking', ORDER, 'b.py') != []
