"""Number, money and date formats for the people who read our outputs.

Italian by default (1.234,5 — dd/mm/yyyy — € 1.234), English on request.
"""
from __future__ import annotations

import math
from datetime import date, datetime


def number(value, decimals: int = 0, lang: str = "it") -> str:
    """``1234.5`` → ``'1.234,5'`` (it) or ``'1,234.5'`` (en); ``'–'`` when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{float(value):,.{decimals}f}"
    if lang == "it":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def euro(value, decimals: int = 0, lang: str = "it") -> str:
    """``1234`` → ``'€ 1.234'``."""
    text = number(value, decimals, lang)
    return text if text == "–" else f"€ {text}"


def day(value, lang: str = "it") -> str:
    """A date as ``dd/mm/yyyy`` (it) or ``yyyy-mm-dd`` (en); ``'–'`` when missing."""
    if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        value = date.fromisoformat(str(value)[:10])
    return value.strftime("%d/%m/%Y" if lang == "it" else "%Y-%m-%d")
