"""Discord: the client (one model; the library and each server's collection, index/collections.py),
the slash commands and message menu (`bot.chat.commands`), the answer buttons and views, embeds
within Discord's limits, auto-answer channels, sources added or removed from Discord, and when
rebuilds run (rebuilds.py). It uses `bot.storage` for what it keeps."""
