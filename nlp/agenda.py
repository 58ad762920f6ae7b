"""Load and validate an agenda file (priorities, exemplars, cues, thresholds)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from core.errors import AgendaError

_PRIORITY_ID = re.compile(r"^P[1-9][0-9]*$")
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
CUE_KINDS = ("strong", "subject", "proxy", "point")
STANCES = ("condemnation", "call_to_action", "commitment", "concern", "mention")


class Thresholds(BaseModel):
    """Decision thresholds on the [0, 1] score; None inherits the agenda default."""

    model_config = ConfigDict(extra="forbid")

    decision: float | None = Field(default=None, ge=0.0, le=1.0)
    explicit: float | None = Field(default=None, ge=0.0, le=1.0)


class Cues(BaseModel):
    """Cue phrases: `strong` alone signal the priority; `subject` + `point` together make it explicit.

    `proxy` names stand-ins for the subject (journalists for defenders): proxy + point is implicit
    evidence. A phrase is a space-separated list of lower-case tokens; a token ending in `*` matches
    any token starting with it; `@name` includes the agenda's shared cue set `name`.
    """

    model_config = ConfigDict(extra="forbid")

    strong: list[str] = Field(default_factory=list)
    subject: list[str] = Field(default_factory=list)
    proxy: list[str] = Field(default_factory=list)
    point: list[str] = Field(default_factory=list)


class Priority(BaseModel):
    """One priority of the agenda."""

    model_config = ConfigDict(extra="forbid")

    id: str
    key: str
    title: str
    text: str
    exemplars: list[str]
    counter_exemplars: list[str] = Field(default_factory=list)
    cues: Cues = Field(default_factory=Cues)
    thresholds: Thresholds = Field(default_factory=Thresholds)

    @field_validator("id")
    @classmethod
    def _id_shape(cls, v: str) -> str:
        if not _PRIORITY_ID.match(v):
            raise ValueError(f"priority id must look like P1, P2, ... (got {v!r})")
        return v

    @field_validator("key")
    @classmethod
    def _key_shape(cls, v: str) -> str:
        if not _KEY.match(v):
            raise ValueError(f"key must be snake_case (got {v!r})")
        return v

    @field_validator("title", "text")
    @classmethod
    def _not_empty(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must not be empty")
        return v.strip()

    @field_validator("exemplars")
    @classmethod
    def _exemplars(cls, v: list[str]) -> list[str]:
        v = [s.strip() for s in v]
        if not v:
            raise ValueError("at least one exemplar is required")
        if any(not s for s in v):
            raise ValueError("exemplars must not be empty strings")
        return v


class Defaults(BaseModel):
    """Agenda-level defaults: thresholds, unfitted combination weights, matcher settings."""

    model_config = ConfigDict(extra="forbid")

    thresholds: Thresholds = Field(default_factory=lambda: Thresholds(decision=0.5, explicit=0.5))
    weights: dict[str, float] = Field(default_factory=dict)
    top_k: int = Field(default=2, ge=1)
    counter_exemplars: list[str] = Field(default_factory=list)
    # Names of occasions ("International Day to End Impunity for Crimes against Journalists"): their
    # words are masked before cue matching, since naming a day is not taking a position on it.
    ignore_phrases: list[str] = Field(default_factory=list)
    # Passages where one of these cues fires are never matched (e.g. "^question :" in briefings,
    # where the reporter speaks, not the Secretary-General).
    skip_passages: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _complete(self) -> Defaults:
        if self.thresholds.decision is None or self.thresholds.explicit is None:
            raise ValueError("defaults.thresholds needs both decision and explicit")
        return self


class Source(BaseModel):
    """Where the agenda comes from."""

    model_config = ConfigDict(extra="allow")

    title: str
    date: dt.date | None = None
    authors: str | None = None
    url: str | None = None


class Agenda(BaseModel):
    """An advocacy agenda: priorities with the letter's text, exemplars and cues."""

    model_config = ConfigDict(extra="forbid")

    id: str
    title: str
    source: Source
    defaults: Defaults = Field(default_factory=Defaults)
    cue_sets: dict[str, list[str]] = Field(default_factory=dict)
    stance_cues: dict[str, list[str]] = Field(default_factory=dict)
    priorities: list[Priority]
    version: str = ""
    path: Path | None = None

    @field_validator("id")
    @classmethod
    def _agenda_id(cls, v: str) -> str:
        if not _KEY.match(v):
            raise ValueError(f"agenda id must be snake_case (got {v!r})")
        return v

    @field_validator("stance_cues")
    @classmethod
    def _stances(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        bad = [k for k in v if k not in STANCES]
        if bad:
            raise ValueError(f"unknown stance(s) {bad}; allowed: {list(STANCES)}")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> Agenda:
        if not self.priorities:
            raise ValueError("priorities: at least one priority is required")
        for field in ("id", "key"):
            seen: set[str] = set()
            for p in self.priorities:
                value = getattr(p, field)
                if value in seen:
                    raise ValueError(f"priorities: duplicate {field} {value!r}")
                seen.add(value)
        for p in self.priorities:
            for kind in CUE_KINDS:
                for phrase in getattr(p.cues, kind):
                    if phrase.startswith("@") and phrase[1:] not in self.cue_sets:
                        raise ValueError(
                            f"priorities.{p.id}.cues.{kind}: unknown cue set {phrase!r}"
                        )
            d, e = self.decision_threshold(p.id), self.explicit_threshold(p.id)
            if e < d:
                raise ValueError(
                    f"priorities.{p.id}.thresholds: explicit ({e}) must be >= decision ({d})"
                )
        return self

    @property
    def ids(self) -> list[str]:
        """Priority ids in file order."""
        return [p.id for p in self.priorities]

    def priority(self, pid: str) -> Priority:
        """The priority with this id."""
        for p in self.priorities:
            if p.id == pid:
                return p
        raise KeyError(pid)

    def decision_threshold(self, pid: str) -> float:
        """Decision threshold of a priority (its own, else the agenda default)."""
        t = self.priority(pid).thresholds.decision
        return t if t is not None else float(self.defaults.thresholds.decision or 0.5)

    def explicit_threshold(self, pid: str) -> float:
        """Explicit threshold of a priority (its own, else the agenda default)."""
        t = self.priority(pid).thresholds.explicit
        return t if t is not None else float(self.defaults.thresholds.explicit or 0.5)

    def expand_cues(self, pid: str, kind: str) -> list[str]:
        """Cue phrases of one kind for a priority, with `@set` references expanded."""
        out: list[str] = []
        for phrase in getattr(self.priority(pid).cues, kind):
            if phrase.startswith("@"):
                out.extend(self.cue_sets[phrase[1:]])
            else:
                out.append(phrase)
        return out


def _loc(err: Any) -> str:
    """Readable location of a pydantic error, naming priorities by index."""
    parts: list[str] = []
    for item in err.get("loc", ()):
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts) or "(top level)"


def load_agenda(path: Path) -> Agenda:
    """Read and validate an agenda YAML file; raise AgendaError naming the file and the field."""
    path = Path(path)
    try:
        raw_bytes = path.read_bytes()
    except OSError as exc:
        raise AgendaError(f"{path}: cannot read agenda file ({exc.strerror or exc})") from exc
    try:
        data = yaml.safe_load(raw_bytes)
    except yaml.YAMLError as exc:
        raise AgendaError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise AgendaError(f"{path}: the agenda must be a mapping with id, title, source, priorities")
    data.pop("version", None)
    data.pop("path", None)
    try:
        agenda = Agenda.model_validate(data)
    except ValidationError as exc:
        msgs = []
        for err in exc.errors():
            loc = _loc(err)
            # Point at the priority id as well as its index, so the author finds it fast.
            loc_items = err.get("loc", ())
            if len(loc_items) >= 2 and loc_items[0] == "priorities" and isinstance(loc_items[1], int):
                plist = data.get("priorities") or []
                if 0 <= loc_items[1] < len(plist) and isinstance(plist[loc_items[1]], dict):
                    pid = plist[loc_items[1]].get("id")
                    if pid:
                        loc = f"{loc} ({pid})"
            msg = err.get("msg", "invalid").removeprefix("Value error, ")
            msgs.append(f"{loc}: {msg}")
        raise AgendaError(f"{path}: invalid agenda: " + "; ".join(msgs)) from exc
    agenda.version = f"{agenda.id}@{hashlib.sha1(raw_bytes).hexdigest()[:12]}"
    agenda.path = path
    return agenda
