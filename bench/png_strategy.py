"""Encoding label masks: segconv's PNG encoder against Pillow, on real masks.

    python bench/png_strategy.py [FOLDER ...]      # default: every palette/grey PNG of ../shared/corpus

For every palette or greyscale PNG found, each encoder writes the same pixels (best of 5 runs each): Pillow
at its defaults, Pillow with zlib's run-length strategy (what segconv used before ``convert.pixels.png_encode``),
and ``convert.pixels.png_encode``.  The script prints total time and size for each, and checks that every result
decodes back to the original pixels.
"""

from __future__ import annotations

import io
import sys
import time
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from convert.pixels.png_encode import encode_png  # noqa: E402


def pillow(options: dict):
    def encode(im: Image.Image) -> bytes:
        buffer = io.BytesIO()
        im.save(buffer, format="PNG", **options)
        return buffer.getvalue()

    return encode


def ours(im: Image.Image) -> bytes:
    return encode_png(np.asarray(im), im.getpalette() if im.mode == "P" else None)


ENCODERS = {"Pillow defaults": pillow({}), "Pillow, zlib RLE strategy": pillow({"compress_type": zlib.Z_RLE}),
            "segconv (convert.pixels.png_encode)": ours}


def main(folders: list[Path]) -> None:
    files = sorted(p for folder in folders for p in folder.rglob("*.png"))
    masks = []
    for path in files:
        with Image.open(path) as im:
            if im.mode in ("P", "L"):
                im.load()
                masks.append(im.copy())
    print(f"{len(masks)} palette/grey PNGs under {', '.join(map(str, folders))}")
    for name, encode in ENCODERS.items():
        seconds = size = 0
        for im in masks:
            best = float("inf")
            for _ in range(5):
                t = time.perf_counter()
                data = encode(im)
                best = min(best, time.perf_counter() - t)
            seconds += best
            size += len(data)
            assert np.array_equal(np.asarray(Image.open(io.BytesIO(data))), np.asarray(im))
        print(f"  {name:32s} {seconds * 1000:8.1f} ms {size / 1024:8.1f} KiB   (pixels decode back equal)")


if __name__ == "__main__":
    main([Path(a) for a in sys.argv[1:]] or [ROOT.parent / "shared" / "corpus"])
