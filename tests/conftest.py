"""Shared helpers: tiny COCO documents, the corpus location, the CLI runner."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests draw the same examples on every run of the same code ("ci", the default), so a suite that
# passed on a commit passes again on CI; HYPOTHESIS_PROFILE=explore draws new ones on each run, to look for
# counterexamples before a change lands (CONTRIBUTING.md, "Property tests").
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# Label maps found valid are remembered in a cache folder (convert/model/schemas.py); the suite keeps its own,
# so it neither reads nor fills the user's, and commands the tests run inherit it.
os.environ.setdefault("SEGCONV_CACHE", tempfile.mkdtemp(prefix="segconv-test-cache-"))

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
FOOD = FIXTURES / "food"
CORPUS = Path(os.environ.get("SEGCONV_CORPUS", ROOT.parent / "shared" / "corpus"))


def corpus(relative: str) -> Path:
    """A file of ../shared/corpus; the test is skipped when the corpus is not beside the checkout."""
    path = CORPUS / relative
    if not path.exists():
        pytest.skip(f"corpus file {relative} not available at {CORPUS}")
    return path


def coco_doc(images, annotations, categories):
    return {"images": images, "annotations": annotations, "categories": categories}


def write_json(path: Path, doc) -> Path:
    path.write_text(json.dumps(doc))
    return path


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m convert`` as a user would, capturing stdout and stderr."""
    env = dict(os.environ, COLUMNS="200")
    return subprocess.run([sys.executable, "-m", "convert", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd or ROOT, env=env, timeout=300)


def tree_digest(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder``, keyed by relative path."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def generated_delivery(root: Path, images: int, width: int, height: int):
    """A synthetic delivery from bench/generate.py: (COCO file, label map)."""
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), str(root), "--images", str(images),
                    "--width", str(width), "--height", str(height), "--formats", "coco"], check=True)
    return root / "coco" / "annotations" / "instances_default.json", root / "labelmap.yaml"


def reference_masks(doc, labelmap):
    """What a user gets with pycocotools itself: ``COCO.annToMask`` per annotation,
    painted by level, then file order, over the fill class."""
    import numpy as np
    from pycocotools.coco import COCO

    coco = COCO()
    coco.dataset = doc
    coco.createIndex()
    names = {c["id"]: c["name"] for c in doc["categories"]}
    fill = labelmap.fill.index if labelmap.fill else labelmap.void
    out = {}
    for img in doc["images"]:
        canvas = np.full((img["height"], img["width"]), fill, labelmap.dtype)
        anns = [(pos, a) for pos, a in enumerate(doc["annotations"]) if a["image_id"] == img["id"]]
        anns.sort(key=lambda pa: (labelmap[names[pa[1]["category_id"]]].level, pa[0]))
        for _, ann in anns:
            canvas[coco.annToMask(ann) == 1] = labelmap[names[ann["category_id"]]].index
        out[img["file_name"]] = canvas
    return out
