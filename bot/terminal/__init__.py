"""The terminal: the `python -m bot` command line (ask, check, report, sync, Discord or the
console; `sources list|add|remove` in source_commands.py), the local console, and plain-text
rendering of answers and checks."""
