"""Bounded reading of an API answer: body size (decompressed), deadline, JSON nesting depth.

An API is input from the outside world, so nothing it sends may exhaust memory or time:

- **size**: the body is streamed and counted *after* decompression; `Content-Encoding: gzip` or
  `deflate` is decompressed here with `zlib.decompressobj(...).decompress(data, max_length)`, so a
  gzip bomb (1 MB that inflates to 1 GB) stops at `max_bytes + 1` bytes inflated, never more. A
  `Content-Length` above the cap is refused before reading. Only gzip/deflate are asked for
  (`ACCEPT_ENCODING`); another encoding is refused.
- **deadline**: a watchdog shuts the socket down when the request's deadline passes, which wakes a
  read blocked on a server that drips a byte every few seconds (each read within the per-read
  timeout, the whole far beyond it); the deadline is also checked after every chunk.
- **JSON depth**: nesting is measured on the raw bytes before parsing (brackets outside strings),
  and the parser's own RecursionError is caught, so a 2,000-deep document is refused in one line.
"""

from __future__ import annotations

import itertools
import json
import socket
import threading
import time
import zlib
from typing import Any

import httpx

ACCEPT_ENCODING = "gzip, deflate"
MAX_JSON_DEPTH = 64
"""Deepest JSON nesting accepted; the APIs we read nest 4 levels (World Bank: array > object > object)."""

_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


class BodyTooLarge(Exception):
    """The (decompressed) body exceeds the cap."""


class DeadlinePassed(Exception):
    """The request did not finish before its deadline."""


class TooDeep(ValueError):
    """A JSON document nested deeper than the limit."""


def _watchdog(response: httpx.Response, seconds: float, expired: threading.Event) -> threading.Timer:
    def fire() -> None:
        expired.set()
        stream = response.extensions.get("network_stream")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if isinstance(sock, socket.socket):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    timer = threading.Timer(max(0.0, seconds), fire)
    timer.daemon = True
    timer.start()
    return timer


def read_body(response: httpx.Response, *, max_bytes: int, deadline: float) -> bytes:
    """The decompressed body of a streamed response, at most `max_bytes`, finished before `deadline`.

    `deadline` is a `time.monotonic()` instant. Raises BodyTooLarge or DeadlinePassed; transport
    errors that are not caused by the deadline propagate as httpx errors.
    """
    declared = response.headers.get("Content-Length", "")
    encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
    if declared.isdigit() and encoding in ("", "identity") and int(declared) > max_bytes:
        raise BodyTooLarge(f"announces {int(declared):,} bytes")
    if encoding in ("gzip", "x-gzip", "deflate"):
        inflater = zlib.decompressobj(wbits=zlib.MAX_WBITS | 32)  # gzip or zlib header, detected
    elif encoding in ("", "identity"):
        inflater = None
    else:
        raise BodyTooLarge(f"uses the content encoding {encoding!r}, which we did not ask for")
    expired = threading.Event()
    timer = _watchdog(response, deadline - time.monotonic(), expired)
    parts: list[bytes] = []
    size = 0
    try:
        for raw in response.iter_raw():
            if expired.is_set() or time.monotonic() > deadline:
                raise DeadlinePassed()
            pending = raw
            while pending:
                if inflater is None:
                    piece, pending = pending, b""
                else:
                    try:
                        piece = inflater.decompress(pending, max_bytes - size + 1)
                    except zlib.error as exc:
                        raise httpx.DecodingError(f"bad {encoding} data ({exc})") from None
                    pending = inflater.unconsumed_tail
                size += len(piece)
                if size > max_bytes:
                    raise BodyTooLarge(f"exceeds {max_bytes:,} bytes{' decompressed' if inflater else ''}")
                parts.append(piece)
                if inflater is not None and not piece:
                    break
    except httpx.TransportError:
        if expired.is_set():
            raise DeadlinePassed() from None
        raise
    finally:
        timer.cancel()
    if expired.is_set():
        raise DeadlinePassed()
    return b"".join(parts)


_SIGNED = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")


def _deepest(brackets: bytes) -> int:
    """Running maximum of +1 per opening and -1 per closing bracket (C-speed accumulate)."""
    if not brackets:
        return 0
    steps = memoryview(brackets.translate(_SIGNED)).cast("b")  # signed bytes: 1 or -1
    return max(0, max(itertools.accumulate(steps)))


def json_depth(body: bytes) -> int:
    """The deepest nesting of `[`/`{` in a JSON text (brackets inside strings are not counted).

    The count over all bracket bytes (one C `translate`) is exact unless strings hold brackets;
    only when it exceeds the limit are strings removed and the count redone, so the usual answer
    costs one pass.
    """
    deepest = _deepest(body.translate(None, _NOT_BRACKETS))
    if deepest > MAX_JSON_DEPTH and b'"' in body:
        # Escaped backslashes, then escaped quotes, go first; what is left between quote pairs is strings.
        outside = b"".join(body.replace(b"\\\\", b"").replace(b'\\"', b"").split(b'"')[::2])
        deepest = _deepest(outside.translate(None, _NOT_BRACKETS))
    return deepest


def load_json(body: bytes) -> Any:
    """Parse JSON safely: TooDeep past MAX_JSON_DEPTH, ValueError (incl. UnicodeDecodeError) when invalid."""
    depth = json_depth(body)
    if depth > MAX_JSON_DEPTH:
        raise TooDeep(f"the answer nests {depth} levels deep (more than {MAX_JSON_DEPTH})")
    try:
        return json.loads(body.decode("utf-8-sig"))
    except RecursionError:  # brackets inside strings hid the depth from the quick count
        raise TooDeep(f"the answer nests more than {MAX_JSON_DEPTH} levels deep") from None
