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


def test_a_copy_made_later_is_the_same_bytes_and_its_full_disk_is_raised_by_the_job(tmp_path, monkeypatch):
    """In a run, a photo is copied by a thread (stage_copy_later): the temporary file is there at once, whole
    once the job ran; a full disk is raised by the job, naming the target, and leaves no temporary file."""
    src = _photo(tmp_path)
    jobs: list = []
    tmp = atomic.stage_copy_later(src, tmp_path / "out" / "photo.jpg", "r1", jobs.append)
    assert Path(tmp).exists() and len(jobs) == 1
    jobs[0]()
    assert Path(tmp).read_bytes() == src.read_bytes()

    def full(*args):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "copy_file_range", full, raising=False)
    monkeypatch.setattr(atomic.shutil, "copyfileobj", full)
    target = tmp_path / "full" / "photo.jpg"
    jobs.clear()
    atomic.stage_copy_later(src, target, "r1", jobs.append)
    with pytest.raises(OSError) as caught:
        jobs[0]()
    assert caught.value.errno == errno.ENOSPC and caught.value.filename == str(target)
    assert list(target.parent.iterdir()) == []
    with pytest.raises(FileNotFoundError):  # a missing photo: raised at once, nothing made
        atomic.stage_copy_later(tmp_path / "gone.jpg", tmp_path / "gone" / "photo.jpg", "r1", jobs.append)
    assert not (tmp_path / "gone").exists()


def test_a_run_with_a_full_disk_while_copying_photos_says_so(tmp_path, monkeypatch):
    """The copy thread's error reaches the run as a full disk would from the copy itself: an environment
    problem naming the photo's target, and no temporary file left."""
    from convert import api
    from convert.pipeline.environment import EnvironmentProblem

    from conftest import FOOD

    def full(*args):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "copy_file_range", full, raising=False)
    monkeypatch.setattr(atomic.shutil, "copyfileobj", full)
    out = tmp_path / "out"
    with pytest.raises(EnvironmentProblem) as caught:
        api.convert(FOOD / "annotations.json", out, to="coco-panoptic", labels=FOOD / "labelmap.yaml")
    assert str(caught.value).startswith(f"cannot write {out / 'images' / 'default'}/")
    assert "no space is left on the device" in str(caught.value)
    assert not list(out.rglob("*.part"))
