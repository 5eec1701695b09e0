"""How long a Chinese resolution takes to render: bare WeasyPrint beside render_pdf.

render_pdf adds PDF/A-3b, an embedded JSON record and the static-only URL
fetcher. The figures tell how long a worker is busy per document and whether
HarfBuzz subsetting (the fast path) was taken; without it, expect ~15 s for
two pages. Run: .venv/bin/python bench/pdf_render.py [--repeat N]
Prints a table and writes bench/results/pdf_render.json.
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import weasyprint
from weasyprint.pdf.fonts import Font

from roundtable.resolutions.pdf import (
    STATIC_BASE_URL,
    StaticOnlyURLFetcher,
    harfbuzz_subsetting_available,
    render_pdf,
)

RESULTS = Path(__file__).resolve().parent / "results" / "pdf_render.json"
PARAGRAPH = (
    "经西河沿社区圆桌会议协商,物业公司同意在三号楼东侧增设非机动车停放区,"
    "区交通支队负责在两周内完成路面划线,街道城管科负责清理长期占道的废旧车辆。"
    "居民代表提出,停放区应设置照明和雨棚,物业公司承诺在下月底前完成施工并向居民公示进度。"
)
PARAGRAPHS_PER_PAGE = 10  # calibrated so that print.css lays this out one A4 page at a time


def document(pages: int) -> str:
    body = "".join(
        f"<h2>第{n + 1}项 决议事项</h2>" + "".join(f"<p>{PARAGRAPH}</p>" for _ in range(PARAGRAPHS_PER_PAGE - 1))
        for n in range(pages)
    )
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>圆桌会议决议</title>'
        '<link rel="stylesheet" href="css/print.css"></head>'
        f"<body><h1>圆桌会议决议</h1>{body}</body></html>"
    )


def count_subsetting() -> dict[str, int]:
    """Count which subsetting path WeasyPrint takes, without changing what it does."""
    calls = {"harfbuzz": 0, "fonttools": 0}
    for name, key in (("_harfbuzz_subset", "harfbuzz"), ("_fonttools_subset", "fonttools")):
        original = getattr(Font, name)

        def counted(self, *args, _original=original, _key=key, **kwargs):
            calls[_key] += 1
            return _original(self, *args, **kwargs)

        setattr(Font, name, counted)
    return calls


def bare(html: str) -> bytes:
    return weasyprint.HTML(string=html, base_url=STATIC_BASE_URL, url_fetcher=StaticOnlyURLFetcher()).write_pdf()


def archival(html: str) -> bytes:
    record = json.dumps({"resolution": "圆桌会议决议", "points": 3}, ensure_ascii=False).encode()
    return render_pdf(html, attachments=[("resolution.json", record, "机器可读记录")])


def timed(function, html: str, repeat: int) -> tuple[list[float], bytes]:
    times, output = [], b""
    for _ in range(repeat):
        started = time.perf_counter()
        output = function(html)
        times.append(time.perf_counter() - started)
    return times, output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    calls = count_subsetting()
    archival(document(1))  # warm-up: font discovery and module caches are not per document
    rows = []
    for pages in (2, 10):
        html = document(pages)
        for label, function in (("weasyprint", bare), ("render_pdf", archival)):
            times, output = timed(function, html, args.repeat)
            page_count = len(weasyprint.HTML(string=html, base_url=STATIC_BASE_URL,
                                             url_fetcher=StaticOnlyURLFetcher()).render().pages)
            rows.append({
                "document_pages": pages, "laid_out_pages": page_count, "renderer": label,
                "median_s": round(statistics.median(times), 3), "min_s": round(min(times), 3),
                "max_s": round(max(times), 3), "bytes": len(output), "runs": len(times),
            })
    result = {
        "harfbuzz_subsetting_available": harfbuzz_subsetting_available(),
        "subsetting_calls": calls,
        "harfbuzz_subsetting_used": calls["harfbuzz"] > 0 and calls["fonttools"] == 0,
        "weasyprint": weasyprint.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "results": rows,
    }
    print(f"HarfBuzz subsetting available: {result['harfbuzz_subsetting_available']}, "
          f"used: {result['harfbuzz_subsetting_used']} (calls {calls})")
    print(f"{'pages':>5} {'laid out':>8} {'renderer':<11} {'median s':>9} {'min s':>7} {'max s':>7} {'KiB':>7}")
    for row in rows:
        print(f"{row['document_pages']:>5} {row['laid_out_pages']:>8} {row['renderer']:<11} "
              f"{row['median_s']:>9.3f} {row['min_s']:>7.3f} {row['max_s']:>7.3f} {row['bytes'] / 1024:>7.0f}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    print(f"written to {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS}")


if __name__ == "__main__":
    main()
