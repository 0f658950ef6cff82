"""The reports of ``segconv diff``: JSON (``schemas/diff.schema.json``) and a self-contained HTML page.

The page shows the verdict, the per-class IoU table, the confusion list (which class became which, in
pixels), every image that changed, and for the most changed ones three pictures: A's mask and B's mask laid
over the photo, and the photo with the changed pixels in magenta.  Only those images are painted again, at
the end.  Like the validation page, it names no folder of the machine that compared: A and B are shown below
the folder they share (:func:`shown_pair`).
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from convert.files.atomic import write_text
from convert.painting.paint import paint
from convert.reports.html_pictures import jpeg_uri, overlay, photo_thumbnail
from convert.reports.html_sections import HEAD
from convert.wording import plural

if TYPE_CHECKING:  # the diff computes the report; this module only writes it
    from convert.pipeline.diff import DiffReport

CARDS = 8


def shown_pair(a: str | Path, b: str | Path) -> tuple[str, str]:
    """A and B as the page names them: below the folder they share; sharing none but the root, as
    ``<folder>/<name>``.

    >>> shown_pair("/home/ana/v1/annotations.json", "/home/ana/v2/annotations.xml")
    ('v1/annotations.json', 'v2/annotations.xml')
    >>> shown_pair("/home/ana/v1/annotations.json", "/home/ana/v1/fixed")
    ('annotations.json', 'fixed')
    >>> shown_pair("/data/v1/a.json", "/mnt/v2/a.json"), shown_pair("/a.json", "/b.json")
    (('v1/a.json', 'v2/a.json'), ('a.json', 'b.json'))
    """
    a, b = os.path.abspath(a), os.path.abspath(b)
    common = os.path.commonpath([os.path.dirname(a), os.path.dirname(b)])
    if common == os.path.dirname(common):  # only the root is shared
        return tuple("/".join(Path(p).parts[1:][-2:]) for p in (a, b))  # type: ignore[return-value]
    return tuple(os.path.relpath(p, common).replace(os.sep, "/") for p in (a, b))  # type: ignore[return-value]


def write_json(report: DiffReport, path: str | Path) -> None:
    from convert import __version__

    doc = {"segconv": __version__, "labelmap": report.labelmap.to_dict(), "summary": report.summary(),
           "images": report.images}
    write_text(Path(path), json.dumps(doc) + "\n")


def write_html(report: DiffReport, path: str | Path, a_dataset, b_dataset, rule: str) -> None:
    e = html.escape
    s = report.summary()
    verdict = ("<p class='verdict ok'>Exit code 0: the masks are identical.</p>" if not report.changed else
               f"<p class='verdict fail'>Exit code 1: {plural(s['changed_images'], 'image')} changed "
               f"({plural(s['changed_pixels'], 'pixel')}), {s['only_a']:,} only in A, {s['only_b']:,} only in B"
               + (f", {s['size_differs']:,} of another size" if s["size_differs"] else "") + ".</p>")
    a, b = shown_pair(s["a"], s["b"])
    parts = [HEAD.replace("{title}", e("segconv diff")), f"<h1>segconv diff</h1><p>A: <code>{e(a)}</code><br>"
             f"B: <code>{e(b)}</code></p>", verdict,
             f"<p>objects: {s['objects']['added']:,} added, {s['objects']['removed']:,} removed, "
             f"{s['objects']['changed']:,} changed, {s['objects']['unchanged']:,} unchanged (matched inside a class "
             f"by IoU &ge; 0.5){_not_compared(report)}</p>",
             "<h2>Classes</h2><table><tr><th>class</th><th>pixels in A</th><th>pixels in B</th><th>IoU</th></tr>"]
    for name, entry in s["classes"].items():
        iou = "" if entry["iou"] is None else f"{entry['iou']:.4f}"
        parts.append(f"<tr><td>{e(name)}</td><td class='n'>{entry['a']:,}</td><td class='n'>{entry['b']:,}</td>"
                     f"<td class='n'>{iou}</td></tr>")
    parts.append("</table><h2>What became what</h2><table><tr><th>in A</th><th>in B</th><th>pixels</th></tr>")
    for item in s["confusion"][:50]:
        parts.append(f"<tr><td>{e(item['from'])}</td><td>{e(item['to'])}</td>"
                     f"<td class='n'>{item['pixels']:,}</td></tr>")
    parts.append("</table><h2>Images</h2><table><tr><th>image</th><th>status</th><th>changed pixels</th>"
                 "<th>objects added / removed / changed</th><th>new findings in B</th></tr>")
    changed = sorted((x for x in report.images if x["status"] != "same"), key=lambda x: -x.get("changed_pixels", 0))
    anchors = {x["image"]: f"image-{k + 1}" for k, x in enumerate(changed[:CARDS]) if x.get("changed_pixels")}
    for x in changed:
        name = e(x["image"])
        if x["image"] in anchors:
            name = f"<a href='#{anchors[x['image']]}'>{name}</a>"
        objects = x.get("objects") or {}
        objs = f"{objects.get('added', 0)} / {objects.get('removed', 0)} / {objects.get('changed', 0)}" \
            if objects and x.get("objects_compared", True) else "not compared (class masks only)" if objects else ""
        new = ", ".join(sorted({f["code"] for f in x.get("findings_new", [])}))
        parts.append(f"<tr><td>{name}</td><td>{e(x['status'])}</td><td class='n'>{x.get('changed_pixels', 0):,}</td>"
                     f"<td>{objs}</td><td>{e(new)}</td></tr>")
    parts.append("</table>")
    if anchors:
        parts.append("<h2>The most changed images</h2><p>Left: A. Middle: B. Right: the pixels whose class changed, "
                     "in <b style='color:#f0f'>magenta</b>.</p>")
        a_index = {n: i for i, n in enumerate(a_dataset.names())}
        b_index = {n: i for i, n in enumerate(b_dataset.names())}
        for x in changed[:CARDS]:
            if x["image"] not in anchors:
                continue
            a_sample, b_sample = a_dataset[a_index[x["image"]]], b_dataset[b_index[x["b_image"]]]
            a_mask = paint(a_sample, report.labelmap, rule=rule).class_mask
            b_mask = paint(b_sample, report.labelmap, rule=rule).class_mask
            shown = a_sample if a_sample.image_path or a_sample.image_data else b_sample
            photo, _ = photo_thumbnail(shown, a_sample.width, a_sample.height)
            pictures = [overlay(photo, a_mask, report.labelmap), overlay(photo, b_mask, report.labelmap),
                        overlay(photo, a_mask, report.labelmap, a_mask != b_mask, colour_classes=False)]
            parts.append(f"<div class='card' id='{anchors[x['image']]}'><h3>{e(x['image'])}</h3>"
                         "<div class='pics3'>" + "".join(f"<img src='{jpeg_uri(p)}' alt='{alt}'>" for p, alt in
                                                         zip(pictures, ("A", "B", "changed pixels"))) + "</div>"
                         f"<p>{plural(x['changed_pixels'], 'pixel')} changed: "
                         + e(", ".join(f"{c['from']} → {c['to']} {c['pixels']:,}" for c in x["confusion"][:8]))
                         + "</p></div>")
    parts.append("<style>.pics3{display:flex;gap:1%}.pics3 img{width:32.6%;height:auto;border:1px solid #ccc}"
                 "</style></body></html>\n")
    write_text(Path(path), "".join(parts))


def _not_compared(report) -> str:
    """The words for images whose objects were not compared (one side read from class masks alone)."""
    unknown = report.objects_not_compared
    return f"; not compared in {plural(unknown, 'image')}: A or B holds class masks only, no objects" if unknown else ""
