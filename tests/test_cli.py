"""The CLI documents every command and option."""

from __future__ import annotations

from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from core.cli import app

runner = CliRunner()
COMMANDS = ["crawl", "analyze", "serve", "report", "eval", "export", "status", "demo"]


def _click_group() -> Any:
    group = typer.main.get_command(app)  # typer >= 0.20 vendors its own click: duck-type it
    assert hasattr(group, "commands")
    return group


def test_every_required_command_exists() -> None:
    assert sorted(_click_group().commands) == sorted(COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
def test_command_has_help_and_every_option_is_documented(name: str) -> None:
    command = _click_group().commands[name]
    assert command.help and command.help.strip(), f"sgwatch {name} has no help text"
    for param in command.params:
        if getattr(param, "param_type_name", "") == "option" and param.name != "help":
            assert param.help and param.help.strip(), f"sgwatch {name} {param.opts} has no help text"
    result = runner.invoke(app, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_unknown_export_target_is_a_clear_error(tmp_path) -> None:
    result = runner.invoke(app, ["export", "bananas", "--data-dir", str(tmp_path)])
    assert result.exit_code != 0
    assert "bananas" in result.output and "statements" in result.output
