"""The CLI documents every command and option."""

from __future__ import annotations

from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from core.cli import app

runner = CliRunner()
REQUIRED = ["crawl", "analyze", "serve", "report", "eval", "export", "status", "demo"]


def _click_group() -> Any:
    group = typer.main.get_command(app)  # typer >= 0.20 vendors its own click: duck-type it
    assert hasattr(group, "commands")
    return group


def test_every_required_command_exists() -> None:
    assert set(REQUIRED) <= set(_click_group().commands)


def _leaf_commands() -> list[tuple[str, Any]]:
    """Every command, with sub-commands of groups (e.g. `index migrate`) spelled out."""
    out: list[tuple[str, Any]] = []
    for name, command in _click_group().commands.items():
        out.append((name, command))
        for sub, subcommand in getattr(command, "commands", {}).items():
            out.append((f"{name} {sub}", subcommand))
    return out


@pytest.mark.parametrize(("name", "command"), _leaf_commands(), ids=lambda v: v if isinstance(v, str) else "")
def test_command_has_help_and_every_option_is_documented(name: str, command: Any) -> None:
    assert command.help and command.help.strip(), f"sgwatch {name} has no help text"
    for param in command.params:
        if getattr(param, "param_type_name", "") == "option" and param.name != "help":
            assert param.help and param.help.strip(), f"sgwatch {name} {param.opts} has no help text"
    result = runner.invoke(app, [*name.split(), "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_unknown_export_target_is_a_clear_error(tmp_path) -> None:
    result = runner.invoke(app, ["export", "bananas", "--data-dir", str(tmp_path)])
    assert result.exit_code != 0
    assert "bananas" in result.output and "statements" in result.output
