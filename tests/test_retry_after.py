"""Retry-After, read one way for arXiv (http.py) and for model servers (llm.py)."""

from __future__ import annotations

from email.utils import formatdate

import pytest

from radar.http import retry_after_seconds

NOW = 1_790_000_000.0  # a fixed "now", so dates convert exactly


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        pytest.param("0", 0.0, id="zero-is-now-not-absent"),
        pytest.param("120", 120.0, id="delta-seconds"),
        pytest.param(" 7 ", 7.0, id="spaces"),
        pytest.param("1.5", 1.5, id="fractional"),
        pytest.param(formatdate(NOW + 30, usegmt=True), 30.0, id="http-date"),
        pytest.param(formatdate(NOW + 30), 30.0, id="http-date-minus-0000"),
        pytest.param(formatdate(NOW - 30, usegmt=True), 0.0, id="http-date-past-is-now"),
        pytest.param(None, None, id="absent"),
        pytest.param("", None, id="empty"),
        pytest.param("-5", None, id="negative"),
        pytest.param("soon", None, id="words"),
        pytest.param("²", None, id="not-an-ascii-digit"),
        pytest.param("nan", None, id="nan"),
    ],
)
def test_retry_after_seconds(value: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(value, now=NOW) == seconds


def test_the_model_client_reads_retry_after_with_the_same_parser() -> None:
    from radar import http, llm

    assert llm.retry_after_seconds is http.retry_after_seconds
