"""The text of a CVAT for images 1.1 document as CVAT writes it (``docs/formats.md``, "Sending a delivery back"):
``<annotations>``, ``<version>1.1</version>``, ``<meta>`` and the ``<image>`` elements, two spaces a level.

``<meta>`` holds a ``<project>`` with one ``<task>`` per subset and ``<subsets>``, the layout of CVAT's project
export, even for one subset: CVAT's project importer needs it, CVAT's task upload ignores ``<meta>``, and
Datumaro's CVAT importer takes a ``<task>`` file's images as one subset named after the file, dropping every
``<image>`` whose ``subset`` attribute says otherwise (Datumaro 1.13.12: 0 items).  It lists every label with
its ``color``, ``type`` and ``attributes`` (each with an ``input_type``, which CVAT's project importer
requires).

    >>> print(shape("polygon", [("label", "a&b"), ("occluded", "0"), ("points", "0.00,0.00;2.00,0.00;2.00,1.00"),
    ...                         ("z_order", "1")], [("colour", "<red>")]), end="")
        <polygon label="a&amp;b" occluded="0" points="0.00,0.00;2.00,0.00;2.00,1.00" z_order="1">
          <attribute name="colour">&lt;red&gt;</attribute>
        </polygon>
    >>> print(shape("tag", [("label", "day")], []), end="")
        <tag label="day" />
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

HEAD = '<?xml version="1.0" encoding="utf-8"?>\n<annotations>\n  <version>1.1</version>\n'
TAIL = "</annotations>\n"


@dataclass
class Label:
    """A label of ``<meta>``: its type (``any``: every shape; ``tag``: an image label) and the attributes
    its shapes carry (``{name: input_type}``)."""

    name: str
    color: tuple[int, int, int]
    type: str = "any"
    attributes: dict[str, str] = field(default_factory=dict)


def shape(tag: str, attributes: list[tuple[str, str]], children: list[tuple[str, str]]) -> str:
    """One shape element, at the depth of an image's children."""
    head = f"    <{tag} " + " ".join(f"{key}={quoteattr(value)}" for key, value in attributes)
    if not children:
        return head + " />\n"
    inner = "".join(f"      <attribute name={quoteattr(name)}>{escape(value)}</attribute>\n"
                    for name, value in children)
    return f"{head}>\n{inner}    </{tag}>\n"


def image_open(attributes: list[tuple[str, str]]) -> str:
    return "  <image " + " ".join(f"{key}={quoteattr(value)}" for key, value in attributes) + ">\n"


IMAGE_CLOSE = "  </image>\n"


def meta(subsets: dict[str, int], labels: list[Label], name: str) -> str:
    """``<meta>``: a project of one task per subset, ``subsets`` = {subset: images}.

    >>> print(meta({"default": 2}, [Label("plate", (128, 0, 0))], "food"), end="")
      <meta>
        <project>
          <id>1</id>
          <name>food</name>
          <bugtracker></bugtracker>
          <tasks>
            <task>
              <id>1</id>
              <name>food default</name>
              <size>2</size>
              <mode>annotation</mode>
              <overlap>0</overlap>
              <bugtracker></bugtracker>
              <subset>default</subset>
            </task>
          </tasks>
          <subsets>default</subsets>
          <labels>
            <label>
              <name>plate</name>
              <color>#800000</color>
              <type>any</type>
              <attributes>
              </attributes>
            </label>
          </labels>
        </project>
      </meta>
    """
    label_text = _labels(labels, "      ")
    subsets = subsets or {"default": 0}
    tasks = "".join(_task(k, f"{name} {subset}", size, subset, "        ")
                    for k, (subset, size) in enumerate(subsets.items(), start=1))
    listed = "\n".join(escape(s) for s in subsets)
    return (f"  <meta>\n    <project>\n      <id>1</id>\n      <name>{escape(name)}</name>\n"
            f"      <bugtracker></bugtracker>\n      <tasks>\n{tasks}      </tasks>\n"
            f"      <subsets>{listed}</subsets>\n{label_text}    </project>\n  </meta>\n")


def task_ids(subsets) -> dict[str, int]:
    """The id of each subset's task in :func:`meta` (1, 2, ... in the order given)."""
    return {subset: k for k, subset in enumerate(subsets, start=1)}


def _task(task_id: int, name: str, size: int, subset: str, pad: str, labels: str = "") -> str:
    inner = pad + "  "
    return (f"{pad}<task>\n{inner}<id>{task_id}</id>\n{inner}<name>{escape(name)}</name>\n"
            f"{inner}<size>{size}</size>\n{inner}<mode>annotation</mode>\n{inner}<overlap>0</overlap>\n"
            f"{inner}<bugtracker></bugtracker>\n{inner}<subset>{escape(subset)}</subset>\n{labels}{pad}</task>\n")


def _labels(labels: list[Label], pad: str) -> str:
    out = [f"{pad}<labels>\n"]
    for label in labels:
        r, g, b = label.color
        out.append(f"{pad}  <label>\n{pad}    <name>{escape(label.name)}</name>\n"
                   f"{pad}    <color>#{r:02x}{g:02x}{b:02x}</color>\n{pad}    <type>{label.type}</type>\n"
                   f"{pad}    <attributes>\n")
        for name, input_type in label.attributes.items():
            default, values = ("false", "false\ntrue") if input_type == "checkbox" else ("", "")
            out.append(f"{pad}      <attribute>\n{pad}        <name>{escape(name)}</name>\n"
                       f"{pad}        <mutable>False</mutable>\n{pad}        <input_type>{input_type}</input_type>\n"
                       f"{pad}        <default_value>{default}</default_value>\n"
                       f"{pad}        <values>{values}</values>\n{pad}      </attribute>\n")
        out.append(f"{pad}    </attributes>\n{pad}  </label>\n")
    out.append(f"{pad}</labels>\n")
    return "".join(out)
