"""Babel extractor for roundtable/**.py: the ordinary Python extractor plus label tables.

Much of the Chinese text the app shows is written as plain literals and translated
only when it is displayed (``{{ _(case.status_label) }}``, ``{{ _(error) }}``,
``{{ _(f.label.text) }}``). Babel finds those literals only where a keyword tells it
to look; the keywords for exceptions, form fields and validators are in babel.cfg.
Label tables (``STATUS_LABELS = {"received": "已接收", ...}``, ``STANCE_BUTTONS =
(("support", "支持"), ...)``) have no call to key on, so this extractor also takes
every Chinese string held in a dict, list or tuple literal assigned at module or
class level (dict keys are codes, not text, and are skipped), and every Chinese string
constant (``NO_SUCH_LINK = "这个链接无效…"``) shown through ``_()`` later.

Used from babel.cfg as ``[translations.extract:extract_python_and_labels: ...]``;
the project root must be on the import path (the Makefile's ``messages`` target
sets PYTHONPATH=.). Options from babel.cfg (space separated):

- ``skip_files``: fnmatch patterns of modules whose tables are data rather than
  interface text (the demo community);
- ``chinese_argument_calls``: calls whose Chinese literal arguments are all messages
  (see ``chinese_argument_literals``);
- ``kwarg_calls`` and ``kwarg_names``: Babel reads positional arguments only, so for
  calls to these names (and to every extraction keyword) literals passed as one of
  ``kwarg_names`` (``message=``, ``label=``) are taken as well.
"""
from __future__ import annotations

import ast
import fnmatch
import re

from babel.messages.extract import DEFAULT_KEYWORDS, extract_python

CJK = re.compile(r"[\u3400-\u9fff]")
# Parsing formats such as "%Y年%m月%d日" are data, not text to translate.
STRFTIME = re.compile(r"%[YmdHMSjbBaA]")


def _strings(node: ast.AST):
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node
    elif isinstance(node, ast.Dict):
        for value in node.values:
            yield from _strings(value)
    elif isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        for element in node.elts:
            yield from _strings(element)


def label_literals(source: str):
    """(lineno, text) for each Chinese string in a module- or class-level literal table or constant."""
    tree = ast.parse(source)
    bodies = [tree.body] + [node.body for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]
    for body in bodies:
        for statement in body:
            if isinstance(statement, (ast.Assign, ast.AnnAssign)) and statement.value is not None:
                if isinstance(statement.value, (ast.Dict, ast.Tuple, ast.List, ast.Set, ast.Constant)):
                    for constant in _strings(statement.value):
                        text = constant.value
                        if CJK.search(text) and not STRFTIME.search(text):
                            yield constant.lineno, text


def keyword_argument_literals(source: str, callees: set[str], names: set[str]):
    """(lineno, text) for Chinese literals passed by name, e.g. ``Length(max=64, message="...")``.

    Babel's Python extractor reads positional arguments only.
    """
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            callee = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if callee in callees:
                for keyword in node.keywords:
                    value = keyword.value
                    if keyword.arg in names and isinstance(value, ast.Constant) and isinstance(value.value, str):
                        if CJK.search(value.value):
                            yield value.lineno, value.value


def _whole_literals(node: ast.AST):
    """Every string literal inside an expression (lists, tuples, ``a if c else b``), but no f-string pieces."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node
    elif not isinstance(node, ast.JoinedStr):
        for child in ast.iter_child_nodes(node):
            yield from _whole_literals(child)


def chinese_argument_literals(source: str, callees: set[str]):
    """(lineno, text) for Chinese literals among the arguments of these calls, inside lists and tuples too.

    For helpers that take a message or a label among other arguments
    (``of_meeting(Motion, motion_id, meeting, "找不到这项动议。")``, the live payload
    fields ``p.integer("会议")``, select choices ``options([("", "请选择"), ...])``),
    where a keyword would also take the SQL of ``text("SELECT ...")``.
    """
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            callee = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if callee in callees:
                for argument in [*node.args, *(keyword.value for keyword in node.keywords)]:
                    for constant in _whole_literals(argument):
                        if CJK.search(constant.value) and not STRFTIME.search(constant.value):
                            yield constant.lineno, constant.value


GETTEXT_FUNCTIONS = {"_", "gettext", "ngettext", "pgettext", "npgettext", "lazy_gettext", "_l", "N_"}


def _alternatives(node: ast.AST):
    """Whole messages inside an argument: a literal, or the branches of ``a if c else b`` / ``a or b``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node
    elif isinstance(node, ast.IfExp):
        yield from _alternatives(node.body)
        yield from _alternatives(node.orelse)
    elif isinstance(node, ast.BoolOp):
        for value in node.values:
            yield from _alternatives(value)


def conditional_literals(source: str, callees: set[str]):
    """(lineno, text) for ``OperationError("已经是第一项。" if up else "已经是最后一项。")``.

    Babel would glue such pieces into one message that never occurs; the filter in
    ``extract_python_and_labels`` drops that, and this yields the real ones.
    """
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and node.args:
            callee = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if callee in callees and isinstance(node.args[0], (ast.IfExp, ast.BoolOp)):
                for constant in _alternatives(node.args[0]):
                    if CJK.search(constant.value):
                        yield constant.lineno, constant.value


def _literals(tree: ast.AST) -> set[str]:
    return {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)}


def extract_python_and_labels(fileobj, keywords, comment_tags, options):
    from io import BytesIO

    options = options or {}
    data = fileobj.read()
    source = data.decode(options.get("encoding", "utf-8"))
    tree = ast.parse(source)
    literals = _literals(tree)
    specs = {**DEFAULT_KEYWORDS, **options.get("keywords", {})}  # Babel hands us only the names

    # Babel concatenates every literal inside a keyword call, so
    # OperationError("缺少:" + "、".join(names)) would yield "缺少:、". Keep only
    # messages that occur as a whole literal in the module, and that contain text.
    for lineno, funcname, message, comments in extract_python(BytesIO(data), keywords, comment_tags, options):
        parts = message if isinstance(message, tuple) else (message,)
        spec = specs.get(funcname) or (1,)
        if isinstance(spec, dict):  # per argument count
            spec = spec.get(len(parts)) or spec.get(None) or (1,)
        used = [parts[i - 1] for i in spec if isinstance(i, int) and i <= len(parts)]
        if all(part is None or (part in literals and re.search(r"\w", part)) for part in used):
            yield lineno, funcname, message, comments

    carriers = set(keywords) - GETTEXT_FUNCTIONS
    for lineno, text in conditional_literals(source, carriers):
        yield lineno, None, text, []
    callees = set(keywords) | set(options.get("kwarg_calls", "").split())
    names = set(options.get("kwarg_names", "").split())
    for lineno, text in keyword_argument_literals(source, callees, names):
        yield lineno, None, text, []

    for lineno, text in chinese_argument_literals(source, set(options.get("chinese_argument_calls", "").split())):
        yield lineno, None, text, []

    name = str(getattr(fileobj, "name", "") or "").replace("\\", "/")
    if any(fnmatch.fnmatch(name, "*" + pattern) for pattern in options.get("skip_files", "").split()):
        return
    for lineno, text in label_literals(source):
        yield lineno, None, text, []
