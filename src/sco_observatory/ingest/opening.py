"""Files as publishers ship them: `.zip` and `.gz` read directly, encodings handled on purpose.

`opened(path)` yields a plain UTF-8 file the readers (and DuckDB) can read, and cleans up after:

- **zip** (recognised by its `PK\\x03\\x04` signature, whatever the name): the one data member is
  extracted — BACI's yearly zip holds one `BACI_*.csv` (plus, in a full release, its
  `country_codes_V*.csv`, extracted beside it so the reader finds it); the World Bank bulk zip holds
  `API_*.csv` plus `Metadata_Country_*.csv` and `Metadata_Indicator_*.csv`, which are not data.
  Several data members: refused, naming them and `-o member=NAME`.
- **gzip** (`\\x1f\\x8b`): decompressed to the name without `.gz`; a stream that ends early (a cut
  download) is refused.
- **encodings**: UTF-8 with or without BOM is read as is; UTF-16 with a BOM (LE or BE) is transcoded
  to UTF-8; `-o encoding=NAME` (one of `ENCODINGS`) transcodes explicitly (Latin-1, Windows-1252,
  UTF-16 without BOM). A file that is not UTF-8 and has no BOM is refused in one line naming the
  byte, the line and the `-o encoding=...` to use. CRLF line ends are read as they are.

Format detection runs on the opened file, so it looks inside archives. A member whose declared size
exceeds the free space of the temporary folder is refused before unpacking. Files beside the original
that readers look for (`<stem>.source.json`, `country_codes_V*.csv`) are linked next to the opened
copy. Everything is streamed in 1 MiB blocks; nothing holds a whole file in memory.
"""

from __future__ import annotations

import codecs
import contextlib
import gzip
import os
import shutil
import tempfile
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import Iterator

from sco_observatory.errors import ImportFormatError

ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "latin-1", "cp1252")
"""Encodings `-o encoding=` accepts (Python codec names)."""

BLOCK = 1 << 20
HEAD = 1 << 16
ZIP_MAGIC = b"PK\x03\x04"
GZIP_MAGIC = b"\x1f\x8b"
NOT_DATA_PREFIXES = ("metadata_", "country_codes_", "product_codes_", "__macosx", "readme")
NOT_DATA_SUFFIXES = (".txt", ".pdf", ".md", ".html", ".xml", ".json")
COMPANIONS = ("country_codes_V*.csv",)
ENCODING_HINT = "pass -o encoding=NAME, one of: " + ", ".join(ENCODINGS)


def _magic(path: Path) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(4)


def _is_data_member(name: str) -> bool:
    base = PurePosixPath(name).name.lower()
    return bool(base) and not base.startswith(NOT_DATA_PREFIXES) and not base.endswith(NOT_DATA_SUFFIXES) \
        and not name.lower().startswith("__macosx")


def _extract(zf: zipfile.ZipFile, info: zipfile.ZipInfo, folder: Path, origin: Path) -> Path:
    target = folder / PurePosixPath(info.filename).name  # never a path from inside the archive
    free = shutil.disk_usage(folder).free
    if info.file_size > free:
        raise ImportFormatError(
            f"{origin.name}: member {info.filename} unpacks to {info.file_size:,} bytes, more than the {free:,} free in {folder.parent}",
            "free disk space, set TMPDIR to a larger disk, or unpack the archive yourself",
        )
    try:
        with zf.open(info) as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst, BLOCK)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise ImportFormatError(f"{origin.name}: member {info.filename} cannot be read ({exc})",
                                "the archive is damaged or cut; download it again") from None
    return target


def unzip(path: Path, folder: Path, member: str | None = None) -> Path:
    """The archive's data member, extracted into `folder` (with any country-code file beside it)."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ImportFormatError(f"{path.name}: not a readable zip archive ({exc})",
                                "the download may be cut; download it again") from None
    with zf:
        files = [i for i in zf.infolist() if not i.is_dir()]
        if member is not None:
            chosen = [i for i in files if i.filename == member or PurePosixPath(i.filename).name == member]
            if not chosen:
                raise ImportFormatError(f"{path.name}: no member '{member}' in the archive",
                                        "its members: " + ", ".join(i.filename for i in files[:10]))
        else:
            chosen = [i for i in files if _is_data_member(i.filename)]
            if not chosen:
                raise ImportFormatError(f"{path.name}: the archive holds no data file",
                                        "its members: " + ", ".join(i.filename for i in files[:10]) or "it is empty")
            if len(chosen) > 1:
                names = ", ".join(i.filename for i in chosen[:6]) + (" ..." if len(chosen) > 6 else "")
                raise ImportFormatError(f"{path.name}: the archive holds {len(chosen)} data files ({names})",
                                        "choose one with -o member=NAME")
        data = _extract(zf, chosen[0], folder, path)
        for info in files:
            base = PurePosixPath(info.filename).name
            if info is not chosen[0] and any(PurePosixPath(base).match(p) for p in COMPANIONS):
                _extract(zf, info, folder, path)
        return data


def gunzip(path: Path, folder: Path) -> Path:
    """The decompressed file in `folder`, named without `.gz`."""
    name = path.name[:-3] if path.name.lower().endswith(".gz") else path.name
    target = folder / (name or "data.csv")
    try:
        with gzip.open(path, "rb") as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst, BLOCK)
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise ImportFormatError(f"{path.name}: the gzip stream is damaged or cut ({exc})",
                                "download the file again; the store is unchanged") from None
    return target


def _bad_utf8(head: bytes) -> tuple[int, int] | None:
    """(line, byte) of the first byte that is not UTF-8 in `head`, or None (a cut last char is fine)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)
        return None
    except UnicodeDecodeError as exc:
        return head.count(b"\n", 0, exc.start) + 1, head[exc.start]


def sniff_encoding(path: Path) -> str | None:
    """The codec to transcode from, or None when the file is UTF-8 (BOM or not); refuses the rest."""
    with open(path, "rb") as fh:
        head = fh.read(HEAD)
    if head.startswith(codecs.BOM_UTF8):
        return None
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        raise ImportFormatError(f"{path.name}: looks like UTF-16 without a byte-order mark (NUL bytes in the text)",
                                "pass -o encoding=utf-16-le (or utf-16-be)")
    bad = _bad_utf8(head)
    if bad:
        line, byte = bad
        raise ImportFormatError(f"{path.name}:{line}: not UTF-8 text (byte 0x{byte:02X}); the encoding is not known",
                                "if it is Latin-1 or Windows-1252 pass -o encoding=latin-1 (or cp1252); " + ENCODING_HINT)
    return None


def transcode(path: Path, folder: Path, encoding: str) -> Path:
    """A UTF-8 copy of `path` read as `encoding` (line ends kept as they are)."""
    target = folder / path.name
    try:
        with open(path, encoding=encoding, errors="strict", newline="") as src, \
                open(target, "w", encoding="utf-8", newline="") as dst:
            first = True
            for block in iter(lambda: src.read(BLOCK), ""):
                dst.write(block.removeprefix("\ufeff") if first else block)  # a BOM the codec kept
                first = False
    except UnicodeError as exc:
        raise ImportFormatError(f"{path.name}: cannot be read as {encoding} ({getattr(exc, 'reason', exc)})",
                                ENCODING_HINT) from None
    return target


def _link_companions(original: Path, opened: Path) -> None:
    patterns = (f"{opened.stem}.source.json", f"{original.stem}.source.json", *COMPANIONS)
    for pattern in patterns:
        for sibling in original.parent.glob(pattern):
            target = opened.parent / (f"{opened.stem}.source.json" if pattern.endswith(".source.json") else sibling.name)
            if not target.exists():
                try:
                    os.symlink(sibling.resolve(), target)
                except OSError:
                    shutil.copyfile(sibling, target)


@contextlib.contextmanager
def opened(path: Path, *, encoding: str | None = None, member: str | None = None) -> Iterator[Path]:
    """A plain UTF-8 version of `path` (the file itself when it already is one); see the module doc."""
    if encoding is not None and encoding.lower() not in ENCODINGS:
        raise ImportFormatError(f"unknown encoding '{encoding}'", ENCODING_HINT)
    magic = _magic(path)
    compressed = magic.startswith(ZIP_MAGIC) or magic.startswith(GZIP_MAGIC)
    if member is not None and not magic.startswith(ZIP_MAGIC):
        raise ImportFormatError(f"{path.name}: option member= applies to zip archives only", "remove -o member=...")
    if not compressed and encoding is None and sniff_encoding(path) is None:  # refuses what it cannot read
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="sco-import-") as tmp:
        folder = Path(tmp)
        current = path
        if magic.startswith(ZIP_MAGIC):
            current = unzip(path, folder, member)
        elif magic.startswith(GZIP_MAGIC):
            current = gunzip(path, folder)
        codec = encoding.lower() if encoding else sniff_encoding(current)
        if codec is not None and codec not in ("utf-8", "utf-8-sig"):
            sub = folder / "utf8"
            sub.mkdir()
            converted = transcode(current, sub, codec)
            current = folder / current.name
            os.replace(converted, current)  # over the extracted copy, if any (the original is never touched)
        _link_companions(path, current)
        yield current
