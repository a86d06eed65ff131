"""docs/profiles.md names every pin variable of the shipped profiles and every config reason code."""

from __future__ import annotations

from pathlib import Path

from fraud_platform.config import profile_names
from fraud_platform.config.pins import pins_in
from fraud_platform.config.shipped import raw_profile
from fraud_platform.core.reasons import all_reasons

_PAGE = Path(__file__).resolve().parents[3] / "docs" / "profiles.md"


def test_every_pin_variable_is_documented() -> None:
    page = _PAGE.read_text(encoding="utf-8")
    variables = {pin.name for name in profile_names() for pin in pins_in(raw_profile(name))}
    assert variables, "the shipped profiles declare pins"
    assert sorted(v for v in variables if f"`{v}`" not in page) == []
    for extra in ("FP_HOME", "FP_DEV_MIN_REHEARSAL", "DEV_MIN_ROLE_<ROLE>_AWS_ACCESS_KEY_ID"):
        assert f"`{extra}`" in page


def test_every_config_reason_code_is_documented() -> None:
    page = _PAGE.read_text(encoding="utf-8")
    codes = [info.code for info in all_reasons() if info.owner == "config"]
    assert len(codes) == 16
    assert [code for code in codes if f"`{code}`" not in page] == []
