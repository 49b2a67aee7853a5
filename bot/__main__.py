"""`python -m bot`: start the adapters the settings ask for, on one core and one database.

With no platform token, the console adapter runs on the SQLite file BOT_DATABASE;
`--as NAME` says who types the console lines that carry no `name:`.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import os
import signal
import sys

from bot.adapters.console.adapter import NAME, ConsolePort, run_console
from bot.adapters.slack.errors import SlackSettingsError
from bot.app import build_core
from bot.core.i18n import Catalog
from bot.core.library import LibraryError
from bot.core.ports import SystemClock
from bot.core.service import Core
from bot.process import tune_process
from bot.settings import Settings, SettingsError, load_secret, load_settings
from bot.storage import describe
from bot.storage.errors import StoreError
from bot.web.health import Health, platform_checks
from bot.web.listener import WebListener, WebListenerError

log = logging.getLogger("bot")
OPERATOR_LANGUAGE = "en"  # the lines the bot prints for whoever runs it


async def start_web(settings: Settings, core: Core) -> WebListener | None:
    """Start the bot's own listener (GET /healthz) when BOT_WEB_PORT is set; say where in one line."""
    if settings.bot_web_port is None:
        return None
    listener = WebListener(settings.bot_web_host, settings.bot_web_port, settings.bot_public_url)
    Health(core.store, platform_checks(core.ports)).mount(listener.app)
    url = await listener.start()
    print(core.t(OPERATOR_LANGUAGE, "web.listening", url=url), file=sys.stderr, flush=True)
    return listener


async def stop_web(listener: WebListener | None) -> None:
    if listener is not None:
        await listener.stop()


async def run(settings: Settings, name: str = "") -> int:
    # SIGTERM (systemd, a container runtime) stops the bot as Ctrl-C does: the running work is
    # cancelled and every `finally` below closes the listener and the store
    main_task = asyncio.current_task()
    assert main_task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main_task.cancel)
    secret = load_secret(settings)
    platforms = settings.platforms
    if platforms == ["console"]:
        catalog = Catalog.load(settings.bot_prompts / "locales")
        print(catalog.t("en", "console.starting", database=describe(settings.bot_database)), flush=True)
        clock = SystemClock()
        core = await build_core(settings.bot_database, {}, clock=clock, secret=secret,
                                prompts=settings.bot_prompts, timezone=settings.timezone)
        # out None: the port prints to sys.stdout as it is then (above the prompt on a terminal)
        port = ConsolePort(None, clock, core.catalog, settings.bot_export_dir, language=core.language)
        core.attach(port)
        terminal = sys.stdin.isatty() and sys.stdout.isatty()
        try:
            web = await start_web(settings, core)
        except WebListenerError:
            await core.stop()
            raise
        try:
            await run_console(core, port, settings.moderators, name=name, terminal=terminal, started=tune_process)
        finally:
            await stop_web(web)
        return 0
    core = await build_core(settings.bot_database, {}, secret=secret, prompts=settings.bot_prompts,
                            timezone=settings.timezone)
    # Each platform module registers its ChatPort on the core at once and returns the coroutine
    # that runs the platform; the core starts when every port is in place.
    runners = []
    try:
        for name in platforms:
            runners.append(importlib.import_module(f"bot.adapters.{name}.runner").prepare(core, settings))
        await core.start()  # logs every platform in: a refused token or no network stops it here
        web = await start_web(settings, core)
        tune_process()
    except BaseException:  # close the store (its thread keeps the process alive) so the process can exit
        for runner in runners:
            runner.close()
        await core.stop()
        raise
    try:
        await asyncio.gather(*runners)
    finally:
        await stop_web(web)
        await core.stop()
    return 0


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Run debate-bot (see README.md).")
    parser.add_argument("--as", dest="name", default="", metavar="NAME",
                        help="on the console: who types the lines without `name:` (as /iam NAME does)")
    args = parser.parse_args(argv)
    if args.name and not NAME.match(args.name):
        parser.error(f"--as {args.name!r}: a name is letters, digits, '.', '_' and '-'")
    return args


def main(argv: list[str] | None = None) -> int:
    """Exit 0 when stopped, 2 when a setting is wrong or a connection fails at start: then one line
    on stderr names the setting and what is wrong, with no traceback."""
    args = arguments(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"debate-bot cannot start: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.bot_log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # aiosqlite logs every statement with its parameters (names, speeches) at DEBUG: never that
    logging.getLogger("aiosqlite").setLevel(max(logging.INFO, logging.getLogger().level))
    try:
        return asyncio.run(run(settings, args.name))
    except (LibraryError, StoreError, SettingsError, WebListenerError) as exc:
        print(f"debate-bot cannot start: {exc}", file=sys.stderr)
        return 2
    except SlackSettingsError as exc:  # its message is the whole line, from the catalog
        print(exc, file=sys.stderr)
        return 2
    except (KeyboardInterrupt, asyncio.CancelledError):  # Ctrl-C, or SIGTERM
        return 0
    except BrokenPipeError:  # whoever read the output went away (`make run | head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing more to flush at exit
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
