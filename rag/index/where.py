"""Chroma ``where`` clauses: built from the reader's filters and a question's period, and evaluated in
Python on chunk metadata with Chroma's semantics (the store filters the nearest chunks itself on a
large index, where Chroma's SQLite filter would read every chunk's metadata)."""

from __future__ import annotations

from datetime import date, timedelta
import operator
from typing import Any

from rag.core.types import Filters, Window


def _day(value: str) -> int:
    return int(value[:10].replace("-", ""))


def _shift(day: str, days: int) -> str:
    return (date.fromisoformat(day[:10]) + timedelta(days=days)).isoformat()


def build_where(filters: Filters, window: Window | None = None, slack_days: int = 0,
                outside: bool = False) -> dict[str, Any] | None:
    """Chroma ``where`` clause for the filters (and a relative-date window narrowing them, or with
    ``outside`` excluding it: the other dates, searched when the window's passages do not answer).

    ``slack_days`` widens the dates the pipeline infers (the as-of day, a relative window's edges) but
    not the ones the reader typed (``date_from``/``date_to``): publication dates of wire copy and the
    day a question is asked are noisy by a day or two.
    """
    clauses: list[dict[str, Any]] = []
    lo = filters.date_from
    as_of = _shift(filters.as_of, slack_days) if filters.as_of else None
    hi = min([d for d in (filters.date_to, as_of) if d], default=None)
    if window:
        start, end = _shift(window.start, -slack_days), _shift(window.end, slack_days)
        if outside:
            clauses.append({"$or": [{"published_day": {"$lt": _day(start)}}, {"published_day": {"$gt": _day(end)}}]})
        else:
            lo = max(lo or start, start)
            hi = min(hi or end, end)
    if lo:
        clauses.append({"published_day": {"$gte": _day(lo)}})
    if hi:
        # Undated articles are stored as day 0: an upper bound alone keeps them.
        clauses.append({"published_day": {"$lte": _day(hi)}})
    if filters.sources:
        clauses.append({"source": {"$in": list(filters.sources)}})
    if filters.languages:
        clauses.append({"language": {"$in": list(filters.languages)}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def matches(meta: dict[str, Any], where: dict[str, Any] | None) -> bool:
    """Whether chunk metadata satisfies a Chroma ``where`` clause (``$and``/``$or`` of ``$eq``,
    ``$ne``, ``$gte``, ``$lte``, ``$gt``, ``$lt``, ``$in``, ``$nin`` on fields, or a bare value for
    ``$eq``); a missing field satisfies only ``$ne`` and ``$nin``, as in Chroma.

    Raises ``ValueError`` on anything else, so that a caller filtering by itself can leave the clause
    to Chroma rather than guess.
    """
    if not where:
        return True
    if "$and" in where:
        return all(matches(meta, clause) for clause in where["$and"])
    if "$or" in where:
        return any(matches(meta, clause) for clause in where["$or"])
    for key, cond in where.items():
        if key.startswith("$"):
            raise ValueError(f"unsupported where operator {key}")
        value = meta.get(key)
        for op, ref in (cond.items() if isinstance(cond, dict) else [("$eq", cond)]):
            if value is None:
                ok = op in ("$ne", "$nin")  # Chroma: a missing field differs from every value
            elif op == "$in":
                ok = value in ref
            elif op == "$nin":
                ok = value not in ref
            elif op in _COMPARE:
                ok = _COMPARE[op](value, ref)
            else:
                raise ValueError(f"unsupported where operator {op}")
            if not ok:
                return False
    return True


def starts_after(where: dict[str, Any]) -> bool:
    """Whether the clause sets a first publication day (a period: it keeps few chunks)."""
    clauses = where.get("$and", [where])
    return any(isinstance(c.get("published_day"), dict) and {"$gte", "$gt"} & c["published_day"].keys()
               for c in clauses)


_COMPARE = {"$eq": operator.eq, "$ne": operator.ne, "$gte": operator.ge, "$lte": operator.le,
            "$gt": operator.gt, "$lt": operator.lt}
