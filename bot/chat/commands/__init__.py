"""The slash commands and the message menu, one module per group. Each module's `setup(bot)`
adds its commands to `bot.tree`; the client loads them from one list (client.COMMAND_MODULES).
The modules never import each other or the client: what they share is in bot/chat/context.py."""
