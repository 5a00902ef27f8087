"""Ingest stage: corpus files become documents of quotable sentences, then chunks.

documents.py  which files are documents, decoding, sections and timestamps of every sentence
markdown.py, plaintext.py, lines.py   the structure of Markdown and plain-text files
transcripts.py  subtitle and Whisper files (and machine transcripts) as timed sentences
recordings.py, asr_model.py   audio and video transcribed by faster-whisper (Whisper base, installed by
              index/models/whisper.py)
manifest.py   corpus/sources.toml
chunk.py      token-bounded chunks of sentences (tiktoken)
"""
