"""The terminal: the `python -m bot` command line (ask, check, report, sync, Discord or the
console), the local console, and plain-text rendering of answers and checks."""
