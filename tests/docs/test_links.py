"""The README is a short index and every page it leads to is there: each relative link in
README.md and docs/*.md resolves (file and #anchor), every page is reachable from the README,
every section of the old long README has a heading somewhere, and the command table is written
once."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]
README_MAX_LINES = 260

LINK = re.compile(r"!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")


def prose(path: Path) -> list[str]:
    """The lines of a page outside fenced code blocks, inline code taken out."""
    lines, fenced = [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            lines.append(re.sub(r"`[^`]*`", "", line))
    return lines


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: its text, lower case, without punctuation, spaces as hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link counts by its text
    text = text.replace("`", "").strip().lower()
    kept = "".join(c for c in text if c in " -_" or unicodedata.category(c)[0] in "LN")
    return kept.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    found = set()
    for line in prose_with_headings(path):
        if m := HEADING.match(line):
            base = slug(m[2])
            n = seen.get(base, 0)
            seen[base] = n + 1
            found.add(base if n == 0 else f"{base}-{n}")
    found |= set(re.findall(r'<a\s+(?:name|id)="([^"]+)"', path.read_text(encoding="utf-8")))
    return found


def prose_with_headings(path: Path) -> list[str]:
    """Lines outside code blocks, with inline code kept (a heading's code is part of its anchor)."""
    lines, fenced = [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            lines.append(line)
    return lines


def links(path: Path) -> list[str]:
    return [m[1] for line in prose(path) for m in LINK.finditer(line)]


def relative(target: str) -> bool:
    return not re.match(r"[a-z][a-z0-9+.-]*:", target, flags=re.I)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(page):
    broken = []
    for target in filter(relative, links(page)):
        file, _, anchor = unquote(target).partition("#")
        where = (page.parent / file).resolve() if file else page
        if not where.exists():
            broken.append(f"{target}: no such file")
        elif anchor and where.suffix == ".md" and anchor not in anchors(where):
            broken.append(f"{target}: no heading #{anchor} in {where.relative_to(ROOT)}")
    assert not broken, f"{page.relative_to(ROOT)}: " + "; ".join(broken)


def test_the_link_check_sees_links_and_anchors(tmp_path):
    page = tmp_path / "a.md"
    page.write_text("# Top\n## Socket Mode or HTTP?\n[x](#socket-mode-or-http) `[no](gone.md)`\n"
                    "```\n[no](gone.md)\n```\n![pic](b.png) [web](https://example.org)\n", encoding="utf-8")
    assert links(page) == ["#socket-mode-or-http", "b.png", "https://example.org"]
    assert anchors(page) == {"top", "socket-mode-or-http"}
    assert slug("The library: motions and formats") == "the-library-motions-and-formats"
    assert slug("`/debate start` options") == "debate-start-options"


def test_the_readme_stays_short():
    assert len(README.read_text(encoding="utf-8").splitlines()) < README_MAX_LINES


def test_every_page_is_reachable_from_the_readme():
    reached, todo = set(), [README.resolve()]
    while todo:
        page = todo.pop()
        if page in reached:
            continue
        reached.add(page)
        for target in filter(relative, links(page)):
            file = unquote(target).partition("#")[0]
            where = (page.parent / file).resolve() if file else page
            if where.suffix == ".md" and where.exists():
                todo.append(where)
    unreached = [str(p.relative_to(ROOT)) for p in PAGES if p.resolve() not in reached]
    assert not unreached, f"no way from README.md to {unreached}"


# The sections of the README before it became an index (#16): each kept its text on a page.
OLD_SECTIONS = (
    "Architecture", "Commands", "Settings", "Try it in a terminal", "The library: motions and formats",
    "Moderation", "Defaults", "How the rules work", "For adapter authors", "Polls", "Results and exports",
    "Anonymity", "JSON layouts", "Reliability: what the bot guarantees", "Discord",
    "Set it up (once, about five minutes)", "How a debate looks", "Slash commands on Discord", "Shards",
    "Slack", "Create the Slack app from the manifest (once, about five minutes)", "Socket Mode or HTTP?",
    "How a debate looks on Slack", "One workspace or several", "Running on several processes",
    "Performance", "Development",
)


def test_every_old_readme_section_has_a_home_in_docs():
    headings = {m[2] for page in PAGES[1:] for line in prose_with_headings(page) if (m := HEADING.match(line))}
    assert [s for s in OLD_SECTIONS if s not in headings] == []


def test_the_command_table_is_written_once():
    row = "| `/debate join side:pro\\|con\\|audience` · `/debate leave` |"
    holders = [str(p.relative_to(ROOT)) for p in PAGES for line in prose_with_headings(p) if line.startswith(row)]
    assert holders == ["docs/commands.md"]
