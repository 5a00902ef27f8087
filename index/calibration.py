"""The fitted values the engine reads: ranking weights (index/retrieve/search.py) and the confidence models
(index/answer/confidence.py), one set per bundled embedding model, kept in calibration.json beside this
file and written only by benchmarks/calibrate.py (fitted across corpora, scored leave-one-corpus-out).

A model without values of its own (any other sentence-transformers model) uses those of the bundled
model of the same name (`intfloat/multilingual-e5-small` -> `bundled:multilingual-e5-small`), else the
default model's.
"""

from __future__ import annotations

import json
from pathlib import Path

from .config import DEFAULT_MODEL, configured_model

CALIBRATION = Path(__file__).with_name("calibration.json")


def calibration_key(model: str, known: list[str]) -> str:
    """Which model's values `model` uses, among the `known` ones."""
    if model in known:
        return model
    base = model.rstrip("/").rsplit("/", 1)[-1].lower()
    return next((key for key in known if key.removeprefix("bundled:").lower() == base), DEFAULT_MODEL)


def load_all(path: Path = CALIBRATION) -> dict[str, dict]:
    """Every model's values: model name -> {"weights": ..., "confidence": ...}."""
    return json.loads(path.read_text(encoding="utf-8"))["models"]


def load_calibration(model: str | None = None, path: Path = CALIBRATION) -> dict:
    """The values for `model` (default: the configured one)."""
    models = load_all(path)
    return models[calibration_key(model or configured_model(), list(models))]
