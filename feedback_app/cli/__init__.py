"""Command-line tools: ``flask --app wsgi <command>``.

Each module of this package lists its click commands in ``COMMANDS``; all of them are registered on the app.
``DB_COMMANDS`` join Flask-Migrate's ``flask db`` group.
"""

from __future__ import annotations

import importlib
import pkgutil

import click
from flask import Flask


def register_cli(app: Flask) -> None:
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for command in getattr(module, "COMMANDS", ()):
            app.cli.add_command(command)
        for command in getattr(module, "DB_COMMANDS", ()):
            db_group = app.cli.commands["db"]  # Flask-Migrate's group: `flask db partitions`, `flask db retention`
            assert isinstance(db_group, click.Group)
            db_group.add_command(command)
