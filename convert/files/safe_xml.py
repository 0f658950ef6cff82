"""Parsing untrusted XML (CVAT, Pascal VOC, MIT LabelMe) safely, keeping line numbers.

defusedxml refuses DOCTYPE declarations, hence entity declarations ("billion
laughs"), external entities and DTD fetches; no annotation tool writes them.
Each element remembers the line of its start tag so findings can say
``annotations.xml:42``::

    >>> root = parse_bytes(b"<a>\\n  <b x='1'/>\\n</a>", "demo.xml")
    >>> line_of(root.find("b"))
    2
    >>> parse_bytes(b"<!DOCTYPE a [<!ENTITY e 'x'>]><a>&e;</a>", "bomb.xml")
    Traceback (most recent call last):
    ...
    convert.errors.SegconvError: bomb.xml:1: XML has a DOCTYPE declaration, which segconv refuses (entity ...
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import DefusedXMLParser

from convert.errors import SegconvError, read_source

_LINE = "{segconv}line"


class _LineBuilder(ET.TreeBuilder):
    parser: DefusedXMLParser | None = None

    def __init__(self):
        super().__init__()
        self.open: list[str] = []  # the start tags not closed yet, to say where a cut file stops

    def start(self, tag, attrs):
        attrs = dict(attrs)
        if self.parser is not None:
            attrs[_LINE] = str(self.parser.parser.CurrentLineNumber)
        named = " ".join(f'{k}="{attrs[k]}"' for k in ("id", "name") if k in attrs)
        self.open.append(f"<{tag}{' ' + named if named else ''}>")
        return super().start(tag, attrs)

    def end(self, tag):
        if self.open:
            self.open.pop()
        return super().end(tag)


_CUT = {3, 5, 20}  # expat: no element found, unclosed token, unclosed CDATA section: the text stopped


def _ends_early(data: bytes, open_tags: list[str]) -> str:
    text = data.decode("utf-8", "replace")
    line = text.count("\n") + 1
    column = len(text) - (text.rfind("\n") + 1) + 1
    inside = f" inside {' '.join(open_tags[-3:])}" if open_tags else ""
    return (f"the file ends early: the XML stops at the end of the file (line {line:,}, column {column}){inside}; "
            "it was cut short (an interrupted download, copy or export?): get the whole file again")


def line_of(element) -> int | None:
    value = element.get(_LINE)
    return int(value) if value else None


def parse_bytes(data: bytes, name: str) -> ET.Element:
    """Parse ``data`` (the content of file ``name``); every failure is a SegconvError."""
    builder = _LineBuilder()
    parser = DefusedXMLParser(target=builder, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    builder.parser = parser
    try:
        parser.feed(data)
        return parser.close()
    except DTDForbidden:
        raise SegconvError("XML has a DOCTYPE declaration, which segconv refuses "
                           "(entity expansion and external DTD attacks)",
                           file=name, line=parser.parser.CurrentLineNumber) from None
    except EntitiesForbidden:
        raise SegconvError("XML declares entities, which segconv refuses (entity expansion attacks)",
                           file=name, line=parser.parser.CurrentLineNumber) from None
    except ExternalReferenceForbidden:
        raise SegconvError("XML refers to an external entity or DTD, which segconv refuses",
                           file=name, line=parser.parser.CurrentLineNumber) from None
    except DefusedXmlException as exc:
        raise SegconvError(f"unsafe XML refused: {exc}", file=name) from None
    except LookupError as exc:  # <?xml ... encoding="nonsense"?>
        raise SegconvError(f"XML declares an encoding Python does not know ({exc})", file=name, line=1) from None
    except (UnicodeError, ValueError) as exc:
        raise SegconvError(f"invalid XML: {exc}", file=name) from None
    except ET.ParseError as exc:
        if getattr(exc, "code", None) in _CUT:
            raise SegconvError(_ends_early(data, builder.open), file=name,
                               line=data.count(b"\n") + 1) from None
        line = exc.position[0] if getattr(exc, "position", None) else None
        raise SegconvError(f"invalid XML: {exc.msg if hasattr(exc, 'msg') else exc}", file=name, line=line) from None


def parse_file(path: Path) -> ET.Element:
    return parse_bytes(read_source(path), str(path))


def root_tag(path: Path, limit: int = 1 << 16) -> str | None:
    """The root element's tag, read from the first bytes only (for detection)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(limit)
    except OSError:
        return None
    text = head.decode("utf-8", "replace")
    text = re.sub(r"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>", "", text, flags=re.S)
    match = re.search(r"<([A-Za-z_][\w.:-]*)", text)
    return match.group(1) if match else None
