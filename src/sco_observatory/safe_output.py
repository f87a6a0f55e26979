"""Writing an output file safely: a regular file only, checked before any work, replaced atomically.

Why: `-o PATH` is user input. Renaming a temp file over PATH without looking would replace a
symlink's target, clobber a device node or a directory, or fail after minutes of work on an
unwritable directory. So:

1. `check_target(path)` runs before the command does any work: PATH must be absent or a regular
   file; a symlink is refused unless `follow_symlinks` (then its target is checked and written);
   the parent must be an existing directory in which a file can really be created (probed with
   a temp file, because `os.access` says yes to root on /proc and read-only mounts lie).
2. `write_atomic(path, data)` writes a temp file in the same directory, fsyncs it and renames it
   over PATH (`os.replace`, atomic on POSIX): a reader sees the old file or the new one, never half.
3. `atomic_path(path)` does the same for a program that writes the file itself (Chromium's PDF).
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path
from typing import Iterator

from sco_observatory.errors import ObservatoryError


class OutputPathError(ObservatoryError):
    """An output path that is not a writable regular file (directory, device, symlink, no access)."""


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a named pipe"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def check_target(path: str | Path, *, follow_symlinks: bool = False) -> Path:
    """The path to write (the symlink's target when following); raise OutputPathError otherwise."""
    target = Path(path).expanduser()
    if str(path).strip() == "":
        raise OutputPathError("empty output path", "give a file name, e.g. -o sco-report.html")
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise OutputPathError(f"cannot use {target} as output: {exc.strerror}", "pick another file name") from None
    if info is not None and stat.S_ISLNK(info.st_mode):
        if not follow_symlinks:
            raise OutputPathError(f"{target} is a symbolic link; it is not followed",
                                  "write to a regular file, or pass --follow-symlinks to write to its target")
        target = Path(os.path.realpath(target))
        try:
            info = os.stat(target)
        except FileNotFoundError:
            info = None
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise OutputPathError(f"{target} is {_kind(info.st_mode)}, not a file",
                              "give the path of a file to write, e.g. -o sco-report.html")
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise OutputPathError(f"the directory {parent} does not exist", f"create it first (mkdir -p {parent}) or pick another path")
    _probe(parent)
    return target


def _probe(directory: Path) -> None:
    """Create and delete a temp file in `directory`: the only reliable test that it is writable."""
    try:
        fd, name = tempfile.mkstemp(prefix=".sco-probe-", dir=directory)
    except OSError as exc:
        raise OutputPathError(f"cannot write in {directory}: {exc.strerror}",
                              "pick a directory you can write to, e.g. -o ~/sco-report.html") from None
    os.close(fd)
    os.unlink(name)


@contextlib.contextmanager
def atomic_path(path: str | Path, *, follow_symlinks: bool = False) -> Iterator[Path]:
    """A temp path beside `path` to write; renamed over `path` if the block succeeds, removed if not."""
    target = check_target(path, follow_symlinks=follow_symlinks)
    fd, name = tempfile.mkstemp(prefix=f".{target.name[:80]}.", suffix=".part", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        if not tmp.exists() or tmp.stat().st_size == 0:
            raise OutputPathError(f"nothing was written to {target}", "see the message above")
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644 & ~_umask())
        os.replace(tmp, check_target(target))  # checked again: the path may have changed meanwhile
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def write_atomic(path: str | Path, data: str | bytes, *, follow_symlinks: bool = False) -> Path:
    """Write `data` (str as UTF-8) to `path` through a temp file and an atomic rename; return the path."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_path(path, follow_symlinks=follow_symlinks) as tmp:
        tmp.write_bytes(payload)
    return check_target(path, follow_symlinks=follow_symlinks)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
