"""Outputs people can share, that never destroy: every file the lab writes (-o, --plot, reports,
run folders) gets the umask's permissions, follows links, writes devices and pipes in place,
refuses folders, says "disk full" in one line leaving the old file whole, replaces nothing
without --overwrite; and a run folder is written by one process at a time."""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli
from tests.test_errors_cli import assert_one_line_error
from toklab import outputs
from toklab.errors import FolderInUseError, OutputError


@contextlib.contextmanager
def umask(mask: int):
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def audit(corpus: Path, *extra: str):
    return run_cli("audit", "-t", "bytes:utf8", "--corpus", f"file:{corpus}", "--resamples", "20", *extra)


def report(corpus: Path, out: Path, *extra: str):
    return run_cli("report", "-t", "bytes:utf8", "--corpus", f"file:{corpus}", "--resamples", "20",
                   "--no-glitch-words", "-m", "gpt-4o", "-o", str(out), *extra)


def tiny_train(corpus: Path, run: Path, *extra: str):
    return run_cli("byte", "train", "--preset", "tiny", "--out", str(run), "--set", f"corpus=file:{corpus}",
                   "--steps", "2", *extra)


def no_temporaries(folder: Path) -> bool:
    # a run folder whose first write failed is removed whole (nothing but its lock was in it)
    return not folder.exists() or not [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


# -- permissions ---------------------------------------------------------------------------------


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_every_kind_of_output_gets_the_umask(tiny_parallel, tmp_path, mask):
    out = tmp_path / "out"
    out.mkdir()
    with umask(mask):
        assert audit(tiny_parallel, "--format", "csv", "-o", str(out / "a.csv"), "--plot", str(out / "a.png")).exit_code == 0
        assert audit(tiny_parallel, "--format", "parquet", "-o", str(out / "a.parquet")).exit_code == 0
        assert report(tiny_parallel, out / "r.html").exit_code == 0
        assert report(tiny_parallel, out / "r.md", "--format", "md").exit_code == 0
        result = tiny_train(tiny_parallel, out / "run" / "nested")
        assert result.exit_code == 0, result.output
    files = [p for p in out.rglob("*") if p.is_file()]
    assert {"a.csv", "a.png", "a.parquet", "r.html", "r.md", "checkpoint.pt", "config.json", "metrics.csv",
            "loss.png"} <= {p.name for p in files}
    assert len([p for p in files if p.suffix == ".png"]) >= 4  # the Markdown report's figures too
    for path in files:
        assert mode(path) == 0o666 & ~mask, (path, oct(mode(path)))
    for folder in (out / "run", out / "run" / "nested"):
        assert mode(folder) == 0o777 & ~mask, (folder, oct(mode(folder)))


def test_a_replaced_file_keeps_its_permissions(tiny_parallel, tmp_path):
    target = tmp_path / "a.csv"
    target.write_text("old\n")
    os.chmod(target, 0o640)
    with umask(0o077):
        assert audit(tiny_parallel, "--format", "csv", "-o", str(target), "--overwrite").exit_code == 0
    assert mode(target) == 0o640
    assert "signature" in target.read_text()


def test_cache_entries_follow_the_umask_too(tmp_path, monkeypatch):
    from toklab.cache import cache_key, load, store

    monkeypatch.setenv("TOKLAB_HOME", str(tmp_path / "home"))
    with umask(0o022):
        key = cache_key("demo", "x", code=["toklab.cache"])
        assert store(key, b"payload") and load(key) == b"payload"
    entries = [p for p in (tmp_path / "home").rglob("*") if p.is_file()]
    assert entries and all(mode(p) == 0o644 for p in entries)


# -- what the name points to ------------------------------------------------------------------------


def test_a_link_stays_a_link_and_its_target_is_written(tiny_parallel, tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (real / "a.csv").write_text("old\n")
    (real / "p.png").write_bytes(b"old")
    (tmp_path / "link.csv").symlink_to(real / "a.csv")
    (tmp_path / "link.png").symlink_to(real / "p.png")
    result = audit(tiny_parallel, "--format", "csv", "-o", str(tmp_path / "link.csv"), "--plot",
                   str(tmp_path / "link.png"), "--overwrite")
    assert result.exit_code == 0, result.output
    for link, target in (("link.csv", "a.csv"), ("link.png", "p.png")):
        assert (tmp_path / link).is_symlink() and os.readlink(tmp_path / link) == str(real / target)
    assert "signature" in (real / "a.csv").read_text()
    assert (real / "p.png").read_bytes().startswith(b"\x89PNG")
    assert no_temporaries(real) and no_temporaries(tmp_path)


def test_a_link_chain_and_a_dangling_link(tiny_parallel, tmp_path):
    (tmp_path / "hop").symlink_to(tmp_path / "new.csv")  # dangling, its folder exists: written through
    (tmp_path / "chain.csv").symlink_to(tmp_path / "hop")
    assert audit(tiny_parallel, "--format", "csv", "-o", str(tmp_path / "chain.csv")).exit_code == 0
    assert (tmp_path / "chain.csv").is_symlink() and (tmp_path / "hop").is_symlink()
    assert "signature" in (tmp_path / "new.csv").read_text()
    (tmp_path / "lost.csv").symlink_to(tmp_path / "gone" / "x.csv")
    assert_one_line_error(audit(tiny_parallel, "--format", "csv", "-o", str(tmp_path / "lost.csv")),
                          "symbolic link", "gone", "does not exist")
    assert not (tmp_path / "gone").exists() and (tmp_path / "lost.csv").is_symlink()


def test_dev_null_is_written_not_replaced(tiny_parallel):
    before = os.stat("/dev/null")
    result = audit(tiny_parallel, "--format", "json", "-o", "/dev/null", "--plot", "/dev/null")
    assert result.exit_code == 0, result.output
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev and after.st_ino == before.st_ino
    assert report(tiny_parallel, Path("/dev/null")).exit_code == 0  # no --overwrite: nothing is replaced
    # Markdown puts its figures beside the page: beside /dev/null they would land in /dev
    assert_one_line_error(report(tiny_parallel, Path("/dev/null"), "--format", "md"), "PNGs beside it",
                          "--format html")
    assert not list(Path("/dev").glob("null*.png"))


def test_a_pipe_is_written_in_place_and_never_hangs(tiny_parallel, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    time.sleep(0.2)
    result = audit(tiny_parallel, "--format", "csv", "-o", str(fifo))
    reader.join(10)
    assert result.exit_code == 0, result.output
    assert received and b"signature" in received[0] and stat.S_ISFIFO(fifo.stat().st_mode)
    def hung(*_args):
        raise TimeoutError("writing a pipe nobody reads hung")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(60)  # a pipe nobody reads must be an error, not a hang
    try:
        assert_one_line_error(audit(tiny_parallel, "--format", "csv", "-o", str(fifo)), "no process is reading")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert stat.S_ISFIFO(fifo.stat().st_mode)


@pytest.mark.parametrize("option", ["-o", "--plot"])
def test_a_folder_is_refused(tiny_parallel, tmp_path, option):
    folder = tmp_path / "folder"
    folder.mkdir()
    (tmp_path / "to-folder").symlink_to(folder)
    for name in (folder, tmp_path / "to-folder"):
        args = ("--format", "csv", option, str(name)) if option == "-o" else ("--plot", str(name))
        assert_one_line_error(audit(tiny_parallel, *args), "directory")
    assert_one_line_error(report(tiny_parallel, folder), "directory")
    assert folder.is_dir() and not list(folder.iterdir())


def test_sockets_and_block_devices_are_refused(tmp_path):
    import socket

    path = tmp_path / "sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    try:
        with pytest.raises(OutputError, match="socket"):
            outputs.atomic_write_bytes(path, b"x")
    finally:
        server.close()
    assert stat.S_ISSOCK(path.stat().st_mode)
    disks = [Path("/dev") / name for name in ("loop0", "sda", "vda", "nvme0n1") if (Path("/dev") / name).exists()]
    for disk in disks[:1]:
        with pytest.raises(OutputError, match="block device"):
            outputs.check_writable(disk)


def test_control_characters_in_a_name_keep_the_error_on_one_line(tiny_parallel, tmp_path):
    name = tmp_path / "no\nsuch\x1b[31m" / "x.csv"
    result = audit(tiny_parallel, "--format", "csv", "-o", str(name))
    assert_one_line_error(result, "does not exist", "\\n", "\\x1b")
    assert "\x1b" not in result.output


# -- a full disk ---------------------------------------------------------------------------------------


@pytest.fixture
def full_disk_in(monkeypatch):
    """Make every temporary file the lab creates in a folder a link to /dev/full: the real
    writers (polars, matplotlib, json, torch) then meet ENOSPC on their own writes."""
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    real = outputs._new_temporary
    folders: list[Path] = []

    def full(target: Path) -> Path:
        tmp = real(target)
        if any(target.parent == f or f in target.parent.parents for f in folders):
            tmp.unlink()
            tmp.symlink_to("/dev/full")
        return tmp

    monkeypatch.setattr(outputs, "_new_temporary", full)
    return folders.append


@pytest.mark.parametrize("fmt, name, plot", [
    ("csv", "a.csv", False), ("json", "a.json", False), ("parquet", "a.parquet", False), ("csv", "a.png", True),
])
def test_disk_full_is_one_line_and_the_old_file_stays(tiny_parallel, tmp_path, full_disk_in, fmt, name, plot):
    out = tmp_path / "out"
    out.mkdir()
    (out / name).write_bytes(b"the previous result\n")
    full_disk_in(out)
    args = (("--format", fmt, "-o", str(tmp_path / "table.csv"), "--plot", str(out / name)) if plot
            else ("--format", fmt, "-o", str(out / name)))
    assert_one_line_error(audit(tiny_parallel, *args, "--overwrite"), f"could not write {out / name}",
                          "No space left on device", "errno 28", "free space")
    assert (out / name).read_bytes() == b"the previous result\n"
    assert sorted(p.name for p in out.iterdir()) == [name]  # the temporary file is gone


def test_disk_full_on_a_report_keeps_the_whole_old_report(tiny_parallel, tmp_path, full_disk_in):
    out = tmp_path / "out"
    out.mkdir()
    assert report(tiny_parallel, out / "r.md", "--format", "md").exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    full_disk_in(out)
    assert_one_line_error(report(tiny_parallel, out / "r.md", "--format", "md", "--overwrite"),
                          "could not write report", "No space left on device")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_disk_full_in_a_run_folder(tiny_parallel, tmp_path, full_disk_in):
    run = tmp_path / "run"
    full_disk_in(run)
    result = tiny_train(tiny_parallel, run)
    lines = [line for line in result.output.splitlines() if line.strip()]  # after the run's banner
    assert result.exit_code != 0 and "Traceback" not in result.output, result.output
    assert [line for line in lines if line.startswith("error:")] == lines[-1:], result.output
    assert all(needle in lines[-1] for needle in (f"could not write {run}", "No space left on device", "errno 28"))
    assert no_temporaries(run)
    with pytest.raises(OutputError, match="No space left on device.*errno 28"):
        outputs.append_text(Path("/dev/full"), "step,loss\n")  # the metrics log's appends


def test_disk_full_on_dev_full_itself(tiny_parallel):
    assert_one_line_error(audit(tiny_parallel, "--format", "csv", "-o", "/dev/full"), "/dev/full",
                          "No space left on device")


@pytest.mark.parametrize("args", [("encode", "bytes:utf8", "hello", "--format", "json"),
                                  ("encode", "bytes:utf8", "hello")])
def test_stdout_on_a_full_disk_is_one_line(tmp_path, args):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "toklab", *args], cwd=ROOT, stdout=full, stderr=subprocess.PIPE,
                              text=True, timeout=120, env={**os.environ, "TOKLAB_HOME": str(tmp_path)})
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2 and len(lines) == 1, done.stderr
    assert lines[0].startswith("error: could not write to standard output: No space left on device (errno 28)")


def test_output_errors_are_still_oserrors_for_the_cache():
    err = outputs.output_error("x.csv", OSError(errno.ENOSPC, "No space left on device"))
    assert isinstance(err, OSError) and err.errno == errno.ENOSPC and err.strerror == "No space left on device"
    assert str(err) == "could not write x.csv: No space left on device (errno 28); free space, or write it elsewhere"


# -- nothing replaced without asking -----------------------------------------------------------------


@pytest.mark.parametrize("args", [("--format", "csv", "-o"), ("--plot",)])
def test_an_existing_file_is_replaced_only_with_overwrite(tiny_parallel, tmp_path, args):
    target = tmp_path / "kept"
    target.write_text("mine\n")
    assert_one_line_error(audit(tiny_parallel, *args, str(target)), "already exists", "--overwrite")
    assert target.read_text() == "mine\n"
    (tmp_path / "link").symlink_to(target)  # through a link too
    assert_one_line_error(audit(tiny_parallel, *args, str(tmp_path / "link")), "already exists")
    assert audit(tiny_parallel, "--overwrite", *args, str(target)).exit_code == 0
    assert target.read_bytes() != b"mine\n"


def test_two_outputs_naming_one_file_are_refused(tiny_parallel, tmp_path):
    (tmp_path / "link.png").symlink_to(tmp_path / "a.png")
    for plot in ("a.png", "link.png"):
        assert_one_line_error(audit(tiny_parallel, "--format", "csv", "-o", str(tmp_path / "a.png"), "--plot",
                                    str(tmp_path / plot)), "is also named by", "its own file")
    assert not (tmp_path / "a.png").exists()
    assert audit(tiny_parallel, "--format", "csv", "-o", "/dev/null", "--plot", "/dev/null").exit_code == 0


def test_an_output_the_format_would_ignore_is_refused(tiny_parallel, tmp_path):
    assert_one_line_error(audit(tiny_parallel, "-o", str(tmp_path / "a.csv")), "--format csv")
    assert_one_line_error(audit(tiny_parallel, "--format", "parquet"), "needs -o FILE")
    assert not list(tmp_path.glob("a.csv"))


# -- run folders -----------------------------------------------------------------------------------------


def test_a_run_folder_in_use_is_refused_then_free(tiny_parallel, tmp_path):
    from byte_model.train import run_folder_lock

    run = tmp_path / "run"
    with run_folder_lock(run):
        assert_one_line_error(tiny_train(tiny_parallel, run), f"run folder {run} is in use by another toklab "
                              f"process (pid {os.getpid()})", "choose another --out")
        assert not (run / "config.json").exists()
    assert tiny_train(tiny_parallel, run).exit_code == 0
    with run_folder_lock(run):
        assert_one_line_error(run_cli("byte", "train", "--resume", str(run), "--steps", "3"), "is in use")
    resumed = run_cli("byte", "train", "--resume", str(run), "--steps", "3")
    assert resumed.exit_code == 0, resumed.output


def test_a_lock_held_by_another_process_dies_with_it(tiny_parallel, tmp_path):
    run = tmp_path / "run"
    with subprocess.Popen([sys.executable, "-c", "import time; from toklab.outputs import folder_lock\n"
                           f"with folder_lock({str(run)!r}):\n    print('held', flush=True); time.sleep(120)"],
                          cwd=ROOT, stdout=subprocess.PIPE, text=True) as holder:
        try:
            assert holder.stdout.readline().strip() == "held"
            assert_one_line_error(tiny_train(tiny_parallel, run), "is in use", f"pid {holder.pid}")
        finally:
            holder.kill()  # as a crash would: the kernel releases the lock
    assert tiny_train(tiny_parallel, run).exit_code == 0  # killed: the lock went with it


def test_folder_lock_is_exclusive_within_one_process_too(tmp_path):
    with outputs.folder_lock(tmp_path / "x", "experiment folder", "wait for it"):
        with pytest.raises(FolderInUseError, match="experiment folder .* is in use .*; wait for it"):
            with outputs.folder_lock(tmp_path / "x", "experiment folder", "wait for it"):
                pass
    with outputs.folder_lock(tmp_path / "x"):
        pass


def test_bench_stream_with_a_missing_folder(tmp_path):
    assert_one_line_error(run_cli("bench", "stream", "--dir", str(tmp_path / "missing"), "--size-gb", "0.01"),
                          "--dir", "does not exist")
