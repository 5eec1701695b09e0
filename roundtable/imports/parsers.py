"""Reading uploaded case files into rows of raw case fields, each with the line it came from.

Parsing only finds rows; judging them is left to the shared case rules
(``clean_case_fields``), so a file and a form are held to the same standard.
A problem with the file as a whole raises ``FileRejected``; a problem with one
row travels with that row (``RawRow.problem``) so the secretary sees them all.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser, ParseError
from flask_babel import gettext

from roundtable.core import safe_json
from roundtable.core.errors import OperationError

FORMATS = {"csv": "CSV", "open311_json": "Open311 JSON", "open311_xml": "Open311 XML"}
SOURCE_FOR_FORMAT = {"csv": "csv", "open311_json": "open311", "open311_xml": "open311"}

# Our field name → the headers a spreadsheet may use for it (compared without case or spaces).
COLUMN_ALIASES = {
    "external_number": ("external_number", "工单编号", "工单号", "编号", "受理编号"),
    "source": ("source", "来源", "工单来源"),
    "category": ("category", "类别", "问题类别", "诉求类别", "问题分类"),
    "urgency": ("urgency", "紧急程度", "缓急程度"),
    "description": ("description", "诉求内容", "问题描述", "内容", "描述"),
    "address": ("address", "地址", "诉求地址", "问题地址"),
    "complainant_name": ("complainant_name", "诉求人", "诉求人姓名", "姓名", "联系人"),
    "complainant_phone": ("complainant_phone", "联系电话", "诉求人电话", "电话", "手机"),
    "received_at": ("received_at", "受理时间", "来电时间", "登记时间"),
    "latitude": ("latitude", "lat", "纬度"),
    "longitude": ("longitude", "long", "lng", "lon", "经度"),
}
REQUIRED_COLUMNS = ("external_number", "category", "description", "address")
OPEN311_STATUSES = ("open", "closed")


class FileRejected(OperationError):
    """The file as a whole cannot be read; nothing of it is kept."""


@dataclass
class RawRow:
    line: int
    values: dict
    problem: str = ""
    # Open311's "closed": the request was already resolved in the system it came from.
    closed: bool = False
    closed_at: str = ""
    # Open311's service_code as sent; mapped to our category when the rows are checked.
    service_code: str | None = None


@dataclass
class ParsedFile:
    file_format: str
    rows: list[RawRow] = field(default_factory=list)

    @property
    def default_source(self) -> str:
        return SOURCE_FOR_FORMAT[self.file_format]


def parse_upload(filename: str, data: bytes, *, max_bytes: int, max_rows: int, declared: str = "") -> ParsedFile:
    """Read an uploaded file of any supported format, or refuse it with the reason."""
    if not data or not data.strip():
        raise FileRejected("文件是空的。")
    if len(data) > max_bytes:
        raise FileRejected("文件过大(超过 %(kb)s KB),请分成几个文件上传。", kb=max_bytes // 1024)
    file_format = declared or detect_format(filename, data)
    if b"\x00" in data and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRejected("文件里有无效字符(NUL),这不是文本文件,请上传 CSV、Open311 JSON 或 XML 文件。")
    if file_format == "csv":
        parsed = ParsedFile(file_format, parse_csv(decode(data)))
    elif file_format == "open311_json":
        parsed = ParsedFile(file_format, parse_open311_json(decode(data)))
    elif file_format == "open311_xml":  # XML declares its own encoding
        parsed = ParsedFile(file_format, parse_open311_xml(data))
    else:
        raise FileRejected("不支持的文件类型。")
    if not parsed.rows:
        raise FileRejected("文件里没有工单数据(只有表头或空行)。")
    if len(parsed.rows) > max_rows:
        raise FileRejected("一次最多导入 %(max)s 条,这个文件有 %(rows)s 条,请分成几个文件。", max=max_rows, rows=len(parsed.rows))
    return parsed


def detect_format(filename: str, data: bytes) -> str:
    """By the file's name first, then by its first character; binaries are named as such."""
    head = data[:8192]
    if head.startswith(b"PK\x03\x04"):
        raise FileRejected("这是 Excel 工作簿等压缩文件,请在 Excel 中「另存为」CSV 后再上传。")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRejected("文件是 UTF-16 编码,请另存为「CSV UTF-8」或 GBK 编码的 CSV。")
    if b"\x00" in head:
        raise FileRejected("这不是文本文件,请上传 CSV、Open311 JSON 或 XML 文件。")
    name = (filename or "").lower()
    for suffix, file_format in ((".csv", "csv"), (".txt", "csv"), (".json", "open311_json"), (".xml", "open311_xml")):
        if name.endswith(suffix):
            return file_format
    first = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if first == b"[":
        return "open311_json"
    if first == b"<":
        return "open311_xml"
    return "csv"


def decode(data: bytes) -> str:
    """UTF-8 with or without BOM, else GBK (GB18030, its superset), which Chinese Excel writes."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileRejected("无法识别文件编码,请另存为 UTF-8 或 GBK 编码。")


def _header_key(header: str) -> str:
    return "".join(header.split()).lower()


_ALIAS_TO_FIELD = {_header_key(alias): name for name, aliases in COLUMN_ALIASES.items() for alias in aliases}


def parse_csv(text: str) -> list[RawRow]:
    """Rows keyed by our field names; the line number is where the record starts."""
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise FileRejected("文件里没有表头。") from None
    columns = _map_header(header)
    rows = []
    previous_line = reader.line_num
    try:
        for cells in reader:
            line = previous_line + 1
            previous_line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            problem = gettext("这一行的列数多于表头") if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]) else ""
            values = {name: cells[index] for index, name in columns.items() if index < len(cells)}
            rows.append(RawRow(line, values, problem))
    except csv.Error as exc:
        raise FileRejected("第 %(line)s 行 CSV 格式有误(引号未闭合等):%(error)s", line=reader.line_num, error=str(exc)) from None
    return rows


def _map_header(header: list[str]) -> dict[int, str]:
    columns: dict[int, str] = {}
    for index, title in enumerate(header):
        name = _ALIAS_TO_FIELD.get(_header_key(title))
        if name is None:
            continue
        if name in columns.values():
            raise FileRejected("表头里有两列都是「%(column)s」,请只保留一列。", column=COLUMN_ALIASES[name][1])
        columns[index] = name
    missing = [COLUMN_ALIASES[name][1] for name in REQUIRED_COLUMNS if name not in columns.values()]
    if missing:
        raise FileRejected("表头缺少必需的列:%(columns)s。请对照导入说明检查第一行(表头)。", columns=gettext("、").join(missing))
    return columns


def parse_open311_json(text: str) -> list[RawRow]:
    """A GeoReport v2 array of requests, read item by item to know the line each starts on."""
    try:
        safe_json.check_text(text)
    except safe_json.UnsafeJSON:
        raise FileRejected("JSON 嵌套层数过多或含有无效字符(NUL),不是 Open311 请求文件。") from None
    decoder = json.JSONDecoder()
    position = _skip_space(text, 0)
    if text[position:position + 1] != "[":
        raise FileRejected("Open311 JSON 文件应是请求的数组(以 [ 开头)。")
    position = _skip_space(text, position + 1)
    items: list[Any] = []
    try:
        while text[position:position + 1] != "]":
            if items:
                if text[position:position + 1] != ",":
                    raise json.JSONDecodeError("Expecting ',' or ']'", text, position)
                position = _skip_space(text, position + 1)
            line = text.count("\n", 0, position) + 1
            item, position = decoder.raw_decode(text, position)
            items.append((line, item))
            position = _skip_space(text, position)
    except json.JSONDecodeError as exc:
        raise FileRejected("JSON 格式错误(第 %(line)s 行):请检查逗号、引号和括号。", line=exc.lineno) from None
    if text[position + 1:].strip():
        raise FileRejected("JSON 数组结束后还有多余内容。")
    if any(safe_json.has_nul(item) for _line, item in items):
        raise FileRejected("文件里有请求含有无效字符(NUL)。")
    return [
        _open311_row(line, item) if isinstance(item, dict) else RawRow(line, {}, "这一项不是请求对象")
        for line, item in items
    ]


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


class _LineRecordingBuilder(TreeBuilder):
    """Remembers the line each element starts on, for the error report."""

    def __init__(self):
        super().__init__()
        self.parser = None
        self.lines: dict[int, int] = {}

    def start(self, tag, attrs):
        element = super().start(tag, attrs)
        self.lines[id(element)] = self.parser.parser.CurrentLineNumber
        return element


def parse_open311_xml(data: bytes) -> list[RawRow]:
    """GeoReport v2 ``<service_requests><request>...``, parsed safely (no DTD, no entities)."""
    builder = _LineRecordingBuilder()
    parser = DefusedXMLParser(target=builder, forbid_dtd=True)
    builder.parser = parser
    try:
        parser.feed(data)
        root: Element = parser.close()
    except ParseError as exc:
        line = exc.position[0] if exc.position else "?"
        raise FileRejected("XML 格式错误(第 %(line)s 行)。", line=line) from None
    except DefusedXmlException:
        raise FileRejected("XML 文件含有 DTD 或实体声明,出于安全原因不予处理。") from None
    if root.tag != "service_requests":
        raise FileRejected("Open311 XML 的根元素应为 <service_requests>。")
    rows = []
    for element in root:
        line = builder.lines.get(id(element), 0)
        if element.tag != "request":
            rows.append(RawRow(line, {}, gettext("未知元素 <%(tag)s>,应为 <request>", tag=element.tag[:30])))
            continue
        rows.append(_open311_row(line, {child.tag: (child.text or "").strip() for child in element}))
    return rows


def _open311_row(line: int, item: dict) -> RawRow:
    """A GeoReport v2 request as our case fields.

    ``service_code`` is kept as the sender wrote it: our own category codes pass
    as they are, other systems' codes are mapped (or refused, named) by the
    community's service-code mapping when the rows are checked.
    """

    def text(name: str) -> str:
        value = item.get(name)
        return "" if value is None else str(value).strip()

    problems = []
    code = text("service_code")
    if not code:
        problems.append(gettext("缺少 service_code"))
    status = text("status").lower() or "open"
    if status not in OPEN311_STATUSES:
        problems.append(gettext("未知的 status「%(status)s」,应为 open 或 closed", status=status[:20]))
    address = text("address") or text("address_string")
    if not address and text("lat") and text("long"):
        address = f"坐标 {text('lat')},{text('long')}"
    values = {
        "external_number": text("service_request_id"),
        "category": code,
        "description": text("description"),
        "address": address,
        "received_at": text("requested_datetime"),
        "latitude": text("lat"),
        "longitude": text("long"),
    }
    closed = status == "closed"
    return RawRow(line, values, ";".join(problems), closed, text("updated_datetime") if closed else "",
                  service_code=code)
