"""What the bot says about an answer's confidence, shared by the console and Discord."""

from __future__ import annotations

NOTHING_ON_TOPIC = "Nothing in the sources is about that."
RELATED_HEADING = "Not sure these answer the question; they are the closest passages in the sources:"
