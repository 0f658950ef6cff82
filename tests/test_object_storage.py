"""Object storage (issue 33): sources, label maps, reports and outputs given as s3:// URLs, against a real
S3-protocol server on 127.0.0.1 (moto's server mode, reached by s3fs over HTTP: tests/buckets.py).

Every run from or to the bucket is compared with the same run on local files: the same bytes, the same
findings; every failure is one line naming the URL and its cause, exit 2."""

from __future__ import annotations

import json

import pytest

from convert import api

from buckets import SECRET, S3Server
from conftest import FOOD, run_cli, tree_digest

pytest.importorskip("s3fs")
pytest.importorskip("moto")

LABELS = str(FOOD / "labelmap.yaml")


@pytest.fixture(scope="module")
def s3():
    with S3Server() as server:
        server.bucket("delivery")
        server.upload_folder(FOOD, "s3://delivery/in")
        yield server


def one_line_error(result, *words: str) -> str:
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr and "a bug in segconv" not in result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def local_run(tmp_path, *args: str):
    out = tmp_path / "local"
    result = run_cli("convert", FOOD / "annotations.json", "-o", out, "--labels", LABELS, *args)
    assert result.returncode == 0, result.stderr
    return tree_digest(out), result


def test_convert_from_and_to_s3_writes_the_local_bytes(s3, tmp_path):
    result = run_cli("convert", "s3://delivery/in/annotations.json", "-o", "s3://delivery/out-png",
                     "--labels", "s3://delivery/in/labelmap.yaml")
    assert result.returncode == 0, result.stderr
    s3.download_folder("s3://delivery/out-png", tmp_path / "got")
    local, local_result = local_run(tmp_path)
    assert tree_digest(tmp_path / "got") == local
    assert "masks/table_01.png" in local
    assert "wrote 4 masks to s3://delivery/out-png/masks" in result.stderr
    assert "segconv-" not in result.stderr  # no local stand-in is ever named


@pytest.mark.parametrize("to", ["voc", "coco-rle", "yolo"])
def test_layouts_to_s3_equal_local(s3, tmp_path, to):
    result = run_cli("convert", "s3://delivery/in/annotations.json", "-o", f"s3://delivery/out-{to}",
                     "--labels", LABELS, "--to", to, "--jobs", "2")
    assert result.returncode == 0, result.stderr
    s3.download_folder(f"s3://delivery/out-{to}", tmp_path / "got")
    local, _ = local_run(tmp_path, "--to", to)
    assert tree_digest(tmp_path / "got") == local


def test_validate_names_the_urls_in_terminal_and_reports(s3, tmp_path):
    result = run_cli("validate", "s3://delivery/in/annotations.json", "--labels", LABELS,
                     "--json", "s3://delivery/reports/food.json", "--html", tmp_path / "food.html")
    assert result.returncode == 0, result.stderr
    doc = json.loads(s3.client().get_object(Bucket="delivery", Key="reports/food.json")["Body"].read())
    assert doc["source"] == "s3://delivery/in/annotations.json"
    files = {f.get("file") for f in doc["findings"]}
    assert files == {"s3://delivery/in/annotations.json"}, files
    html = (tmp_path / "food.html").read_text()
    assert "/tmp/segconv-" not in html and "segconv-" not in result.stderr
    assert "JSON report: s3://delivery/reports/food.json" in result.stderr


def test_the_secret_key_is_never_shown_or_written(s3, tmp_path):
    result = run_cli("convert", "s3://delivery/in/annotations.json", "-o", "s3://delivery/out-secret",
                     "--labels", LABELS, "--json", tmp_path / "r.json", "--html", tmp_path / "r.html")
    assert result.returncode == 0, result.stderr
    denied = run_cli("validate", "s3://nosuchbucket-secret/a.json")
    got = s3.download_folder("s3://delivery/out-secret", tmp_path / "got")
    for text in [result.stdout, result.stderr, denied.stderr, (tmp_path / "r.json").read_text(),
                 (tmp_path / "r.html").read_text(), *(b.decode("latin-1") for b in got.values())]:
        assert SECRET not in text


def test_diff_of_two_deliveries_in_the_bucket(s3, tmp_path):
    result = run_cli("diff", "s3://delivery/in/annotations.json", "s3://delivery/in/annotations.json",
                     "--labels", LABELS, "--json", "s3://delivery/reports/diff.json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(s3.client().get_object(Bucket="delivery", Key="reports/diff.json")["Body"].read())
    local = tmp_path / "diff.json"
    run_cli("diff", FOOD / "annotations.json", FOOD / "annotations.json", "--labels", LABELS, "--json", local)
    mine, theirs = doc["summary"], json.loads(local.read_text())["summary"]
    assert mine.pop("a") == mine.pop("b") == "s3://delivery/in/annotations.json"
    assert theirs.pop("a") and theirs.pop("b") and mine == theirs
    assert "0 changed" in result.stderr


def test_fix_from_and_to_s3(s3, tmp_path):
    result = run_cli("fix", "s3://delivery/in/annotations.json", "-o", "s3://delivery/fixed", "--labels", LABELS,
                     "--min-area", "30", "--to", "png")
    assert result.returncode == 0, result.stderr
    s3.download_folder("s3://delivery/fixed", tmp_path / "got")
    local = run_cli("fix", FOOD / "annotations.json", "-o", tmp_path / "local", "--labels", LABELS,
                    "--min-area", "30", "--to", "png")
    assert local.returncode == 0
    assert tree_digest(tmp_path / "got") == tree_digest(tmp_path / "local")


def test_a_missing_bucket_is_one_line(s3):
    result = run_cli("validate", "s3://no-such-bucket/in/annotations.json")
    one_line_error(result, "s3://no-such-bucket/in/annotations.json", "the bucket does not exist")
    out = run_cli("convert", FOOD / "annotations.json", "-o", "s3://no-such-bucket/out", "--labels", LABELS)
    one_line_error(out, "s3://no-such-bucket/out", "the bucket does not exist")


def test_a_missing_object_is_one_line(s3):
    result = run_cli("validate", "s3://delivery/in/nothing-here.json")
    one_line_error(result, "s3://delivery/in/nothing-here.json", "no such file or folder")


def test_access_denied_by_a_bucket_policy_is_one_line(s3):
    s3.bucket("locked")
    s3.upload_folder(FOOD, "s3://locked/in")
    s3.deny_all("locked")
    result = run_cli("validate", "s3://locked/in/annotations.json")
    one_line_error(result, "s3://locked/in", "access denied (Forbidden); check the credentials and the bucket policy")
    out = run_cli("convert", FOOD / "annotations.json", "-o", "s3://locked/out", "--labels", LABELS)
    one_line_error(out, "s3://locked/out", "access denied")


def test_a_backend_not_installed_names_the_extra():
    try:
        import gcsfs  # noqa: F401
        pytest.skip("gcsfs is installed here")
    except ImportError:
        pass
    result = run_cli("validate", "gs://bucket/annotations.json")
    one_line_error(result, "gs://bucket/annotations.json", "pip install 'segconv[gcs]'")


def test_overwrite_in_a_bucket_removes_only_segconvs_own_files(s3, tmp_path):
    url = "s3://delivery/out-overwrite"
    assert run_cli("convert", FOOD / "annotations.json", "-o", url, "--labels", LABELS).returncode == 0
    s3.client().put_object(Bucket="delivery", Key="out-overwrite/notes.txt", Body=b"mine")
    refused = run_cli("convert", FOOD / "annotations.json", "-o", url, "--labels", LABELS)
    one_line_error(refused, url, "output folder exists and is not empty")
    result = run_cli("convert", FOOD / "annotations.json", "-o", url, "--labels", LABELS, "--to", "voc",
                     "--overwrite")
    assert result.returncode == 0, result.stderr
    got = s3.download_folder(url, tmp_path / "got")
    assert got.pop("notes.txt") == b"mine"
    local, _ = local_run(tmp_path, "--to", "voc")
    assert tree_digest(tmp_path / "got") | {} == {**local, "notes.txt": tree_digest(tmp_path / "got")["notes.txt"]}
    assert not any(name.startswith("masks/") for name in got)  # the png run's masks are gone


def test_resume_after_the_server_stopped_mid_upload(s3, tmp_path, monkeypatch):
    """The server goes away at the end of the run, after one of the set's files went up (the images' files
    went up during the run: tests/test_streamed_uploads.py stops it mid-run): one StorageError naming the URL
    and the lost connection; once it is back, --resume finishes to the bytes of an uninterrupted run."""
    import convert.api.remote_output as places  # where RemoteOutput publishes

    url = "s3://delivery/out-resume"
    real_upload = places.upload_many

    def upload_some_then_stop(pairs, where, on_bytes=None):
        real_upload(pairs[:1], where, on_bytes)
        s3.stop()
        real_upload(pairs[1:], where, on_bytes)

    monkeypatch.setattr(places, "upload_many", upload_some_then_stop)
    with pytest.raises(api.SegconvError) as stop:
        api.convert(FOOD / "annotations.json", url, labels=LABELS, to="voc")
    assert "connection failed (" in str(stop.value) and "s3://delivery/out-resume/" in str(stop.value)
    assert str(stop.value).endswith("); --resume finishes a conversion once it is back")
    assert SECRET not in str(stop.value)
    monkeypatch.setattr(places, "upload_many", real_upload)
    s3.start()
    half = s3.download_folder(url, tmp_path / "half")
    assert ".segconv-run.json" in half and ".segconv-files.txt" in half
    assert len(half) == 2 + 12 + 1  # the images' 12 files (class, object, photo) and 1 of the set's 2
    refused = run_cli("convert", FOOD / "annotations.json", "-o", url, "--labels", LABELS, "--to", "voc")
    one_line_error(refused, "--resume")
    result = run_cli("convert", FOOD / "annotations.json", "-o", url, "--labels", LABELS, "--to", "voc", "--resume")
    assert result.returncode == 0, result.stderr
    got = s3.download_folder(url, tmp_path / "got")
    assert ".segconv-run.json" not in got
    local, _ = local_run(tmp_path, "--to", "voc")
    assert tree_digest(tmp_path / "got") == local


def test_library_load_and_export_take_urls(s3, tmp_path):
    ds = api.load("s3://delivery/in/annotations.json", labels="s3://delivery/in/labelmap.yaml")
    assert len(ds) == 4 and ds.format == "coco"
    report = ds.export("s3://delivery/out-lib", to="png")
    assert report.written == 4
    s3.download_folder("s3://delivery/out-lib", tmp_path / "got")
    local, _ = local_run(tmp_path)
    assert tree_digest(tmp_path / "got") == local
    assert all("segconv-" not in str(f) for f in report.findings)


def test_inspect_names_the_url(s3):
    result = run_cli("inspect", "s3://delivery/in/annotations.json", "--labels", LABELS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("s3://delivery/in/annotations.json: coco, 4 images")


def test_the_notes_say_what_was_fetched_and_uploaded(s3):
    result = run_cli("convert", "s3://delivery/in/annotations.json", "-o", "s3://delivery/out-notes",
                     "--labels", LABELS)
    assert result.returncode == 0, result.stderr
    objects = s3.client().list_objects_v2(Bucket="delivery", Prefix="in/")["Contents"]
    fetched = f"read s3://delivery/in: {len(objects)} files, "
    assert fetched in result.stderr, result.stderr
    written = s3.client().list_objects_v2(Bucket="delivery", Prefix="out-notes/")["Contents"]
    # the manifest and the run state go up besides the files the run wrote
    assert f"wrote s3://delivery/out-notes: {len(written) - 1} files, " in result.stderr


@pytest.mark.parametrize("src, out, images", [("s3://delivery/in/annotations.json", "LOCAL", ()),
                                              (str(FOOD / "annotations.json"), "s3://delivery/out-link", ()),
                                              (str(FOOD / "annotations.json"), "LOCAL",
                                               ("--images", "s3://delivery/in/images"))])
def test_link_is_refused_with_object_storage(s3, tmp_path, src, out, images):
    """Links into a bucket, or to photos fetched into a temporary folder the run removes (a local source
    with --images s3://... made links that were broken once the run ended), are refused."""
    out = str(tmp_path / "o") if out == "LOCAL" else out
    result = run_cli("convert", src, "-o", out, "--labels", LABELS, "--to", "voc", "--link", *images)
    one_line_error(result, "--link", "s3://delivery/", "leave out --link")
    assert not (tmp_path / "o").exists()


def test_the_temporary_folders_are_removed_when_the_run_ends(s3, tmp_path):
    import os
    import subprocess
    import sys

    from conftest import ROOT

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    env = dict(os.environ, TMPDIR=str(scratch))
    proc = subprocess.run([sys.executable, "-m", "convert", "convert", "s3://delivery/in/annotations.json", "-o",
                           "s3://delivery/out-tmp", "--labels", LABELS, "--json", "s3://delivery/reports/tmp.json"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "wrote s3://delivery/out-tmp" in proc.stderr  # the run did use stand-ins, in TMPDIR
    assert list(scratch.iterdir()) == []


def test_dask_local_from_and_to_s3_equals_the_local_run(s3, tmp_path):
    pytest.importorskip("distributed")
    result = run_cli("convert", "s3://delivery/in/annotations.json", "-o", "s3://delivery/out-dask", "--labels",
                     LABELS, "--to", "voc", "--dask", "local")
    assert result.returncode == 0, result.stderr
    s3.download_folder("s3://delivery/out-dask", tmp_path / "got")
    local, _ = local_run(tmp_path, "--to", "voc")
    assert tree_digest(tmp_path / "got") == local


def test_the_readme_section_says_what_the_tests_show():
    from conftest import ROOT

    section = (ROOT / "README.md").read_text().split("## Deliveries in a bucket", 1)[1].split("\n## ", 1)[0]
    for claim in ("the bucket does not exist", "access denied (Forbidden); check the credentials and the bucket policy",
                  "--resume finishes a conversion once it is back", "pip install 'segconv[gcs]'", "`notes.txt` stays",
                  "`AWS_ENDPOINT_URL`", "written `***`", "(`--dask local`)", "`fetching s3://…`",
                  "`uploading to s3://…`", "for its header only", "PNGs and every other file are fetched whole",
                  "photos for their headers only ("):
        assert claim in " ".join(section.split()), claim


def test_progress_is_told_the_bytes_fetched_and_uploaded(s3):
    class Recorder:
        def __init__(self):
            self.images, self.transfers = [], {}

        def __call__(self, done, total):
            self.images.append((done, total))

        def bytes(self, done, total, what):
            self.transfers.setdefault(what, []).append((done, total))

    seen = Recorder()
    report = api.convert("s3://delivery/in/annotations.json", "s3://delivery/out-progress", labels=LABELS,
                         progress=seen)
    assert report.written == 4 and seen.images[-1] == (4, 4)
    objects = s3.client().list_objects_v2(Bucket="delivery", Prefix="in/")["Contents"]
    fetched = seen.transfers["fetching s3://delivery/in"]
    assert fetched[-1] == (sum(o["Size"] for o in objects),) * 2
    assert [done for done, _ in fetched] == sorted(done for done, _ in fetched)
    uploaded = seen.transfers["uploading to s3://delivery/out-progress"]
    written = s3.client().list_objects_v2(Bucket="delivery", Prefix="out-progress/")["Contents"]
    files = [o for o in written if not o["Key"].endswith((".segconv-files.txt", ".segconv-run.json"))]
    assert uploaded[-1] == (sum(o["Size"] for o in files),) * 2


def test_no_written_file_names_the_local_stand_in(s3, tmp_path):
    """Every layout's files in the bucket name the URL where they name OUT (mmseg's data_root named the
    client's temporary folder), and no file holds the stand-in's path."""
    for to in ("mmseg", "yolo", "hf", "coco-panoptic", "voc"):
        url = f"s3://delivery/out-where-{to}"
        result = run_cli("convert", "s3://delivery/in/annotations.json", "-o", url, "--labels", LABELS, "--to", to)
        assert result.returncode == 0, result.stderr
        got = tmp_path / to
        s3.download_folder(url, got)
        for path in got.rglob("*"):
            if path.is_file():
                assert b"segconv-" not in path.read_bytes() or path.suffix == ".parquet", (to, path)
    config = (tmp_path / "mmseg" / "mmseg_dataset.py").read_text()
    assert "data_root = 's3://delivery/out-where-mmseg'" in config


def test_a_coco_export_file_url_finds_the_photos_beside_annotations(s3, tmp_path):
    """s3://…/coco/annotations/instances_default.json: the photos in coco/images/ are found, as locally
    (only the annotations/ folder was fetched, and --to voc lost every photo)."""
    import subprocess
    import sys

    from conftest import ROOT

    subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), str(tmp_path / "gen"), "--images", "3",
                    "--width", "64", "--height", "48", "--formats", "coco", "--photos", "jpeg"], check=True)
    src = tmp_path / "gen" / "coco" / "annotations" / "instances_default.json"
    labels = tmp_path / "gen" / "labelmap.yaml"
    export = src.parent.parent
    assert (export / "images").is_dir()
    s3.upload_folder(export, "s3://delivery/export")
    url = "s3://delivery/export/" + src.relative_to(export).as_posix()
    remote = run_cli("convert", url, "-o", tmp_path / "remote", "--labels", str(labels), "--to", "voc")
    local = run_cli("convert", src, "-o", tmp_path / "local", "--labels", str(labels), "--to", "voc")
    assert remote.returncode == local.returncode == 0, remote.stderr
    digest = tree_digest(tmp_path / "local")
    assert sum(name.startswith("JPEGImages/") for name in digest) == 3
    assert tree_digest(tmp_path / "remote") == digest


def test_a_presigned_link_is_read_and_its_signature_is_never_said(s3, tmp_path):
    """A vendor's presigned links (https with a signed query) to the annotations and the label map: read as
    the files they name (the query is no part of the file's name), the masks those of the local run, and the
    signature and credential in no message, report or file segconv writes."""
    client = s3.client()
    links = {key: client.generate_presigned_url("get_object", Params={"Bucket": "delivery", "Key": f"in/{key}"},
                                                ExpiresIn=600) for key in ("annotations.json", "labelmap.yaml")}
    signatures = {link.split("Signature=")[1].split("&")[0] for link in links.values()}
    out, report = tmp_path / "out", tmp_path / "report.json"
    result = run_cli("convert", links["annotations.json"], "-o", out, "--labels", links["labelmap.yaml"],
                     "--json", report, "--html", tmp_path / "report.html")
    assert result.returncode == 0, result.stderr
    local, _ = local_run(tmp_path)
    assert {k: v for k, v in tree_digest(out).items() if k.startswith("masks/")} == \
        {k: v for k, v in local.items() if k.startswith("masks/")}
    shown = links["annotations.json"].split("?")[0] + "?AWSAccessKeyId=***&Signature=***&Expires=***"
    assert json.loads(report.read_text())["source"] == shown
    assert "read " + links["labelmap.yaml"].split("?")[0] + "?AWSAccessKeyId=***" in result.stderr
    written = [result.stderr, *(p.read_text() for p in tmp_path.rglob("*") if p.is_file() and p.suffix != ".png")]
    for text in written:
        assert not any(s in text for s in signatures) and "segconv-test-key" not in text
    missing = run_cli("validate", links["annotations.json"].replace("annotations.json", "gone.json"))
    line = one_line_error(missing, "no such file or folder", "?AWSAccessKeyId=***&Signature=***")
    assert not any(s in line for s in signatures)


def test_a_password_in_a_url_is_never_said_and_a_refused_connection_is_no_missing_file():
    """https://user:password@host: the password is not repeated; a server that cannot be reached is said to
    be that (fsspec's web file system raises FileNotFoundError with the connection's error as its cause)."""
    from buckets import free_port

    url = f"https://ann:pa55-w0rd@127.0.0.1:{free_port()}/in/annotations.json"
    line = one_line_error(run_cli("validate", url, "--labels", LABELS), "https://ann:***@127.0.0.1:",
                          "connection failed")
    assert "pa55-w0rd" not in line and "no such file" not in line


def test_the_hf_summary_says_a_load_dataset_call_that_loads_the_bucket(s3, tmp_path, monkeypatch):
    """`--to hf -o s3://…`: the summary's `datasets.load_dataset(...)` is run as written (it named the URL as a
    folder, which `datasets` looks for on this machine) and loads every row of every split."""
    import ast

    datasets = pytest.importorskip("datasets")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    url = "s3://delivery/out-hf-load"
    result = run_cli("convert", "s3://delivery/in/annotations.json", "-o", url, "--labels", LABELS, "--to", "hf",
                     "--split", "train=0.5,val=0.5")
    assert result.returncode == 0, result.stderr
    said = result.stderr.split("load it with datasets.load_dataset(", 1)[1].split("\n", 1)[0]
    call = ast.parse("load_dataset(" + said, mode="eval").body
    assert isinstance(call, ast.Call)
    args = [ast.literal_eval(a) for a in call.args]
    kwargs = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
    assert args == ["parquet"] and set(kwargs["data_files"]) == {"train", "val"}
    loaded = datasets.load_dataset(*args, **kwargs, cache_dir=str(tmp_path / "cache"))
    assert sum(len(loaded[split]) for split in loaded) == 4


def test_a_refused_or_expired_presigned_link_is_one_line_without_its_signature(s3, tmp_path):
    """A web server's refusal (403: a presigned link expired or its bucket denies it) of the label map or of the
    annotations: 'access denied', one line, exit 2, the signature not said (aiohttp's ClientResponseError was an
    internal error quoting the whole link; fsspec's FileNotFoundError over it was 'no such file or folder')."""
    s3.bucket("locked-links")
    s3.upload_folder(FOOD, "s3://locked-links/in")
    client = s3.client()
    links = {key: client.generate_presigned_url("get_object", Params={"Bucket": "locked-links", "Key": f"in/{key}"},
                                                ExpiresIn=600) for key in ("annotations.json", "labelmap.yaml")}
    s3.deny_all("locked-links")
    signatures = {link.split("Signature=")[1].split("&")[0] for link in links.values()}
    for args in (["validate", FOOD / "annotations.json", "--labels", links["labelmap.yaml"]],
                 ["validate", links["annotations.json"], "--labels", LABELS],
                 ["labels", links["annotations.json"]]):
        line = one_line_error(run_cli(*args), "access denied (the server answered 403", "?AWSAccessKeyId=***")
        assert not any(s in line for s in signatures), line


def test_labels_of_a_link_prints_it_without_its_signature(s3):
    """`segconv labels SRC > labels.yaml`: the YAML's header names the source without its credentials."""
    link = s3.client().generate_presigned_url("get_object", Params={"Bucket": "delivery", "Key": "in/annotations.json"},
                                              ExpiresIn=600)
    result = run_cli("labels", link)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# label map of " + link.split("?")[0] + "?AWSAccessKeyId=***&Signature=***")
    assert link.split("Signature=")[1].split("&")[0] not in result.stdout + result.stderr


def test_a_missing_file_in_a_bucket_named_bucket_is_no_missing_bucket(s3):
    """'bucket' in the bucket's name (or a web address's path) is not the backend saying the bucket is missing."""
    s3.bucket("my-bucket-segconv")
    one_line_error(run_cli("validate", "s3://my-bucket-segconv/missing.json"), "no such file or folder")
    link = s3.client().generate_presigned_url("get_object", Params={"Bucket": "my-bucket-segconv",
                                                                    "Key": "missing.json"}, ExpiresIn=600)
    one_line_error(run_cli("validate", link), "no such file or folder")
    one_line_error(run_cli("validate", "s3://no-such-bucket-segconv/a.json"), "the bucket does not exist")


def test_link_with_a_web_source_and_local_photos(s3, tmp_path):
    """A web address is fetched as one file and its photos come from a local --images: --link links them (it was
    refused, saying the source's photos were fetched into a temporary folder)."""
    link = s3.client().generate_presigned_url("get_object", Params={"Bucket": "delivery", "Key": "in/annotations.json"},
                                              ExpiresIn=600)
    out = tmp_path / "voc"
    result = run_cli("convert", link, "--images", FOOD / "images", "-o", out, "--labels", LABELS, "--to", "voc",
                     "--link")
    assert result.returncode == 0, result.stderr
    photos = sorted(p for p in (out / "JPEGImages").rglob("*") if not p.is_dir())
    assert len(photos) == 4 and all(p.is_symlink() for p in photos)
