"""Athletes built from real sessions, and the advice each would get.

Every scenario is a history of real fixture and corpus files, analyzed by `fitcoach_analysis` and moved to the
scenario's dates, followed by the session to advise. The advice request is built by the analyzer's own code
(`trends.fitness_days_and_history` over the athlete's daily loads, `pipeline.advice_request`), sent through
the protobuf the two services exchange, and read by the advisor as it reads a call (`request_from_proto`):
the offline coach and the Gemini prompt see exactly what they would see in production.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache

from advisor_service.domain import AdviceRequest as AdvisorRequest
from advisor_service.domain import AdviceText
from advisor_service.offline import offline_advice
from advisor_service.prompt import Prompt, build_prompt
from advisor_service.servicer import request_from_proto
from analyzer_service.advisor_client import to_proto
from analyzer_service.domain import AnalysisResult, DailyLoad, UploadJob
from analyzer_service.pipeline import advice_request, result_from_analysis
from analyzer_service.trends import fitness_days_and_history
from fitcoach_analysis import AthleteProfile, analyze
from fitcoach_stack.fixtures import fixture_path

LANGUAGES = ("en", "ko")
# The day every scenario's session is advised on (a Monday); histories lead up to it.
TODAY = dt.date(2024, 6, 3)
HISTORY_DAYS = 28  # ADVISOR_HISTORY_DAYS' default


@cache
def _analyzed(name: str, profile: AthleteProfile | None) -> AnalysisResult:
    job = UploadJob(str(uuid.uuid5(uuid.NAMESPACE_URL, name)), str(uuid.UUID(int=0)), "b", name, 1, "")
    return result_from_analysis(job, analyze(fixture_path(name).read_bytes(), profile), profile)


def session_on(name: str, day: dt.date, profile: AthleteProfile | None) -> AnalysisResult:
    """A real file's analysis as if it had been recorded on `day`, at the same time of day."""
    result = _analyzed(name, profile)
    assert result.start_time is not None, name
    start = dt.datetime.combine(day, result.start_time.time(), tzinfo=dt.UTC)
    return dataclasses.replace(result, start_time=start, local_offset_s=0, local_date=day)


@dataclass(frozen=True)
class Scenario:
    """An athlete: a profile, the sessions before, and the session to advise on TODAY."""

    name: str
    title: str
    story: str
    today: str  # file name of the session advised
    history: tuple[tuple[dt.date, str], ...] = ()
    profile: AthleteProfile | None = None  # numbers only; the language is set per advice

    def results(self) -> list[AnalysisResult]:
        profile = self.profile
        return [session_on(name, day, profile) for day, name in self.history]

    def session(self) -> AnalysisResult:
        return session_on(self.today, TODAY, self.profile)

    def profile_in(self, language: str) -> AthleteProfile:
        return dataclasses.replace(self.profile or AthleteProfile(), language=language)


@dataclass
class _Loads:
    """The athlete's analyzed activities, answering `daily_loads` as the repository's SQL does."""

    results: Sequence[AnalysisResult]
    user_id: str = field(default=str(uuid.UUID(int=0)))

    async def daily_loads(self, user_id: str, until: dt.date) -> list[DailyLoad]:
        by_day: dict[dt.date, float] = defaultdict(float)
        for r in self.results:
            if r.local_date is not None and r.local_date <= until:
                by_day[r.local_date] += r.training_load or 0.0
        return [DailyLoad(date=day, load=load) for day, load in sorted(by_day.items())]


@dataclass(frozen=True)
class Advised:
    """What one scenario produces in one language."""

    request: AdvisorRequest
    advice: AdviceText
    prompt: Prompt


async def advise(scenario: Scenario, language: str) -> Advised:
    session = scenario.session()
    loads = _Loads([*scenario.results(), session])
    days, history = await fitness_days_and_history(loads, loads.user_id, TODAY, HISTORY_DAYS)  # type: ignore[arg-type]
    profile = scenario.profile_in(language)
    request = request_from_proto(to_proto(advice_request(session, profile, days, history)))
    return Advised(request=request, advice=offline_advice(request), prompt=build_prompt(request))


# --- the athletes ----------------------------------------------------------------------------------------


def _days(first: dt.date, last: dt.date, weekdays: Iterable[int]) -> list[dt.date]:
    wanted = set(weekdays)
    count = (last - first).days + 1
    return [d for d in (first + dt.timedelta(days=i) for i in range(count)) if d.weekday() in wanted]


def _rotate(days: Sequence[dt.date], files: Sequence[str]) -> tuple[tuple[dt.date, str], ...]:
    return tuple((day, files[i % len(files)]) for i, day in enumerate(days))


def _by_weekday(
    first: dt.date, last: dt.date, plan: dict[int, Sequence[str]]
) -> tuple[tuple[dt.date, str], ...]:
    """A weekly plan (weekday → files used in turn on that weekday) from first to last."""
    out = []
    for weekday, files in plan.items():
        out += _rotate(_days(first, last, [weekday]), files)
    return tuple(sorted(out))


MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
_RUNS = (
    "run-fenix6-road.fit", "run-fr245music.fit", "run-fenix3hr-devfields.fit", "run-coros-pace2-power.fit",
    "run-track-fenix6-same-run-as-coros.fit", "run-fenix5x-devfields.fit",
)  # fmt: skip
_LONG_RUNS = ("run-fr935-long.fit", "run-fr920xt-devfields-pauses.fit", "run-fenix5xplus-devfields-long.fit")
_RIDES = (
    "cycle-indoor-trainerroad-kickr.fit",
    "cycle-indoor-edge840-devfields.fit",
    "cycle-gravel-edge530-gears.fit",
)
_LONG_RIDES = (
    "cycle-edge520-power.fit",
    "cycle-road-garmin4655-power-zones.fit",
    "cycle-wahoo-bolt2-sensors-devfields.fit",
)
_BIG_DAYS = (
    "cycle-edge500-88km.fit", "cycle-edge520plus-long-smart-recording.fit", "run-trail-fenix5xplus-devfields.fit",
    "cycle-edge1000-road-power-long.fit",
)  # fmt: skip
_SWIMS = ("swim-pool-fenix6.fit", "swim-pool-fr935-pauses.fit", "swim-pool-garmin-swim-watch.fit")

_RUNNER = AthleteProfile(max_hr_bpm=190.0, rest_hr_bpm=50.0, threshold_hr_bpm=172.0)
_CYCLIST = AthleteProfile(max_hr_bpm=185.0, rest_hr_bpm=48.0, threshold_hr_bpm=165.0, ftp_w=250.0)
_TRIATHLETE = AthleteProfile(max_hr_bpm=186.0, rest_hr_bpm=50.0, threshold_hr_bpm=168.0, ftp_w=230.0)


def _weeks_before(weeks: int, *, ending: dt.date = TODAY - dt.timedelta(days=1)) -> tuple[dt.date, dt.date]:
    return ending - dt.timedelta(weeks=weeks) + dt.timedelta(days=1), ending


SCENARIOS = (
    Scenario(
        name="new-athlete",
        title="A brand-new athlete's first upload",
        story="No history at all, no profile: the first file anyone uploads.",
        today="run-fenix2-gps-hr.fit",
    ),
    Scenario(
        name="steady-build",
        title="A steady eight-week build",
        story="A runner training four days a week for eight weeks, one long run every Sunday; today a steady run.",
        today="run-fenix3-devfields-pauses.fit",
        history=_by_weekday(
            *_weeks_before(8), {TUE: _RUNS[:3], THU: _RUNS[3:], SAT: _RUNS[::2], SUN: _LONG_RUNS}
        ),
        profile=_RUNNER,
    ),
    Scenario(
        name="overreached",
        title="Overreached after a hard block",
        story="Six weeks of steady riding, then twelve big days in a row; today another hard, long ride.",
        today="cycle-edge830-road-power-laps.fit",
        history=(
            *_by_weekday(
                *_weeks_before(6, ending=TODAY - dt.timedelta(days=13)),
                {TUE: _RIDES, THU: _RIDES[::-1], SAT: _LONG_RIDES},
            ),
            # Twelve days in a row, up to yesterday.
            *_rotate(_days(TODAY - dt.timedelta(days=12), TODAY - dt.timedelta(days=1), range(7)), _BIG_DAYS),
        ),
        profile=_CYCLIST,
    ),
    Scenario(
        name="comeback",
        title="Back after six weeks off",
        story="Six months of running three times a week, then 43 days without training; today the first run back.",
        today="run-fr245music.fit",
        history=_by_weekday(
            *_weeks_before(26, ending=TODAY - dt.timedelta(days=43)),
            {TUE: _RUNS, THU: _RUNS[::-1], SUN: _LONG_RUNS},
        ),
        profile=_RUNNER,
    ),
    Scenario(
        name="triathlete",
        title="A triathlete mixing sports",
        story="Eight weeks of swimming, riding and running, six days a week; today a race (swim, bike, run in one file).",
        today="triathlon-fr255-summary-last.fit",
        history=_by_weekday(
            *_weeks_before(8),
            {
                MON: _SWIMS,
                TUE: _RUNS[:3],
                WED: _RIDES,
                THU: _SWIMS[::-1],
                SAT: _LONG_RIDES,
                SUN: _LONG_RUNS[:2],
            },
        ),
        profile=_TRIATHLETE,
    ),
    Scenario(
        name="yoga-strength",
        title="Yoga and strength only",
        story="Eight weeks of yoga and strength training, four days a week, no endurance sport; today a short yoga session.",
        today="yoga-venu3.fit",
        history=_by_weekday(
            *_weeks_before(8),
            {
                MON: ["yoga-venu3.fit"],
                WED: ["strength-vivoactivehr.fit"],
                FRI: ["yoga-venu3.fit"],
                SAT: ["strength-suunto-race2.fit"],
            },
        ),
    ),
    Scenario(
        name="freediver",
        title="A freediver's weekend dives",
        story="Three weekends of freediving and snorkelling; today a session of two deep dives on a dive computer.",
        today="dive-apnea-descent-mk1.fit",
        history=_by_weekday(
            *_weeks_before(3),
            {SAT: ["dive-freedive-suunto-ocean.fit"], SUN: ["snorkel-suunto-vertical2.fit"]},
        ),
    ),
    Scenario(
        name="scuba",
        title="A scuba diver's first upload",
        story="A new athlete whose first file is one long scuba dive on two gases.",
        today="dive-descent-mk2-multigas.fit",
    ),
)


def scenario(name: str) -> Scenario:
    return next(s for s in SCENARIOS if s.name == name)
