"""Wording shared by the console and Discord: what an answer's confidence means, and how a
machine transcript is cited."""

from __future__ import annotations

NOTHING_ON_TOPIC = "Nothing in the sources is about that."
RELATED_HEADING = "Not sure these answer the question; they are the closest passages in the sources:"
# Cited after a quote from a recording: its text is a speech recogniser's, not a person's.
MACHINE_TRANSCRIPT = "machine transcript"
