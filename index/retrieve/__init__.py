"""Retrieve stage: embeddings, the lexical index, and hybrid search for candidate sentences.

embed.py      the embedding models (onnx_encoder.py: EmbeddingGemma's ONNX export; installed.py: the
              checks a load makes of the bundled models, which index/models/ installs)
lexical.py    BM25 words, the English<->Chinese word bridge, everyday-word weights
search.py     dense chunks + BM25 sentences fused into scored candidate sentences
background.py  how close unrelated questions come on this corpus (for confidence)
"""
