"""The HTML report (``--html FILE``): one self-contained page a vendor can open.

For each of the worst images (most errors, then warnings, then offending
pixels) it shows the image beside the class mask laid over it, with the
offending pixels (ambiguous overlaps, pixels outside their container,
unlabelled pixels when they are reported) in magenta, the findings of that
image and its per-class pixel table; then the per-class table of the whole
delivery.  Pictures are embedded as base64 PNG; nothing is fetched.

Only the current worst images are rendered while the run streams, so memory
stays flat whatever the number of images.
"""

from __future__ import annotations

import base64
import heapq
import html
import io
import itertools
from collections import Counter
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter, ImageOps

from .atomic import write_text
from .findings import Severity
from .labelmap import LabelMap

MAGENTA = np.array([255, 0, 255], dtype=np.float32)
THUMB_WIDTH = 560


def _png_data_uri(image: Image.Image) -> str:
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def render(sample, painted, labelmap: LabelMap, highlight: np.ndarray) -> tuple[str, str]:
    """(photo, overlay) data URIs for one sample."""
    h, w = painted.class_mask.shape
    photo = None
    if sample.image_path:
        try:
            with Image.open(sample.image_path) as im:
                photo = ImageOps.exif_transpose(im).convert("RGB")
                if photo.size != (w, h):
                    photo = photo.resize((w, h))
        except Exception:  # noqa: BLE001 - a picture is a courtesy; the report must still be written
            photo = None
    if photo is None:
        photo = Image.new("RGB", (w, h), (90, 90, 90))
    base = np.asarray(photo, dtype=np.float32)
    palette = np.array(labelmap.palette(), dtype=np.float32).reshape(256, 3)
    mask = painted.class_mask
    colors = palette[np.minimum(mask, 255)]
    paint_here = np.ones((h, w), dtype=bool)
    if labelmap.fill is not None:
        paint_here &= mask != labelmap.fill.index
    overlay = base.copy()
    overlay[paint_here] = 0.45 * base[paint_here] + 0.55 * colors[paint_here]
    overlay[mask == labelmap.void] = 0.3 * base[mask == labelmap.void] + 0.7 * np.array([40, 40, 40])
    scale = min(1.0, THUMB_WIDTH / w)
    marks = highlight
    if scale < 1.0 and highlight.any():  # keep single offending pixels visible after downscaling
        grow = max(3, int(round(1 / scale)) | 1)
        marks = np.asarray(Image.fromarray(highlight.astype(np.uint8) * 255).filter(ImageFilter.MaxFilter(grow))) > 0
    overlay[marks] = MAGENTA
    size = (max(1, int(w * scale)), max(1, int(h * scale)))
    left = photo.resize(size, Image.LANCZOS)
    right = Image.fromarray(overlay.clip(0, 255).astype(np.uint8)).resize(size, Image.NEAREST)
    return _png_data_uri(left), _png_data_uri(right)


def render_entry(sample, painted, findings, account, highlight: np.ndarray, labelmap: LabelMap):
    """A rendered entry for a sample with problems, or None (runs in a worker)."""
    sev = Counter(f.severity for f in findings)
    score = (sev[Severity.ERROR], sev[Severity.WARNING], int(highlight.sum()))
    if score == (0, 0, 0):
        return None
    photo, overlay = render(sample, painted, labelmap, highlight)
    return (score, {"sample": sample.name, "findings": [f.to_dict() for f in findings],
                    "account": account, "photo": photo, "overlay": overlay})


class HtmlReport:
    """Keeps the ``keep`` worst images (rendered) and writes the page at the end."""

    def __init__(self, path: str | Path, labelmap: LabelMap, keep: int = 12):
        self.path = Path(path)
        self.labelmap = labelmap
        self.keep = keep
        self._heap: list = []
        self._tie = itertools.count()

    def keep_entry(self, entry) -> None:
        """Keep the ``keep`` worst entries (in the main process, in sample order)."""
        score, data = entry
        item = (score, -next(self._tie), data)
        if len(self._heap) >= self.keep:
            if item[:2] <= self._heap[0][:2]:
                return
            heapq.heapreplace(self._heap, item)
        else:
            heapq.heappush(self._heap, item)

    def finish(self, head: dict) -> None:
        worst = [item[2] for item in sorted(self._heap, key=lambda i: (i[0], i[1]), reverse=True)]
        s = head["summary"]
        e = html.escape
        parts = [
            "<!doctype html><html><head><meta charset='utf-8'><title>segconv report</title><style>",
            "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}h1{font-size:1.4em}"
            "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}"
            "td.n{text-align:right}.error{color:#b00}.warning{color:#a60}.info{color:#36c}"
            ".card{border:1px solid #ddd;border-radius:6px;padding:1em;margin:1.5em 0}"
            ".pics{display:flex;gap:1%;align-items:flex-start}.pics img{width:49.5%;height:auto;border:1px solid #ccc}"
            "code{background:#f4f4f4;padding:0 3px}",
            "</style></head><body>",
            f"<h1>segconv report: {e(head['source'])}</h1>",
            f"<p>format <code>{e(head['format'])}</code>, rule <code>{e(head['rule'])}</code>, "
            f"{s['images']} images: <span class='error'>{s['errors']} errors</span>, "
            f"<span class='warning'>{s['warnings']} warnings</span>, <span class='info'>{s['infos']} notes</span>. "
            f"Exit code {s['exit_code']}.</p>",
            "<h2>Findings by code</h2><table><tr><th>code</th><th>count</th></tr>",
        ]
        for code, n in sorted(s["by_code"].items(), key=lambda kv: -kv[1]):
            parts.append(f"<tr><td><code>{e(code)}</code></td><td class='n'>{n}</td></tr>")
        parts.append("</table>")
        parts.append(f"<h2>Worst images ({len(worst)})</h2>"
                     "<p>Left: the image. Right: the class mask over it; "
                     "<b style='color:#f0f'>magenta</b> marks offending pixels "
                     "(ambiguous overlaps, pixels outside their container, unlabelled pixels).</p>")
        for item in worst:
            parts.append(f"<div class='card'><h3>{e(item['sample'])}</h3>"
                         f"<div class='pics'><img src='{item['photo']}' alt='image'>"
                         f"<img src='{item['overlay']}' alt='class mask and offending pixels'></div><ul>")
            for f in item["findings"][:30]:
                where = ": ".join(str(f[k]) for k in ("element",) if k in f)
                px = f" ({f['pixels']} px)" if "pixels" in f else ""
                parts.append(f"<li class='{f['severity']}'><code>{e(f['code'])}</code> {e(where)} "
                             f"{e(f['message'])}{px}</li>")
            if len(item["findings"]) > 30:
                parts.append(f"<li>… {len(item['findings']) - 30} more</li>")
            parts.append("</ul>")
            parts.append(self._class_table(item["account"]["classes"], per_image=True))
            parts.append(f"<p>unlabelled pixels: {item['account']['unlabelled']}, "
                         f"void pixels: {item['account']['void']}</p></div>")
        parts.append("<h2>Pixels per class, whole delivery</h2>")
        parts.append(self._class_table(s["classes"], per_image=False))
        parts.append("</body></html>\n")
        write_text(self.path, "".join(parts))

    @staticmethod
    def _class_table(classes: dict, per_image: bool) -> str:
        cols = ["index", "level", "pixels", "overwritten", "regions"] + ([] if per_image else ["images"])
        rows = ["<table><tr><th>class</th>" + "".join(f"<th>{c}</th>" for c in cols) + "</tr>"]
        for name, entry in classes.items():
            rows.append(f"<tr><td>{html.escape(name)}</td>"
                        + "".join(f"<td class='n'>{entry[c]}</td>" for c in cols) + "</tr>")
        rows.append("</table>")
        return "".join(rows)
