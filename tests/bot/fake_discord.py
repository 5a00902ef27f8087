"""A small fake Discord for tests: the REST API and the gateway websocket on 127.0.0.1.

The real discord.py client connects to it (tests point `discord.http.Route.BASE` and
`DiscordWebSocket.DEFAULT_GATEWAY` here) and runs its real code: HELLO, IDENTIFY, READY,
heartbeats, RESUME after a dropped connection, and the REST calls a bot makes to answer an
interaction (callback, followup webhook, edits), sync commands, or reply to a message.
Everything that reaches the server is recorded for the tests to assert on. Only the parts of
the protocol a bot uses are implemented; payloads follow Discord's API v10 shapes.

Shards: with `shards=N`, /gateway/bot says N, each IDENTIFY names its shard, and every event of a
server goes to the connection of the server's shard, `(guild_id >> 22) % N` (DMs to shard 0), as
Discord routes them; the bots may run in other processes (`track_processes` records, on each REST
call, the id of the process that made it).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from aiohttp import WSMsgType, web

APP_ID = 900000000000000001
BOT_USER = {"id": str(APP_ID), "username": "quotebot", "discriminator": "0", "global_name": "QuoteBot",
            "avatar": None, "bot": True}
GUILD_ID = 900000000000000100
CHANNEL_ID = 900000000000000200
HEARTBEAT_MS = 500
FORUM_ID = 900000000000000300  # a forum channel of the fake server (guild_payload)
MESSAGE_CONTENT = 1 << 15  # the privileged Message Content intent
GATEWAY_MESSAGE_CONTENT_LIMITED = 1 << 19  # the application flag: the intent is turned on (an unverified bot)
TIMESTAMP = "2026-11-23T08:00:00.000000+00:00"


def user(user_id: int, name: str | None = None) -> dict[str, Any]:
    return {"id": str(user_id), "username": name or f"user{user_id}", "discriminator": "0",
            "global_name": None, "avatar": None}


def member(user_id: int, permissions: str = "1024") -> dict[str, Any]:
    return {"user": user(user_id), "roles": [], "joined_at": TIMESTAMP, "deaf": False, "mute": False,
            "flags": 0, "permissions": permissions}


def message(message_id: int, content: str, author: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"id": str(message_id), "channel_id": str(CHANNEL_ID), "type": 0, "content": content,
            "author": author, "embeds": [], "attachments": [], "mentions": [], "mention_roles": [],
            "mention_everyone": False, "pinned": False, "tts": False, "timestamp": TIMESTAMP,
            "edited_timestamp": None, "flags": 0, "components": [], **extra}


def guild_on_shard(shard: int, shards: int, start: int = GUILD_ID) -> int:
    """The first server id from `start` that Discord serves on `shard` of `shards`."""
    guild = start
    while (guild >> 22) % shards != shard:
        guild += 1 << 22
    return guild


def text_channel(channel_id: int = CHANNEL_ID, name: str = "general", guild_id: int = GUILD_ID) -> dict[str, Any]:
    return {"id": str(channel_id), "type": 0, "guild_id": str(guild_id), "name": name, "position": 0,
            "permission_overwrites": [], "nsfw": False, "parent_id": None, "topic": None, "last_message_id": None,
            "rate_limit_per_user": 0, "flags": 0}


def forum_channel(channel_id: int = FORUM_ID, name: str = "questions") -> dict[str, Any]:
    return {**text_channel(channel_id, name), "type": 15, "available_tags": [], "default_reaction_emoji": None,
            "default_sort_order": None, "default_forum_layout": 0, "default_thread_rate_limit_per_user": 0}


def thread_channel(thread_id: int, parent_id: int, name: str, owner_id: int) -> dict[str, Any]:
    """A public thread (a forum post is one, with the id of its opening message)."""
    return {"id": str(thread_id), "guild_id": str(GUILD_ID), "parent_id": str(parent_id), "owner_id": str(owner_id),
            "name": name, "type": 11, "last_message_id": None, "message_count": 0, "member_count": 1,
            "rate_limit_per_user": 0, "flags": 0, "total_message_sent": 0, "applied_tags": [],
            "thread_metadata": {"archived": False, "auto_archive_duration": 1440, "archive_timestamp": TIMESTAMP,
                                "locked": False}}


def guild_payload(channels: list[dict[str, Any]], guild_id: int = GUILD_ID) -> dict[str, Any]:
    """A GUILD_CREATE for the fake server with these channels."""
    everyone = {"id": str(guild_id), "name": "@everyone", "permissions": "1024", "position": 0, "color": 0,
                "hoist": False, "managed": False, "mentionable": False, "flags": 0}
    return {"id": str(guild_id), "name": "Fake server", "icon": None, "owner_id": "1", "roles": [everyone],
            "emojis": [], "stickers": [], "features": [], "member_count": 2, "members": [], "channels": channels,
            "threads": [], "voice_states": [], "presences": [], "large": False, "unavailable": False,
            "joined_at": TIMESTAMP, "premium_tier": 0, "system_channel_flags": 0, "verification_level": 0,
            "default_message_notifications": 0, "explicit_content_filter": 0, "mfa_level": 0, "nsfw_level": 0,
            "preferred_locale": "en-US", "afk_timeout": 300}


def _json(data: Any, status: int = 200) -> web.Response:
    """A JSON response with Discord's exact content type (discord.py compares it literally)."""
    return web.Response(body=json.dumps(data).encode(), status=status, content_type="application/json")


@dataclass
class Call:
    """One REST request that reached the server."""

    method: str
    path: str
    body: Any
    at: float  # time.monotonic()
    response: Any = None  # the JSON the fake answered with
    files: dict[str, bytes] = field(default_factory=dict)  # uploaded attachments, by file name
    pid: int | None = None  # the process that made the call (FakeDiscord.track_processes)


@dataclass
class FakeDiscord:
    host: str = "127.0.0.1"
    port: int = 0
    calls: list[Call] = field(default_factory=list)
    heartbeats: list[float] = field(default_factory=list)
    connections: int = 0
    identifies: int = 0
    resumes: int = 0
    commands: dict[str, list[dict]] = field(default_factory=dict)  # scope ("global" / guild id) -> commands
    fail_next_followup: int = 0  # answer the next N followup POSTs with 400
    refuse_intents: int = 0  # intent bits not enabled for the app: an IDENTIFY asking for one is closed with 4014
    intents: int = 0  # the intents of the last IDENTIFY
    attachments: dict[str, bytes] = field(default_factory=dict)  # the CDN: attachment id -> bytes
    downloads: list[str] = field(default_factory=list)  # ids of the attachments fetched from the CDN
    shards: int = 1  # what /gateway/bot recommends; events go to the connection of their server's shard
    track_processes: bool = False  # record the process id of each REST call's client (psutil)
    identified: dict[int, int] = field(default_factory=dict)  # shard id -> IDENTIFYs for it
    _ids: itertools.count = field(default_factory=lambda: itertools.count(910000000000000000))
    _sockets: list[web.WebSocketResponse] = field(default_factory=list)
    _shard_of: dict[int, int] = field(default_factory=dict)  # id(socket) -> the shard it identified as
    _seq: int = 0
    _new_call: asyncio.Event = field(default_factory=asyncio.Event)
    _runner: web.AppRunner | None = None

    # ---- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/ws", self._gateway)
        app.router.add_route("*", "/api/v10/{path:.*}", self._rest)
        app.router.add_get("/attachments/{channel}/{attachment}/{name:.*}", self._cdn)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner:
            await self._runner.cleanup()

    @property
    def open_connections(self) -> int:
        return len(self._sockets)

    @property
    def rest_base(self) -> str:
        return f"http://{self.host}:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/ws"

    def next_id(self) -> int:
        return next(self._ids)

    # ---- gateway -----------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        self.connections += 1
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": HEARTBEAT_MS}, "s": None, "t": None}))
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                payload = json.loads(msg.data)
                op = payload["op"]
                if op == 1:  # heartbeat
                    self.heartbeats.append(time.monotonic())
                    with contextlib.suppress(ConnectionResetError):  # the client is gone (a killed process)
                        await ws.send_str(json.dumps({"op": 11, "d": None, "s": None, "t": None}))
                elif op == 2:  # identify
                    self.intents = payload["d"].get("intents", 0)
                    if self.intents & self.refuse_intents:  # as Discord does when an intent is not enabled
                        await ws.close(code=4014, message=b"Disallowed intent(s).")
                        continue
                    self.identifies += 1
                    shard = payload["d"].get("shard") or [0, 1]
                    self._shard_of[id(ws)] = shard[0]
                    self.identified[shard[0]] = self.identified.get(shard[0], 0) + 1
                    await self._send(ws, "READY", {
                        "v": 10, "user": BOT_USER, "guilds": [], "session_id": f"session-{self.identifies}",
                        "resume_gateway_url": self.gateway_url, "application": {"id": str(APP_ID), "flags": 0},
                        "shard": shard,
                    })
                elif op == 6:  # resume
                    self.resumes += 1
                    await self._send(ws, "RESUMED", {})
        finally:
            self._sockets.remove(ws)
            self._shard_of.pop(id(ws), None)
        return ws

    async def _send(self, ws: web.WebSocketResponse, event: str, data: dict) -> None:
        self._seq += 1
        await ws.send_str(json.dumps({"op": 0, "t": event, "s": self._seq, "d": data}))

    async def dispatch(self, event: str, data: dict) -> None:
        """Send a gateway event to the connected client: with shards, to the connection of the
        event's server's shard (DMs: shard 0)."""
        if self.shards == 1:
            await self._send(self._sockets[-1], event, data)
            return
        guild = data.get("guild_id") or (data.get("id") if event == "GUILD_CREATE" else None)
        shard = (int(guild) >> 22) % self.shards if guild else 0
        sockets = [ws for ws in self._sockets if self._shard_of.get(id(ws)) == shard]
        if not sockets:
            raise RuntimeError(f"no connection runs shard {shard} of {self.shards}")
        await self._send(sockets[-1], event, data)

    async def drop_connection(self) -> None:
        """Close the gateway socket the way a failing server does (the client should resume)."""
        await self._sockets[-1].close(code=4000, message=b"fake outage")

    async def wait_connected(self, count: int = 1, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while self.connections < count or (self.identifies + self.resumes) < count:
            if time.monotonic() > deadline:
                raise TimeoutError("the client did not connect")
            await asyncio.sleep(0.02)

    # ---- REST --------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["path"]
        body: Any = None
        files: dict[str, bytes] = {}
        if request.can_read_body:
            if request.content_type.startswith("multipart/"):
                reader = await request.multipart()
                async for part in reader:
                    if part.name == "payload_json":
                        body = json.loads(await part.text())
                    elif part.filename:
                        files[part.filename] = bytes(await part.read())
            else:
                raw = await request.text()
                body = json.loads(raw) if raw else None
        call = Call(request.method, path, body, time.monotonic(), files=files,
                    pid=_client_pid(request) if self.track_processes else None)
        response = self._answer(request.method, path, body)
        if isinstance(response, web.Response) and response.content_type == "application/json":
            call.response = json.loads(response.text or "null")
        self.calls.append(call)
        self._new_call.set()
        return response

    def _answer(self, method: str, path: str, body: Any) -> web.StreamResponse:
        parts = path.strip("/").split("/")
        if path == "/users/@me":
            return _json(BOT_USER)
        if path == "/oauth2/applications/@me":
            return _json({
                "id": str(APP_ID), "name": "QuoteBot", "description": "", "icon": None, "bot_public": True,
                "bot_require_code_grant": False, "owner": user(1, "owner"), "verify_key": "0" * 64,
                "flags": 0 if self.refuse_intents & MESSAGE_CONTENT else GATEWAY_MESSAGE_CONTENT_LIMITED,
            })
        if path in ("/gateway", "/gateway/bot"):
            return _json({"url": self.gateway_url, "shards": self.shards, "session_start_limit": {
                "total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}})
        if parts[0] == "applications" and parts[-1] == "commands" and method == "PUT":
            scope = parts[3] if len(parts) == 5 else "global"
            registered = [
                {"description": "", "default_member_permissions": None, **c, "id": str(self.next_id()),
                 "application_id": str(APP_ID), "version": "1", **({"guild_id": scope} if scope != "global" else {})}
                for c in body
            ]
            self.commands[scope] = registered
            return _json(registered)
        if parts[0] == "interactions" and parts[-1] == "callback":
            return self._callback(parts[1], body)
        if parts[0] == "webhooks":
            if method == "POST":
                if self.fail_next_followup:
                    self.fail_next_followup -= 1
                    return _json({"code": 50035, "message": "Invalid Form Body"}, status=400)
                return _json(self._bot_message(body))
            if method in ("PATCH", "GET"):
                return _json(self._bot_message(body or {}, parts[-1]))
            return web.Response(status=204)
        if parts[0] == "channels" and parts[-1] == "typing":
            return web.Response(status=204)
        if parts[0] == "channels" and parts[-1] == "messages" and method == "POST":
            return _json({**self._bot_message(body), "channel_id": parts[1]})
        if parts[0] == "channels" and parts[2:3] == ["messages"] and parts[-1] == "threads" and method == "POST":
            # a thread started from a message has the message's id
            return _json(thread_channel(int(parts[3]), int(parts[1]), body["name"], APP_ID))
        return _json({"code": 0, "message": f"fake Discord has no {method} {path}"}, status=404)

    def _bot_message(self, body: dict, message_id: str | None = None) -> dict:
        mid = int(message_id) if message_id and message_id.isdigit() else self.next_id()
        return message(mid, body.get("content") or "", BOT_USER, embeds=body.get("embeds") or [],
                       components=body.get("components") or [], flags=body.get("flags") or 0,
                       application_id=str(APP_ID))

    def _callback(self, interaction_id: str, body: dict) -> web.Response:
        kind = body["type"]
        data = body.get("data") or {}
        flags = data.get("flags") or 0
        interaction = {"id": interaction_id, "type": 2, "response_message_id": str(self.next_id()),
                       "response_message_loading": kind == 5, "response_message_ephemeral": bool(flags & 64)}
        resource: dict[str, Any] = {"type": kind}
        if kind in (4, 7):
            resource["message"] = self._bot_message(data, interaction["response_message_id"])
        return _json({"interaction": interaction, "resource": resource})

    # ---- the CDN: files users attached ---------------------------------------------------

    def attachment(self, filename: str, data: bytes, size: int | None = None,
                   content_type: str | None = None) -> dict[str, Any]:
        """A file a user attached, served from this fake's own CDN URL; returns its attachment
        payload (`size` as Discord reports it: the real size unless given)."""
        attachment_id = self.next_id()
        self.attachments[str(attachment_id)] = data
        url = f"http://{self.host}:{self.port}/attachments/{CHANNEL_ID}/{attachment_id}/{quote(filename, safe='')}"
        return {"id": str(attachment_id), "filename": filename, "size": len(data) if size is None else size,
                "url": url, "proxy_url": url, **({"content_type": content_type} if content_type else {})}

    async def _cdn(self, request: web.Request) -> web.Response:
        attachment_id = request.match_info["attachment"]
        self.downloads.append(attachment_id)
        data = self.attachments.get(attachment_id)
        if data is None:
            return web.Response(status=404, text="not found")
        return web.Response(body=data, content_type="application/octet-stream")

    # ---- what reached the server ---------------------------------------------------------

    async def wait_for(self, predicate, timeout: float = 30.0) -> Call:
        """The first recorded call matching predicate, waiting for it to arrive."""
        deadline = time.monotonic() + timeout
        while True:
            for call in self.calls:
                if predicate(call):
                    return call
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no matching call reached the fake Discord")
            self._new_call.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_call.wait(), remaining)

    # ---- events a user's actions produce -------------------------------------------------

    def interaction(self, data: dict, user_id: int, kind: int = 2, permissions: str = "1024",
                    guild: int | None = GUILD_ID, **extra: Any) -> tuple[dict, str]:
        """An INTERACTION_CREATE payload from a channel of server `guild` (None: a DM with the bot);
        returns (payload, token)."""
        interaction_id = self.next_id()
        token = f"token-{interaction_id}"
        payload = {
            "id": str(interaction_id), "application_id": str(APP_ID), "type": kind, "data": data,
            "guild_id": str(guild), "channel_id": str(CHANNEL_ID),
            "channel": {"id": str(CHANNEL_ID), "type": 0, "guild_id": str(guild), "name": "general",
                        "position": 0, "permission_overwrites": [], "nsfw": False, "parent_id": None},
            "member": member(user_id, permissions), "token": token, "version": 1,
            "locale": "en-US", "guild_locale": "en-US",
            "app_permissions": "2147483647", "entitlements": [], "authorizing_integration_owners": {"0": str(guild)},
            "context": 0, "attachment_size_limit": 8388608, **extra,
        }
        if guild is None:  # a DM: a user, not a member; the DM channel
            for key in ("guild_id", "member", "guild_locale"):
                del payload[key]
            payload.update(user=user(user_id), context=1, authorizing_integration_owners={"1": str(user_id)},
                           channel={"id": str(CHANNEL_ID + 1), "type": 1, "recipients": [user(user_id)]},
                           channel_id=str(CHANNEL_ID + 1))
        return payload, token

    async def slash(self, name: str, user_id: int = 42, permissions: str = "1024", guild: int | None = GUILD_ID,
                    **options: Any) -> str:
        """A user (with these permission bits) runs /name option=value... in server `guild` (None: a DM);
        returns the interaction token."""
        command = next(c for cs in self.commands.values() for c in cs if c["name"] == name)
        data = {"id": command["id"], "name": name, "type": 1,
                "options": [{"name": k, "type": 3, "value": v} for k, v in options.items()]}
        payload, token = self.interaction(data, user_id, permissions=permissions, guild=guild)
        await self.dispatch("INTERACTION_CREATE", payload)
        return token

    async def slash_with(self, name: str, options: list[dict], resolved: dict | None = None, user_id: int = 42,
                         permissions: str = "1024", guild: int | None = GUILD_ID) -> str:
        """/name with options as Discord sends them (typed options, subcommands, resolved channels)."""
        command = next(c for cs in self.commands.values() for c in cs if c["name"] == name)
        data = {"id": command["id"], "name": name, "type": 1, "options": options,
                **({"resolved": resolved} if resolved else {})}
        payload, token = self.interaction(data, user_id, permissions=permissions, guild=guild)
        await self.dispatch("INTERACTION_CREATE", payload)
        return token

    async def context_menu(self, name: str, target: dict, user_id: int = 42) -> str:
        command = next(c for cs in self.commands.values() for c in cs if c["name"] == name)
        data = {"id": command["id"], "name": name, "type": 3, "target_id": target["id"],
                "resolved": {"messages": {target["id"]: target}}}
        payload, token = self.interaction(data, user_id)
        await self.dispatch("INTERACTION_CREATE", payload)
        return token

    async def press_button(self, bot_message: dict, custom_id: str, user_id: int = 42,
                           guild: int | None = GUILD_ID) -> str:
        data = {"custom_id": custom_id, "component_type": 2}
        payload, token = self.interaction(data, user_id, kind=3, guild=guild, message=bot_message)
        await self.dispatch("INTERACTION_CREATE", payload)
        return token

    async def user_message(self, content: str, user_id: int = 42, mention_bot: bool = True,
                           guild: bool = True, guild_id: int = GUILD_ID) -> dict:
        """A user posts a message (mentioning the bot, or in a DM when guild is False)."""
        mentions = [BOT_USER] if mention_bot else []
        data = message(self.next_id(), content, user(user_id), mentions=mentions)
        if guild:
            data["guild_id"] = str(guild_id)
            data["member"] = {k: v for k, v in member(user_id).items() if k != "user"}
        else:
            data["channel_id"] = str(self.next_id())
        await self.dispatch("MESSAGE_CREATE", data)
        return data

    # ---- servers, channels, threads and message content ------------------------------------

    async def add_guild(self, channels: list[dict[str, Any]] | None = None, guild_id: int = GUILD_ID) -> None:
        """The bot joins the fake server with these channels (default: #general and a forum)."""
        await self.dispatch("GUILD_CREATE", guild_payload(channels or [text_channel(), forum_channel()], guild_id))

    def _content_for_bot(self, content: str, mentions_bot: bool, dm: bool) -> str:
        """What Discord lets the bot read: without Message Content, a guild message's text is empty
        unless it mentions the bot."""
        return content if dm or mentions_bot or self.intents & MESSAGE_CONTENT else ""

    async def channel_message(self, content: str, channel_id: int = CHANNEL_ID, user_id: int = 42) -> dict:
        """A user posts in a server channel (or thread) without mentioning the bot."""
        data = message(self.next_id(), self._content_for_bot(content, False, False), user(user_id),
                       channel_id=str(channel_id), guild_id=str(GUILD_ID))
        data["member"] = {k: v for k, v in member(user_id).items() if k != "user"}
        await self.dispatch("MESSAGE_CREATE", data)
        return data

    async def forum_post(self, title: str, content: str, forum_id: int = FORUM_ID, user_id: int = 42) -> dict:
        """A user opens a forum post: THREAD_CREATE, then its opening message (same id) in the thread."""
        thread_id = self.next_id()
        thread = {**thread_channel(thread_id, forum_id, title, user_id), "newly_created": True}
        await self.dispatch("THREAD_CREATE", thread)
        data = message(thread_id, self._content_for_bot(content, False, False), user(user_id),
                       channel_id=str(thread_id), guild_id=str(GUILD_ID), position=0)
        data["member"] = {k: v for k, v in member(user_id).items() if k != "user"}
        await self.dispatch("MESSAGE_CREATE", data)
        return data

    def posts_in(self, channel_id: int | str) -> list[Call]:
        """Messages the bot posted in a channel or thread."""
        return [c for c in self.calls if c.method == "POST" and c.path == f"/channels/{channel_id}/messages"]


def _client_pid(request: web.Request) -> int | None:
    """The id of the local process whose socket made this request."""
    import psutil

    peer = request.transport.get_extra_info("peername") if request.transport else None
    if not peer:
        return None
    for conn in psutil.net_connections(kind="tcp"):
        if conn.laddr and conn.laddr.port == peer[1] and conn.pid is not None and conn.raddr \
                and conn.raddr.port == request.transport.get_extra_info("sockname")[1]:
            return conn.pid
    return None
