"""python -m flarelite → the CLI."""

from flarelite.cli.main import app

app()
