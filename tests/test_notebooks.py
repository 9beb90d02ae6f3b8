"Every notebook in nbs/ runs under nbdev's test runner (flagged cells skipped as `tst_flags` says), one pytest case each."
import subprocess, sys
from pathlib import Path
import pytest

NBS = Path(__file__).resolve().parent.parent/'nbs'
NOTEBOOKS = sorted(p.name for p in NBS.glob('*.ipynb'))

def test_there_are_notebooks(): assert len(NOTEBOOKS) >= 9

@pytest.mark.parametrize('nb', NOTEBOOKS)
def test_notebook(nb):
    nbdev_test = Path(sys.executable).parent/'nbdev-test'
    r = subprocess.run([str(nbdev_test), str(NBS/nb), '--do-print'], capture_output=True, text=True, cwd=NBS.parent)
    assert r.returncode == 0, f"{nb} failed under nbdev-test:\n{r.stdout[-3000:]}\n{r.stderr[-6000:]}"
