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
from collections.abc import Iterator

SIGNATURE = b"\x89PNG\r\n\x1a\n"
ZLIB_HEADER = b"\x78\x01"           # deflate with a 32 KiB window; the level field is only a hint
FINAL_BLOCK = b"\x03\x00"           # an empty last block (fixed Huffman codes): the end of the stream
ROWS_LEVEL = 2                      # zlib level for a card's own rows: see benchmarks/README.md
BACKGROUND_LEVEL = 9                # for the background's runs, compressed once per painter
ADLER_BASE = 65521
COMPARED_ROWS = 32                  # rows read and compared with the background's at once


class PaletteEncoder:
    """Writes 8-bit palette PNGs of pictures the size of `background` (an "L" image of palette indices).

    A card is read a block of rows at a time, never as a whole: a fresh buffer of the card's size on every
    card costs more in page faults than the compressing.
    """

    def __init__(self, background, palette: list[int]):
        width, height = self.size = background.size
        self.row = width + 1                                      # the filter type, then the pixels
        self._framed = framed(background)         # pictures are pasted into it (a fresh one would cost more)
        data = self._framed.tobytes()
        self._rows = [data[y * self.row:(y + 1) * self.row] for y in range(height)]
        self._blocks = [data[top * self.row:min(top + COMPARED_ROWS, height) * self.row]
                        for top in range(0, height, COMPARED_ROWS)]
        header = struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)     # 8 bits, palette, no interlace
        self.head = SIGNATURE + chunk(b"IHDR", header) + chunk(b"PLTE", bytes(palette))
        self._runs: dict[tuple[int, int], tuple[bytes, int]] = {}    # background rows → (deflate, adler-32)

    def encode(self, picture) -> bytes:
        """The PNG of `picture` (an "L" image of palette indices, the background's size)."""
        if picture.size != self.size:
            raise ValueError(f"a {picture.size} picture for an encoder of {self.size}")
        self._framed.paste(picture, (1, 0))
        pieces, adler = [ZLIB_HEADER], 1
        # One compressor for the card's own rows (a new one costs more than compressing a few rows): a full
        # flush before each run of background rows leaves nothing after it to refer back past them.
        compressor = zlib.compressobj(ROWS_LEVEL, zlib.DEFLATED, -15)
        pending, plain_from = False, None
        for start, data in self._changes():
            if data is None:
                if pending:
                    pieces.append(compressor.flush(zlib.Z_FULL_FLUSH))
                    pending = False
                plain_from = start if plain_from is None else plain_from
                continue
            if plain_from is not None:
                adler = self._add_background(pieces, adler, plain_from, start)
                plain_from = None
            pieces.append(compressor.compress(data))
            adler, pending = zlib.adler32(data, adler), True
        if pending:
            pieces.append(compressor.flush(zlib.Z_FULL_FLUSH))
        if plain_from is not None:
            adler = self._add_background(pieces, adler, plain_from, self.size[1])
        pieces += [FINAL_BLOCK, struct.pack(">I", adler)]
        return self.head + chunk(b"IDAT", b"".join(pieces)) + chunk(b"IEND", b"")

    def _changes(self) -> Iterator[tuple[int, bytes | None]]:
        """Runs of rows in order, as (their first row, their scanlines or None where they are the
        background's): compared a block of rows at a time, row by row only in a block that differs."""
        width, height = self._framed.size
        size = self.row
        for number, top in enumerate(range(0, height, COMPARED_ROWS)):
            bottom = min(top + COMPARED_ROWS, height)
            block = self._framed.crop((0, top, width, bottom)).tobytes()
            if block == self._blocks[number]:
                yield top, None
                continue
            plain = [block[(y - top) * size:(y - top + 1) * size] == self._rows[y] for y in range(top, bottom)]
            start = top
            for y in range(top + 1, bottom + 1):
                if y == bottom or plain[y - top] != plain[start - top]:
                    yield start, None if plain[start - top] else block[(start - top) * size:(y - top) * size]
                    start = y

    def _add_background(self, pieces: list[bytes], adler: int, start: int, end: int) -> int:
        """Splice in the background's rows start…end (compressed once), and return the checksum with them."""
        if (start, end) not in self._runs:
            raw = b"".join(self._rows[start:end])
            self._runs[start, end] = deflate_piece(raw, BACKGROUND_LEVEL), zlib.adler32(raw)
        piece, piece_adler = self._runs[start, end]
        pieces.append(piece)
        return adler32_combine(adler, piece_adler, (end - start) * self.row)


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
