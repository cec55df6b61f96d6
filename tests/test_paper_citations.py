"""Citations of the paper pages resolve: every ``<page>.md#<anchor>`` written in the code,
tests, figures, examples and docs names an existing page and one of its headings (GitHub's
anchor of the heading), so a reader can follow it (the repository cites its own pages by section,
never the
plans they were written from by number)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("mdpkit", "paper_figures", "proofs_check", "benchmarks", "examples", "tests", "docs")
# page.md#anchor, optionally followed by ", #anchor2, #anchor3" on the same page
CITE = re.compile(r"([A-Za-z0-9_-]+)\.md#([a-z0-9-]+)((?:,\s*#[a-z0-9-]+)*)")


def slug(heading: str) -> str:
    """GitHub's anchor of a markdown heading."""
    s = heading.strip().lower()
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    out, seen = set(), {}
    in_code = False
    for line in page.read_text().splitlines():
        if line.startswith("```"):
            in_code = not in_code
        m = None if in_code else re.match(r"#{1,6}\s+(.*)", line)
        if m:
            base = slug(m.group(1))
            n = seen.get(base, 0)
            out.add(base if n == 0 else f"{base}-{n}")
            seen[base] = n + 1
    return out


def _page(name: str) -> Path | None:
    for d in (ROOT / "docs" / "papers", ROOT / "docs", ROOT):
        if (d / f"{name}.md").is_file():
            return d / f"{name}.md"
    return None


def _files():
    for top in SCANNED:
        for p in sorted((ROOT / top).rglob("*")):
            if p.suffix in (".py", ".md") and "__pycache__" not in p.parts:
                yield p
    yield ROOT / "README.md"


def test_slug_matches_github():
    assert slug("Figures (`mdpkit reproduce dynlin-ucb`)") == "figures-mdpkit-reproduce-dynlin-ucb"
    assert slug("Radius and epochs") == "radius-and-epochs"
    assert slug("PolicyEva") == "policyeva"


def test_every_page_citation_resolves():
    bad, n = [], 0
    cache: dict = {}
    for f in _files():
        if f == Path(__file__).resolve():
            continue
        text = f.read_text(errors="replace")
        for m in CITE.finditer(text):
            name = m.group(1)
            page = _page(name)
            line = text.count("\n", 0, m.start()) + 1
            where = f"{f.relative_to(ROOT)}:{line}"
            if page is None:
                bad.append(f"{where}: no page {name}.md")
                continue
            if page not in cache:
                cache[page] = anchors(page)
            wanted = [m.group(2)] + re.findall(r"#([a-z0-9-]+)", m.group(3))
            for a in wanted:
                n += 1
                if a not in cache[page]:
                    bad.append(f"{where}: {name}.md has no section #{a}")
    assert bad == []
    assert n >= 100  # the paper modules cite their pages by section
