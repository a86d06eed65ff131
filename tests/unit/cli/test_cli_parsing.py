"""The one comma-list parser every `--outputs` option uses."""

from __future__ import annotations

from fraud_platform.cli.parsing import comma_list


def test_items_are_stripped_and_empty_items_dropped() -> None:
    assert comma_list("a, b,,c ") == ["a", "b", "c"]


def test_an_absent_option_means_the_default_set() -> None:
    assert comma_list(None) is None
    assert comma_list("") is None


def test_only_separators_give_an_empty_list_not_the_default_set() -> None:
    assert comma_list(",,") == []
