"""Projections: events -> read models (current claims, history, amendments,
documents), checkpointed and rebuildable, and the queries that read them.

Knows the domain (event payloads, via `payloads`) and the store; nothing above.
"""

from .db import ProjectionsMissing
from .queries import Queries, QueryError, parse_when
from .runner import ProjectionRunner, RunResult, Status

__all__ = ["ProjectionRunner", "ProjectionsMissing", "Queries", "QueryError", "RunResult", "Status", "parse_when"]
