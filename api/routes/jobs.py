"""POST /jobs/crawl, POST /jobs/analyze, GET /jobs/{id}: the only endpoints that change anything.

They need ``Authorization: Bearer <SGWATCH_API_TOKEN>`` and are off (403) when no token is set. A job
is the `sgwatch` command run as a child process with the server's environment and data directory, its
output in ``<data dir>/jobs/<id>.log``; one job of each kind at a time.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path as FsPath
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.deps import get_settings
from api.routes.common import parse_day
from api.schemas import JobOut
from core.config import Settings

_bearer = HTTPBearer(auto_error=False, description="SGWATCH_API_TOKEN")
_lock = threading.Lock()


def require_token(
    settings: Annotated[Settings, Depends(get_settings)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """403 when write endpoints are off (no token set), 401 without the right bearer token."""
    token = settings.api_token.get_secret_value() if settings.api_token is not None else ""
    if not token:
        raise HTTPException(403, "endpoints that change anything are off: set SGWATCH_API_TOKEN to turn them on")
    given = credentials.credentials if credentials is not None else ""
    # compare_digest: the time taken must not tell how much of a guessed token was right.
    if not secrets.compare_digest(given.encode("utf-8"), token.encode("utf-8")):
        raise HTTPException(401, "a valid token is required: send the header Authorization: Bearer <token>",
                            headers={"WWW-Authenticate": "Bearer"})


router = APIRouter(tags=["jobs"], dependencies=[Depends(require_token)], responses={
    401: {"description": "Missing or wrong token."},
    403: {"description": "Write endpoints are off: no SGWATCH_API_TOKEN is set."},
})


@dataclass
class _Job:
    id: str
    kind: str
    command: list[str]
    log: FsPath
    started_at: str
    proc: subprocess.Popen[bytes]

    def json(self) -> dict[str, Any]:
        rc = self.proc.poll()
        status = "running" if rc is None else ("finished" if rc == 0 else "failed")
        return {"id": self.id, "kind": self.kind, "status": status, "pid": self.proc.pid, "returncode": rc,
                "command": ["sgwatch", *self.command[3:]], "log": str(self.log), "started_at": self.started_at}


def _jobs(request: Request) -> dict[str, _Job]:
    jobs: dict[str, _Job] | None = getattr(request.app.state, "jobs", None)
    if jobs is None:
        jobs = request.app.state.jobs = {}
    return jobs


def _start(request: Request, settings: Settings, kind: str, args: list[str]) -> dict[str, Any]:
    with _lock:
        jobs = _jobs(request)
        if any(j.kind == kind and j.proc.poll() is None for j in jobs.values()):
            raise HTTPException(409, f"a {kind} job is already running; wait for it (GET /jobs/{{id}})")
        job_id = f"{kind}-{len(jobs) + 1}"
        log_dir = settings.data_dir / "jobs"
        log_dir.mkdir(parents=True, exist_ok=True)
        log = log_dir / f"{job_id}.log"
        command = [sys.executable, "-m", "core.cli", kind, "--data-dir", str(settings.data_dir), *args]
        with log.open("wb") as fh:
            proc = subprocess.Popen(command, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        job = jobs[job_id] = _Job(job_id, kind, command, log, datetime.now(UTC).isoformat(), proc)
        return job.json()


@router.post("/jobs/crawl", status_code=202, response_model=JobOut)
def start_crawl(
    request: Request,
    settings: Annotated[Settings, Depends(get_settings)],
    spider: Annotated[Literal["un_sg", "un_press"] | None, Query(description="One site; both when omitted.")] = None,
    since: Annotated[str | None, Query(description="Only texts from this day on, YYYY-MM-DD.")] = None,
    max_pages: Annotated[int | None, Query(ge=1, le=1_000_000, description="Stop after this many responses.")] = None,
) -> dict[str, Any]:
    """Start a crawl in the background (token required)."""
    args: list[str] = []
    if spider:
        args += ["--spider", spider]
    day: date | None = parse_day("since", since)
    if day:
        args += ["--since", day.isoformat()]
    if max_pages:
        args += ["--max-pages", str(max_pages)]
    return _start(request, settings, "crawl", args)


@router.post("/jobs/analyze", status_code=202, response_model=JobOut)
def start_analysis(
    request: Request,
    settings: Annotated[Settings, Depends(get_settings)],
    limit: Annotated[int | None, Query(ge=1, le=10_000_000, description="Analyse at most this many statements.")] = None,
) -> dict[str, Any]:
    """Start analysing the statements not analysed yet, in the background (token required)."""
    return _start(request, settings, "analyze", ["--limit", str(limit)] if limit else [])


@router.get("/jobs/{job_id}", response_model=JobOut)
def job_status(
    request: Request,
    job_id: Annotated[str, Path(max_length=100, description="Job id as POST returned it.")],
) -> dict[str, Any]:
    """A job's state: running, finished or failed, with its log file (token required)."""
    job = _jobs(request).get(job_id)
    if job is None:
        raise HTTPException(404, f"no job {job_id!r} in this server's lifetime")
    return job.json()
