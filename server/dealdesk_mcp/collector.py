"""Python's cycle collector, set for a server process.

Decoded JSON and everything made from it hold no reference cycles: reference counts free a call's
answer as the call ends. The cycle collector only ever finds such objects alive, yet by default it
scans every young container each time 700 more have been made than freed, and a 100-deal page is
about 1,500 (a collection in the middle of nearly every call, a tenth of a millisecond or more).
So: start-up runs without it and then freezes what it made (it lives as long as the process), the
young generation is sized past one call's own objects, and a walk holds it off while its records
pile up.
"""

from __future__ import annotations

import gc
from collections.abc import Generator
from contextlib import contextmanager

# Containers made and not yet freed before the collector looks at the young ones (Python's default
# is 700): above what one call decodes and shapes (a 500-record page), so calls rarely pay for it,
# and low enough that garbage cycles (of exceptions, say) are still found within seconds.
YOUNG_GENERATION = 10_000


@contextmanager
def held_off() -> Generator[None]:
    """The collector off while the SDK and this app are imported and the server is built: each of its
    runs would scan the many new module, class and model objects, which are never garbage (about
    0.1 s of a start)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def settle() -> None:
    """After start-up: what it made is kept out of every later scan, and the young generation is
    sized for tool calls (YOUNG_GENERATION)."""
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION, middle, old)


@contextmanager
def paused() -> Generator[None]:
    """The collector held off while answers are decoded, shaped and fitted, and while a walk's
    records pile up: with 10,000 records alive, its runs (one in a hundred scans everything alive)
    were about a third of a walk's time. The work inside is synchronous but for a walk's requests;
    the collector runs again as soon as it is done."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
