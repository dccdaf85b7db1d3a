"""The API's date-times are RFC 3339 whatever the year (Schemathesis found year 888)."""

from __future__ import annotations

from datetime import datetime

import pytest

from blogapp.api.thread_json import iso


@pytest.mark.parametrize(("moment", "text"), [
    (datetime(2026, 12, 1, 16, 5, 9), "2026-12-01T16:05:09Z"),
    (datetime(888, 5, 23, 10, 38, 22), "0888-05-23T10:38:22Z"),
    (datetime(1, 1, 1), "0001-01-01T00:00:00Z"),
    (datetime(9999, 12, 31, 23, 59, 59, 999999), "9999-12-31T23:59:59Z"),
])
def test_every_year_is_written_in_four_digits(moment, text):
    assert iso(moment) == text
