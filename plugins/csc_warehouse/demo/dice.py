"""The demo's one source of chance: a seeded `random.Random` with the draws the stories share.

Every choice in the scenario comes from one instance, in a fixed order, so the same seed gives
the same files byte for byte. A story that draws in a different order changes every file after it.
"""

import random
from datetime import date, timedelta


class Dice(random.Random):
    def weighted(self, weights: dict[str, int]) -> str:
        return self.choices(list(weights), weights=list(weights.values()))[0]

    def day_between(self, first: date, last: date) -> date:
        return first + timedelta(days=self.randint(0, (last - first).days))

    def days_in_week(self, as_at: date, count: int) -> list[date]:
        """`count` dates in the week of as_at; the first two sit on its edges (as_at, as_at - 6)."""
        edges = [as_at, as_at - timedelta(days=6)]
        return (edges + [self.day_between(edges[1], as_at) for _ in range(count - 2)])[:count]
