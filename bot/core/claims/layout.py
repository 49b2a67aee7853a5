"""A tidy layered layout for drawing a tree (Reingold–Tilford, 1981).

Each node sits on the row of its depth; a parent is centred over its first and last child;
subtrees are placed left to right, each pushed right just far enough that its left contour
clears the right contour of the ones before it by `gap` on every row. So no two nodes of a row
overlap, siblings keep their order, and a subtree is drawn the same wherever it stands.

O(n · depth), which for a class's map (tens to a few hundred claims) is nothing; plain Python,
so the PNG needs no system package (Graphviz) and the layout is tested like any other rule.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

N = TypeVar("N", bound=Hashable)


def tidy(root: N, children: Callable[[N], Sequence[N]], gap: float = 1.0) -> dict[N, tuple[float, int]]:
    """(x, depth) of every node below and including `root`; x of the leftmost node is 0."""
    rel: dict[N, float] = {}  # a node's x relative to its parent's

    def place(node: N) -> list[tuple[float, float]]:
        """The subtree's contour, (leftmost x, rightmost x) per row, relative to `node`."""
        kids = list(children(node))
        if not kids:
            return [(0.0, 0.0)]
        contours = [place(k) for k in kids]
        offsets = [0.0]
        merged = list(contours[0])
        for contour in contours[1:]:
            shift = max(right - left + gap for (_, right), (left, _) in zip(merged, contour, strict=False))
            offsets.append(shift)
            for row, (left, right) in enumerate(contour):
                if row < len(merged):
                    merged[row] = (merged[row][0], right + shift)
                else:
                    merged.append((left + shift, right + shift))
        centre = (offsets[0] + offsets[-1]) / 2
        for kid, offset in zip(kids, offsets, strict=True):
            rel[kid] = offset - centre
        return [(0.0, 0.0), *((left - centre, right - centre) for left, right in merged)]

    place(root)
    out: dict[N, tuple[float, int]] = {}
    stack: list[tuple[N, float, int]] = [(root, 0.0, 0)]
    while stack:
        node, x, depth = stack.pop()
        out[node] = (x, depth)
        stack += [(k, x + rel[k], depth + 1) for k in children(node)]
    least = min(x for x, _ in out.values())
    return {node: (x - least, depth) for node, (x, depth) in out.items()}
