"""Retrieve stage: embeddings, the lexical index, and hybrid search for candidate sentences.

embed.py, e5_convert.py   the sentence-transformers models (multilingual-e5-small installed offline)
lexical.py    BM25 words, the English<->Chinese word bridge, everyday-word weights
search.py     dense chunks + BM25 sentences fused into scored candidate sentences
background.py  how close unrelated questions come on this corpus (for confidence)
"""
