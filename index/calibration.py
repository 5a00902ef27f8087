"""The fitted values the engine reads: ranking weights (index/retrieve/search.py) and the confidence models
(index/answer/confidence.py), kept in calibration.json beside this file and written only by
benchmarks/calibrate.py (fitted across corpora, scored leave-one-corpus-out)."""

from __future__ import annotations

import json
from pathlib import Path

CALIBRATION = Path(__file__).with_name("calibration.json")


def load_calibration(path: Path = CALIBRATION) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))
