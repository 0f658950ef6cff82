"""The HTML report (``--html FILE``): one self-contained page a vendor can act on.

- At the top, the verdict: the exit code and why (which findings reach the
  failing severity), with counts that are red only when there are errors.
- **Every** error and warning, grouped by code, each with its message, file,
  line or element, image and pixels; notes too (the first
  ``NOTES_PER_CODE`` of each code).  A filter by severity, by code and by
  text, written inline; the browser's find works on the text.
- For the images with the most problems: the photo (or a labelled
  placeholder when it is not found) beside the class mask laid over it, the
  offending pixels in magenta, a colour legend, the image's findings and
  pixel table; every card has an anchor (``#image-3``) that the findings
  link to.
- The pixels per class of the whole delivery, in index order.

Pictures are bounded JPEG thumbnails embedded as ``data:`` URIs; nothing is
fetched.  While the run streams only a score per image is kept; the kept
images are painted again and drawn at the end, so the page costs a few
images' drawing whatever the size of the delivery.
"""

from __future__ import annotations

import base64
import heapq
import html
import io
import itertools
import os
from collections import Counter
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageOps

from .atomic import write_text
from .findings import Finding
from .images import open_image
from .labelmap import LabelMap
from .severity import Severity
from .wording import plural

THUMB_WIDTH = 480
JPEG_QUALITY = 82
KEEP = 8  # image cards on the page: the worst images, drawn at the end
NOTES_PER_CODE = 200  # notes listed per code (errors and warnings: all)


def score(findings, painted) -> tuple[int, int, int]:
    """How bad an image is, for choosing the cards: (errors, warnings, offending pixels)."""
    sev = Counter(f.severity for f in findings)
    trace = painted.trace
    offending = int((trace.offending_runs[1] - trace.offending_runs[0]).sum()) if trace is not None else 0
    return sev[Severity.ERROR], sev[Severity.WARNING], offending


def jpeg_uri(image: Image.Image) -> str:
    buf = io.BytesIO()
    image.convert("RGB").save(buf, format="JPEG", quality=JPEG_QUALITY)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _placeholder(size: tuple[int, int], text: str) -> Image.Image:
    image = Image.new("RGB", size, (120, 120, 120))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, size[0] - 1, size[1] - 1], outline=(200, 200, 200), width=2)
    draw.multiline_text((12, 12), text, fill=(255, 255, 255))
    return image


def photo_thumbnail(sample, width: int, height: int) -> tuple[Image.Image, bool]:
    """The sample's photo at :func:`thumb_size` (EXIF orientation applied), or a labelled placeholder of that
    size when it is not found; and whether it was found."""
    size = thumb_size(width, height)
    if sample.image_path:
        try:
            with open_image(sample.image_path) as im:  # its size was checked against --max-pixels
                im.draft("RGB", size)  # JPEG: decode at a reduced scale
                photo = ImageOps.exif_transpose(im).convert("RGB")
                if photo.size[0] < size[0]:  # a small image enlarged: every pixel a sharp block
                    photo = photo.resize(size, Image.Resampling.NEAREST)
                elif photo.size != size:
                    photo = photo.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
                return photo, True
        except Exception:  # noqa: BLE001 - a picture is a courtesy; the report must still be written
            pass
    why = "image not found" if not sample.image_path else "image not readable"
    return _placeholder(size, f"{why}:\n{sample.name}"), False


def thumb_size(width: int, height: int) -> tuple[int, int]:
    """The size of an image's pictures in the report: at most ``THUMB_WIDTH`` wide; an image smaller than
    that is enlarged by a whole factor (within ``THUMB_WIDTH`` both ways), so that its pixels, and the
    placeholder's text, can be seen.

    >>> thumb_size(4000, 3000), thumb_size(8, 8), thumb_size(10, 2000)
    ((480, 360), (480, 480), (10, 2000))
    """
    if width > THUMB_WIDTH:
        scale = THUMB_WIDTH / width
        return THUMB_WIDTH, max(1, int(height * scale))
    factor = max(1, min(THUMB_WIDTH // width, THUMB_WIDTH // height))
    return width * factor, height * factor


def overlay(photo: Image.Image, class_mask: np.ndarray, labelmap: LabelMap, highlight: np.ndarray | None = None,
            colour_classes: bool = True) -> Image.Image:
    """The class mask laid over the photo (the fill class uncoloured, void dark), at the photo's size, with
    ``highlight`` pixels in magenta: an offending pixel marks its whole thumbnail pixel and its neighbours,
    so that single pixels stay visible."""
    size = photo.size
    small = class_mask
    if small.shape[::-1] != size:
        small = np.asarray(Image.fromarray(small).resize(size, Image.Resampling.NEAREST))
    out = photo
    if colour_classes:
        classes = Image.fromarray(np.minimum(small, 255).astype(np.uint8), "P")
        classes.putpalette(labelmap.palette())
        out = Image.blend(photo, classes.convert("RGB"), 0.55)
        if labelmap.fill is not None:  # the fill class is left uncoloured
            out = Image.composite(photo, out, Image.fromarray((small == labelmap.fill.index).astype(np.uint8) * 255))
        void = small == labelmap.void
        if void.any():
            grey = Image.blend(photo, Image.new("RGB", size, (40, 40, 40)), 0.7)
            out = Image.composite(grey, out, Image.fromarray(void.astype(np.uint8) * 255))
    if highlight is not None and highlight.any():
        marks = Image.fromarray(highlight.astype(np.uint8) * 255)
        if marks.size != size:  # any offending pixel under a thumbnail pixel marks it (BOX averages, > 0 keeps any)
            marks = marks.resize(size, Image.Resampling.BOX)
        hit = np.asarray(marks) > 0
        grown = hit.copy()
        grown[1:] |= hit[:-1]
        grown[:-1] |= hit[1:]
        grown[:, 1:] |= hit[:, :-1]
        grown[:, :-1] |= hit[:, 1:]
        out = out.copy()
        out.paste((255, 0, 255), mask=Image.fromarray(grown.astype(np.uint8) * 255))
    return out


def render(sample, painted, labelmap: LabelMap, highlight: np.ndarray) -> tuple[str, str, bool]:
    """(photo, overlay) data URIs for one sample, and whether the photo was found."""
    h, w = painted.class_mask.shape
    photo, found = photo_thumbnail(sample, w, h)
    return jpeg_uri(photo), jpeg_uri(overlay(photo, painted.class_mask, labelmap, highlight)), found


class HtmlReport:
    """Keeps the ``keep`` worst images by score while the run goes; ``finish`` draws them and writes the page."""

    def __init__(self, path: str | Path, labelmap: LabelMap, keep: int = KEEP):
        self.path = Path(path)
        self.labelmap = labelmap
        self.keep = keep
        self._heap: list = []
        self._tie = itertools.count()

    def consider(self, image_score: tuple, index: int, name: str, findings: list[Finding], account: dict) -> None:
        """An image and its score (in the main process, in sample order)."""
        if image_score == (0, 0, 0):
            return
        item = (image_score, -next(self._tie), index, name, [f.to_dict() for f in findings], account)
        if len(self._heap) >= self.keep:
            if item[:2] <= self._heap[0][:2]:
                return
            heapq.heapreplace(self._heap, item)
        else:
            heapq.heappush(self._heap, item)

    def _cards(self, dataset, rule: str) -> list[dict]:
        """Paint the kept images again and draw them, on a few threads (decoding, resizing and encoding the
        pictures release the interpreter lock)."""
        from concurrent.futures import ThreadPoolExecutor

        kept = sorted(self._heap, key=lambda i: i[:2], reverse=True)
        with ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1))) as pool:
            return list(pool.map(lambda item: self._draw(dataset, rule, item), kept))

    def _draw(self, dataset, rule: str, item) -> dict:
        from .painting import paint

        image_score, _, index, name, findings, account = item
        sample = dataset[index]
        painted = paint(sample, self.labelmap, rule=rule, trace=True)
        trace = painted.traced
        highlight = trace.offending_mask()
        if highlight is None:
            highlight = np.zeros(painted.class_mask.shape, bool)
        if self.labelmap.fill is None or self.labelmap.every_pixel_drawn:
            highlight |= trace.bare_mask()
        photo, overlay, found = render(sample, painted, self.labelmap, highlight)
        return {"name": name, "findings": findings, "account": account, "photo": photo, "overlay": overlay,
                "found": found, "score": image_score}

    def finish(self, head: dict, findings: list[Finding], dataset, rule: str) -> None:
        cards = self._cards(dataset, rule)
        anchors = {card["name"]: f"image-{k + 1}" for k, card in enumerate(cards)}
        s = head["summary"]
        e = html.escape
        parts = [_HEAD.replace("{title}", e(f"segconv report: {head['source']}")),
                 f"<h1>segconv report: {e(head['source'])}</h1>",
                 _verdict(s, head.get("fail_on", "error")),
                 f"<p>format <code>{e(head['format'])}</code>, rule <code>{e(head['rule'])}</code>, "
                 f"{plural(s['images'], 'image')}: {_count(s['errors'], 'error', 'errors')}, "
                 f"{_count(s['warnings'], 'warning', 'warnings')}, {_count(s['infos'], 'note', 'notes')}.</p>"]
        parts += _findings_section(findings, anchors)
        if cards:
            parts.append(f"<h2>Images with the most problems ({len(cards)})</h2>")
            parts.append("<p>Left: the image. Right: the class mask laid over it; "
                         "<b style='color:#f0f'>magenta</b> marks offending pixels (ambiguous overlaps, pixels "
                         "outside their container, unlabelled pixels).</p>")
            parts.append(self._legend(cards))
            for card in cards:
                parts.append(self._card(card, anchors[card["name"]]))
        parts.append("<h2>Pixels per class, whole delivery</h2>")
        parts.append(_class_table(s["classes"], per_image=False))
        parts.append(_SCRIPT + "</body></html>\n")
        write_text(self.path, "".join(parts))

    def _legend(self, cards: list[dict]) -> str:
        shown = set()
        for card in cards:
            shown.update(card["account"]["classes"])
        items = []
        for cls in sorted(self.labelmap.classes, key=lambda c: c.index):
            if cls.name in shown:
                r, g, b = cls.color
                fill = " (fill: not coloured)" if cls.fill else ""
                items.append(f"<span class='key'><i style='background:rgb({r},{g},{b})'></i>"
                             f"{html.escape(cls.name)} <small>{cls.index}</small>{fill}</span>")
        items.append("<span class='key'><i style='background:#282828'></i>void</span>")
        items.append("<span class='key'><i style='background:#f0f'></i>offending pixels</span>")
        return "<p class='legend'>" + "".join(items) + "</p>"

    def _card(self, card: dict, anchor: str) -> str:
        e = html.escape
        account = card["account"]
        rows = []
        for f in card["findings"][:50]:
            rows.append(f"<li class='{f['severity']}'><b>{f['severity']}</b> <code>{e(f['code'])}</code> "
                        f"{e(f.get('element', ''))}: {e(f['message'])}"
                        + (f" ({f['pixels']:,} px)" if "pixels" in f else "") + "</li>")
        if len(card["findings"]) > 50:
            rows.append(f"<li>… {len(card['findings']) - 50} more, listed above</li>")
        alt = "image" if card["found"] else "image not found (placeholder)"
        return (f"<div class='card' id='{anchor}'><h3><a href='#{anchor}'>#</a> {e(card['name'])}</h3>"
                f"<div class='pics'><img src='{card['photo']}' alt='{alt}'>"
                f"<img src='{card['overlay']}' alt='class mask and offending pixels'></div><ul>{''.join(rows)}</ul>"
                + _class_table(account["classes"], per_image=True)
                + f"<p>pixels no region covers: {account['filled']:,} shown by the fill class, "
                  f"{account['unlabelled']:,} left unlabelled (void); void pixels in all: {account['void']:,}</p>"
                  "</div>")


def _count(n: int, one: str, many: str) -> str:
    cls = {"errors": "error", "warnings": "warning"}.get(many, "info") if n else "zero"
    return f"<span class='{cls}'>{plural(n, one, many)}</span>"


def _verdict(summary: dict, fail_on: str) -> str:
    code = summary["exit_code"]
    failing = summary["errors"] + (summary["warnings"] if fail_on == "warning" else 0)
    if code == 0:
        return (f"<p class='verdict ok'>Exit code 0: no finding at or above the failing severity "
                f"(<code>{fail_on}</code>).</p>")
    what = plural(summary["errors"], "error") if fail_on == "error" else \
        f"{plural(summary['errors'], 'error')} and {plural(summary['warnings'], 'warning')}"
    return (f"<p class='verdict fail'>Exit code {code}: {what} at or above the failing severity "
            f"(<code>{fail_on}</code>){'' if failing else ' (--strict refused the delivery)'}; "
            f"each is listed below.</p>")


def _findings_section(findings: list[Finding], anchors: dict[str, str]) -> list[str]:
    e = html.escape
    if not findings:
        return ["<h2>Findings</h2><p>None.</p>"]
    groups: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        groups.setdefault((f.severity.value, f.code), []).append(f)
    order = sorted(groups, key=lambda k: (-Severity(k[0]).rank, -len(groups[k]), k[1]))
    codes = sorted({code for _, code in groups})
    parts = ["<h2>Findings</h2><form class='filter' onsubmit='return false'>"
             "<label><input type='checkbox' data-sev='error' checked> errors</label> "
             "<label><input type='checkbox' data-sev='warning' checked> warnings</label> "
             "<label><input type='checkbox' data-sev='info' checked> notes</label> "
             "<select id='code'><option value=''>every code</option>"
             + "".join(f"<option>{e(c)}</option>" for c in codes)
             + "</select> <input id='text' type='search' placeholder='filter by text'></form>"]
    for severity, code in order:
        group = groups[(severity, code)]
        listed = group if severity != "info" else group[:NOTES_PER_CODE]
        is_open = " open" if severity == "error" or (severity == "warning" and len(group) <= 30) else ""
        parts.append(f"<details class='group' data-sev='{severity}' data-code='{e(code)}'{is_open}>"
                     f"<summary><span class='{severity}'>{severity}</span> <code>{e(code)}</code> "
                     f"× {len(group):,}</summary><table><tr><th>image</th><th>where</th><th>message</th>"
                     "<th>pixels</th></tr>")
        for f in listed:
            image = e(f.image or "")
            if f.image in anchors:
                image = f"<a href='#{anchors[f.image]}'>{image}</a>"
            where = e(f"{f.file}:{f.line}" if f.file and f.line else (f.file or ""))
            if f.element:
                where += f"<br><code>{e(f.element)}</code>"
            px = f"{f.pixels:,}" if f.pixels is not None else ""
            parts.append(f"<tr class='f' data-sev='{severity}' data-code='{e(code)}'><td>{image}</td>"
                         f"<td>{where}</td><td>{e(f.message)}</td><td class='n'>{px}</td></tr>")
        parts.append("</table>")
        if len(listed) < len(group):
            parts.append(f"<p>… and {len(group) - len(listed):,} more notes of this code in the JSON report "
                         "(--json FILE).</p>")
        parts.append("</details>")
    return parts


def _class_table(classes: dict, per_image: bool) -> str:
    cols = ["index", "level", "pixels", "overwritten", "regions"] + ([] if per_image else ["images"])
    rows = ["<table><tr><th>class</th>" + "".join(f"<th>{c}</th>" for c in cols) + "</tr>"]
    for name, entry in sorted(classes.items(), key=lambda kv: kv[1]["index"]):
        rows.append(f"<tr><td>{html.escape(name)}</td>"
                    + "".join(f"<td class='n'>{entry[c]:,}</td>" for c in cols) + "</tr>")
    rows.append("</table>")
    return "".join(rows)


_HEAD = (
    "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title}</title><style>"
    "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}h1{font-size:1.4em}"
    "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 8px;text-align:left;"
    "vertical-align:top}td.n{text-align:right}.error{color:#b00}.warning{color:#a60}.info{color:#36c}"
    ".zero{color:#555}.verdict{font-size:1.1em;padding:.5em .8em;border-radius:4px}"
    ".verdict.fail{background:#fde8e8}.verdict.ok{background:#e6f4ea}"
    ".card{border:1px solid #ddd;border-radius:6px;padding:1em;margin:1.5em 0}"
    ".pics{display:flex;gap:1%;align-items:flex-start}.pics img{width:49.5%;height:auto;border:1px solid #ccc}"
    ".legend .key{display:inline-block;margin-right:1em}.legend i{display:inline-block;width:1em;height:1em;"
    "vertical-align:middle;margin-right:.3em;border:1px solid #999}"
    "details.group{margin:.4em 0}summary{cursor:pointer}code{background:#f4f4f4;padding:0 3px}"
    ".filter{margin:.5em 0 1em}.hidden{display:none}"
    "</style></head><body>"
)

_SCRIPT = """<script>(function () {
  var form = document.querySelector('.filter');
  if (!form) return;
  function apply() {
    var sev = {};
    form.querySelectorAll('input[data-sev]').forEach(function (c) { sev[c.dataset.sev] = c.checked; });
    var code = document.getElementById('code').value;
    var text = document.getElementById('text').value.toLowerCase();
    document.querySelectorAll('details.group').forEach(function (group) {
      var show = sev[group.dataset.sev] && (!code || group.dataset.code === code);
      var any = false;
      group.querySelectorAll('tr.f').forEach(function (row) {
        var ok = show && (!text || row.textContent.toLowerCase().indexOf(text) >= 0);
        row.classList.toggle('hidden', !ok);
        any = any || ok;
      });
      group.classList.toggle('hidden', !any);
      if (text && any) group.open = true;
    });
  }
  form.addEventListener('input', apply);
  form.addEventListener('change', apply);
})();</script>"""
