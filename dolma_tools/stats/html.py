"""Small HTML building blocks for the self-contained report (no external assets, no scripts)."""

from __future__ import annotations

import html
from typing import Any, Sequence

from .text import fmt_number

STYLE = """
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 0; color: #1f2933; background: #f5f7fa; }
header { background: #243b53; color: white; padding: 18px 32px; }
header h1 { margin: 0 0 4px 0; font-size: 24px; }
header p { margin: 0; color: #bcccdc; font-size: 13px; }
nav { padding: 8px 32px; background: #d9e2ec; font-size: 13px; }
nav a { margin-right: 16px; color: #243b53; }
main { padding: 8px 32px 32px 32px; }
section { background: white; border-radius: 6px; padding: 12px 20px; margin: 16px 0;
          box-shadow: 0 1px 3px rgba(0,0,0,0.12); }
h2 { font-size: 19px; margin: 6px 0 10px 0; color: #243b53; }
h3 { font-size: 15px; margin: 14px 0 6px 0; color: #334e68; }
table { border-collapse: collapse; font-size: 12.5px; margin: 6px 0 10px 0; }
th, td { padding: 3px 10px; border-bottom: 1px solid #e4e7eb; }
th { background: #f0f4f8; text-align: left; }
td:first-child { overflow-wrap: anywhere; min-width: 7em; max-width: 460px; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.grid { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
figure.plot { margin: 0; display: inline-block; }
figure.plot img { display: block; max-width: 100%; }
figure.plot figcaption { font-size: 11.5px; color: #52606d; max-width: 440px; }
.note { color: #52606d; font-size: 12.5px; }
code { font-size: 12px; background: #f0f4f8; padding: 0 3px; }
pre { font-size: 11.5px; background: #f0f4f8; padding: 8px; overflow-x: auto; }
"""


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def cell(value: Any) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f'<td class="num">{esc(fmt_number(value))}</td>'
    if value is None:
        return '<td class="num">-</td>'
    return f"<td>{esc(value)}</td>"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], numeric_from: int = 1) -> str:
    head = "".join(f'<th class="{"num" if i >= numeric_from else ""}">{esc(h)}</th>' for i, h in enumerate(headers))
    body = "".join("<tr>" + "".join(cell(v) for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def figure(data_uri: str, name: str, caption: str = "") -> str:
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return f'<figure class="plot" data-plot="{esc(name)}"><img src="{data_uri}" alt="{esc(name)}">{cap}</figure>'


def section(anchor: str, title: str, body: str) -> str:
    return f'<section id="{esc(anchor)}"><h2>{esc(title)}</h2>{body}</section>'


def note(text: str) -> str:
    return f'<p class="note">{esc(text)}</p>'


def page(title: str, subtitle: str, sections: Sequence[tuple[str, str, str]]) -> str:
    """The whole document: ``sections`` are (anchor, title, body HTML)."""
    nav = "".join(f'<a href="#{esc(a)}">{esc(t)}</a>' for a, t, _ in sections)
    body = "".join(section(a, t, b) for a, t, b in sections)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{esc(title)}</title><style>{STYLE}</style></head><body>"
        f"<header><h1>{esc(title)}</h1><p>{esc(subtitle)}</p></header><nav>{nav}</nav>"
        f"<main>{body}</main></body></html>\n"
    )
