"""What the bot keeps: the question log (answers, votes, auto-answer channels) and the gaps report
made from it, the record of sources changed from Discord, and the salted hash that stands in for a
user id. Nothing here imports Discord code (`bot.chat`) or the terminal (`bot.terminal`)."""
