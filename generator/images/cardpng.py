"""PNG files of social cards, where each card compresses only the rows its own text changed.

Every card of a site is the same background (the bar, the rule, the logo, the empty text bands) with a few
lines of text on it: most of its 630 rows are the background's own. The picture data of a PNG is one zlib
stream, and a deflate stream may be cut into pieces that each end byte-aligned and refer to nothing before
them (a sync flush from a fresh compressor). So a run of background rows is compressed once, at zlib's best
level, and spliced into every card that has it; only the rows with text are compressed per card. The zlib
checksum is combined from the pieces' checksums. The same card gives the same bytes every time.
"""
from __future__ import annotations

import struct
import zlib

SIGNATURE = b"\x89PNG\r\n\x1a\n"
ZLIB_HEADER = b"\x78\x01"           # deflate with a 32 KiB window; the level field is only a hint
FINAL_BLOCK = b"\x03\x00"           # an empty last block (fixed Huffman codes): the end of the stream
ROWS_LEVEL = 2                      # zlib level for a card's own rows: see benchmarks/README.md
BACKGROUND_LEVEL = 9                # for the background's runs, compressed once per painter
ADLER_BASE = 65521
COMPARED_ROWS = 16                  # rows compared with the background's at once


class PaletteEncoder:
    """Writes 8-bit palette PNGs of pictures the size of `background` (an "L" image of palette indices)."""

    def __init__(self, background, palette: list[int]):
        width, height = self.size = background.size
        self.row = width + 1                                      # the filter type, then the pixels
        self._framed = framed(background)         # pictures are pasted into it (a fresh one would cost more)
        self.background = self._framed.tobytes()
        header = struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)     # 8 bits, palette, no interlace
        self.head = SIGNATURE + chunk(b"IHDR", header) + chunk(b"PLTE", bytes(palette))
        self._runs: dict[tuple[int, int], tuple[bytes, int]] = {}    # background rows → (deflate, adler-32)

    def encode(self, picture) -> bytes:
        """The PNG of `picture` (an "L" image of palette indices, the background's size)."""
        if picture.size != self.size:
            raise ValueError(f"a {picture.size} picture for an encoder of {self.size}")
        self._framed.paste(picture, (1, 0))
        data = self._framed.tobytes()
        pieces, adler = [ZLIB_HEADER], 1
        # One compressor for the card's own rows (a new one costs more than compressing a few rows): a full
        # flush after each run leaves nothing for the next run to refer back to.
        compressor = zlib.compressobj(ROWS_LEVEL, zlib.DEFLATED, -15)
        for start, end, plain in self._runs_of(data):
            if plain:
                piece, piece_adler = self._background_run(start, end)
                pieces.append(piece)
                adler = adler32_combine(adler, piece_adler, (end - start) * self.row)
            else:
                raw = data[start * self.row:end * self.row]
                pieces += [compressor.compress(raw), compressor.flush(zlib.Z_FULL_FLUSH)]
                adler = zlib.adler32(raw, adler)
        pieces += [FINAL_BLOCK, struct.pack(">I", adler)]
        return self.head + chunk(b"IDAT", b"".join(pieces)) + chunk(b"IEND", b"")

    def _runs_of(self, data: bytes) -> list[tuple[int, int, bool]]:
        """(first row, row after the last, whether they are the background's) for runs of rows: compared a
        block of rows at a time, and row by row only in blocks that differ."""
        height, size, background = self.size[1], self.row, self.background
        plain: list[bool] = []
        for block in range(0, height, COMPARED_ROWS):
            rows = range(block, min(block + COMPARED_ROWS, height))
            if data[block * size:rows[-1] * size + size] == background[block * size:rows[-1] * size + size]:
                plain += [True] * len(rows)
            else:
                plain += [data[y * size:(y + 1) * size] == background[y * size:(y + 1) * size] for y in rows]
        runs, start = [], 0
        for y in range(1, height + 1):
            if y == height or plain[y] != plain[start]:
                runs.append((start, y, plain[start]))
                start = y
        return runs

    def _background_run(self, start: int, end: int) -> tuple[bytes, int]:
        if (start, end) not in self._runs:
            raw = self.background[start * self.row:end * self.row]
            self._runs[start, end] = deflate_piece(raw, BACKGROUND_LEVEL), zlib.adler32(raw)
        return self._runs[start, end]


def framed(picture):
    """The picture beside a column of zeros: its bytes are its rows as PNG stores them unfiltered."""
    from PIL import Image
    width, height = picture.size
    frame = Image.new("L", (width + 1, height), 0)
    frame.paste(picture, (1, 0))
    return frame


def deflate_piece(raw: bytes, level: int) -> bytes:
    """Deflate blocks of `raw` that end byte-aligned and refer to nothing before them, none of them the last."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    return compressor.compress(raw) + compressor.flush(zlib.Z_FULL_FLUSH)


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def adler32_combine(first: int, second: int, second_length: int) -> int:
    """The Adler-32 of two byte strings one after the other, from theirs (zlib's adler32_combine)."""
    remainder = second_length % ADLER_BASE
    low = (first & 0xFFFF) + (second & 0xFFFF) + ADLER_BASE - 1
    high = remainder * (first & 0xFFFF) + (first >> 16) + (second >> 16) + ADLER_BASE - remainder
    return (low % ADLER_BASE) | ((high % ADLER_BASE) << 16)
