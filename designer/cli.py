"""The command line: ``cnn-designer [FILE]`` opens the app; sub-commands work headless."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from designer import __version__
from designer.commands import COMMAND_MODULES, COMMAND_NAMES

EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what git and the shell report for a closed pipe


def build_parser(first: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The parser of every sub-command, or only of ``first[0]`` when it names one: each
    command module is imported to register it, and ``check`` should not pay for ``import``."""
    parser = argparse.ArgumentParser(
        prog="cnn-designer",
        description="Design convolutional neural networks and understand their arithmetic.",
        epilog="Without a command, `cnn-designer [FILE] [--screenshot OUT.png] [--size WxH]` opens the app "
        "(and, with --screenshot, writes the window to a PNG and exits).",
    )
    parser.add_argument("--version", action="version", version=f"cnn-designer {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    only = COMMAND_NAMES.get(first[0]) if first else None
    for name in [only] if only else COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def build_gui_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cnn-designer",
        description="Open the CNN Designer window (sub-commands: run `cnn-designer --help`).",
    )
    parser.add_argument("file", nargs="?", help="design file to open")
    parser.add_argument(
        "--screenshot", metavar="OUT.png", help="render the main window to a PNG and exit"
    )
    parser.add_argument(
        "--size", default="1600x1000", help="window size for --screenshot (WIDTHxHEIGHT)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(args_list[:1])
    commands = {
        name
        for action in parser._actions
        if isinstance(action, argparse._SubParsersAction)
        for name in action.choices
    }
    if args_list and (args_list[0] in commands or args_list[0] in ("-h", "--help", "--version")):
        try:
            args = parser.parse_args(args_list)
            result: int = args.func(args)
            sys.stdout.flush()  # a closed pipe shows here, not at exit
        except BrokenPipeError:
            return _closed_stdout()
        return result
    gui_args = build_gui_parser().parse_args(args_list)
    from designer.ui.app import run_app

    return run_app(gui_args)


def _closed_stdout() -> int:
    """The reader went away (``cnn-designer check f.json | head -3``): stop quietly, as other
    command-line tools do, with 128 + SIGPIPE. Python would otherwise print a traceback, and
    again when it flushes stdout on exit, so stdout now points at the null device."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return EXIT_BROKEN_PIPE


if __name__ == "__main__":
    sys.exit(main())
