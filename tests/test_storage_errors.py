"""When the machine stops a run (a full disk, no permission, a read-only file system, a path that is a file):
one plain line naming the path and what to do, exit code 3, never "a bug in segconv"; what was written is
whole, and --resume finishes once the cause is gone, to the bytes of an uninterrupted run.

The causes are real: a small tmpfs (mounted in a private mount namespace, `unshare`, so the machine's mounts
are untouched; no root needed where user namespaces are allowed), a folder without write permission (as root,
in a process without the capability that ignores permissions), a tmpfs remounted read-only."""

import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from conftest import FOOD, ROOT, generated_delivery, run_cli, tree_digest

LABELS = FOOD / "labelmap.yaml"


def namespace_works() -> bool:
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt || "
                            "mount -t tmpfs -o size=64k tmpfs /tmp"], capture_output=True)
    return probe.returncode == 0


needs_namespace = pytest.mark.skipif(not namespace_works(), reason="cannot mount a tmpfs in a private namespace")


def in_namespace(tmp_path, body: str) -> dict:
    """Run ``body`` (Python, with ``sh(cmd)``, ``segconv(*args)`` and ``MNT``) in a private mount namespace where
    ``MNT`` can be mounted on; returns what the body put in ``result``."""
    mnt = tmp_path / "mnt"
    mnt.mkdir(exist_ok=True)
    script = tmp_path / "driver.py"
    head = textwrap.dedent("""
        import json, os, subprocess, sys
        MNT = sys.argv[1]
        result = {}
        def sh(cmd):
            subprocess.run(cmd, shell=True, check=True)
        def segconv(*args):
            proc = subprocess.run([sys.executable, "-m", "convert", *map(str, args)], capture_output=True,
                                  text=True, cwd=ROOT, env=dict(os.environ, COLUMNS="200"))
            return {"code": proc.returncode, "err": proc.stderr}
    """)
    script.write_text(f"ROOT = {str(ROOT)!r}\n" + head + textwrap.dedent(body)
                      + "\njson.dump(result, open(sys.argv[2], 'w'))\n")
    proc = subprocess.run(["unshare", "-rm", sys.executable, str(script), str(mnt), str(tmp_path / "result.json")],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return json.loads((tmp_path / "result.json").read_text())


@pytest.fixture(scope="module")
def delivery(tmp_path_factory):
    return generated_delivery(tmp_path_factory.mktemp("storage"), 60, 640, 480)


def blocks(folder) -> int:
    """KiB a tmpfs needs for the files under ``folder`` (4 KiB pages)."""
    return sum(-(-p.stat().st_size // 4096) * 4 for p in folder.rglob("*") if p.is_file())


@needs_namespace
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_full_disk_is_said_plainly_and_resume_finishes(tmp_path, delivery, jobs):
    src, labels = delivery
    whole = tmp_path / "whole"
    assert run_cli("convert", src, "--labels", labels, "-o", whole, "--to", "voc", "-q").returncode == 0
    need = blocks(whole) + 64
    result = in_namespace(tmp_path, f"""
        sh(f"mount -t tmpfs -o size={need}k tmpfs {{MNT}}")
        sh(f"head -c {need * 1024 // 2} /dev/zero > {{MNT}}/filler")   # half the space taken
        out = f"{{MNT}}/out"
        result["full"] = segconv("convert", {str(src)!r}, "--labels", {str(labels)!r}, "-o", out, "--to", "voc",
                                 "--jobs", {jobs!r}, "-q")
        result["listed"] = open(f"{{out}}/.segconv-files.txt").read().split("\\n")
        result["files"] = [os.path.relpath(os.path.join(d, n), out) for d, _, ns in os.walk(out) for n in ns]
        sh(f"rm {{MNT}}/filler")
        result["resumed"] = segconv("convert", {str(src)!r}, "--labels", {str(labels)!r}, "-o", out, "--to", "voc",
                                    "--jobs", {jobs!r}, "--resume")
        sh(f"cp -a {{out}} {str(tmp_path / 'copy')!r}")
    """)
    full = result["full"]
    assert full["code"] == 3, full["err"]
    line = full["err"].strip().splitlines()[-1]
    assert line.startswith(f"error: cannot write {tmp_path / 'mnt' / 'out'}/")
    assert line.endswith(": no space is left on the device; free some space, then run the same command with "
                         "--resume to finish (the files written so far are whole)")
    assert "bug" not in full["err"] and "Traceback" not in full["err"]
    for name in result["files"]:  # no temporary file left; everything else listed (or the run's own state)
        assert not name.endswith(".part") and (name in result["listed"] or name.startswith(".segconv-")), name
    assert result["resumed"]["code"] == 0, result["resumed"]["err"]
    assert tree_digest(tmp_path / "copy") == tree_digest(whole)


def without_write_permission_override(args: list) -> list:
    """``args`` run so that file permissions apply (root ignores them unless it drops the capability)."""
    if os.geteuid() != 0:
        return args
    if not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv: permissions cannot be made to apply")
    return ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", *args]


def test_permission_denied_names_the_folder_and_resume_finishes(tmp_path):
    whole = tmp_path / "whole"
    assert run_cli("convert", FOOD / "annotations.json", "--labels", LABELS, "-o", whole, "-q").returncode == 0
    out = tmp_path / "out"
    locked = out / "masks" / "breakfast"  # where breakfast/table_03.jpg's mask goes
    locked.mkdir(parents=True)
    locked.chmod(0o555)
    try:
        cmd = [sys.executable, "-m", "convert", "convert", str(FOOD / "annotations.json"), "--labels", str(LABELS),
               "-o", str(out), "--overwrite"]
        proc = subprocess.run(without_write_permission_override(cmd), capture_output=True, text=True, cwd=ROOT)
        assert proc.returncode == 3, proc.stderr
        assert proc.stderr.strip().splitlines()[-1] == (
            f"error: cannot write {locked / 'table_03.png'}: permission denied; give write access to it, or choose "
            "another -o, then run the same command with --resume to finish (the files written so far are whole)")
    finally:
        locked.chmod(0o755)
    resumed = run_cli("convert", FOOD / "annotations.json", "--labels", LABELS, "-o", out, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert tree_digest(out) == tree_digest(whole)


@needs_namespace
def test_a_read_only_file_system_is_said_plainly(tmp_path):
    result = in_namespace(tmp_path, f"""
        sh(f"mount -t tmpfs -o size=1m tmpfs {{MNT}} && mkdir {{MNT}}/out && mount -o remount,ro {{MNT}}")
        result["ro"] = segconv("convert", {str(FOOD / 'annotations.json')!r}, "-o", f"{{MNT}}/out")
    """)
    assert result["ro"]["code"] == 3
    assert result["ro"]["err"].strip().splitlines()[-1].startswith(f"error: cannot write {tmp_path / 'mnt' / 'out'}")
    assert "the file system is read-only; choose another -o on a writable file system" in result["ro"]["err"]


def test_a_file_where_a_folder_goes(tmp_path):
    target = tmp_path / "o"
    target.write_text("mine")
    proc = run_cli("convert", FOOD / "annotations.json", "-o", target)
    assert proc.returncode == 3
    assert proc.stderr.strip() == f"error: {target} is a file, not a folder: choose another -o, or move the file away"
    out = tmp_path / "out"
    out.mkdir()
    (out / "masks").write_text("a file named masks")
    proc = run_cli("convert", FOOD / "annotations.json", "--labels", LABELS, "-o", out, "--overwrite")
    assert proc.returncode == 3 and "bug" not in proc.stderr
    assert f"cannot write {out / 'masks'}: it is a file, where a folder goes; move it away, or choose another -o, " \
           "then run the same command with --resume to finish" in proc.stderr
    (out / "masks").unlink()
    assert run_cli("convert", FOOD / "annotations.json", "--labels", LABELS, "-o", out, "--resume").returncode == 0
    assert len(list((out / "masks").rglob("*.png"))) == 4


def test_a_report_that_cannot_be_written(tmp_path):
    (tmp_path / "file").write_text("a file, not a folder")
    target = tmp_path / "file" / "r.json"
    proc = run_cli("validate", FOOD / "annotations.json", "--json", target)
    assert proc.returncode == 3
    assert proc.stderr.strip().splitlines()[-1] == (f"error: cannot write {tmp_path / 'file'}: it is a file, where a "
                                                    "folder goes; move it away, or write it elsewhere")


@pytest.mark.parametrize("option, name", [("--json", "r.json"), ("--html", "r.html")])
def test_a_report_that_cannot_be_written_is_named_not_its_temporary_file(tmp_path, option, name):
    """New-user trial: ``--json DIR/r.json`` with DIR not writable said ``cannot write DIR/.r.json.ub3nyv2k.images``,
    the JSON report's temporary part file."""
    locked = tmp_path / "reports"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        cmd = [sys.executable, "-m", "convert", "validate", str(FOOD / "annotations.json"), "--labels", str(LABELS),
               option, str(locked / name)]
        proc = subprocess.run(without_write_permission_override(cmd), capture_output=True, text=True, cwd=ROOT)
        assert proc.returncode == 3, proc.stderr
        assert proc.stderr.strip().splitlines()[-1] == (
            f"error: cannot write {locked / name}: permission denied; give write access to it, or write it elsewhere")
    finally:
        locked.chmod(0o755)
    assert list(locked.iterdir()) == []


def test_the_json_reports_part_file_errors_name_the_report(tmp_path):
    from convert.reports.json_report import JsonReport

    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(NotADirectoryError) as caught:
        JsonReport(tmp_path / "file" / "r.json")
    assert caught.value.filename == str(tmp_path / "file" / "r.json")
    report = JsonReport(tmp_path / "r.json")

    class Full:
        def write(self, text):
            raise OSError(28, "No space left on device")

        def close(self):
            pass

    report._fh.close()
    report._fh = Full()
    with pytest.raises(OSError) as full:
        report.add({"image": "a.jpg"})
    assert full.value.filename == str(tmp_path / "r.json")
    report.abort()
    assert list(tmp_path.iterdir()) == [tmp_path / "file"]
