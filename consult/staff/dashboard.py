"""Dashboard figures straight from the database (no export): responses and drafts per day,
by region and by type of respondent, and open contributions per status."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Date, cast, func, select
from sqlalchemy.orm import Session

from consult.contributions.models import STATUSES, Contribution
from consult.questionnaires.models import Response

#: The daily chart shows at most this many days (the most recent).
CHART_DAYS = 90


def _day(column, dialect: str):
    """The UTC calendar day of a timestamp column, as SQL."""
    if dialect == "postgresql":
        return cast(func.timezone("UTC", column), Date)
    return func.date(column)


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


@dataclass
class Daily:
    """Submitted responses and drafts started, per day, for one questionnaire."""

    questionnaire: str
    days: list[date] = field(default_factory=list)
    submitted: list[int] = field(default_factory=list)
    drafts: list[int] = field(default_factory=list)

    @property
    def peak(self) -> int:
        """The largest daily bar (submitted + drafts)."""
        return max((s + d for s, d in zip(self.submitted, self.drafts, strict=True)), default=0)


def daily(session: Session, questionnaire: str, today: date) -> Daily:
    """Return the per-day counts of the last CHART_DAYS days up to ``today``.

    A response counts on the day it was submitted; a draft on the day it was started.
    """
    dialect = session.get_bind().dialect.name
    first = today - timedelta(days=CHART_DAYS - 1)
    submitted_day = _day(Response.submitted_at, dialect)
    started_day = _day(Response.started_at, dialect)
    submitted = {
        _as_date(day): count
        for day, count in session.execute(
            select(submitted_day, func.count(Response.id))
            .where(
                Response.questionnaire_key == questionnaire,
                Response.status == "submitted",
                submitted_day >= first,
            )
            .group_by(submitted_day)
        )
    }
    drafts = {
        _as_date(day): count
        for day, count in session.execute(
            select(started_day, func.count(Response.id))
            .where(
                Response.questionnaire_key == questionnaire,
                Response.status == "draft",
                started_day >= first,
            )
            .group_by(started_day)
        )
    }
    active = sorted(set(submitted) | set(drafts))
    start = active[0] if active else today
    result = Daily(questionnaire)
    day = start
    while day <= today:
        result.days.append(day)
        result.submitted.append(submitted.get(day, 0))
        result.drafts.append(drafts.get(day, 0))
        day += timedelta(days=1)
    return result


@dataclass
class Breakdown:
    """Submitted responses and drafts by one profile field, for one questionnaire."""

    key: str
    submitted: int = 0
    drafts: int = 0


def breakdown(session: Session, questionnaire: str, field_name: str) -> list[Breakdown]:
    """Return counts by ``region`` or ``respondent_type`` (None grouped under "")."""
    column = getattr(Response, field_name)
    lines: dict[str, Breakdown] = {}
    for key, status, count in session.execute(
        select(column, Response.status, func.count(Response.id))
        .where(Response.questionnaire_key == questionnaire)
        .group_by(column, Response.status)
    ):
        line = lines.setdefault(key or "", Breakdown(key or ""))
        if status == "submitted":
            line.submitted += count
        else:
            line.drafts += count
    return sorted(lines.values(), key=lambda line: (-line.submitted, line.key))


def totals(session: Session) -> dict[str, dict[str, int]]:
    """Return questionnaire -> {"submitted": n, "draft": n}."""
    result: dict[str, dict[str, int]] = {}
    for key, status, count in session.execute(
        select(Response.questionnaire_key, Response.status, func.count(Response.id)).group_by(
            Response.questionnaire_key, Response.status
        )
    ):
        result.setdefault(key, {"submitted": 0, "draft": 0})[status] = count
    return result


def contribution_counts(session: Session) -> dict[str, int]:
    """Return open contributions per status (every status present, zero where none)."""
    counts = dict.fromkeys(STATUSES, 0)
    counts.update(
        session.execute(
            select(Contribution.status, func.count(Contribution.id)).group_by(Contribution.status)
        ).all()
    )
    return counts


@dataclass
class Bar:
    """One day's bar in the SVG chart, in chart coordinates."""

    x: float
    width: float
    submitted_y: float
    submitted_height: float
    drafts_y: float
    drafts_height: float
    day: date
    submitted: int
    drafts: int


@dataclass
class Chart:
    """Geometry of a daily stacked bar chart, drawn as SVG by the template (no JavaScript)."""

    width: int
    height: int
    plot_top: int
    plot_bottom: int
    plot_left: int
    bars: list[Bar]
    ticks: list[tuple[float, int]]
    labels: list[tuple[float, date]]


def chart(series: Daily, width: int = 720, height: int = 240) -> Chart:
    """Lay out the bars: submitted at the bottom, drafts stacked above, a y axis with ticks."""
    left, right, top, bottom = 44, 8, 12, height - 36
    plot_width = width - left - right
    count = max(len(series.days), 1)
    step = plot_width / count
    peak = max(series.peak, 1)
    nice = _nice_ceiling(peak)
    scale = (bottom - top) / nice
    bars = []
    for i, day in enumerate(series.days):
        submitted, drafts = series.submitted[i], series.drafts[i]
        x = left + i * step + step * 0.1
        submitted_height = submitted * scale
        drafts_height = drafts * scale
        bars.append(
            Bar(
                x=round(x, 2),
                width=round(max(step * 0.8, 1), 2),
                submitted_y=round(bottom - submitted_height, 2),
                submitted_height=round(submitted_height, 2),
                drafts_y=round(bottom - submitted_height - drafts_height, 2),
                drafts_height=round(drafts_height, 2),
                day=day,
                submitted=submitted,
                drafts=drafts,
            )
        )
    ticks = [(round(bottom - v * scale, 2), v) for v in _tick_values(nice)]
    every = max(1, count // 6)
    labels = [
        (round(left + i * step + step / 2, 2), day)
        for i, day in enumerate(series.days)
        if i % every == 0
    ]
    return Chart(width, height, top, bottom, left, bars, ticks, labels)


def _nice_ceiling(value: int) -> int:
    for candidate in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if value <= candidate:
            return candidate
    magnitude = 10 ** (len(str(value)) - 1)
    return ((value // magnitude) + 1) * magnitude


def _tick_values(top: int) -> list[int]:
    step = top // 5 if top >= 5 else 1
    return list(range(0, top + 1, step))
