"""Result charts as PNG files: debate opinion shift and poll results.

Made to be read on a phone: large type, high contrast, the Okabe–Ito colour-blind-safe
palette, and every bar carries a text label, so no information is in colour alone.

Figures are made with the object-oriented ``Figure`` API, not pyplot: nothing is kept in
pyplot's global figure registry, so there is nothing to leak over many charts, and a chart
may be drawn from a worker thread (``asyncio.to_thread``). Drawing is serialised by a lock
because matplotlib's rcParams are global.

Modules: :mod:`.fonts` (the font list, with a CJK font for Japanese), :mod:`.common` (the
palette, the figure, the heading and text wrapping), :mod:`.debate` (the debate chart) and
:mod:`.poll` (the poll chart), :mod:`.claim_map` (the argument map) and :mod:`.renderer` (the
core's `Charts` port on them). Importing the package imports no matplotlib: the renderer loads it
on the first picture, and :mod:`.common` selects matplotlib's Agg backend.
"""
