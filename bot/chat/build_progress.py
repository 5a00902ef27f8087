"""The build's progress log, followed in a Discord reply.

A rebuild runs build_index on a thread of its own; its log lines (the steps, "transcribing talk.mp3",
"transcribing talk.mp3: 40% of 52:10 done, about 6:30 left") are what the person who started it
sees, edited into their reply as they come. follow_build_log() passes that thread's lines to a
callback; ProgressReply turns them into edits of one message, one at a time, always the latest line.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Awaitable, Callable, Iterator

import discord

log = logging.getLogger(__name__)

BUILD_LOGGER = "index"  # the build and its stages log under index.*
STEP_ONE = "[1/5]"  # "[1/5] reading documents in <the folder>": the folder is not shown


def status_line(message: str) -> str | None:
    """What a build log line says to the person waiting, or None when it is not progress."""
    if message.startswith(STEP_ONE):
        return f"{STEP_ONE} reading the documents"
    if message.startswith("[") or message.startswith("transcribing "):
        return message
    if message.startswith("loading speech recognition model"):
        return "loading the speech recognition model"
    return None


class _ThreadLines(logging.Handler):
    def __init__(self, thread: int, callback: Callable[[str], None]) -> None:
        super().__init__(logging.INFO)
        self.thread = thread
        self.callback = callback

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread != self.thread:
            return
        line = status_line(record.getMessage())
        if line is not None:
            try:
                self.callback(line)
            except Exception:  # progress must never break the build
                log.debug("a progress callback failed", exc_info=True)


@contextlib.contextmanager
def follow_build_log(callback: Callable[[str], None] | None) -> Iterator[None]:
    """While inside, pass this thread's build progress lines to `callback` (nothing when None)."""
    if callback is None:
        yield
        return
    logger = logging.getLogger(BUILD_LOGGER)
    handler = _ThreadLines(threading.get_ident(), callback)
    quiet = logger.getEffectiveLevel() > logging.INFO  # INFO lines must be made to reach the handler
    if quiet:
        previous = logger.level
        logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        if quiet:
            logger.setLevel(previous)


class ProgressReply:
    """Edits one message with the latest progress line, `heading` above it. Callable from any thread;
    edits run on the event loop one at a time, skipping lines superseded meanwhile."""

    def __init__(self, edit: Callable[[str], Awaitable[object]], heading: str) -> None:
        self._edit = edit
        self.heading = heading
        self._loop = asyncio.get_running_loop()
        self._latest: str | None = None
        self._shown: str | None = None
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._failed = False

    def text(self, line: str) -> str:
        return f"{self.heading}\n-# {line}"

    def __call__(self, line: str) -> None:
        self._loop.call_soon_threadsafe(self._set, line)

    def _set(self, line: str) -> None:
        self._latest = line
        self._wake.set()
        if self._task is None:
            self._task = self._loop.create_task(self._run())

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            if self._latest is None or self._latest == self._shown or self._failed:
                continue
            line = self._latest
            try:
                await self._edit(self.text(line))
                self._shown = line
            except discord.HTTPException as error:  # e.g. the interaction's 15 minutes are over
                log.warning("could not show rebuild progress (%s); the rebuild goes on", error)
                self._failed = True

    async def stop(self) -> None:
        """No more edits (call before the final one)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
