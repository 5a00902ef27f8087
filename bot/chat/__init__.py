"""Discord: the client (one engine, loaded once), the slash commands and message menu
(`bot.chat.commands`), the answer buttons and views, embeds within Discord's limits, auto-answer
channels, and sources added or removed from Discord. It uses `bot.storage` for what it keeps."""
