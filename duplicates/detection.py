"""Duplicate-assessment detection, pure: no database, no settings, no clock.

It takes one person's assessments (their own, and the family-level assessments of families they
belonged to at the time) in date order and walks them with a sliding window, so the work grows
with each person's own record and never with the square of anything (DESIGN.md, "Duplicate
assessments"). The database side is in `duplicate_services.py`.

Rules, pinned by tests/duplicates/test_detection.py:
- two assessments are compared when their completion dates are at most `window_days` apart
  (day 90 is in, day 91 is out);
- the questions "asked again" are those the later assessment answered afresh: an answer reused
  from an earlier record (told once) was not asked again;
- they are duplicates when the shared questions are at least `share` of the smaller question
  set, or at least `min_shared` questions (and never when nothing is shared);
- the same agency assessing twice is a duplicate like any other: it had its own answers.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from datetime import date, datetime
from functools import lru_cache
from typing import NamedTuple

# Tolerance for comparing a share of a set size, so that exactly half counts as half.
_EPSILON = 1e-9


class Rules(NamedTuple):
    window_days: int = 90
    share: float = 0.5
    min_shared: int = 5

    @classmethod
    def from_settings(cls, settings) -> Rules:
        return cls(
            window_days=settings.DUPLICATE_WINDOW_DAYS,
            share=settings.DUPLICATE_SHARE,
            min_shared=settings.DUPLICATE_MIN_SHARED,
        )


class Item(NamedTuple):
    """One assessment as detection sees it (a named tuple: a county holds hundreds of
    thousands, and a tuple is the cheapest object Python makes)."""

    id: int
    completed_at: datetime
    completed_on: date  # the local calendar day, for counting days apart
    agency_id: int
    questions: frozenset[int]  # every question the assessment holds an answer to
    asked: frozenset[int]  # the questions it asked afresh (answers not reused)


class Candidate(NamedTuple):
    """A pair of one person's assessments that asked the same questions again."""

    earlier: Item
    later: Item
    shared: frozenset[int]
    days_apart: int

    @property
    def key(self) -> tuple[int, int]:
        return (self.earlier.id, self.later.id)

    @property
    def shared_fraction(self) -> float:
        """Shared questions as a share of the later assessment's questions (for its cost)."""
        return len(self.shared) / len(self.later.questions) if self.later.questions else 0.0


def is_duplicate(shared_count: int, smaller_size: int, rules: Rules) -> bool:
    if shared_count <= 0:
        return False
    if shared_count >= rules.min_shared:
        return True
    return shared_count + _EPSILON >= rules.share * smaller_size


def compare(earlier: Item, later: Item, rules: Rules) -> Candidate | None:
    """The pair as a candidate, or None when it is not a duplicate under the rules."""
    days_apart = (later.completed_on - earlier.completed_on).days
    if earlier.id == later.id or days_apart < 0 or days_apart > rules.window_days:
        return None
    shared = asked_again(earlier.questions, later.asked, later.questions, rules)
    if shared is None:
        return None
    return Candidate._make((earlier, later, shared, days_apart))  # built in C: called for every pair


@lru_cache(maxsize=8192)
def asked_again(
    earlier_questions: frozenset[int],
    later_asked: frozenset[int],
    later_questions: frozenset[int],
    rules: Rules,
) -> frozenset[int] | None:
    """The questions asked again when they make the pair a duplicate, else None. Assessments of
    one type hold the same questions, so a county's pairs repeat a few hundred question sets:
    each combination is worked out once."""
    shared = earlier_questions & later_asked
    smaller = min(len(earlier_questions), len(later_questions))
    return shared if is_duplicate(len(shared), smaller, rules) else None


def find_candidates(items: Sequence[Item], rules: Rules) -> list[Candidate]:
    """All duplicate pairs among one person's assessments, given in (completed_at, id) order.

    A sliding window: each assessment is compared only with those still inside the window
    behind it, so the cost is the number of assessments times the few within 90 days.
    """
    found: list[Candidate] = []
    window: deque[Item] = deque()
    previous_key = None
    for item in items:
        key = (item.completed_at, item.id)
        if previous_key is not None and key < previous_key:
            raise ValueError("Assessments must be given in date order.")
        previous_key = key
        day = item.completed_on
        while window and (day - window[0].completed_on).days > rules.window_days:
            window.popleft()
        for earlier in window:
            candidate = compare(earlier, item, rules)
            if candidate is not None:
                found.append(candidate)
        window.append(item)
    return found


def candidates_involving(items: Sequence[Item], assessment_id: int, rules: Rules) -> list[Candidate]:
    """The pairs that include one assessment (the incremental check after a new record)."""
    return [c for c in find_candidates(items, rules) if assessment_id in c.key]
