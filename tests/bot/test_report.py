"""The gaps report: figures and grouping with the real model, the HTML page rendered by a real
headless Chromium (Debian's `chromium`), `python -m bot report`, and `/report` in Discord
(Manage Server only, ephemeral, the chart attached)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from community import MANAGE_GUILD, community_settings, running_bot
from fake_discord import GUILD_ID, FakeDiscord
from test_discord import first_followup

from bot.storage import report
from bot.storage.question_log import Entry, LoggedQuote, QuestionLog, new_record_id
from index.config import REPO_ROOT, Settings
from index.engine import Engine

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
NOW = time.time()
# (question, confidence, 👎 votes, days ago)
ASKED = [
    ("how many GPUs", "none", 0, 1), ("多少块 GPU", "related", 0, 2), ("How many GPUs?", "none", 0, 3),
    ("What is Macrohard?", "answer", 1, 1), ("Macrohard 是什么？", "related", 0, 4),
    ("What's the weather in Paris?", "none", 0, 2),
    ("Who left xAI?", "answer", 0, 5), ("What is X Money?", "answer", 0, 0), ("How big is the pre-training team?",
                                                                              "answer", 0, 6),
]


def entries(guild_id: int | None = GUILD_ID) -> list[Entry]:
    return [Entry(id=new_record_id(), asked_at=NOW - days * 86400 - i, question=q, guild_id=guild_id, channel_id=5,
                  dm=guild_id is None, user_hash=f"user{i}", confidence=c, latency_ms=100.0 + 10 * i, via="ask",
                  quotes=(LoggedQuote("a.md", 0, 4, "text"),) if c != "none" else (), down=down)
            for i, (q, c, down, days) in enumerate(ASKED)]


def test_figures_and_gaps_grouped_across_languages(engine: Engine) -> None:
    built = report.build(entries(), engine.encode, days=14)
    assert built.questions == 9 and built.by_confidence == {"answer": 4, "related": 2, "none": 3}
    assert built.down == 1 and built.median_latency_ms == 140.0
    assert sum(sum(day.values()) for _, day in built.per_day) == 9 and len(built.per_day) == 14
    groups = [{gap.example, *gap.wordings} for gap in built.gaps]
    gpus = next(g for g in groups if "how many GPUs" in g)
    assert {"how many GPUs", "多少块 GPU", "How many GPUs?"} <= gpus  # one line, across languages
    assert {"What is Macrohard?", "Macrohard 是什么？"} in groups  # told related, and voted 👎
    assert {"What's the weather in Paris?"} in groups
    assert built.gaps[0].count == 3 and built.gaps[0].example in gpus  # most asked first
    assert all("Who left xAI?" not in g for g in groups)  # answered, no 👎: not a gap


# ---- the page in a real browser ----------------------------------------------------------------


@contextlib.asynccontextmanager
async def chromium(profile: Path) -> AsyncIterator[aiohttp.ClientWebSocketResponse]:
    """Headless Chromium with its DevTools protocol on 127.0.0.1; yields the page's websocket."""
    binary = shutil.which("chromium")
    if binary is None:
        pytest.fail("Debian's chromium is not installed (apt-get install chromium; .ci/run does it)")
    process = subprocess.Popen(
        [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--remote-debugging-address=127.0.0.1",
         "--remote-debugging-port=0", "--window-size=1200,900", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.exists() and port_file.read_text().strip()):
            assert process.poll() is None, "chromium exited"
            assert time.monotonic() < deadline, "chromium did not start"
            await asyncio.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{port}/json/list") as response:
                pages = [t for t in await response.json() if t["type"] == "page"]
            async with session.ws_connect(pages[0]["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                yield ws
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


class DevTools:
    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws, self.next_id, self.events = ws, 0, []

    async def call(self, method: str, **params: object) -> dict:
        self.next_id += 1
        await self.ws.send_json({"id": self.next_id, "method": method, "params": params})
        while True:
            message = json.loads((await asyncio.wait_for(self.ws.receive(), 60)).data)
            if message.get("id") == self.next_id:
                assert "error" not in message, message
                return message["result"]
            self.events.append(message)

    async def wait_event(self, method: str) -> dict:
        for event in self.events:
            if event.get("method") == method:
                return event
        while True:
            message = json.loads((await asyncio.wait_for(self.ws.receive(), 60)).data)
            self.events.append(message)
            if message.get("method") == method:
                return message

    async def evaluate(self, expression: str) -> object:
        return (await self.call("Runtime.evaluate", expression=expression, returnByValue=True))["result"]["value"]


async def test_the_html_page_renders_in_chromium(engine: Engine, tmp_path: Path) -> None:
    built = report.build(entries(), engine.encode, days=14)
    page = tmp_path / "report.html"
    page.write_text(report.to_html(built, report.chart_png(built)), encoding="utf-8")
    async with chromium(tmp_path / "profile") as ws:
        tools = DevTools(ws)
        await tools.call("Network.enable")
        await tools.call("Page.enable")
        await tools.call("Page.navigate", url=page.as_uri())
        await tools.wait_event("Page.loadEventFired")
        chart = await tools.evaluate(
            "(() => { const i = document.getElementById('chart'); const r = i.getBoundingClientRect();"
            " return [i.complete, i.naturalWidth, i.naturalHeight, r.width, r.height]; })()")
        first_gap = await tools.evaluate(
            "(() => { const row = document.querySelector('#gaps tbody tr.gap'); const r = row.getBoundingClientRect();"
            " return [row.innerText, r.width, r.height, r.top]; })()")
        metrics = await tools.call("Page.getLayoutMetrics")
        size = metrics["cssContentSize"]
        shot = await tools.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                                clip={"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1})
        requests = [e["params"]["request"]["url"] for e in tools.events
                    if e.get("method") == "Network.requestWillBeSent"]
    complete, natural_width, natural_height, width, height = chart
    assert complete and natural_width == 900 and natural_height == 320 and width > 600 and height > 150
    text, row_width, row_height, _ = first_gap
    assert built.gaps[0].example in text and "3" in text and row_width > 0 and row_height > 0
    assert all(url.startswith(("file:", "data:")) for url in requests), requests  # no network resources
    png = base64.b64decode(shot["data"])
    (tmp_path / "screenshot.png").write_bytes(png)
    if os.environ.get("QUOTEBOT_KEEP_SCREENSHOT"):
        (REPO_ROOT / "benchmarks" / "results").mkdir(parents=True, exist_ok=True)
        (REPO_ROOT / "benchmarks" / "results" / "report-screenshot.png").write_bytes(png)
    from PIL import Image  # matplotlib's own dependency

    image = Image.open(tmp_path / "screenshot.png").convert("RGB")
    colours = {colour for _, colour in image.getcolors(maxcolors=1 << 20)}
    answer_blue = (0x58, 0x65, 0xF2)
    assert answer_blue in colours, "the chart's bars are not on the screenshot"


# ---- python -m bot report ----------------------------------------------------------------------


def test_command_line_report_writes_one_page(settings: Settings, engine: Engine, tmp_path: Path) -> None:
    log_path = tmp_path / "questions.sqlite3"
    question_log = QuestionLog(log_path).start()
    for entry in entries():
        question_log.record(entry)
    question_log.close()
    env = {**os.environ, "QUOTEBOT_CORPUS_DIR": str(settings.corpus_dir), "QUOTEBOT_INDEX_DIR": str(settings.index_dir),
           "QUOTEBOT_QUESTION_LOG": str(log_path), "QUOTEBOT_LOG_LEVEL": "WARNING"}
    out = tmp_path / "out.html"
    proc = subprocess.run([sys.executable, "-m", "bot", "report", "--days", "7", "--out", str(out)], env=env,
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "Questions: 9 " in proc.stdout and "  1. 3× " in proc.stdout
    page = out.read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") == 1 and "http://" not in page and "https://" not in page
    off = subprocess.run([sys.executable, "-m", "bot", "report"], env={**env, "QUOTEBOT_QUESTION_LOG": "off"},
                         cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert off.returncode == 2 and "the question log is off" in off.stderr


# ---- /report -----------------------------------------------------------------------------------


async def test_report_command_is_for_manage_server_and_ephemeral(server: FakeDiscord, settings: Settings,
                                                                 engine: Engine, tmp_path: Path) -> None:
    bot_settings = community_settings(settings, tmp_path)
    async with running_bot(bot_settings, engine) as bot:
        assert bot.question_log is not None
        for entry in [*entries(), *entries(guild_id=12345)]:  # another server's questions are not shown here
            bot.question_log.record(entry)
        command = next(c for c in server.commands["global"] if c["name"] == "report")
        assert int(command["default_member_permissions"]) == 1 << 5 and command["dm_permission"] is False
        denied = await server.slash("report")  # a member without Manage Server
        refused = await server.wait_for(lambda c: c.path.endswith(f"/{denied}/callback"))
        assert "Manage Server" in refused.body["data"]["content"] and refused.body["data"]["flags"] & 64
        token = await server.slash("report", permissions=MANAGE_GUILD)
        first = await server.wait_for(lambda c: c.path.endswith(f"/{token}/callback"))
        assert first.body["type"] == 5 and first.body["data"]["flags"] & 64
        reply = await first_followup(server, token, timeout=120)
    assert reply.body["flags"] & 64
    assert set(reply.files) == {"questions-per-day.png", "gaps-report.html"}
    assert reply.files["questions-per-day.png"].startswith(PNG_MAGIC)
    embed = reply.body["embeds"][0]
    assert embed["image"]["url"] == "attachment://questions-per-day.png"
    assert "Questions: 9 " in embed["description"]  # this server's 9, not the other server's
    assert "\n1. **3×** " in embed["description"]
    assert dt.date.today().isoformat()[:4] in embed["description"]
