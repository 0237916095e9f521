"""The header every benchmark prints first: which CPU (and vector instructions) the figures are from."""

from __future__ import annotations

import datetime

from emotion_desktop.environment import cpu_description


def cpu_header() -> str:
    return f"# {datetime.date.today().isoformat()} on {cpu_description()}"
