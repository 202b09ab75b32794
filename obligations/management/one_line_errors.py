"""Export commands answer a bad argument with one Chinese line and exit status 2, never a usage dump
or a traceback."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser


def bad_argument(message: str) -> CommandError:
    return CommandError(message, returncode=2)


class OneLineErrorCommand(BaseCommand):
    def create_parser(self, prog_name: str, subcommand: str, **kwargs) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)

        def one_line_error(message: str) -> None:
            # argparse would print the whole usage first; a bad argument gets one clear line.
            sys.stderr.write(f"参数错误：{message}（用法见 --help）\n")
            sys.exit(2)

        parser.error = one_line_error
        return parser
