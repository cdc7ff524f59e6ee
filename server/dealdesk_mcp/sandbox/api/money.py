"""The account's currencies and their rates to the default currency (fixed, for repeatable reports)."""

from __future__ import annotations

# (id, code, name, symbol, units of the default currency (USD) per unit)
CURRENCIES = [
    (1, "USD", "US Dollar", "$", 1.0),
    (2, "EUR", "Euro", "€", 1.08),
    (3, "GBP", "British Pound", "£", 1.27),
    (4, "CAD", "Canadian Dollar", "CA$", 0.73),
    (5, "CHF", "Swiss Franc", "CHF", 1.12),
    (6, "NOK", "Norwegian Krone", "kr", 0.094),
]
RATES = {code: rate for _, code, _, _, rate in CURRENCIES}
SYMBOLS = {code: symbol for _, code, _, symbol, _ in CURRENCIES}


def convert(amount: float | int | None, source: str | None, target: str) -> float:
    """`amount` in `source` expressed in `target`; unknown currencies count at par."""
    value = float(amount or 0)
    return value * RATES.get(source or target, 1.0) / RATES.get(target, 1.0)


def formatted(amount: float, currency: str) -> str:
    return f"{SYMBOLS.get(currency, currency + ' ')}{amount:,.0f}"
