"""The part of CBOR (RFC 8949) that Pagefind's index files use: unsigned integers, text, byte strings and
arrays, each encoded in its shortest form, as Pagefind's encoder (minicbor) writes them."""
from __future__ import annotations

from typing import TypeAlias

Value: TypeAlias = "int | str | bytes | list[Value]"

UINT, BYTES, TEXT, ARRAY = 0, 2, 3, 4


class CborError(ValueError):
    """Bytes outside the subset this module reads."""


def decode(data: bytes) -> Value:
    value, end = _item(data, 0)
    if end != len(data):
        raise CborError(f"{len(data) - end} bytes after the first item")
    return value


def encode(value: Value) -> bytes:
    if isinstance(value, bool):
        raise CborError("booleans are not in the subset")
    if isinstance(value, int):
        return _head(UINT, value)
    if isinstance(value, str):
        raw = value.encode("utf-8")
        return _head(TEXT, len(raw)) + raw
    if isinstance(value, bytes):
        return _head(BYTES, len(value)) + value
    return _head(ARRAY, len(value)) + b"".join(encode(item) for item in value)


def _head(major: int, number: int) -> bytes:
    if number < 0:
        raise CborError("negative numbers are not in the subset")
    if number < 24:
        return bytes([major << 5 | number])
    for extra, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if number < 1 << (8 * size):
            return bytes([major << 5 | extra]) + number.to_bytes(size, "big")
    raise CborError(f"{number} does not fit in 64 bits")


def _item(data: bytes, at: int) -> tuple[Value, int]:
    if at >= len(data):
        raise CborError("cut short")
    major, info = data[at] >> 5, data[at] & 0x1F
    at += 1
    if info < 24:
        number = info
    elif info <= 27:
        size = 1 << (info - 24)
        if at + size > len(data):
            raise CborError("cut short")
        number = int.from_bytes(data[at:at + size], "big")
        at += size
    else:
        raise CborError(f"indefinite or reserved length (byte {data[at - 1]:#x})")
    if major == UINT:
        return number, at
    if major in (BYTES, TEXT):
        if at + number > len(data):
            raise CborError("cut short")
        raw = data[at:at + number]
        return (raw.decode("utf-8") if major == TEXT else raw), at + number
    if major == ARRAY:
        items = []
        for _ in range(number):
            item, at = _item(data, at)
            items.append(item)
        return items, at
    raise CborError(f"major type {major} is not in the subset")
