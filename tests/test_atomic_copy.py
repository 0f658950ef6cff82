"""Copying photos into a layout (#34 goal 3): the kernel copies the bytes (``os.copy_file_range``) where it
can, a buffer where it cannot, and a full disk is raised as such."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from convert.files import atomic


def _photo(tmp_path: Path, size: int = 3 * (1 << 20) + 17) -> Path:
    src = tmp_path / "photo.jpg"
    src.write_bytes(os.urandom(size))
    return src


def test_a_staged_copy_is_the_same_bytes(tmp_path):
    src = _photo(tmp_path)
    tmp = atomic.stage_copy(src, tmp_path / "out" / "photo.jpg", owner="r1")
    assert Path(tmp).read_bytes() == src.read_bytes()


@pytest.mark.skipif(not hasattr(os, "copy_file_range"), reason="no copy_file_range here")
def test_the_kernel_copies_the_bytes(tmp_path, monkeypatch):
    src, calls = _photo(tmp_path), []
    real = os.copy_file_range

    def counting(*args):
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(os, "copy_file_range", counting)
    monkeypatch.setattr(atomic.shutil, "copyfileobj", lambda *a: pytest.fail("copied through a buffer"))
    tmp = atomic.stage_copy(src, tmp_path / "photo.jpg", owner="r1")
    assert calls and Path(tmp).read_bytes() == src.read_bytes()


@pytest.mark.parametrize("code", [errno.EXDEV, errno.ENOSYS, errno.EINVAL])
def test_where_the_kernel_cannot_copy_a_buffer_does_after_a_partial_copy(tmp_path, monkeypatch, code):
    src = _photo(tmp_path)

    def partly(fd_in, fd_out, count, *rest):
        if os.lseek(fd_out, 0, os.SEEK_CUR) == 0:
            os.write(fd_out, os.read(fd_in, 1000))  # some bytes went over, then the call fails
            return 1000
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "copy_file_range", partly, raising=False)
    tmp = atomic.stage_copy(src, tmp_path / "photo.jpg", owner="r1")
    assert Path(tmp).read_bytes() == src.read_bytes()


def test_a_full_disk_is_raised_naming_the_target_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    src = _photo(tmp_path)

    def full(*args):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "copy_file_range", full, raising=False)
    monkeypatch.setattr(atomic.shutil, "copyfileobj", full)
    target = tmp_path / "out" / "photo.jpg"
    with pytest.raises(OSError) as caught:
        atomic.stage_copy(src, target, owner="r1")
    assert caught.value.errno == errno.ENOSPC and caught.value.filename == str(target)
    assert list(target.parent.iterdir()) == []
