#!/usr/bin/env bash
# GPU check: the training step, pair generation at Llama-3.1-8B's shape (on one GPU, and on two with torchrun where
# the machine has them), the evaluation on a tiny random Llama in bf16, and a smoke test of the real-model path.
#
#   bash bench/gpu_check.sh                    # on a CUDA machine, from the repo root; the log goes to $OUT/log
#   PYTHON=.venv/bin/python bash bench/gpu_check.sh --device cpu    # a dry run at toy sizes (a minute on 2 cores)
#
# Made for a fresh machine without internet: mint is used from this checkout (PYTHONPATH, the same as
# `pip install -e .` without installing anything), and a missing dependency is installed from wheels in .whl/
# if that folder exists. The benchmarks need torch, transformers, safetensors, tokenizers, pyyaml, tqdm and
# matplotlib; nbdev, fastcore, fire, gguf and sparsify are not imported by them.
set -u -o pipefail
DEVICE=cuda
[ "${1:-}" = "--device" ] && DEVICE="${2:-cuda}"
PY="${PYTHON:-python3}"
OUT="${OUT:-/tmp/gpu_check_out}"; mkdir -p "$OUT"
LOG="$OUT/log"; : > "$LOG"
exec > >(tee -a "$LOG") 2>&1
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false
status=0
step() {  # step NAME SECONDS CMD...: run CMD with a time limit, report how it ended, go on either way
  local name=$1 limit=$2; shift 2
  echo; echo "=== $name ($(date -u +%H:%M:%S), limit ${limit}s): $*"
  local t0=$SECONDS
  timeout "$limit" "$@"; local rc=$?
  echo "=== $name: exit $rc after $((SECONDS - t0)) s"
  [ $rc -ne 0 ] && status=1
  return 0
}

echo "=== environment ($(date -u +%FT%TZ)), device $DEVICE, python $(command -v "$PY")"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
if ! "$PY" -c 'import torch, transformers, safetensors, tokenizers, yaml, tqdm, matplotlib' 2>/dev/null; then
  echo "some dependencies are missing"
  if ls .whl/*.whl >/dev/null 2>&1; then
    "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
      && export PYTHONPATH="$PYTHONPATH:/tmp/site"
  else echo "no .whl/ folder to install them from"; fi
fi
"$PY" - <<'EOF' || { echo "=== cannot import what the benchmarks need; stopping"; exit 1; }
import importlib, torch
for m in ('torch', 'transformers', 'safetensors', 'tokenizers', 'yaml', 'tqdm', 'matplotlib'):
    print(f"{m} {getattr(importlib.import_module(m), '__version__', '?')}")
print("cuda available:", torch.cuda.is_available(), "|", torch.cuda.get_device_name() if torch.cuda.is_available() else "no GPU",
      "| torch CUDA", torch.version.cuda, "| TF32 matmul allowed:", torch.backends.cuda.matmul.allow_tf32)
import mint.models.sae_loader, mint.lm, mint.models.hooks, mint.train.train_mte
print("mint", mint.__version__, "from", mint.__file__)
EOF

if [ "$DEVICE" = cuda ]; then
  step "smoke test: tiny Llama in bf16, capture_hidden, SAE, apply_mte, generate" 60 "$PY" bench/smoke_gpu.py --device cuda
  step "training step, F=32768, d=4096, bf16" 140 "$PY" bench/bench_step.py --device cuda --dtype bf16 --sizes 2048,8192 --reps 5
  step "pair generation at Llama-3.1-8B's shape" 170 "$PY" bench/bench_pairs_gpu.py --device cuda --batch 16 --tokens 256 --reps 5
  step "the evaluation on a tiny random Llama, cuda, bf16" 120 "$PY" bench/cuda_eval_check.py --device cuda --dtype bfloat16
  n_gpus=$(nvidia-smi -L 2>/dev/null | wc -l)
  if [ "$n_gpus" -ge 2 ]; then
    step "pair generation at Llama-3.1-8B's shape on 2 GPUs (torchrun)" 240 \
      "$PY" -m torch.distributed.run --standalone --nproc_per_node=2 bench/bench_pairs_gpu.py --batch 16 --tokens 256 --reps 5 --layers 13,18
  else echo "=== one GPU: no two-GPU pair generation"; fi
else
  step "smoke test (cpu)" 120 "$PY" bench/smoke_gpu.py --device cpu
  step "training step (cpu, toy sizes)" 120 "$PY" bench/bench_step.py --device cpu --dtype bf16 --F 1024 --d 128 --sizes 64 --reps 1
  step "pair generation (cpu, toy sizes)" 120 "$PY" bench/bench_pairs_gpu.py --device cpu --tiny --batch 4 --tokens 32 --reps 2
  step "pair generation (cpu, toy sizes, 2 Gloo ranks)" 120 \
    "$PY" -m torch.distributed.run --standalone --nproc_per_node=2 bench/bench_pairs_gpu.py --device cpu --tiny --batch 4 --tokens 32 --reps 2 --layers 1,2
fi
echo; echo "=== done ($(date -u +%H:%M:%S)), status $status; log in $LOG"
exit $status
