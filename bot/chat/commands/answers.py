"""/ask, /check and the "Check citations" message menu: questions and claims answered with quotes."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.chat import answering, embeds
from bot.chat.context import MAX_OPTION_CHARS, Client, heavy, respond


def setup(bot: Client) -> None:
    @bot.tree.command(name="ask", description="Answer a question with verbatim quotes from the sources")
    @app_commands.describe(question="What do you want to know?")
    @app_commands.check(heavy(bot))
    async def ask(interaction: discord.Interaction, question: app_commands.Range[str, 1, MAX_OPTION_CHARS]) -> None:
        await interaction.response.defer(thinking=True)
        result, latency_ms = await answering.answer(bot, question, interaction.guild_id)
        view = answering.log_answer(bot, result, interaction.user.id,
                                    answering.Place(interaction.guild_id, interaction.channel_id), latency_ms, "ask")
        await interaction.followup.send(embeds=embeds.answer_embeds(result), view=view)

    @bot.tree.command(name="check", description="Is a claim or quote supported, contradicted, or not in the sources?")
    @app_commands.describe(claim="A claim or a quotation to check")
    @app_commands.check(heavy(bot))
    async def check(interaction: discord.Interaction, claim: app_commands.Range[str, 1, MAX_OPTION_CHARS]) -> None:
        await respond(bot, interaction, "check", claim, embeds.check_embeds)

    @bot.tree.context_menu(name="Check citations")
    @app_commands.check(heavy(bot))
    async def check_citations(interaction: discord.Interaction, message: discord.Message) -> None:
        if not message.content.strip():
            await interaction.response.send_message("That message has no text to check.", ephemeral=True)
            return
        await respond(bot, interaction, "check_message", message.content, embeds.message_check_embeds,
                      ephemeral=True)
