"""`sco report -o PATH` writes a regular file only, atomically; bad paths are one line, exit 2."""

import os
from pathlib import Path

import pytest

from sco_observatory.cli import main
from sco_observatory.safe_output import OutputPathError, atomic_path, check_target, write_atomic


def error_line(capsys, *args):
    rc = main(list(args))
    err = capsys.readouterr().err
    assert rc == 2 and "Traceback" not in err, err
    lines = [l for l in err.splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ")
    return lines[0]


@pytest.mark.parametrize("path, expected", [
    (".", "is a directory"),
    ("/dev/null", "is a character device"),
    ("/proc/x.html", "cannot write in /proc"),
    ("/nonexistent-dir-sco/x.html", "does not exist"),
])
def test_report_refuses_paths_that_are_not_writable_files(capsys, path, expected):
    assert expected in error_line(capsys, "report", "-o", path, "--as-of", "2012")


def test_report_refuses_a_symlink_unless_asked_and_leaves_its_target_alone(tmp_path, capsys):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    link = tmp_path / "r.html"
    link.symlink_to(victim)
    assert "symbolic link" in error_line(capsys, "report", "-o", str(link), "--as-of", "2012")
    assert victim.read_text() == "keep me" and link.is_symlink()


def test_follow_symlinks_writes_the_target_not_the_link(tmp_path):
    real = tmp_path / "real.html"
    real.write_text("old")
    link = tmp_path / "link.html"
    link.symlink_to(real)
    out = write_atomic(link, "<p>new</p>", follow_symlinks=True)
    assert out == real.resolve() and link.is_symlink() and real.read_text() == "<p>new</p>"


def test_atomic_write_replaces_a_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "out.html"
    target.write_text("old")
    write_atomic(target, "new")
    assert target.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.html"]


def test_a_failed_write_keeps_the_old_file(tmp_path):
    target = tmp_path / "out.html"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("build failed")
    assert target.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["out.html"]


def test_fifo_is_refused(tmp_path):
    fifo = tmp_path / "pipe.html"
    os.mkfifo(fifo)
    with pytest.raises(OutputPathError, match="named pipe"):
        check_target(fifo)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write in a read-only-mode directory")
def test_unwritable_directory_is_refused(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    with pytest.raises(OutputPathError, match="cannot write in"):
        check_target(locked / "x.html")
