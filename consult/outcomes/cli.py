"""`consult outcomes` writes the summary; `consult demo` makes or removes demo data."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import click
from flask import current_app, render_template
from flask.cli import with_appcontext

from consult.campaign import demo as campaign_demo
from consult.db import db, writing
from consult.geography import region_map
from consult.outcomes import data, demo, demo_contributions, operations, presenting
from consult.outcomes.models import OutcomeSnapshot
from consult.outcomes.suppression import quoted_contribution_ids, withhold_contributions
from consult.questionnaires.registry import current_questionnaires
from consult.staff import audit

CHOICE_TYPES = ("single_choice", "yes_no", "region", "country", "multiple_choice")


def _sources() -> data.SummarySources:
    return data.SummarySources(
        current_questionnaires(), Path(current_app.config["QUESTIONNAIRES_PATH"])
    )


def question_json(question: dict[str, Any]) -> dict[str, Any]:
    """One question of the JSON file: key, type, answered, and its counts by type."""
    entry: dict[str, Any] = {
        "key": question["key"],
        "type": question["type"],
        "answered": question["answered"],
        "asked": question["asked"],
    }
    kind = question["type"]
    if kind in CHOICE_TYPES:
        entry["counts"] = {o["key"]: o["count"] for o in question["options"] if o["count"]}
        if kind == "country":
            entry["counts"] = dict(sorted(entry["counts"].items()))
    elif kind == "matrix":
        entry["rows"] = {
            row["key"]: {"answered": row["answered"], "counts": row["counts"], "mean": row["mean"]}
            for row in question["rows"]
        }
    elif kind == "ranking":
        entry["options"] = {
            o["key"]: {
                "ranked": o["ranked"],
                "first": o["first"],
                "mean_rank": o["mean_rank"],
                "borda": o["borda"],
            }
            for o in question["options"]
        }
    elif kind == "number":
        entry.update({k: question[k] for k in ("median", "q1", "q3", "min", "max", "mean")})
    else:
        entry["themes"] = {t["key"]: t["count"] for t in question.get("themes", [])}
    return entry


def contributions_json(contributions: dict[str, Any]) -> dict[str, Any]:
    """The published contributions in the JSON file: totals and counts per breakdown."""

    def counts(entries: list[dict[str, Any]], none: str) -> dict[str, int]:
        return {(e["key"] or none): e["count"] for e in entries}

    return {
        "total": contributions["total"],
        "supports": contributions["supports"],
        "by_article": counts(contributions["by_article"], "general"),
        "by_article_part": contributions["by_article_part"],
        "by_kind": counts(contributions["by_kind"], "none"),
        "by_region": counts(contributions["by_region"], "none"),
        "by_language": counts(contributions["by_language"], "none"),
        "themes": {t["key"]: t["count"] for t in contributions["themes"]},
    }


def summary_json(summary: dict[str, Any], snapshot: OutcomeSnapshot | None) -> dict[str, Any]:
    """The JSON file's content: per questionnaire, its responses and every question's counts."""
    return {
        "generated_at": summary["generated_at"],
        "snapshot": None
        if snapshot is None
        else {
            "id": snapshot.id,
            "label": snapshot.label,
            "data_as_of": snapshot.data_as_of.isoformat(),
            "timezone": snapshot.timezone,
            "responses": snapshot.response_count,
        },
        "questionnaires": [
            {
                "key": questionnaire["key"],
                "responses": questionnaire["responses"],
                "drafts": questionnaire["participation"]["drafts"],
                "questions": [question_json(q) for q in questionnaire["questions"]],
            }
            for questionnaire in summary["questionnaires"]
        ],
        "contributions": None
        if summary.get("contributions") is None
        else contributions_json(summary["contributions"]),
    }


@click.command("outcomes")
@click.option(
    "--format", "fmt", type=click.Choice(["json", "html"]), default="json", show_default=True
)
@click.option("--snapshot", "snapshot_id", type=int, help="A frozen snapshot (default: live data).")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--lang", type=click.Choice(["en", "fr", "es"]), default="en", show_default=True)
@click.option(
    "--base-url",
    help="The platform's address (e.g. https://consult.example.org): the HTML file then links "
    "each article to its page there; without it, article names are plain text.",
)
@with_appcontext
def outcomes_command(
    fmt: str, snapshot_id: int | None, out: Path, lang: str, base_url: str | None
) -> None:
    """Write the outcomes summary (live, or a frozen snapshot) as JSON or a standalone HTML file."""
    if base_url is not None and not re.match(r"https?://[^/\s]+(/\S*)?$", base_url):
        raise click.BadParameter(
            "an http(s) address, e.g. https://consult.example.org", param_hint="--base-url"
        )
    snapshot = None
    if snapshot_id is not None:
        snapshot = db.session.get(OutcomeSnapshot, snapshot_id)
        if snapshot is None:
            raise click.ClickException(f"no snapshot {snapshot_id}")
        summary = operations.snapshot_summary(snapshot)
        if fmt == "html":
            # Texts of contributions no longer public are not written out again.
            public_ids = operations.published_contribution_ids(
                db.session, quoted_contribution_ids(summary)
            )
            summary = withhold_contributions(summary, public_ids)
    else:
        with db.engine.connect() as connection:
            summary, _ids = data.compute_summary(connection, _sources())
    if fmt == "json":
        out.write_text(
            json.dumps(summary_json(summary, snapshot), ensure_ascii=False, indent=2) + "\n",
            encoding="utf-8",
        )
    else:
        css = (Path(current_app.static_folder or "") / "css" / "consult.css").read_text("utf-8")
        with current_app.test_request_context(
            f"/?lang={lang}", base_url=base_url.rstrip("/") if base_url else None
        ):
            html = render_template(
                "outcomes/export.html",
                base_url=base_url,
                summary=summary,
                snapshot=snapshot,
                p=presenting,
                threshold=int(current_app.config.get("SMALL_CELL_THRESHOLD", 5)),
                css=css,
            )
        out.write_text(html, encoding="utf-8")
    total = sum(q["responses"] for q in summary["questionnaires"])
    with writing():
        audit.record(
            db.session,
            audit.COMMAND_LINE,
            "export.outcomes",
            target=f"snapshot:{snapshot.id}" if snapshot else "live",
            details={"format": fmt, "path": str(out), "responses": total},
        )
        db.commit()
    source = f"snapshot {snapshot.id}, frozen" if snapshot else "live data, now"
    click.echo(f"wrote {out} ({fmt}): the summary of {total} submitted responses ({source})")


@click.command("demo")
@click.option("--responses", type=click.IntRange(0), default=500, show_default=True)
@click.option("--contributions", type=click.IntRange(0), default=0, show_default=True)
@click.option("--seed", type=int, default=2022, show_default=True)
@click.option("--remove", is_flag=True, help="Delete every demo row instead.")
@with_appcontext
def demo_command(responses: int, contributions: int, seed: int, remove: bool) -> None:
    """Fill the database with realistic demo data (marked as demo), or remove it with --remove."""
    if remove:
        with writing():
            counts = demo.remove_demo(db.session)
            counts["campaign pledges"] = campaign_demo.remove_demo_campaign(db.session)
            db.commit()
        click.echo(", ".join(f"removed {n} demo {what}" for what, n in counts.items()))
        return
    plan = demo.DemoPlan(responses=responses, seed=seed, contributions=contributions)
    region_by_country = region_map(current_app.config["QUESTIONNAIRES_PATH"])
    total = responses + int(round(responses * demo.DRAFT_RATIO))
    made_contributions: list[int] = []
    with writing():
        with click.progressbar(length=total, label="responses", show_pos=True) as bar:
            done = 0
            for written in demo.generate_responses(
                db.session, current_questionnaires(), region_by_country, plan
            ):
                bar.update(written - done)
                done = written
        if contributions:
            with click.progressbar(length=contributions, label="contributions") as bar:
                done = 0
                for written in demo_contributions.generate_contributions(
                    db.session, region_by_country, plan, made_contributions
                ):
                    bar.update(written - done)
                    done = written
        pledges = campaign_demo.generate_campaign(db.session, region_by_country, seed)
        db.commit()
    for line in demo_report(
        responses,
        total - responses,
        seed,
        demo_contributions.contribution_statuses(db.session, made_contributions),
        pledges,
        {
            **demo.demo_totals(db.session),
            "campaign pledges": campaign_demo.demo_pledge_count(db.session),
        },
    ):
        click.echo(line)


def _counted(n: int, thing: str) -> str:
    return f"{n} {thing}" + ("" if n == 1 else "s")


def _listed(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {what}" for what, n in counts.items())


def demo_report(
    responses: int,
    drafts: int,
    seed: int,
    contribution_statuses: dict[str, int],
    pledge_statuses: dict[str, int],
    totals: dict[str, int],
) -> list[str]:
    """What `consult demo` says: what this run made, apart from what the database now holds
    (which includes the demo data of earlier runs)."""
    lines = [
        f"this run made {_counted(responses, 'submitted demo response')} and "
        f"{_counted(drafts, 'draft')} (seed {seed})"
    ]
    made = sum(contribution_statuses.values())
    if made:
        lines.append(
            f"this run made {_counted(made, 'demo contribution')}: "
            + _listed(contribution_statuses)
        )
    if pledge_statuses:
        lines.append(
            f"this run made {_counted(sum(pledge_statuses.values()), 'demo campaign pledge')}: "
            + _listed(pledge_statuses)
        )
    elif totals["campaign pledges"]:
        lines.append("this run made no demo campaign pledges: they are made once, on the first run")
    lines.append(
        "demo data in the database now, from every run: "
        f"{_counted(totals['submitted'], 'submitted response')}, "
        f"{_counted(totals['draft'], 'draft')}, "
        f"{_counted(totals['contributions'], 'contribution')}, "
        f"{_counted(totals['campaign pledges'], 'campaign pledge')}"
    )
    return lines


COMMANDS = [outcomes_command, demo_command]
