"""Packaging that pyproject.toml cannot say on its own.

The shipped library (motions, formats, message catalogs, word lists) lives in `prompts/` at the
top of the repository, where authors edit it. An installed debate-bot must find it without the
checkout, so the wheel carries it as the package data `bot/prompts` (see `PROMPTS_DIR` in
`bot/prompt_folder.py`). Data files inside `bot/` and `cogs/` (the stores' SQL migrations) are
package data too. Everything else about the package is in pyproject.toml.
"""

from setuptools import find_packages, setup

DATA_SUFFIXES = ("sql", "toml", "txt", "json", "html", "css", "js", "svg", "png", "woff2")

setup(
    packages=[*find_packages(include=["bot", "bot.*", "cogs", "cogs.*"]), "bot.prompts"],
    package_dir={"bot.prompts": "prompts"},
    package_data={
        "bot.prompts": ["**/*"],
        # files the code reads beside itself (the stores' migrations, web assets); a test checks
        # that every such file in the checkout is in the install
        "bot": [f"**/*.{suffix}" for suffix in DATA_SUFFIXES],
        "cogs": [f"**/*.{suffix}" for suffix in DATA_SUFFIXES],
    },
)
