"""`tracker bench`: measure the tracker against raw baselines in one run.

Everything runs in a scratch area (a temporary SQLite file beside the given
one, or a temporary PostgreSQL schema) that is removed afterwards, so bench
never touches the tracker's data.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass
class Measurement:
    section: str
    name: str
    count: int
    seconds: float
    baseline: str | None = None
    baseline_per_s: float | None = None
    unit: str = "events"

    @property
    def per_s(self) -> float:
        return self.count / self.seconds if self.seconds else float("inf")

    @property
    def ratio(self) -> float | None:
        return self.per_s / self.baseline_per_s if self.baseline_per_s else None

    def as_dict(self) -> dict:
        d = asdict(self)
        d["per_s"] = round(self.per_s, 1)
        d["ratio"] = None if self.ratio is None else round(self.ratio, 3)
        d["seconds"] = round(self.seconds, 4)
        if self.baseline_per_s is not None:
            d["baseline_per_s"] = round(self.baseline_per_s, 1)
        return d
