"""The ``attain`` command line.

Verbs: ``data check``, ``targets``, ``levers``, ``run``, ``report``, ``calibrate``,
``backtest``, ``topdown``, ``golden``, ``bench m4``, ``sensitivity``, ``goalseek``. Every verb that reports has ``--json``.

Bad input ends in one line ``error: ...`` naming the file or flag and what was
expected, exit status 2; Ctrl-C prints ``interrupted`` (exit 130). Output paths
and flags are checked before any simulation, and nothing half-written is left.
An unexpected ``ValueError``/``KeyError`` is reported as such (exit 1); set
``ATTAIN_DEBUG=1`` to see its traceback.

Each verb lives in :mod:`model.commands` (``add_parser`` and ``run``); this module
builds the parser, dispatches, and turns errors into exit codes.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from .commands import backtest, bench, calibrate, data, goalseek, golden, levers, nowcast, report, run, sensitivity, targets, topdown
from .errors import DataError, OutputError, ScenarioError, UsageError

__all__ = ["main", "build_parser"]

#: A command silent for this long starts showing progress on stderr.
HEARTBEAT_AFTER = 2.0
#: Seconds between progress lines when stderr is not a terminal (a log file), and before the first one.
HEARTBEAT_EVERY = 10.0
HEARTBEAT_AFTER_LOG = 5.0


#: The verbs in the order ``attain -h`` lists them.
VERBS = {"data": data, "targets": targets, "levers": levers, "run": run, "sensitivity": sensitivity, "goalseek": goalseek, "report": report,
         "calibrate": calibrate, "backtest": backtest, "topdown": topdown, "nowcast": nowcast, "golden": golden, "bench": bench}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and docs)."""
    p = argparse.ArgumentParser(prog="attain", description="Probability of hitting regional industrial targets.")
    sub = p.add_subparsers(dest="verb", required=True)
    for command in VERBS.values():
        command.add_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``attain`` console script.

    Parameters
    ----------
    argv : list of str, optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success; 2 for bad input (one ``error:`` line); 130 when
        interrupted; 1 for an unexpected error.
    """
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    if rest and args.verb != "bench":
        parser.parse_args(argv)  # the usual "unrecognized arguments" error, exit 2
    args.rest = rest
    try:
        return _dispatch(args)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return _closed_pipe()
    except (DataError, ScenarioError, UsageError, OutputError) as exc:
        return _fail(str(exc))
    except UnicodeDecodeError as exc:
        return _fail(f"a file is not UTF-8 text ({exc}); save CSV and TOML files as UTF-8 (Excel: \"CSV UTF-8\")")
    except OSError as exc:
        return _fail(_os_message(exc))
    except (ValueError, KeyError) as exc:
        if os.environ.get("ATTAIN_DEBUG"):
            raise
        print(f"error: unexpected {type(exc).__name__}: {exc}\n(an input attain does not check yet, or a bug; ATTAIN_DEBUG=1 shows the traceback)", file=sys.stderr)
        return 1


def _closed_pipe() -> int:
    """The reader went away (``attain targets --json | head -1``): end quietly, as other Unix tools do."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # the interpreter's final flush must not fail again
    except (OSError, ValueError):
        pass
    return 0


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def _os_message(exc: OSError) -> str:
    """``PATH: reason`` when the error names a path, else the error's own text."""
    if exc.filename is None:
        return str(exc)
    other = f" -> {exc.filename2}" if exc.filename2 else ""
    return f"{exc.filename}{other}: {exc.strerror or exc}"


def _dispatch(args) -> int:
    handler = VERBS[args.verb].run
    if args.verb in ("run", "targets", "levers", "sensitivity", "goalseek", "report"):  # run, sensitivity, goalseek and report show their own progress bar; the others are instant
        return handler(args)
    with _Heartbeat(f"attain {args.verb}"):
        return handler(args)


class _Heartbeat:
    """Progress on stderr for a command that runs longer than :data:`HEARTBEAT_AFTER` seconds.

    Whatever the output flags (``--json`` included: stdout stays clean), a
    terminal sees an elapsed-time line updated every second, and a log file a
    line every :data:`HEARTBEAT_EVERY` seconds. ``ATTAIN_NO_PROGRESS=1`` turns it off.
    """

    def __init__(self, label: str) -> None:
        import threading

        self.label, self.shown, self.done = label, False, threading.Event()
        self.thread = threading.Thread(target=self._beat, daemon=True)

    def __enter__(self) -> "_Heartbeat":
        if not os.environ.get("ATTAIN_NO_PROGRESS"):
            self.start = time.perf_counter()
            self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.done.set()
        if self.thread.is_alive():
            self.thread.join()
        if self.shown and sys.stderr.isatty():
            print("\r\033[K", end="", file=sys.stderr, flush=True)

    def _beat(self) -> None:
        tty = sys.stderr.isatty()
        wait = HEARTBEAT_AFTER if tty else HEARTBEAT_AFTER_LOG
        while not self.done.wait(wait):
            elapsed = time.perf_counter() - self.start
            try:
                if tty:
                    print(f"\r{self.label}: working… {elapsed:.0f} s", end="", file=sys.stderr, flush=True)
                else:
                    print(f"{self.label}: working… {elapsed:.0f} s", file=sys.stderr, flush=True)
            except (OSError, ValueError):
                return
            self.shown = True
            wait = 1.0 if tty else HEARTBEAT_EVERY


if __name__ == "__main__":
    raise SystemExit(main())
