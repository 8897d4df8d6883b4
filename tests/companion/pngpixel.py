"""Read one pixel of a PNG screenshot (8-bit RGB or RGBA, not interlaced): enough to check a
colour without an imaging library."""

from __future__ import annotations

import zlib


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def _chunks(png: bytes) -> tuple[bytes, bytes]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, header, data = 8, b"", b""
    while pos < len(png):
        length = int.from_bytes(png[pos:pos + 4], "big")
        kind, body = png[pos + 4:pos + 8], png[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            data += body
    return header, zlib.decompress(data)


def pixel(png: bytes, x: int, y: int) -> tuple[int, int, int]:
    header, raw = _chunks(png)
    width = int.from_bytes(header[0:4], "big")
    depth, color, interlace = header[8], header[9], header[12]
    assert depth == 8 and color in (2, 6) and interlace == 0, "unsupported PNG"
    bpp = 3 if color == 2 else 4
    stride = width * bpp
    prev = bytearray(stride)
    for row in range(y + 1):
        start = row * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            line[i] = (line[i] + (0, a, b, (a + b) // 2, _paeth(a, b, c))[kind]) & 0xFF
        prev = line
    return prev[x * bpp], prev[x * bpp + 1], prev[x * bpp + 2]
