"""The numeric notebooks run a second time on another CPU kernel path (issue 19).

A float32 sum rounds differently with the instruction set its kernel uses (MKL's SSE4.2, AVX2 or AVX-512 paths,
ATen's vectorised or default ones), so an assertion tighter than float32 holds on one machine and fails on the
next. `make test` runs every notebook once (tests/test_docs.py) on this machine's kernels, and here the numeric
ones (sparse, SAE loader, MTE, fused loss, hooks, evaluation) once more with `KERNEL_ENV`: MKL limited to SSE4.2,
ATen's kernels to the default (unvectorised) ones. They start with the session, two at a time, beside the other tests
(conftest's `kernel_runs`), each in a folder of its own."""
import os, subprocess, sys
import pytest
from conftest import KERNEL_ENV, NUMERIC

def test_the_kernel_path_changes():
    "The settings take effect: ATen reports its default kernels under them (else this file tests nothing)."
    r = subprocess.run([sys.executable, '-c', 'import torch; print(torch.backends.cpu.get_cpu_capability())'],
                       env={**os.environ, **KERNEL_ENV}, capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip() == 'DEFAULT', (r.stdout, r.stderr[-2000:])

@pytest.mark.parametrize('nb', NUMERIC)
def test_numeric_notebook_on_another_kernel_path(nb, kernel_runs):
    r = kernel_runs[nb].result()
    assert r.returncode == 0, r.stderr[-4000:]  # the failing cell and its assertion
