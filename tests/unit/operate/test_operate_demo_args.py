"""`make demo` runs the documented size by default; a smaller demo changes only the cap and the world."""

from __future__ import annotations

import pytest

from fraud_platform.operate.demo import DEMO_EVENTS_PER_OUTPUT, _arguments
from fraud_platform.operate.demo_world import DEMO_FLOWS


def test_without_arguments_the_demo_streams_200_per_output_from_the_2000_flow_world() -> None:
    arguments = _arguments([])
    assert (
        (arguments.events_per_output, arguments.flows) == (DEMO_EVENTS_PER_OUTPUT, DEMO_FLOWS) == (200, 2000)
    )


def test_a_smaller_demo_takes_its_cap_and_world_size() -> None:
    arguments = _arguments(["--events-per-output", "20", "--flows", "60"])
    assert (arguments.events_per_output, arguments.flows) == (20, 60)


@pytest.mark.parametrize("argv", [["--events-per-output", "0"], ["--flows", "-1"], ["--flows", "many"]])
def test_a_size_that_is_not_a_positive_integer_is_a_usage_error(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        _arguments(argv)
    assert stopped.value.code == 2
