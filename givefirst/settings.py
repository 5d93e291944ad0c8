"""Configuration from environment variables and an optional ``.env`` file."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.sign_in import DashboardAccess

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class Settings(BaseSettings):
    """Every setting an operator can give; all optional except each platform's token."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: a SQLite file givefirst.db here"
    )
    log_level: str = "INFO"
    givefirst_matching: Literal["semantic", "lexical"] = Field(
        default="semantic",
        description="semantic: sentence embeddings with the skill vocabulary; lexical: the "
        "vocabulary alone (no model loaded: less memory, a faster start)",
    )
    givefirst_embedding_model: str | None = Field(
        default=None, description="path of an operator's own ONNX sentence model"
    )

    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    slack_api_url: str = "https://slack.com/api/"

    discord_token: str | None = None
    discord_api_url: str = "https://discord.com/api/v10"
    discord_gateway_url: str | None = None
    discord_guild_id: int | None = None

    givefirst_public_url: str | None = Field(
        default=None, description="Where people open the admin dashboard, for sign-in links"
    )
    givefirst_secret_key: str | None = Field(
        default=None,
        description="Signs dashboard sign-in links and sessions; default: a key kept in "
        "the database",
    )

    @field_validator("log_level")
    @classmethod
    def _a_level(cls, level: str) -> str:
        if level.strip().upper() not in LOG_LEVELS:
            raise ValueError(f"use one of {', '.join(LOG_LEVELS)}")
        return level.strip().upper()

    def dashboard(self, fallback_url: str | None = None) -> DashboardAccess:
        """Where sign-in links lead (GIVEFIRST_PUBLIC_URL, else ``fallback_url``), and
        the key that signs them."""
        return DashboardAccess(
            public_url=self.givefirst_public_url or fallback_url,
            secret=self.givefirst_secret_key or None,
        )
