"""The bot, grouped by what each part serves:

- `bot.chat`: the Discord client, its slash commands (`bot.chat.commands`), views and embeds;
- `bot.storage`: what the bot keeps (the question log and its gaps report, the record of source
  changes, the salted user hash);
- `bot.terminal`: the command line, the local console and plain-text rendering.

`bot.wording` holds the words the console and Discord share. Imports run terminal -> chat -> storage,
and every part may use the engine (`index`), never the other way round."""
