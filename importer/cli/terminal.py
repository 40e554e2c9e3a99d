"""What an import says to the person at the terminal while it runs: the question once the account is checked,
and what Ctrl-C and SIGTERM do.

The question shows the real numbers and the target account ("2,188 new · 124 already in Dex · ..." and
"Create 2,188 contacts in the Dex account of owner@example.com? [y/N]"); with `--yes` the same block is printed
and the import goes on (without a terminal to ask on, it goes on too, silently). A first Ctrl-C (or SIGTERM) sends no new request
and says how many are awaited; a second Ctrl-C stops at once, leaving those in flight to the journal.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from importer.cli.render import forecast_lines, forecast_question, preview_text
from importer.cli.screen import draw, screen_of
from importer.importing import Forecast, Stop
from importer.plan.summary import Summary


def confirmation(summary: Summary, err: TextIO, *, ask: bool, show: bool) -> Callable[[Forecast], bool]:
    """Returns the `confirm` of `send_plan`: with `ask`, prints the preview and the forecast on `err` and asks
    on the terminal (True to send); else prints the forecast when `show` (``--yes``), and says yes."""
    def confirm(forecast: Forecast) -> bool:
        question = forecast_question(forecast)
        screen = screen_of(err)  # the block fits the terminal (or $COLUMNS) like the rest of the output
        if not ask:
            if show:
                print(draw([*forecast_lines(forecast), f"{question} yes (--yes)"], screen), file=err)
            return True
        print(preview_text(summary, forecast=forecast, screen=screen), file=err)
        if forecast.new == forecast.update == 0:
            return True  # nothing to create or fill: nothing to ask
        try:
            with _interrupting():  # Ctrl-C at the question means no
                answer = ask_fitted(f"{question} [y/N]", err, blank=True)
        except (EOFError, KeyboardInterrupt):
            print(file=err)
            return False
        return answer.strip().lower() in ("y", "yes")
    return confirm


def ask_fitted(question: str, err: TextIO, *, blank: bool = False) -> str:
    """Returns the answer to `question` asked on the terminal, wrapped at the width of `err`: its lines but the
    last on `err`, the last as the prompt; `blank`: a blank line before it."""
    *above, last = draw([question], screen_of(err)).split("\n")
    if above:
        print(*([""] if blank else []), *above, sep="\n", file=err)
        return input(f"{last} ")
    return input(f"{chr(10) if blank else ''}{last} ")


@contextmanager
def stopping_on_signals(stop: Stop, err: TextIO, *, quiet: bool) -> Iterator[None]:
    """While the block runs: the first Ctrl-C or SIGTERM sets `stop` and says "stopping: waiting for N
    requests in flight"; a second Ctrl-C raises KeyboardInterrupt (stop at once). Outside the main thread,
    where Python takes no signal handler, nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handle(signum: int, frame: Any) -> None:
        if stop.is_set():
            if signum == signal.SIGINT:
                raise KeyboardInterrupt
            return
        stop.set()
        if quiet:
            return
        count = stop.in_flight
        waiting = f"waiting for {count} request{'s' if count != 1 else ''} in flight" if count else \
            "no request in flight"
        try:
            print(f"\nstopping: {waiting}; no new batch is sent (Ctrl-C again stops at once: the journal keeps "
                  "what is in flight for the next run)", file=err, flush=True)
        except (RuntimeError, OSError, ValueError):
            pass  # stderr busy (a reentrant write) or closed: the stop itself matters, not the message

    previous = {number: signal.signal(number, handle) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


@contextmanager
def _interrupting() -> Iterator[None]:
    """Ctrl-C raises KeyboardInterrupt while the block runs (the question), whatever handler is in place."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
