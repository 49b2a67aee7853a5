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
from bot.clock import SystemClock
from bot.core.kernel.i18n import Catalog
from bot.core.library.loader import LibraryError
from bot.core.service import Core
from bot.process import tune_process
from bot.prompt_folder import PromptFolder
from bot.settings import Settings, SettingsError, load_secret, load_settings
from bot.storage import describe
from bot.storage.errors import StoreError
from bot.web.health import Health, platform_checks
from bot.web.listener import WebListener, WebListenerError
from bot.web.metrics import PrometheusMetrics
from bot.web.screen_page import ScreenPages
from bot.web.screen_site import ScreenSite

log = logging.getLogger("bot")
OPERATOR_LANGUAGE = "en"  # the lines the bot prints for whoever runs it


# A stop (SIGTERM, Ctrl-C) gives the work in flight this long to finish before the store closes:
# under Docker's default of 10 s before it kills the process, and systemd's 90 s.
STOP_SECONDS = 8.0


def web_listener(settings: Settings) -> WebListener:
    """The bot's own listener, not started yet: the core hands out links to it (the classroom
    screen), and Slack's HTTP routes go on it first when SLACK_PORT is not set."""
    return WebListener(settings.bot_web_host, settings.bot_web_port, settings.bot_public_url)


async def start_web(settings: Settings, core: Core, listener: WebListener,
                    metrics: PrometheusMetrics | None = None) -> WebListener:
    """Start the bot's own listener (the classroom screen, GET /healthz, GET /metrics, and Slack's
    routes when Slack put them on it); say where in one line."""
    Health(core.store, platform_checks(core.ports), stopping=lambda: core.stopping).mount(listener.app)
    ScreenSite(core, pages=ScreenPages(settings.bot_prompts / "screen", core.catalog)).mount(listener.app)
    if metrics is not None:
        metrics.watch(core.open_counts, core.writers)
        metrics.mount(listener.app)
    url = await listener.start()
    print(core.t(OPERATOR_LANGUAGE, "web.listening", url=url), file=sys.stderr, flush=True)
    return listener


async def stop_web(listener: WebListener | None) -> None:
    if listener is not None:
        await listener.stop()


class GracefulStop:
    """SIGTERM (systemd, a container runtime) and Ctrl-C: refuse new work, let what is in flight
    finish (`Core.drain`, at most STOP_SECONDS), then cancel the main task, whose `finally`
    blocks close the platforms, the listener and the store. A second signal stops at once."""

    def __init__(self, main_task: asyncio.Task) -> None:
        self.main_task = main_task
        self.core: Core | None = None  # set once the core is built; before, a signal just cancels
        self._draining: asyncio.Task[None] | None = None
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.signalled)

    def signalled(self) -> None:
        if self.core is None or self._draining is not None:
            self.main_task.cancel()
            return
        print(self.core.t(OPERATOR_LANGUAGE, "web.stopping", seconds=f"{STOP_SECONDS:g}"), file=sys.stderr, flush=True)
        self._draining = asyncio.get_running_loop().create_task(self._drain(self.core), name="graceful-stop")

    async def _drain(self, core: Core) -> None:
        await core.drain(STOP_SECONDS)
        self.main_task.cancel()


async def finish(core: Core) -> None:
    """After the platforms stopped listening: answer what came in meanwhile, then close the store."""
    try:
        await asyncio.wait_for(core.inflight.idle(), 2.0)
    except TimeoutError:
        log.warning("stopping: %d requests were still unanswered", core.inflight.count)
    await core.stop()


async def run(settings: Settings, name: str = "") -> int:
    main_task = asyncio.current_task()
    assert main_task is not None
    stop = GracefulStop(main_task)
    secret = load_secret(settings)
    metrics = PrometheusMetrics()
    platforms = settings.platforms
    if platforms == ["console"]:
        catalog = Catalog.load(PromptFolder(settings.bot_prompts))
        print(catalog.t("en", "console.starting", database=describe(settings.bot_database)), flush=True)
        clock = SystemClock()
        listener = web_listener(settings)
        core = await build_core(settings.bot_database, {}, clock=clock, secret=secret,
                                prompts=settings.bot_prompts, timezone=settings.timezone, metrics=metrics,
                                screen_url=lambda: listener.public_url)
        stop.core = core
        # out None: the port prints to sys.stdout as it is then (above the prompt on a terminal)
        port = ConsolePort(None, clock, core.catalog, settings.bot_export_dir, language=core.language)
        core.attach(port)
        terminal = sys.stdin.isatty() and sys.stdout.isatty()
        try:
            web: WebListener | None = await start_web(settings, core, listener, metrics)
        except WebListenerError:
            await core.stop()
            raise
        try:
            await run_console(core, port, settings.moderators, name=name, terminal=terminal, started=tune_process)
        finally:
            await stop_web(web)
        return 0
    listener = web_listener(settings)
    core = await build_core(settings.bot_database, {}, secret=secret, prompts=settings.bot_prompts,
                            timezone=settings.timezone, metrics=metrics, screen_url=lambda: listener.public_url)
    stop.core = core
    # Each platform module registers its ChatPort on the core at once and returns the coroutine
    # that runs the platform; the core starts when every port is in place.
    runners = []
    web = None
    try:
        for name in platforms:
            # Slack's HTTP routes go on the shared listener unless SLACK_PORT gives them their own
            extra = {"web": listener if settings.slack_port is None else None} if name == "slack" else {}
            runners.append(importlib.import_module(f"bot.adapters.{name}.runner").prepare(core, settings, **extra))
        await core.start()  # logs every platform in: a refused token or no network stops it here
        web = await start_web(settings, core, listener, metrics)
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
        await finish(core)
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
