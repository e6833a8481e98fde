"""Advice from Gemini through the google-genai client, with structured output, retries and a time budget.

We own the retry loop (tenacity) instead of the SDK's `HttpRetryOptions` because the SDK does not retry
timeouts, and we need one budget over all attempts so the caller's deadline always leaves time for the
offline coach. We also own the aiohttp session: the SDK's own session class trips a DeprecationWarning in
aiohttp, and an explicit session closes deterministically on shutdown.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass

import aiohttp
import tenacity
from google import genai
from google.genai import errors, types
from pydantic import ValidationError

from .domain import AdviceRequest, AdviceText
from .prompt import build_prompt

log = logging.getLogger(__name__)

# 408/429 and 5xx are worth another attempt; other 4xx (bad key, bad request) will fail the same way again.
_RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504})
_HANGUL = re.compile(r"[\uac00-\ud7a3]")


class GeminiError(Exception):
    """Gemini gave no usable advice; the message is a short, secret-free reason recorded with the advice."""


@dataclass(frozen=True)
class GeminiConfig:
    api_key: str
    model: str = "gemini-2.5-flash"
    timeout_s: float = 20.0  # one attempt
    retries: int = 2  # attempts after the first
    base_url: str = ""  # empty: Google's endpoint
    backoff_s: float = 1.0  # first wait between attempts; doubles each time
    total_timeout_s: float = 45.0  # all attempts and waits together
    temperature: float = 0.4


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, errors.APIError):
        return exc.code in _RETRYABLE_STATUS
    # aiohttp reports a request timeout as TimeoutError; connection failures are ClientErrors.
    return isinstance(exc, TimeoutError | aiohttp.ClientError)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "Gemini timed out"
    if isinstance(exc, errors.APIError):
        return f"Gemini answered HTTP {exc.code}"
    if isinstance(exc, aiohttp.ClientError):
        return f"Gemini unreachable ({type(exc).__name__})"
    return f"Gemini call failed ({type(exc).__name__})"


def parse_advice(text: str | None, language: str) -> AdviceText:
    """Validate Gemini's JSON against the advice schema; structured output is a request, not a guarantee."""
    if not text:
        raise GeminiError("Gemini returned no text")
    try:
        advice = AdviceText.model_validate_json(text)
    except ValidationError as exc:
        raise GeminiError(f"Gemini returned invalid advice ({exc.error_count()} schema errors)") from None
    if language == "ko" and not _HANGUL.search(advice.summary):
        raise GeminiError("Gemini did not answer in Korean")
    return advice


class GeminiCoach:
    """Writes advice with Gemini. Create it inside the event loop that will use it; `aclose()` at shutdown."""

    def __init__(self, config: GeminiConfig) -> None:
        if not config.api_key:
            raise ValueError("GeminiCoach needs an API key")
        self.config = config
        self._session = aiohttp.ClientSession()
        self._client = genai.Client(
            api_key=config.api_key,
            http_options=types.HttpOptions(
                base_url=config.base_url or None,
                timeout=max(1, round(config.timeout_s * 1000)),  # milliseconds, per attempt
                # One attempt per SDK call: our loop below retries, and this also turns off the SDK's
                # implicit 1–10 s sleep-and-retry on connection errors, which would break the budget.
                retry_options=types.HttpRetryOptions(attempts=1),
                aiohttp_client=self._session,
            ),
        )
        self._generation = types.GenerateContentConfig(
            response_mime_type="application/json",
            response_schema=AdviceText,
            temperature=config.temperature,
        )

    @property
    def model(self) -> str:
        return self.config.model

    async def aclose(self) -> None:
        await self._client.aio.aclose()
        self._client.close()
        await self._session.close()

    async def write(self, request: AdviceRequest, *, budget_s: float | None = None) -> AdviceText:
        """Advice for `request` within `budget_s` (and the configured total), or GeminiError saying why not."""
        budget = (
            self.config.total_timeout_s if budget_s is None else min(budget_s, self.config.total_timeout_s)
        )
        if budget <= 0:
            raise GeminiError("no time left to ask Gemini")
        prompt = build_prompt(request)
        config = self._generation.model_copy(update={"system_instruction": prompt.system})
        retrying = tenacity.AsyncRetrying(
            stop=tenacity.stop_after_attempt(self.config.retries + 1),
            wait=tenacity.wait_exponential_jitter(
                initial=self.config.backoff_s, max=self.config.backoff_s * 8, jitter=self.config.backoff_s / 2
            ),
            retry=tenacity.retry_if_exception(_retryable),
            before_sleep=self._log_retry,
            reraise=True,
        )
        try:
            async with asyncio.timeout(budget):
                async for attempt in retrying:
                    with attempt:
                        response = await self._client.aio.models.generate_content(
                            model=self.config.model, contents=prompt.user, config=config
                        )
        except Exception as exc:
            raise GeminiError(_reason(exc)) from exc
        return parse_advice(response.text, request.language)

    @staticmethod
    def _log_retry(state: tenacity.RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        log.info(
            "retrying Gemini",
            extra={"fields": {"attempt": state.attempt_number, "reason": _reason(exc) if exc else ""}},
        )
