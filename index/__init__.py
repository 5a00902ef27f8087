"""quotebot's engine. Two front doors:

* `Engine` (engine.py): load the index and answer with quotes (`ask`), look passages up (`search`)
  and check claims and quotations (`check`);
* `build_index` (build.py): build the index from the corpus folder, incrementally.

Both are thin over the stage packages, which run in this order and import only downwards:
ingest (files -> sentences -> chunks), retrieve (embeddings, BM25, hybrid search), answer (quotes
and their confidence), verify (claims and quotations), storage (the on-disk index); text holds the
pure text functions they share, and config.py and records.py the settings and the records passed
between stages.
"""

from .build import BuildReport, build_index
from .config import Settings, load_settings
from .engine import Engine
from .errors import BadQuestion, ConfigError, CorpusEmpty, IndexProblem, ModelError

__all__ = ["BadQuestion", "BuildReport", "ConfigError", "CorpusEmpty", "Engine", "IndexProblem", "ModelError",
           "Settings", "build_index", "load_settings"]
