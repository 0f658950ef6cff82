"""Micro-benchmarks of two codecs, each beside the peer it replaces.

    python bench/micro.py [--work DIR]

- **Image headers** (``convert.files.image_header``): size and EXIF orientation of real-looking photos on disk
  (JPEG, PNG with its eXIf chunk before or after the pixels, WebP, TIFF, BMP; small and 4000x3000),
  against what Pillow needs for the same answer: ``Image.open`` and ``getexif()``, which for a PNG whose
  eXIf chunk follows the pixels decodes the whole image.  Every answer is checked equal to Pillow's.
- **Label Studio brush RLE** (``convert.formats.label_studio.brush``): decoding and encoding a 1024x768 mask,
  smooth (one blob)
  and noise (every pixel random), against label-studio-sdk's own ``brush`` module when it is installed in
  ``bench/.peers/lssdk`` (``python -m venv bench/.peers/lssdk && bench/.peers/lssdk/bin/pip install
  label-studio-sdk``); the round trip is checked both ways.

Prints milliseconds per call (best of several runs).
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from convert import brushrle  # noqa: E402
from convert.files.image_header import read_header  # noqa: E402

SDK_PYTHON = HERE / ".peers" / "lssdk" / "bin" / "python"


def best(fn, repeat: int = 7) -> float:
    """Milliseconds of the fastest of ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return 1000 * min(times)


def photo(width: int, height: int) -> Image.Image:
    yy, xx = np.mgrid[0:height, 0:width]
    rgb = np.stack([(xx * 7 + yy) % 256, (yy * 3) % 256, (xx ^ yy) % 256], axis=-1).astype(np.uint8)
    return Image.fromarray(rgb)


def exif(orientation: int) -> Image.Exif:
    e = Image.Exif()
    e[0x0112] = orientation
    return e


def write_photos(folder: Path) -> list[tuple[str, Path]]:
    files = []
    for w, h in ((640, 480), (4000, 3000)):
        im = photo(w, h)
        for name, kw, ext in (("JPEG, EXIF orientation 6", {"exif": exif(6), "quality": 90}, "jpg"),
                              ("PNG, eXIf before the pixels", {"exif": exif(8)}, "png"),
                              ("WebP, EXIF orientation 3", {"exif": exif(3), "quality": 80}, "webp"),
                              ("TIFF", {}, "tif"), ("BMP", {}, "bmp")):
            path = folder / f"{w}x{h}.{ext}"
            im.save(path, **kw)
            files.append((f"{name}, {w}x{h}", path))
        # a PNG whose eXIf chunk comes after the pixel data (as some tools write it)
        buffer = io.BytesIO()
        im.save(buffer, "PNG")
        data = buffer.getvalue()
        payload = b"MM\x00*\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06\x00\x00\x00\x00\x00\x00"
        import zlib

        chunk = len(payload).to_bytes(4, "big") + b"eXIf" + payload + zlib.crc32(b"eXIf" + payload).to_bytes(4, "big")
        path = folder / f"{w}x{h}_exif_after.png"
        path.write_bytes(data[:-12] + chunk + data[-12:])
        files.append((f"PNG, eXIf after the pixels, {w}x{h}", path))
    return files


def pillow_answer(path: Path) -> tuple[int, int, int]:
    with Image.open(path) as im:
        orientation = im.getexif().get(0x0112, 1)
        return im.width, im.height, orientation


def headers(folder: Path) -> None:
    print("image size and EXIF orientation                 segconv ms   Pillow ms   same answer")
    for name, path in write_photos(folder):
        ours, theirs = read_header(path), pillow_answer(path)
        ours_ms = best(lambda path=path: read_header(path))
        pillow_ms = best(lambda path=path: pillow_answer(path), 3)
        print(f"  {name:46s} {ours_ms:9.3f}  {pillow_ms:10.3f}"
              f"   {'yes' if ours == theirs else f'NO: {ours} vs {theirs}'}   ({path.stat().st_size / 2**20:.1f} MB)")


SDK_SCRIPT = """
import json, sys, time
import numpy as np
from label_studio_sdk.converter import brush
mask = np.load(sys.argv[1])
t = time.perf_counter(); rle = brush.mask2rle(mask); enc = time.perf_counter() - t
t = time.perf_counter(); out = brush.decode_rle(rle); dec = time.perf_counter() - t
same = bool((np.asarray(out).reshape(mask.shape[0], mask.shape[1], 4)[..., 3] == mask).all())
print(json.dumps({"encode_ms": enc * 1000, "decode_ms": dec * 1000, "rle": rle, "same": same}))
"""


def brushes(folder: Path) -> None:
    height, width = 768, 1024
    yy, xx = np.mgrid[0:height, 0:width]
    smooth = (((xx - 500) ** 2 + (yy - 380) ** 2) < 250**2).astype(np.uint8) * 255
    noise = (np.random.default_rng(1).random((height, width)) < 0.5).astype(np.uint8) * 255
    sdk = SDK_PYTHON.exists()
    print("\nbrush RLE, 1024x768 mask            segconv encode  decode ms"
          + ("   label-studio-sdk encode  decode ms   same bytes, round trips" if sdk else ""))
    for name, mask in (("smooth (one disc)", smooth), ("noise (random pixels)", noise)):
        rle = brushrle.encode(mask)
        encode_ms = best(lambda mask=mask: brushrle.encode(mask), 3)
        decode_ms = best(lambda rle=rle: brushrle.decode(rle, width, height), 3)
        assert (brushrle.decode(rle, width, height)[..., 3] == mask).all()
        line = f"  {name:32s} {encode_ms:14.1f} {decode_ms:8.1f}"
        if sdk:
            np.save(folder / "mask.npy", mask)
            proc = subprocess.run([str(SDK_PYTHON), "-c", SDK_SCRIPT, str(folder / "mask.npy")], capture_output=True,
                                  text=True)
            if proc.returncode:
                line += f"   label-studio-sdk failed: {proc.stderr.strip().splitlines()[-1]}"
            else:
                theirs = json.loads(proc.stdout)
                ours_read = (brushrle.decode(theirs["rle"], width, height)[..., 3] == mask).all()
                line += (f"   {theirs['encode_ms']:22.1f} {theirs['decode_ms']:8.1f}   "
                         f"{'yes' if theirs['rle'] == rle else 'no'}, "
                         f"{'yes' if theirs['same'] and ours_read else 'NO'}")
        print(line + f"   ({len(rle):,} bytes)")
    if not sdk:
        print("  (label-studio-sdk not installed in bench/.peers/lssdk: no peer column)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    folder = args.work or Path(tempfile.mkdtemp(prefix="segconv-micro-"))
    folder.mkdir(parents=True, exist_ok=True)
    headers(folder)
    brushes(folder)


if __name__ == "__main__":
    main()
