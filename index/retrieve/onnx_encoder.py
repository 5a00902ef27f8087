"""EmbeddingGemma-300M run by onnxruntime from the ONNX export made at install
(index/models/gemma.py): the whole sentence-transformers pipeline (transformer, mean pooling,
both dense layers), the same weights, without importing torch, transformers or sentence-transformers.
Questions and passages both go through it: a one-shot `ask` does not pay torch's imports (about 8 s
here), and a running bot holds one copy of the weights, not two. The install checks its vectors
against torch's at cosine >= 0.999, and so does tests/retrieve/test_gemma.py, on padded batches too.

Texts are cut into tokens by SentencePiece from the model's own `tokenizer.model` (4.7 MB, loaded in
about 0.1 s), not from `tokenizer.json` (33 MB, 514,906 merges: 1.5 s to load, most of a one-shot ask's
start). Both give the same ids: the HF tokenizer is converted from that model (spaces read as "▁", no
prefix space), with <bos> before and <eos> after; tests/retrieve/test_gemma.py compares them on every
sentence of the bundled corpus and the benchmark questions.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

PROMPTS = {"query": "task: search result | query: ", "passage": "title: none | text: ", "raw": ""}
MAX_TOKENS = 2048  # the model's own limit (sentence_bert_config.json), <bos> and <eos> included


class OnnxEncoder:
    """Texts to unit vectors by the ONNX pipeline in `folder/onnx/query.onnx`, batched by length."""

    def __init__(self, folder: Path, one_shot: bool = False) -> None:
        """`one_shot`: for a process that encodes one question and ends. onnxruntime then leaves the weights
        as stored instead of repacking them for its matrix kernels: the session is ready in about 0.14 s
        instead of 0.5 s, and a question takes about 70 ms instead of 45 (measured here, idle)."""
        # Threads that sleep when idle: spinning ones fight the bot's other threads for the cores.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        import onnxruntime
        import sentencepiece

        self.tokenizer = sentencepiece.SentencePieceProcessor(model_file=str(folder / "tokenizer.model"))
        options = onnxruntime.SessionOptions()
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        if one_shot:
            options.add_session_config_entry("session.disable_prepacking", "1")
        self.session = onnxruntime.InferenceSession(str(folder / "onnx" / "query.onnx"), options,
                                                    providers=["CPUExecutionProvider"])
        self.dims = int(self.session.get_outputs()[0].shape[-1])

    def encode(self, texts: list[str], kind: str = "passage", batch_size: int = 16,
               progress: bool = False) -> np.ndarray:
        """Unit vectors of `texts` read as questions (`query`), passages, or as given (`raw`). `progress`
        is accepted for the embedders' common signature; the build logs its own progress."""
        out = np.zeros((len(texts), self.dims), dtype=np.float32)
        if not texts:
            return out
        encodings = self.token_ids([PROMPTS[kind] + text for text in texts])
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i]))  # little padding per batch
        for at in range(0, len(order), batch_size):
            batch = order[at : at + batch_size]
            width = max(len(encodings[i]) for i in batch)
            ids = np.zeros((len(batch), width), dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for row, i in enumerate(batch):
                tokens = encodings[i]
                ids[row, : len(tokens)] = tokens
                mask[row, : len(tokens)] = 1
            (vectors,) = self.session.run(None, {"input_ids": ids, "attention_mask": mask})
            out[batch] = vectors
        return out / np.linalg.norm(out, axis=1, keepdims=True).clip(min=1e-12)

    def token_ids(self, texts: list[str]) -> list[list[int]]:
        """The model's input ids of each text: <bos>, its tokens (cut to fit MAX_TOKENS), <eos>."""
        bos, eos = self.tokenizer.bos_id(), self.tokenizer.eos_id()
        # One thread: SentencePiece's pool costs more than it saves on these short texts (measured: 35 against
        # 48 us a question, 158 against 205 us a batch of 16; milliseconds when the cores are busy).
        return [[bos, *ids[: MAX_TOKENS - 2], eos] for ids in self.tokenizer.encode(texts, num_threads=1)]

    def encode_one(self, text: str, kind: str = "query") -> np.ndarray:
        return self.encode([text], kind)[0]
