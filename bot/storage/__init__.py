"""What the bot keeps: the question log (answers, votes, auto-answer channels, each server's library
setting) and the gaps report made from it, the record of sources changed (with the server whose
collection changed), the move of an old install's uploads into their servers' collections
(migration.py), and the salted hash that stands in for a user id. Nothing here imports Discord code
(`bot.chat`) or the terminal (`bot.terminal`)."""
