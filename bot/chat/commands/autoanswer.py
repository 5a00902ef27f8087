"""/autoanswer on|off channel: — the bot answers questions in a channel without being asked
(bot/chat/autoanswer.py). Kept in the question log's database, so it survives restarts."""

from __future__ import annotations

import asyncio

import discord
from discord import app_commands

from bot.chat.context import Client
from bot.storage.question_log import LogUnavailable

AUTO_CHANNELS = (discord.ChannelType.text, discord.ChannelType.forum)


def setup(bot: Client) -> None:
    group = app_commands.Group(name="autoanswer", description="Answer questions in a channel without being asked",
                               guild_only=True, default_permissions=discord.Permissions(manage_guild=True))

    async def switch(interaction: discord.Interaction, channel: app_commands.AppCommandChannel, on: bool) -> None:
        if channel.type not in AUTO_CHANNELS:
            await interaction.response.send_message("Auto-answer works in text and forum channels.", ephemeral=True)
            return
        kept = "kept across restarts"
        if bot.question_log is None:
            kept = "until the bot restarts (the question log is off, so it cannot be kept)"
        else:
            try:
                await asyncio.wrap_future(bot.question_log.set_autoanswer(channel.id, interaction.guild_id, on))
            except LogUnavailable:
                kept = "until the bot restarts (the question log cannot be written just now)"
        (bot.autoanswer_channels.add if on else bot.autoanswer_channels.discard)(channel.id)
        if not on:
            text = f"Auto-answer is off in {channel.mention} ({kept})."
        elif channel.type == discord.ChannelType.forum:
            text = (f"Auto-answer is on in {channel.mention} ({kept}): I answer each new post's opening message in "
                    "its thread, only when the sources answer it.")
        else:
            text = (f"Auto-answer is on in {channel.mention} ({kept}): I answer each new message that is a question, "
                    "in a new thread, only when the sources answer it.")
        if on and not bot.message_content:
            text += (" But Discord refused me the Message Content intent at start, so I cannot read those messages: "
                     "turn it on in the developer portal (Bot › Privileged Gateway Intents) and restart me.")
        await interaction.response.send_message(text, ephemeral=True)

    @group.command(name="on", description="Answer questions in a text or forum channel without being asked")
    @app_commands.describe(channel="A text channel (questions get a thread) or a forum (each new post)")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def autoanswer_on(interaction: discord.Interaction, channel: app_commands.AppCommandChannel) -> None:
        await switch(interaction, channel, True)

    @group.command(name="off", description="Stop answering in a channel without being asked")
    @app_commands.describe(channel="The channel to stop auto-answering in")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def autoanswer_off(interaction: discord.Interaction, channel: app_commands.AppCommandChannel) -> None:
        await switch(interaction, channel, False)

    bot.tree.add_command(group)
