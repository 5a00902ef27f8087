"""When rebuilds run: one at a time per collection (a server's, or the library), fair across servers.

Two lanes, each running one rebuild at a time: the long lane for rebuilds that transcribe a
recording (minutes for a long one: Whisper reads about 10 s of audio per second here) and for the
library, the short lane for everything else (text, Markdown, transcripts: seconds). So a two-hour
recording added in one server never holds another server's text file for its length: that file's
rebuild runs in the short lane beside it. A collection's second change waits for its first (its
reply says it is queued).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

LONG = "long"
SHORT = "short"


class Rebuilds:
    def __init__(self) -> None:
        self._collections: dict[int | None, asyncio.Lock] = {}  # server id (None: the library) -> its lock
        self._lanes = {LONG: asyncio.Semaphore(1), SHORT: asyncio.Semaphore(1)}

    def _lock(self, guild_id: int | None) -> asyncio.Lock:
        return self._collections.setdefault(guild_id, asyncio.Lock())

    def busy(self, guild_id: int | None, lane: str) -> bool:
        """A rebuild of this collection, or one in the lane, runs now: a new one would wait."""
        return self._lock(guild_id).locked() or self._lanes[lane].locked()

    @contextlib.asynccontextmanager
    async def slot(self, guild_id: int | None, lane: str) -> AsyncIterator[None]:
        """Hold the collection, then a place in the lane, for one change and its rebuild."""
        async with self._lock(guild_id), self._lanes[lane]:
            yield


def lane_for(kind: str | None, guild_id: int | None) -> str:
    """The lane of a rebuild after adding a file of `kind` (None: a removal or a plain rebuild)."""
    return LONG if kind == "recording" or guild_id is None else SHORT
