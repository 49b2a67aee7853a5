"""The house rules of docs/architecture.md, checked on the source: the core imports nothing of the
bot outside itself and no I/O library, no module imports itself back in a circle, and no module
outside the test doubles grows past ~400 lines."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "cogs")
MAX_LINES = 400
# what the core may not import: the bot's outer rings, the platforms, the engines, file and process I/O
CORE_FORBIDDEN = ("bot.storage", "bot.adapters", "bot.web", "bot.charts", "bot.testing", "bot.app",
                  "bot.settings", "bot.prompt_folder", "bot.clock", "bot.process", "cogs", "discord",
                  "slack_bolt", "slack_sdk", "aiosqlite", "asyncpg", "matplotlib", "aiohttp", "os",
                  "tempfile", "subprocess", "shutil", "gc", "sys")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def sources() -> dict[str, Path]:
    return {module_name(p): p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))}


def imports(path: Path, everywhere: bool) -> set[str]:
    """What `path` imports: at module level only (what runs on import), or `everywhere` (in
    functions too). Imports under `if TYPE_CHECKING:` never run and are left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                continue
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module)
                found.update(f"{node.module}.{alias.name}" for alias in node.names)
            if everywhere or isinstance(node, ast.If | ast.Try | ast.With):
                for child in ast.iter_child_nodes(node):
                    if isinstance(child, ast.stmt):
                        visit([child])

    visit(tree.body)
    return found


def test_the_core_imports_only_itself_and_the_standard_library_it_may_use():
    wrong = []
    for name, path in sources().items():
        if name == "bot.core" or name.startswith("bot.core."):
            for imported in imports(path, everywhere=True):
                if any(imported == f or imported.startswith(f + ".") for f in CORE_FORBIDDEN):
                    wrong.append(f"{name} imports {imported}")
    assert wrong == []


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every circle a depth-first walk of `graph` meets, each from its first module back to it."""
    found: list[list[str]] = []
    state: dict[str, int] = {}  # 1 on the path, 2 done

    def walk(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                found.append([*path[path.index(nxt):], nxt])
            elif nxt not in state:
                walk(nxt, [*path, nxt])
        state[node] = 2

    for start in sorted(graph):
        if start not in state:
            walk(start, [start])
    return found


def test_no_module_imports_itself_back_in_a_circle():
    mods = sources()

    def with_parents(imported: str) -> set[str]:  # importing a.b.c runs a/__init__ and a/b/__init__ first
        parts = imported.split(".")
        return {".".join(parts[:n]) for n in range(1, len(parts) + 1)}

    graph = {name: {m for i in imports(path, everywhere=False) for m in with_parents(i)
                    if m in mods and m != name and not name.startswith(m + ".")}
             for name, path in mods.items()}
    assert circles(graph) == []


def test_the_checks_above_can_fail(tmp_path: Path):
    circular = tmp_path / "m.py"
    circular.write_text("import os\nif TYPE_CHECKING:\n    import sys\ndef f():\n    import tempfile\n", encoding="utf-8")
    assert imports(circular, everywhere=False) == {"os"}
    assert imports(circular, everywhere=True) == {"os", "tempfile"}
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert circles({"a": {"b"}, "b": set(), "c": {"a", "b"}}) == []


def test_no_module_outside_the_test_doubles_is_over_400_lines():
    long = {name: n for name, path in sources().items()
            if not name.startswith("bot.testing") and (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}
