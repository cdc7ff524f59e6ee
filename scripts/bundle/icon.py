"""Draws the bundle's icon (a sales pipeline as a funnel of three bars on a rounded green square) and
writes it as a PNG with the standard library alone. scripts/build_bundle.py calls it; the picture is
made at build time, so no binary is kept in the repository."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

BACKGROUND = (31, 111, 92)  # deep green
FOREGROUND = (255, 255, 255)
ACCENT = (255, 196, 61)  # the won deal: an amber dot under the funnel
SAMPLES = 3  # per axis, for smooth edges


def _inside(x: float, y: float) -> tuple[int, int, int] | None:
    """The colour at (x, y) in a 1x1 square, or None outside the rounded background."""
    radius = 0.2
    cx = min(max(x, radius), 1 - radius)
    cy = min(max(y, radius), 1 - radius)
    if (x - cx) ** 2 + (y - cy) ** 2 > radius**2:
        return None
    # Three bars, each narrower than the one above: leads in, fewer deals out.
    for top, half_width in ((0.2, 0.32), (0.38, 0.23), (0.56, 0.14)):
        if top <= y <= top + 0.12 and abs(x - 0.5) <= half_width:
            return FOREGROUND
    if (x - 0.5) ** 2 + (y - 0.82) ** 2 <= 0.065**2:
        return ACCENT
    return BACKGROUND


def render(size: int = 256) -> bytes:
    """The icon as PNG bytes, RGBA, size x size pixels."""
    rows = bytearray()
    step = 1 / (size * SAMPLES)
    for py in range(size):
        rows.append(0)  # PNG filter: none
        for px in range(size):
            r = g = b = hits = 0
            for sy in range(SAMPLES):
                for sx in range(SAMPLES):
                    colour = _inside((px * SAMPLES + sx + 0.5) * step, (py * SAMPLES + sy + 0.5) * step)
                    if colour:
                        r, g, b, hits = r + colour[0], g + colour[1], b + colour[2], hits + 1
            if hits:
                rows += bytes((r // hits, g // hits, b // hits, 255 * hits // SAMPLES**2))
            else:
                rows += b"\0\0\0\0"

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


def write(path: Path, size: int = 256) -> Path:
    path.write_bytes(render(size))
    return path


if __name__ == "__main__":
    import sys

    print(write(Path(sys.argv[1] if len(sys.argv) > 1 else "icon.png")))
