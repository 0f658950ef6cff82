"""The HTML report (``--html FILE``): one self-contained page a vendor can act on.

- At the top, the verdict for a person: "Accepted: no errors", or "Rejected:
  3 errors (2 outside-container, 1 unknown-label)", with the rule below it.
- **Every** error and warning, grouped by code, each group with what the code
  means and what to do (``--explain``'s words), each finding with its message,
  file, line or element, image and pixels; notes too (the first
  ``NOTES_PER_CODE`` of each code).  A filter by severity, by code and by
  text, written inline; the browser's find works on the text.
- Pictures: the images with the most problems, then, up to ``KEEP`` cards, a
  sample of the others (a delivery with only notes, or none, still shows its
  masks): the photo (or a labelled placeholder when it is not found) beside
  the class mask laid over it, the offending pixels in magenta, box problems
  drawn (the declared ``bbox`` dashed orange, the box of the pixels cyan), a
  colour legend, the image's findings and pixel table; every card has an
  anchor (``#image-3``) that the findings link to.
- A fix (``segconv fix``, or ``convert`` with repair rules): the totals per rule, as on the terminal and in
  the JSON report's ``summary.repairs``, and a row per repaired image (``images[].repair``), all of them.
- The pixels per class of the whole delivery, in index order, and void.

Paths are shown relative to the source (:class:`~convert.reports.html_sections.PagePaths`): the page leaks nothing
of the machine that checked the delivery.  While the run streams only a score per image is kept; the kept
images are painted again and drawn at the end, so the page costs a few images' drawing whatever the size of
the delivery.
"""

from __future__ import annotations

import heapq
import html
import itertools
import os
from collections import Counter
from pathlib import Path

import numpy as np

from convert.files.atomic import write_text
from convert.findings import Finding
from convert.findings.severity import Severity
from convert.model.labelmap import LabelMap
from convert.reports.html_pictures import DECLARED_BOX, MEASURED_BOX, REPAIRED, render
from convert.reports.html_sections import (
    HEAD,
    SCRIPT,
    PagePaths,
    class_table,
    count,
    findings_section,
    repairs_section,
    verdict,
)
from convert.reports.repair_counts import touched
from convert.wording import plural

KEEP = 8  # image cards on the page: the worst images, then a sample of the others, drawn at the end
BOX_CODES = ("bbox-field-mismatch",)  # findings whose boxes are drawn on the picture


def score(findings, painted, fixed=None) -> tuple[int, int, int, int]:
    """How much an image needs looking at, for choosing the cards: (errors, warnings, offending pixels and
    pixels a repair touched, notes); images with all four 0 are a sample of the rest."""
    sev = Counter(f.severity for f in findings)
    trace = painted.trace
    offending = int((trace.offending_runs[1] - trace.offending_runs[0]).sum()) if trace is not None else 0
    if fixed is not None:
        offending += int((fixed.touched[1] - fixed.touched[0]).sum())
    return sev[Severity.ERROR], sev[Severity.WARNING], offending, sev[Severity.INFO]


class HtmlReport:
    """Keeps the ``keep`` images to draw while the run goes (the worst by score, earlier images first among
    equals) and the void pixels of every image; ``finish`` draws them and writes the page."""

    def __init__(self, path: str | Path, labelmap: LabelMap, keep: int = KEEP, repair=None):
        self.path = Path(path)
        self.labelmap = labelmap
        self.repair = repair  # RepairRules of a run that repairs: the cards show the painting before and after
        self.keep = keep
        self._heap: list = []
        self._tie = itertools.count()
        self.void = {"index": labelmap.void, "pixels": 0, "images": 0}
        self.repaired: list[tuple[str, dict]] = []  # (image, its JSON ``repair`` entry), images a rule changed

    def consider(self, image_score: tuple, index: int, name: str, findings: list[Finding], account: dict) -> None:
        """An image and its score (in the main process, in sample order)."""
        if account.get("void"):
            self.void["pixels"] += account["void"]
            self.void["images"] += 1
        if account.get("repair") and touched(account["repair"]):
            self.repaired.append((name, account["repair"]))
        item = (tuple(image_score), -next(self._tie), index, name, [f.to_dict() for f in findings], account)
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
        from convert.painting.paint import paint

        image_score, _, index, name, findings, account = item
        sample = dataset[index]
        painted = paint(sample, self.labelmap, rule=rule, trace=True)
        trace = painted.traced
        highlight = trace.offending_mask()
        if highlight is None:
            highlight = np.zeros(painted.class_mask.shape, bool)
        if self.labelmap.fill is None or self.labelmap.every_pixel_drawn:
            highlight |= trace.bare_mask()
        boxes = box_problems(trace, findings)
        photo, overlay, found = render(sample, painted, self.labelmap, highlight, boxes)
        after = None
        if self.repair:
            from convert.painting.repair import repair

            fixed = repair(painted, self.labelmap, self.repair)
            after = render(sample, fixed.painted, self.labelmap, fixed.touched_mask(), colour=REPAIRED)[1]
        return {"name": name, "findings": findings, "account": account, "photo": photo, "overlay": overlay,
                "found": found, "score": image_score, "boxes": len(boxes), "after": after}

    def finish(self, head: dict, findings: list[Finding], dataset, rule: str) -> None:
        cards = self._cards(dataset, rule)
        anchors = {card["name"]: f"image-{k + 1}" for k, card in enumerate(cards)}
        paths = PagePaths(head["source"])
        s = head["summary"]
        e = html.escape
        title = f"segconv report: {paths.name}"
        parts = [HEAD.replace("{title}", e(title)), f"<h1>{e(title)}</h1>",
                 verdict(s, head.get("fail_on", "error"), findings),
                 f"<p>format <code>{e(head['format'])}</code>, rule <code>{e(head['rule'])}</code>, "
                 f"{plural(s['images'], 'image')}: {count(s['errors'], 'error', 'errors')}, "
                 f"{count(s['warnings'], 'warning', 'warnings')}, {count(s['infos'], 'note', 'notes')}.</p>"]
        parts += findings_section(findings, anchors, paths)
        if "repairs" in s:
            parts += repairs_section(s["repairs"], head.get("repair", {}), self.repaired, anchors, s["images"])
        worst = [card for card in cards if any(card["score"][:3])]
        others = [card for card in cards if not any(card["score"][:3])]
        if cards:
            parts.append(f"<h2>Pictures ({len(cards)} of {plural(s['images'], 'image')})</h2>")
            parts.append("<p>Left: the image. Right: the class mask laid over it; "
                         "<b style='color:#f0f'>magenta</b> marks offending pixels (ambiguous overlaps, pixels "
                         "outside their container, unlabelled pixels)"
                         + ("; a box problem shows the declared <code>bbox</code> dashed orange and the box of "
                            "the pixels cyan" if any(card["boxes"] for card in cards) else "") + ".</p>")
            if self.repair:
                parts.append("<p>A repair ran (<code>segconv fix</code>): the middle picture is the painting as "
                             "the source drew it, the right one the painting written, the pixels the rules "
                             "filled or merged in <b style='background:#ff0'>yellow</b>.</p>")
            parts.append(self._legend(cards))
        if worst:
            parts.append(f"<h3 class='section'>The images with the most problems ({len(worst)})</h3>")
            parts += [self._card(card, anchors[card["name"]], paths) for card in worst]
        if others:
            which = "the other images" if worst else "the images"
            parts.append(f"<h3 class='section'>A sample of {which} ({len(others)}): no errors or warnings, "
                         "shown so that their masks can be checked</h3>")
            parts += [self._card(card, anchors[card["name"]], paths) for card in others]
        parts.append("<h2>Pixels per class, whole delivery</h2>")
        parts.append(class_table(s["classes"], per_image=False, void=self.void))
        if self.void["pixels"]:
            parts.append(f"<p>void ({self.void['index']}): \"don't care\" pixels (the source's own void, labels the "
                         "map does not know, pixels nothing covers without a fill class), in "
                         f"{plural(self.void['images'], 'image')}.</p>")
        parts.append(SCRIPT + "</body></html>\n")
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
        if self.repair:
            items.append("<span class='key'><i style='background:#ff0'></i>repaired pixels</span>")
        if any(card["boxes"] for card in cards):
            items.append(f"<span class='key'><i style='border:2px dashed rgb{DECLARED_BOX}'></i>declared bbox</span>")
            items.append(f"<span class='key'><i style='border:2px solid rgb{MEASURED_BOX}'></i>box of the "
                         "pixels</span>")
        return "<p class='legend'>" + "".join(items) + "</p>"

    def _card(self, card: dict, anchor: str, paths: PagePaths) -> str:
        e = html.escape
        account = card["account"]
        rows = []
        for f in card["findings"][:50]:
            rows.append(f"<li class='{f['severity']}'><b>{f['severity']}</b> <code>{e(f['code'])}</code> "
                        f"{e(paths.text(f.get('element', '')))}: {e(paths.text(f['message']))}"
                        + (f" ({f['pixels']:,} px)" if "pixels" in f else "") + "</li>")
        if len(card["findings"]) > 50:
            rows.append(f"<li>… {len(card['findings']) - 50} more, listed above</li>")
        alt = "image" if card["found"] else "image not found (placeholder)"
        found = "".join(rows) or "<li>no findings</li>"
        void = {"index": self.labelmap.void, "pixels": account["void"]}
        after = (f"<img src='{card['after']}' alt='after the repair, repaired pixels in yellow'>"
                 if card.get("after") else "")
        repaired = repair_lines(account.get("repair"))
        return (f"<div class='card' id='{anchor}'><h3><a href='#{anchor}'>#</a> {e(card['name'])}</h3>"
                f"<div class='pics{' three' if after else ''}'><img src='{card['photo']}' alt='{alt}'>"
                f"<img src='{card['overlay']}' alt='class mask and offending pixels'>{after}</div>{repaired}"
                f"<ul>{found}</ul>"
                + class_table(account["classes"], per_image=True, void=void)
                + f"<p>pixels no region covers: {account['filled']:,} shown by the fill class, "
                  f"{account['unlabelled']:,} left unlabelled (void); void pixels in all: {account['void']:,}</p>"
                  "</div>")


def box_problems(trace, findings: list[dict]) -> list[tuple[tuple, tuple, str]]:
    """(declared bbox, box of the region's pixels, label) for each box finding of an image, both (x, y, w, h):
    the region is the one the finding names (its element), the declared box is its source's ``bbox`` field."""
    named = {f.get("element") for f in findings if f["code"] in BOX_CODES}
    out = []
    for i, (region, _) in enumerate(trace.painted):
        declared = region.attributes.get("declared_bbox")
        if region.origin.element in named and declared is not None:
            measured = trace.raster_bbox(i)
            if measured is not None:
                label = (region.origin.element or "").replace("annotation ", "")
                out.append((tuple(declared), measured, label))
    return out


def repair_lines(entry: dict | None) -> str:
    """A card's repair counts: per rule, pixels from which class to which."""
    if not entry:
        return ""
    from convert.reports.repair_counts import change_text

    rows = []
    for rule, what in (("close_gaps", "gaps closed"), ("min_area", "small pieces merged")):
        part = entry.get(rule)
        if part is not None:
            pieces = f" in {plural(part['pieces'], 'piece')}" if "pieces" in part else ""
            rows.append(f"<li><b>{what}</b>: {plural(part['pixels'], 'pixel')}{pieces}"
                        + (f" ({html.escape(change_text(part['changes'], 6))})" if part["changes"] else "") + "</li>")
    rows.append(f"<li><b>class changed</b>: {plural(entry['changed']['pixels'], 'pixel')}</li>")
    return "<ul class='repair'>" + "".join(rows) + "</ul>"
