"""/report: the gaps report for this server (Manage Server; only the caller sees it): totals, the
chart of questions per day as a PNG, the most asked gaps, and the whole report as an HTML file."""

from __future__ import annotations

import asyncio
import io
import time

import discord
from discord import app_commands

from bot.chat.context import Client
from bot.chat.embeds import COLOURS, DESCRIPTION_LIMIT, plain
from bot.storage import report as gaps_report
from bot.storage.question_log import DAY, LogUnavailable

CHART = "questions-per-day.png"
PAGE = "gaps-report.html"
GAPS_SHOWN = 10


def report_embed(report: gaps_report.Report) -> discord.Embed:
    lines = [plain(line, 300) for line in gaps_report.totals_lines(report)]
    lines += ["", f"**Gaps**, most asked first ({len(report.gaps)} in all; every one in {PAGE}):"]
    if not report.gaps:
        lines.append("none: every question was answered.")
    for number, gap in enumerate(report.gaps[:GAPS_SHOWN], start=1):
        lines.append(f"{number}. **{gap.count}×** {plain(gap.example, 200)} — {gap_reason(gap)}")
    description = "\n".join(lines)[:DESCRIPTION_LIMIT]
    embed = discord.Embed(title=f"Gaps report: the last {report.days} days", description=description,
                          colour=COLOURS["answer"])
    embed.set_image(url=f"attachment://{CHART}")
    return embed


def gap_reason(gap: gaps_report.Gap) -> str:
    return plain(gaps_report.why(gap), 200)


def setup(bot: Client) -> None:
    @bot.tree.command(name="report", description="The gaps report: what is asked and not answered well (Manage Server)")
    @app_commands.describe(days="How many days back (default 30)")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.checks.has_permissions(manage_guild=True)
    async def report(interaction: discord.Interaction, days: app_commands.Range[int, 1, 365] = 30) -> None:
        if bot.question_log is None:
            await interaction.response.send_message(
                "There is nothing to report: the question log is off (QUOTEBOT_QUESTION_LOG=off).", ephemeral=True)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            entries = await asyncio.wrap_future(bot.question_log.entries(time.time() - days * DAY))
        except LogUnavailable:
            await interaction.followup.send("The question log cannot be read just now; please try again later.",
                                            ephemeral=True)
            return
        here = [entry for entry in entries if entry.guild_id == interaction.guild_id]  # this server's only
        built = await bot.run_engine(gaps_report.build, here, bot.engine.encode, days)
        png = await bot.run_engine(gaps_report.chart_png, built)
        page = gaps_report.to_html(built, png).encode("utf-8")
        files = [discord.File(io.BytesIO(png), CHART), discord.File(io.BytesIO(page), PAGE)]
        await interaction.followup.send(embed=report_embed(built), files=files, ephemeral=True)
