"""Encoding label masks: segconv's PNG settings against Pillow's defaults, on real masks.

    python bench/png_strategy.py [FOLDER ...]      # default: every palette/grey PNG of ../shared/corpus

For every palette or greyscale PNG found, both settings encode the same pixels
(best of 5 runs each); the script prints total time and size for each, and checks
that both decode back to the original pixels.
"""

from __future__ import annotations

import io
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from convert.exporters.png import PNG_OPTIONS  # noqa: E402

SETTINGS = {"Pillow defaults": {}, f"segconv {PNG_OPTIONS}": PNG_OPTIONS}


def main(folders: list[Path]) -> None:
    files = sorted(p for folder in folders for p in folder.rglob("*.png"))
    masks = []
    for path in files:
        with Image.open(path) as im:
            if im.mode in ("P", "L"):
                im.load()
                masks.append(im.copy())
    print(f"{len(masks)} palette/grey PNGs under {', '.join(map(str, folders))}")
    for name, options in SETTINGS.items():
        seconds = size = 0
        for im in masks:
            best = float("inf")
            for _ in range(5):
                buffer = io.BytesIO()
                t = time.perf_counter()
                im.save(buffer, format="PNG", **options)
                best = min(best, time.perf_counter() - t)
            seconds += best
            size += len(buffer.getvalue())
            assert np.array_equal(np.asarray(Image.open(io.BytesIO(buffer.getvalue()))), np.asarray(im))
        print(f"  {name:40s} {seconds * 1000:8.1f} ms {size / 1024:8.1f} KiB   (pixels decode back equal)")


if __name__ == "__main__":
    main([Path(a) for a in sys.argv[1:]] or [ROOT.parent / "shared" / "corpus"])
