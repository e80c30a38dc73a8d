"""Header dates like `Nov 21, 2022` or `Apr 29`, the latter resolved by the as-of rule.

A profile page drops the year of recent papers. The year is then the as-of date's, unless that
puts the paper after the as-of date, in which case it is the year before.
"""

from __future__ import annotations

from datetime import date

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def resolve(month: str, day: int, year: int | None, as_of: date) -> tuple[date, bool]:
    """Return the date and whether its year was inferred.

    Raises ValueError when the day does not exist in that month (Feb 30), or, for a yearless
    Feb 29, in either candidate year.
    """
    m = MONTHS.index(month) + 1
    if year is not None:
        return date(year, m, day), False
    if not 1 <= day <= 31:
        raise ValueError("day out of range")
    for y in (as_of.year, as_of.year - 1):
        try:
            candidate = date(y, m, day)
        except ValueError:
            continue
        if candidate <= as_of:
            return candidate, True
    raise ValueError("no such day in the as-of year or the year before")
