"""Open311 GeoReport v2 bodies in JSON and XML."""
from __future__ import annotations

from xml.etree.ElementTree import Element, SubElement, tostring

from flask import Response, jsonify, request


def open311_format() -> str:
    return "xml" if request.path.endswith(".xml") else "json"


def render(root: str, item: str, rows: list[dict], status: int = 200) -> Response:
    """A list of flat dicts as the spec's JSON array or XML ``<root><item>...``."""
    if open311_format() == "xml":
        element = Element(root)
        for row in rows:
            child = SubElement(element, item)
            for key, value in row.items():
                SubElement(child, key).text = "" if value is None else str(value)
        body = b'<?xml version="1.0" encoding="utf-8"?>' + tostring(element, encoding="utf-8")
        return Response(body, status=status, mimetype="text/xml")
    response = jsonify(rows)
    response.status_code = status
    return response


def open311_errors(status: int, description: str) -> Response:
    return render("errors", "error", [{"code": status, "description": description}], status)
