"""Settings for CLI commands: read once from the environment, one clear line per problem."""

from __future__ import annotations

import typer

from flarelite.config import Settings, SettingsError


def load_settings() -> Settings:
    try:
        return Settings.from_env().with_secret_key()
    except SettingsError as exc:
        for line in str(exc).splitlines():
            typer.echo(f"flarelite: invalid setting: {line}", err=True)
        raise typer.Exit(2) from None
