"""Configuration of the advisor service, read from the environment once, at start."""

from __future__ import annotations

from dataclasses import dataclass

from fitcoach_runtime.auth import ServiceTokenVerifier, check_service_tokens
from fitcoach_runtime.settings import ServerSettings, env_field

from .gemini import GeminiConfig


@dataclass(frozen=True)
class GeminiSettings:
    """Gemini through google-genai; without GEMINI_API_KEY the offline coach writes every advice."""

    api_key: str = env_field("GEMINI_API_KEY", "", secret=True)
    model: str = env_field("GEMINI_MODEL", "gemini-2.5-flash")
    timeout_s: float = env_field("GEMINI_TIMEOUT_S", 20.0)
    retries: int = env_field("GEMINI_RETRIES", 2)
    base_url: str = env_field("GEMINI_BASE_URL", "")
    backoff_s: float = env_field("GEMINI_BACKOFF_S", 1.0)
    total_timeout_s: float = env_field("GEMINI_TOTAL_TIMEOUT_S", 45.0)

    def __post_init__(self) -> None:
        problems = []
        if not self.model.strip():
            problems.append("GEMINI_MODEL must not be empty")
        if self.timeout_s <= 0 or self.total_timeout_s <= 0:
            problems.append("GEMINI_TIMEOUT_S and GEMINI_TOTAL_TIMEOUT_S must be > 0")
        if not 0 <= self.retries <= 10:
            problems.append("GEMINI_RETRIES must be between 0 and 10")
        if self.backoff_s < 0:
            problems.append("GEMINI_BACKOFF_S must not be negative")
        if self.base_url and not self.base_url.startswith(("http://", "https://")):
            problems.append("GEMINI_BASE_URL must be an http(s) URL")
        if problems:
            raise ValueError("; ".join(problems))

    @property
    def enabled(self) -> bool:
        return bool(self.api_key)

    def config(self) -> GeminiConfig:
        return GeminiConfig(
            api_key=self.api_key,
            model=self.model,
            timeout_s=self.timeout_s,
            retries=self.retries,
            base_url=self.base_url,
            backoff_s=self.backoff_s,
            total_timeout_s=self.total_timeout_s,
        )


@dataclass(frozen=True)
class CallerSettings:
    """Who may call: every GenerateAdvice costs Gemini money, so only holders of a service token may ask.

    ADVISOR_SERVICE_TOKENS lists the accepted tokens, comma separated; more than one during a rotation
    (add the new token here, switch the analyzer's ADVISOR_SERVICE_TOKEN, then drop the old one).
    """

    service_tokens: tuple[str, ...] = env_field("ADVISOR_SERVICE_TOKENS", secret=True)

    def __post_init__(self) -> None:
        check_service_tokens(self.service_tokens, "ADVISOR_SERVICE_TOKENS")

    def verifier(self) -> ServiceTokenVerifier:
        return ServiceTokenVerifier(self.service_tokens, caller="analyzer")


@dataclass(frozen=True)
class MemoSettings:
    """Answers remembered for callers that ask again for the same inputs (see service.AnswerMemo)."""

    size: int = env_field("ADVISOR_MEMO_SIZE", 4096)
    ttl_s: float = env_field("ADVISOR_MEMO_TTL_S", 3600.0)

    def __post_init__(self) -> None:
        if self.size < 0 or self.ttl_s < 0:
            raise ValueError("ADVISOR_MEMO_SIZE and ADVISOR_MEMO_TTL_S must be >= 0 (0 = remember nothing)")


@dataclass(frozen=True)
class AdvisorSettings:
    server: ServerSettings
    gemini: GeminiSettings
    callers: CallerSettings
    memo: MemoSettings
