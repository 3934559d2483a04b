"""The pure detector's rules at their edges: no database."""

from datetime import UTC, datetime, timedelta

import pytest

from duplicates.detection import Item, Rules, candidates_involving, compare, find_candidates, is_duplicate

RULES = Rules(window_days=90, share=0.5, min_shared=5)
START = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


def item(id, day, questions, *, agency=1, reused=()):
    at = START + timedelta(days=day)
    questions = frozenset(questions)
    return Item(
        id=id,
        completed_at=at,
        completed_on=at.date(),
        agency_id=agency,
        questions=questions,
        asked=questions - frozenset(reused),
    )


def pairs(items):
    return [c.key for c in find_candidates(items, RULES)]


@pytest.mark.parametrize(("day", "flagged"), [(0, True), (89, True), (90, True), (91, False), (365, False)])
def test_the_window_ends_on_day_90(day, flagged):
    found = pairs([item(1, 0, range(6)), item(2, day, range(6), agency=2)])
    assert found == ([(1, 2)] if flagged else [])


def test_days_apart_counts_calendar_days():
    [candidate] = find_candidates([item(1, 0, range(6)), item(2, 90, range(6), agency=2)], RULES)
    assert candidate.days_apart == 90


def test_exactly_half_of_the_smaller_set_is_a_duplicate():
    # Smaller set has 8 questions; 4 shared is exactly half.
    earlier = item(1, 0, range(8))
    later = item(2, 10, [0, 1, 2, 3, 100, 101, 102, 103, 104, 105], agency=2)
    assert pairs([earlier, later]) == [(1, 2)]


def test_just_under_half_is_not_a_duplicate():
    earlier = item(1, 0, range(8))
    later = item(2, 10, [0, 1, 2, 100, 101, 102, 103, 104, 105, 106], agency=2)
    assert pairs([earlier, later]) == []


def test_half_of_an_odd_set_needs_rounding_up():
    # 7 questions: 3 shared is under half, 4 is over.
    assert not is_duplicate(3, 7, RULES)
    assert is_duplicate(4, 7, RULES)


def test_five_shared_questions_are_enough_even_in_large_sets():
    earlier = item(1, 0, range(20))
    later = item(2, 10, [0, 1, 2, 3, 4, *range(100, 115)], agency=2)
    assert pairs([earlier, later]) == [(1, 2)]
    fewer = item(3, 10, [0, 1, 2, 3, *range(100, 116)], agency=2)
    assert pairs([earlier, fewer]) == []


def test_nothing_shared_is_never_a_duplicate_even_with_empty_sets():
    assert not is_duplicate(0, 0, RULES)
    assert pairs([item(1, 0, []), item(2, 1, [])]) == []


def test_the_same_agency_assessing_twice_is_a_duplicate():
    assert pairs([item(1, 0, range(6), agency=7), item(2, 30, range(6), agency=7)]) == [(1, 2)]


def test_answers_reused_are_not_asked_again():
    earlier = item(1, 0, range(6))
    told_once = item(2, 10, range(6), agency=2, reused=range(6))
    assert pairs([earlier, told_once]) == []
    # Reusing three of six leaves three asked again: exactly half, still a duplicate.
    partly = item(3, 10, range(6), agency=2, reused=[0, 1, 2])
    [candidate] = find_candidates([earlier, partly], RULES)
    assert candidate.shared == frozenset({3, 4, 5})
    # Reusing four of six leaves two: under half.
    mostly = item(4, 10, range(6), agency=2, reused=[0, 1, 2, 3])
    assert pairs([earlier, mostly]) == []


def test_every_pair_inside_the_window_is_found_and_old_ones_drop_out():
    items = [item(1, 0, range(6)), item(2, 50, range(6)), item(3, 100, range(6)), item(4, 200, range(6))]
    assert pairs(items) == [(1, 2), (2, 3)]


def test_the_shared_fraction_is_of_the_later_assessment():
    [candidate] = find_candidates([item(1, 0, range(4)), item(2, 5, range(8), agency=2)], RULES)
    assert candidate.shared_fraction == 0.5


def test_same_day_pairs_follow_time_then_id():
    a = item(2, 0, range(6))
    b = Item(
        id=1,
        completed_at=a.completed_at + timedelta(hours=1),
        completed_on=a.completed_on,
        agency_id=2,
        questions=a.questions,
        asked=a.questions,
    )
    assert pairs([a, b]) == [(2, 1)]


def test_items_out_of_order_are_refused():
    with pytest.raises(ValueError, match="date order"):
        find_candidates([item(1, 10, range(6)), item(2, 0, range(6))], RULES)


def test_candidates_involving_one_assessment():
    items = [item(1, 0, range(6)), item(2, 10, range(6)), item(3, 20, range(6))]
    assert sorted(c.key for c in candidates_involving(items, 3, RULES)) == [(1, 3), (2, 3)]


def test_compare_ignores_a_later_one_given_first():
    assert compare(item(2, 10, range(6)), item(1, 0, range(6)), RULES) is None


def test_a_different_window_setting_is_honoured():
    short = Rules(window_days=30, share=0.5, min_shared=5)
    found = find_candidates([item(1, 0, range(6)), item(2, 31, range(6))], short)
    assert found == []
