"""Per-user cooldown on the heavy commands (/ask, /search, /check, the menu, mentions).

One bucket per user, shared by every heavy command, so that a user cannot dodge the
cooldown by switching commands. Buckets are discord.py's own token buckets.
"""

from __future__ import annotations

from discord import app_commands

MAX_USERS = 10_000  # buckets kept; the oldest are dropped beyond this


class Cooldowns:
    def __init__(self, seconds: float, uses: int = 1) -> None:
        self.seconds = seconds
        self.uses = uses
        self._buckets: dict[int, app_commands.Cooldown] = {}

    def retry_after(self, user_id: int) -> float | None:
        """Seconds the user must wait, or None when the command may run now (and is counted)."""
        if self.seconds <= 0:
            return None
        bucket = self._buckets.get(user_id)
        if bucket is None:
            if len(self._buckets) >= MAX_USERS:
                self._buckets.pop(next(iter(self._buckets)))
            bucket = self._buckets[user_id] = app_commands.Cooldown(self.uses, self.seconds)
        return bucket.update_rate_limit()

    def check(self, user_id: int) -> None:
        """Raise discord.py's CommandOnCooldown when the user must wait."""
        retry = self.retry_after(user_id)
        if retry is not None:
            raise app_commands.CommandOnCooldown(self._buckets[user_id], retry)
