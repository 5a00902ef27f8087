"""The Discord client: the library's engine and the servers' collections (index/collections.py: one
model, collections loaded on demand), the command modules (loaded from one
list, COMMAND_MODULES), mentions and DMs, one error handler, command sync, clean shutdown on SIGTERM.

The engine (model + FAISS) runs on a small pool of worker threads, never on the event loop,
so heartbeats and other users' commands keep flowing while a question is being answered.
No message can ping anyone: mentions are disabled for every message the bot sends.

Intents: `guilds` (commands and channels), `guild_messages` and `dm_messages` (to see
messages that mention the bot, and DMs), and the privileged `message_content`, which only the
auto-answer channels need (bot/chat/autoanswer.py): Discord includes the text of messages that mention
the bot, and of DMs, without it. When Discord refuses it at start (not enabled for the application),
the bot logs one line and connects again without it; auto-answer is then off.

Every answer is logged (bot/storage/question_log.py, unless QUOTEBOT_QUESTION_LOG=off) and carries the
feedback buttons (bot/chat/feedback.py), which are persistent: registered here at start.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib
import logging
import math
import re
import signal
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import discord
from discord import app_commands

from bot.chat import answering, embeds
from bot.chat.autoanswer import auto_answer
from bot.chat.build_progress import follow_build_log
from bot.chat.cooldowns import Cooldowns
from bot.chat.feedback import AnswerButton
from bot.chat.rebuilds import Rebuilds
from bot.storage import user_hash
from bot.storage.question_log import QuestionLog, log_target, open_log
from index.build import BuildReport
from index.collections import SERVERS, Collections
from index.config import Settings
from index.engine import Engine
from index.errors import BadQuestion

log = logging.getLogger(__name__)
T = TypeVar("T")

# One module per command group, each with `setup(bot)` (bot/chat/commands/); loaded in this order.
COMMAND_MODULES = (
    "bot.chat.commands.answers",  # /ask, /check, the "Check citations" message menu
    "bot.chat.commands.lookup",  # /search
    "bot.chat.commands.info",  # /sources, /help
    "bot.chat.commands.admin",  # /reindex
    "bot.chat.commands.sources",  # /source add, /source remove (Manage Server)
    "bot.chat.commands.report",  # /report: the gaps report (Manage Server)
    "bot.chat.commands.autoanswer",  # /autoanswer on|off (Manage Server)
)
MESSAGE_CONTENT_REFUSED = ("Discord refused the Message Content intent (turn it on under Bot > Privileged Gateway "
                           "Intents in the developer portal); running without auto-answer")

SALT_PER_MACHINE = ("QUOTEBOT_DATABASE_URL is set but QUOTEBOT_LOG_SALT is not: this machine hashes user ids with its "
                    "own salt file; set the same QUOTEBOT_LOG_SALT on every process (docs/deployment.md)")

ERROR_TEXT = "Something went wrong on our side while answering; it has been logged. Please try again."


class QuoteBot(discord.Client):
    def __init__(self, settings: Settings, engine: Engine | None, **options: Any) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        intents.guild_messages = True
        intents.dm_messages = True
        intents.message_content = True  # auto-answer only; dropped at start when Discord refuses it
        super().__init__(intents=intents, allowed_mentions=discord.AllowedMentions.none(), **options)
        self.settings = settings
        self.collections = Collections(settings, engine) if engine is not None else None
        self.executor = ThreadPoolExecutor(settings.workers, thread_name_prefix="engine")
        self.rebuilds = Rebuilds()  # one rebuild per collection at a time, in two lanes (bot/chat/rebuilds.py)
        self.running_rebuilds = 0
        self.library_off: set[int] = set()  # servers answered from their own collection only
        self._owners: set[int] | None = None  # the application's owner or team (is_owner)
        self.cooldowns = Cooldowns(settings.cooldown_seconds)
        self.question_log: QuestionLog | None = None  # opened in setup_hook (not for `sync` or the docs)
        self.autoanswer_channels: set[int] = set()
        self.message_content = True  # until Discord refuses the intent
        self.tree = app_commands.CommandTree(self)
        self.tree.on_error = self.on_app_command_error  # type: ignore[method-assign]
        self.load_commands()

    def load_commands(self) -> None:
        """Add each command module's commands to the tree; a module that fails is logged and
        skipped, and the others still load."""
        for name in COMMAND_MODULES:
            try:
                importlib.import_module(name).setup(self)
            except Exception:
                log.exception("could not load the commands of %s", name)

    @property
    def engine(self) -> Engine:
        """The library's engine."""
        if self.collections is None:
            raise RuntimeError("this client was started without an engine (sync only)")
        return self.collections.library

    def engine_in(self, guild_id: int | None) -> Engine:
        """What answers in `guild_id`: its collection with the library (unless turned off); in a DM
        (None), the library. Blocking (loads a collection at its first question): call it on a worker."""
        if self.collections is None:
            raise RuntimeError("this client was started without an engine (sync only)")
        return self.collections.engine(guild_id, guild_id not in self.library_off)

    async def run_engine(self, function: Callable[..., T], *args: Any) -> T:
        """Run a (blocking) engine call on a worker thread."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, functools.partial(function, *args))

    async def run_in(self, guild_id: int | None, method: str, *args: Any) -> Any:
        """engine_in(guild_id).<method>(*args) on a worker thread."""
        return await self.run_engine(lambda: getattr(self.engine_in(guild_id), method)(*args))

    async def rebuild(self, guild_id: int | None, progress: Callable[[str], None] | None = None
                      ) -> BuildReport | None:
        """Rebuild a server's collection (None: the library) on a thread of its own and swap it in;
        questions meanwhile are answered from the previous index. Callers hold the collection's
        slot (bot/chat/rebuilds.py); `progress` gets the build's progress lines. None: the
        collection is now empty."""
        if self.collections is None:
            raise RuntimeError("this client was started without an engine (sync only)")
        self.running_rebuilds += 1
        try:
            report = await asyncio.to_thread(_rebuild, self.collections, guild_id, progress)
        finally:
            self.running_rebuilds -= 1
        log.info("%s rebuilt and swapped in: %s", f"server {guild_id}'s collection" if guild_id else "the library",
                 report.summary() if report else "now empty")
        return report

    @property
    def reindexing(self) -> bool:
        """A rebuild runs now (of any collection)."""
        return self.running_rebuilds > 0

    async def is_owner(self, user: discord.abc.User) -> bool:
        """The application's owner, or a member of its team (discord.py's is_owner, for a plain Client)."""
        if self._owners is None:
            info = await self.application_info()
            self._owners = {m.id for m in info.team.members} if info.team else {info.owner.id}
        return user.id in self._owners

    async def setup_hook(self) -> None:
        self.add_dynamic_items(AnswerButton)  # the answer buttons work across restarts
        await asyncio.to_thread(user_hash.configure, self.settings)  # salt: beside the log, or QUOTEBOT_LOG_SALT
        if self.settings.database_url and not self.settings.log_salt:
            log.warning(SALT_PER_MACHINE)
        if self.collections is not None:
            self.question_log = await asyncio.to_thread(open_log, log_target(self.settings), self.settings.log_days)
        if self.question_log is not None:
            try:
                self.autoanswer_channels = await asyncio.wrap_future(self.question_log.autoanswer_channels())
                self.library_off = await asyncio.wrap_future(self.question_log.library_off())
            except Exception as error:  # the log's own warning says why
                log.info("auto-answer channels and server settings not loaded (%s)", error)
        if self.settings.sync_commands:
            await sync_commands(self.tree, self.settings.discord_guild_id)

    async def on_ready(self) -> None:
        log.info("connected as %s (id %s) to %d servers", self.user, self.user and self.user.id, len(self.guilds))

    async def close(self) -> None:
        # discord.py keeps its "wait for the guilds, then dispatch READY" task running through
        # close(); a bot closed while starting (SIGTERM just after connecting) would later
        # dispatch READY into the closed client ("coroutine 'Client._run_event' was never
        # awaited"). discord.py has no public handle on that task, hence the private attribute.
        ready_task = getattr(self._connection, "_ready_task", None)
        if ready_task is not None:
            ready_task.cancel()
        await super().close()
        self.executor.shutdown(wait=False, cancel_futures=True)
        if self.question_log is not None:
            await asyncio.to_thread(self.question_log.close)  # the queued records are written first
            self.question_log = None

    async def connect(self, *, reconnect: bool = True) -> None:
        """discord.py's connect; when Discord refuses the Message Content intent (close code 4014),
        one log line and a new connection without it."""
        try:
            await super().connect(reconnect=reconnect)
        except discord.PrivilegedIntentsRequired:
            if not self._connection._intents.message_content:
                raise
            log.warning(MESSAGE_CONTENT_REFUSED)
            self._connection._intents.message_content = False  # what the next IDENTIFY sends
            self.message_content = False
            await super().connect(reconnect=reconnect)

    # ---- mentions and DMs ----------------------------------------------------------------

    def question_in(self, message: discord.Message) -> str | None:
        """The question of a message addressed to the bot (a mention or a DM), else None."""
        if message.author.bot or self.user is None:
            return None
        if message.guild is not None and self.user not in message.mentions:
            return None
        return re.sub(rf"<@!?{self.user.id}>", " ", message.content).strip()

    async def on_message(self, message: discord.Message) -> None:
        question = self.question_in(message)
        if question is None:
            try:
                await auto_answer(self, message)
            except Exception:
                log.exception("auto-answer failed (channel %s)", message.channel.id)
            return
        if not question:
            await message.reply("Ask me a question after the mention, or type /help.", mention_author=False)
            return
        retry = self.cooldowns.retry_after(message.author.id)
        if retry is not None:
            await message.reply(cooldown_text(retry), mention_author=False)
            return
        guild_id = message.guild.id if message.guild else getattr(message.channel, "guild_id", None)
        try:
            async with message.channel.typing():
                answer, latency_ms = await answering.answer(self, question, guild_id)
            place = answering.Place(guild_id, message.channel.id)
            view = answering.log_answer(self, answer, message.author.id, place, latency_ms,
                                        "dm" if place.dm else "mention")
            await message.reply(embeds=embeds.answer_embeds(answer), view=view, mention_author=False)
        except BadQuestion as exc:
            await message.reply(f"Sorry: {exc}.", mention_author=False)
        except Exception:
            log.exception("answering a mention failed (user %s, channel %s)", message.author.id, message.channel.id)
            await message.reply(ERROR_TEXT, mention_author=False)

    # ---- errors ---------------------------------------------------------------------------

    async def on_app_command_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        """Every failing command ends here: log it with context, tell the user something short and true."""
        original = getattr(error, "original", error)
        name = interaction.command.qualified_name if interaction.command else "(unknown command)"
        if isinstance(error, app_commands.CommandOnCooldown):
            text = cooldown_text(error.retry_after)
        elif isinstance(original, BadQuestion):
            text = f"Sorry: {original}."
        elif isinstance(error, app_commands.MissingPermissions):
            text = "You need the Manage Server permission to do that."
        elif isinstance(error, app_commands.NoPrivateMessage):
            text = "That command works in a server, not in DMs."
        elif isinstance(error, app_commands.CommandNotFound):
            log.warning("unknown command %r from user %s", error.name, interaction.user.id)
            text = "I don't know that command (yet): commands may still be updating. Try /help."
        else:
            log.error("command /%s failed for user %s in guild %s channel %s", name, interaction.user.id,
                      interaction.guild_id, interaction.channel_id, exc_info=original)
            text = ERROR_TEXT
        try:
            if interaction.response.is_done():
                await interaction.followup.send(text, ephemeral=True)
            else:
                await interaction.response.send_message(text, ephemeral=True)
        except discord.HTTPException:
            log.warning("could not tell user %s about the error in /%s", interaction.user.id, name)

    async def on_error(self, event: str, *args: Any, **kwargs: Any) -> None:
        log.exception("error in the %s event handler", event)


def _rebuild(collections: Collections, guild_id: int | None,
             progress: Callable[[str], None] | None = None) -> BuildReport | None:
    with follow_build_log(progress):
        return collections.rebuild(guild_id)


def cooldown_text(retry_after: float) -> str:
    return f"Easy there: try again in {math.ceil(retry_after)} s."


async def sync_commands(tree: app_commands.CommandTree, guild_id: int | None) -> None:
    """Register the commands with Discord: on one development server (instant) or globally."""
    if guild_id:
        guild = discord.Object(id=guild_id)
        tree.copy_global_to(guild=guild)
        synced = await tree.sync(guild=guild)
        log.info("synced %d commands to server %s", len(synced), guild_id)
    else:
        synced = await tree.sync()
        log.info("synced %d global commands (they can take up to an hour to appear)", len(synced))


class ShardedQuoteBot(QuoteBot, discord.AutoShardedClient):
    """QuoteBot running the shards QUOTEBOT_SHARD_IDS (default: all) of QUOTEBOT_SHARDS; Discord sends
    this process the events of the servers on those shards, `(guild_id >> 22) % shards`, and DMs
    on shard 0. Several such processes share one PostgreSQL (QUOTEBOT_DATABASE_URL): docs/deployment.md."""

    def __init__(self, settings: Settings, engine: Engine | None, **options: Any) -> None:
        shards = settings.shard_ids or range(settings.shards or 1)
        super().__init__(settings, engine, shard_count=settings.shards, shard_ids=list(shards), **options)

    async def setup_hook(self) -> None:
        await super().setup_hook()
        await asyncio.to_thread(warn_misplaced_collections, self.settings, tuple(self.shard_ids or ()))

    async def connect(self, *, reconnect: bool = True) -> None:
        """discord.py's sharded connect. A refused intent closes every shard at once there, so the
        Message Content intent is asked for only when the application has it (its flags say so)."""
        app = await self.application_info()
        if not (app.flags.gateway_message_content or app.flags.gateway_message_content_limited):
            log.warning(MESSAGE_CONTENT_REFUSED)
            self._connection._intents.message_content = False
            self.message_content = False
        await discord.AutoShardedClient.connect(self, reconnect=reconnect)


def shard_of(guild_id: int, shards: int) -> int:
    """The shard Discord serves a server on."""
    return (guild_id >> 22) % shards


def warn_misplaced_collections(settings: Settings, shard_ids: tuple[int, ...]) -> None:
    """One warning when the data folder holds collections of servers on other processes' shards
    (a volume mounted on the wrong process, or the shard count changed): they are not answered here."""
    folder = settings.data_dir / SERVERS
    if not settings.shards or not folder.is_dir():
        return
    misplaced = {int(p.name): shard_of(int(p.name), settings.shards)
                 for p in folder.iterdir() if p.name.isdigit()}
    misplaced = {guild: shard for guild, shard in misplaced.items() if shard not in shard_ids}
    if misplaced:
        sample = ", ".join(f"{guild} (shard {shard})" for guild, shard in sorted(misplaced.items())[:5])
        log.warning("%s holds %d collections of servers this process does not serve (its shards: %s): %s; move "
                    "each to the data folder of the process running its shard (docs/deployment.md)",
                    folder, len(misplaced), ",".join(map(str, shard_ids)), sample)


async def serve(settings: Settings, engine: Engine, **options: Any) -> None:
    """Run the bot until it is closed or the process gets SIGTERM / SIGINT."""
    bot = (ShardedQuoteBot if settings.shards else QuoteBot)(settings, engine, **options)
    loop = asyncio.get_running_loop()
    signals = (signal.SIGTERM, signal.SIGINT)
    for sig in signals:
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not the main thread / not supported
            loop.add_signal_handler(sig, lambda s=sig: _shutdown(bot, s))
    try:
        async with bot:
            await bot.start(settings.discord_token or "")
    finally:
        for sig in signals:
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
    log.info("bot stopped")


_closing: set[asyncio.Task] = set()


def _shutdown(bot: QuoteBot, sig: signal.Signals) -> None:
    log.info("received %s, shutting down", sig.name)
    task = asyncio.ensure_future(bot.close())
    _closing.add(task)
    task.add_done_callback(_closing.discard)


async def sync_only(settings: Settings) -> int:
    """`python -m bot sync`: log in over HTTP, register the commands, exit."""
    bot = QuoteBot(settings, None)
    async with bot:
        await bot.login(settings.discord_token or "")
        await sync_commands(bot.tree, settings.discord_guild_id)
    return 0
