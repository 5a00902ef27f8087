"""Questions to EmbeddingGemma-300M, encoded by onnxruntime from the ONNX export made at install
(index/retrieve/gemma_install.py): the same weights and pipeline as the torch model, without importing
torch, transformers or sentence-transformers, so a one-shot `ask` does not pay their imports (about 8 s
here). The install checks its vectors against torch's at cosine >= 0.999; so does
tests/retrieve/test_models.py.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

QUERY_PROMPT = "task: search result | query: "
DOCUMENT_PROMPT = "title: none | text: "
MAX_TOKENS = 512  # a question is cut here (questions are at most a few hundred tokens)


class OnnxQuestions:
    """One text to one unit vector, by the ONNX question pipeline in `folder/onnx/query.onnx`."""

    def __init__(self, folder: Path) -> None:
        # Threads that sleep when idle: spinning ones fight the bot's other threads for the cores.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        import onnxruntime
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        options = onnxruntime.SessionOptions()
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        self.session = onnxruntime.InferenceSession(str(folder / "onnx" / "query.onnx"), options,
                                                    providers=["CPUExecutionProvider"])
        self.dims = int(self.session.get_outputs()[0].shape[-1])

    def encode_one(self, text: str, kind: str = "query") -> np.ndarray:
        prompt = QUERY_PROMPT if kind == "query" else DOCUMENT_PROMPT
        ids = np.asarray([self.tokenizer.encode(prompt + text).ids], dtype=np.int64)
        (vector,) = self.session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})
        vector = np.asarray(vector, dtype=np.float32).reshape(-1)
        return np.ascontiguousarray(vector / (np.linalg.norm(vector) or 1.0))
