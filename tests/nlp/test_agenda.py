"""Agenda loading: the shipped file is valid, and each kind of bad field gives a clear AgendaError."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from core.config import DEFAULT_AGENDA
from core.errors import AgendaError
from nlp.agenda import Agenda, load_agenda

KEYS = [
    "speak_out", "sdg_indicators", "un_staff_support", "peace_security", "early_warning",
    "civil_society_liaison", "cs_participation_programmes", "cs_access_un_bodies", "reprisals",
]


def _raw() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(DEFAULT_AGENDA.read_text(encoding="utf-8"))
    return data


def _write(tmp_path: Path, data: dict[str, Any], name: str = "agenda.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def test_shipped_agenda_is_valid(agenda: Agenda) -> None:
    assert agenda.id == "hrd_2016"
    assert agenda.ids == [f"P{i}" for i in range(1, 10)]
    assert [p.key for p in agenda.priorities] == KEYS
    assert agenda.source.date is not None and agenda.source.date.isoformat() == "2016-06-07"
    for p in agenda.priorities:
        assert 8 <= len(p.exemplars) <= 20, p.id
        assert p.counter_exemplars, p.id


def test_priority_text_is_the_letters_bullet(agenda: Agenda) -> None:
    letter = (Path(__file__).resolve().parents[3] / "shared" / "seed" / "hrd-agenda-letter-2016.txt")
    if not letter.exists():
        pytest.skip("seed letter not available")
    bullets = [line.lstrip("• ").strip() for line in letter.read_text(encoding="utf-8").splitlines()
               if line.startswith("•")]
    assert [p.text for p in agenda.priorities] == bullets


def test_version_is_id_and_file_hash(tmp_path: Path) -> None:
    path = _write(tmp_path, _raw())
    a = load_agenda(path)
    assert re.fullmatch(r"hrd_2016@[0-9a-f]{12}", a.version)
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert load_agenda(path).version != a.version


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(AgendaError, match="nope.yaml: cannot read"):
        load_agenda(tmp_path / "nope.yaml")


def test_not_yaml(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("id: [unclosed\n", encoding="utf-8")
    with pytest.raises(AgendaError, match="bad.yaml: not valid YAML"):
        load_agenda(path)


def test_missing_priority_id(tmp_path: Path) -> None:
    data = _raw()
    del data["priorities"][2]["id"]
    with pytest.raises(AgendaError, match=r"priorities\[2\]\.id: Field required"):
        load_agenda(_write(tmp_path, data))


def test_duplicate_priority_id(tmp_path: Path) -> None:
    data = _raw()
    data["priorities"][1]["id"] = "P1"
    with pytest.raises(AgendaError, match="duplicate id 'P1'"):
        load_agenda(_write(tmp_path, data))


def test_empty_text_names_the_priority(tmp_path: Path) -> None:
    data = _raw()
    data["priorities"][4]["text"] = "   "
    with pytest.raises(AgendaError) as exc:
        load_agenda(_write(tmp_path, data))
    msg = str(exc.value)
    assert "agenda.yaml" in msg and r"priorities[4].text (P5)" in msg and "must not be empty" in msg


def test_threshold_out_of_range(tmp_path: Path) -> None:
    data = _raw()
    data["priorities"][0]["thresholds"] = {"decision": 1.5}
    with pytest.raises(AgendaError, match=r"priorities\[0\]\.thresholds\.decision \(P1\): .*less than or equal to 1"):
        load_agenda(_write(tmp_path, data))


def test_explicit_threshold_below_decision(tmp_path: Path) -> None:
    data = _raw()
    data["priorities"][8]["thresholds"] = {"decision": 0.7, "explicit": 0.4}
    with pytest.raises(AgendaError, match=r"P9\.thresholds: explicit \(0\.4\) must be >= decision \(0\.7\)"):
        load_agenda(_write(tmp_path, data))


def test_bad_priority_id_and_key(tmp_path: Path) -> None:
    data = _raw()
    data["priorities"][0]["id"] = "first"
    data["priorities"][1]["key"] = "Not A Key"
    with pytest.raises(AgendaError) as exc:
        load_agenda(_write(tmp_path, data))
    assert "priorities[0].id" in str(exc.value) and "priorities[1].key" in str(exc.value)


def test_no_exemplars(tmp_path: Path) -> None:
    data = _raw()
    data["priorities"][3]["exemplars"] = []
    with pytest.raises(AgendaError, match=r"priorities\[3\]\.exemplars \(P4\): at least one exemplar"):
        load_agenda(_write(tmp_path, data))


def test_unknown_cue_set(tmp_path: Path) -> None:
    data = _raw()
    data["priorities"][0]["cues"]["subject"] = ["@nonexistent"]
    with pytest.raises(AgendaError, match=r"P1\.cues\.subject: unknown cue set '@nonexistent'"):
        load_agenda(_write(tmp_path, data))


def test_unknown_field_is_rejected(tmp_path: Path) -> None:
    data = _raw()
    data["priorities"][0]["exemplar"] = ["typo for exemplars"]
    with pytest.raises(AgendaError, match=r"priorities\[0\]\.exemplar \(P1\): Extra inputs"):
        load_agenda(_write(tmp_path, data))


def test_no_priorities(tmp_path: Path) -> None:
    data = _raw()
    data["priorities"] = []
    with pytest.raises(AgendaError, match="at least one priority"):
        load_agenda(_write(tmp_path, data))


def test_shipped_agenda_has_a_fit_for_its_version() -> None:
    """An edit to agendas/hrd_2016.yaml without `python -m nlp.evaluate --gold … --fit` would leave the
    product on the agenda's default weights: the shipped fit must be keyed by the shipped version."""
    import json

    from core.config import DEFAULT_AGENDA
    from nlp.agenda import load_agenda
    from nlp.match import fitted_path_for

    agenda = load_agenda(DEFAULT_AGENDA)
    path = fitted_path_for(agenda)
    assert path is not None and path.exists()
    fits = json.loads(path.read_text(encoding="utf-8"))["fits"]
    assert agenda.version in fits, (f"{path.name} has fits for {sorted(fits)}, not {agenda.version}: refit with "
                                    "python -m nlp.evaluate --gold ../shared/data/gold/dev.jsonl --fit")
    entry = fits[agenda.version]["all-MiniLM-L6-v2"]
    assert set(entry["thresholds"]) == set(agenda.ids)
