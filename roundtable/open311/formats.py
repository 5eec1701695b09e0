"""Open311 GeoReport v2 bodies in JSON and XML.

The format is chosen by the URL's extension (``.json`` or ``.xml``), as the
spec asks; every body, errors included, comes out in that format.
"""
from __future__ import annotations

import re
from datetime import datetime
from xml.etree.ElementTree import Element, SubElement, tostring

from flask import Response, jsonify, request

from roundtable.core.time import local
from roundtable.core.types import JsonObject

# The element name of one entry of a list, for lists nested in a document (discovery).
XML_LIST_ITEMS = {"endpoints": "endpoint", "formats": "format"}


def open311_format() -> str:
    return "xml" if request.path.endswith(".xml") else "json"


def w3c_datetime(moment: datetime | None) -> str | None:
    """W3C / ISO 8601 with the Beijing offset, e.g. ``2026-11-20T14:30:00+08:00``."""
    shown = local(moment)
    return shown.isoformat(timespec="seconds") if shown else None


# Control characters a resident's pasted text may hold are not allowed anywhere in XML 1.0.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _append(parent: Element, name: str, value: object) -> None:
    element = SubElement(parent, name)
    if isinstance(value, dict):
        for key, inner in value.items():
            _append(element, key, inner)
    elif isinstance(value, list):
        for inner in value:
            _append(element, XML_LIST_ITEMS.get(name, "item"), inner)
    else:
        element.text = _xml_text(value)


def _xml_response(element: Element, status: int) -> Response:
    body = b'<?xml version="1.0" encoding="utf-8"?>' + tostring(element, encoding="utf-8")
    return Response(body, status=status, mimetype="text/xml")


def _json_response(data: object, status: int) -> Response:
    response = jsonify(data)
    response.status_code = status
    return response


def render(root: str, item: str, rows: list[JsonObject], status: int = 200) -> Response:
    """A list of flat dicts as the spec's JSON array or XML ``<root><item>...``."""
    if open311_format() == "xml":
        element = Element(root)
        for row in rows:
            child = SubElement(element, item)
            for key, value in row.items():
                _append(child, key, value)
        return _xml_response(element, status)
    return _json_response(rows, status)


def render_document(root: str, document: JsonObject, status: int = 200) -> Response:
    """One nested object (the discovery document) as JSON or XML."""
    if open311_format() == "xml":
        element = Element(root)
        for key, value in document.items():
            _append(element, key, value)
        return _xml_response(element, status)
    return _json_response(document, status)


def open311_errors(status: int, description: str) -> Response:
    return render("errors", "error", [{"code": status, "description": description}], status)
