"""Tables across partners: the portfolio, and the flat frames CSV and XLSX exports are written from."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import pandas as pd

from ..core.burden import estimate
from ..core.definitions import Library
from ..core.facts import PortfolioFacts
from ..core.ledger import PartnerLedger
from .context import parity_with, scorecard_of
from .portfolio import frames_from_inputs, score_portfolio


def portfolio_context(portfolio: PortfolioFacts, library: Library, language: str) -> dict[str, Any]:
    """Every partner's latest self-assessment: tier, profile, confidence, burden, parity and flagged gates."""
    chosen = portfolio.assessments
    disclosure = portfolio.disclosure
    questionnaires = {assessment.questionnaire_key: assessment.questionnaire for assessment in chosen}
    scopes = {str(assessment.id): assessment.scope for assessment in chosen}
    profiles = {
        str(assessment.id): library.domain_weights(assessment.facts.partnership_type, assessment.facts.roles)
        for assessment in chosen
    }
    entries = [
        {
            "assessment_id": assessment.id,
            "questionnaire": assessment.questionnaire_key,
            "scope": str(assessment.id),
            "early": assessment.stage.early,
            "profile": str(assessment.id),
            "answers": assessment.answers,
        }
        for assessment in chosen
    ]
    rows = []
    if entries:
        frames = frames_from_inputs(entries)
        domains, overall = score_portfolio(*frames, questionnaires, scopes, profiles)
        scores = domains.pivot(index="assessment_id", columns="domain", values="score")
        overall = overall.set_index("assessment_id")
        for assessment in chosen:
            facts = assessment.facts
            parity = parity_with(assessment, disclosure, library).parity if disclosure is not None else None
            flagged = [
                assessment.questionnaire.question(gate.question_id).text.get(language)
                for gate in scorecard_of(assessment, library).flagged_gates
            ]
            row = overall.loc[assessment.id] if assessment.id in overall.index else None
            profile = scores.loc[assessment.id] if assessment.id in scores.index else pd.Series(dtype=float)
            rows.append(
                {
                    "assessment_id": assessment.id,
                    "partner": facts.organisation,
                    "partnership": facts.partnership,
                    "type": facts.partnership_type,
                    "tier": facts.tier or "",
                    "status": facts.status,
                    "overall": None if row is None or pd.isna(row["overall"]) else float(row["overall"]),
                    "band": None if row is None else row["overall_band"],
                    "confidence": None if row is None else float(row["confidence"]),
                    "estimated_minutes": round(estimate(assessment.questionnaire, assessment.scope).minutes_high),
                    "actual_minutes": round(assessment.active_seconds / 60),
                    "parity": parity,
                    "flagged_gates": flagged,
                    "profile": {
                        domain: (None if pd.isna(value) else float(value)) for domain, value in profile.items()
                    },
                }
            )
    titles = [(domain.id, domain.title.get(language)) for domain in library.domains.values()]
    return {"rows": rows, "domains": titles, "generated_on": dt.date.today().isoformat(), "host": portfolio.host}


def portfolio_frame(context: dict[str, Any]) -> pd.DataFrame:
    """The portfolio as one flat table, for CSV and XLSX."""
    records = []
    for row in context["rows"]:
        record = {
            key: row[key]
            for key in (
                "partner",
                "partnership",
                "type",
                "tier",
                "status",
                "overall",
                "band",
                "confidence",
                "estimated_minutes",
                "actual_minutes",
                "parity",
            )
        }
        record["flagged_gates"] = "; ".join(row["flagged_gates"])
        record.update({title: row["profile"].get(domain) for domain, title in context["domains"]})
        records.append(record)
    return pd.DataFrame(records)


def ledger_frame(rows: Iterable[PartnerLedger]) -> pd.DataFrame:
    """The burden ledger as one flat table, a row per partner."""
    return pd.DataFrame(
        [
            {
                "partner": row.partner,
                "requests": row.requests,
                "estimated_minutes": round(row.estimated_minutes),
                "actual_minutes": round(row.actual_minutes),
                "items_asked": row.items_asked,
                "prefilled": row.prefilled,
                "reused": row.reused,
                "documents_new": row.documents_new,
                "documents_reused": row.documents_reused,
                "repeat_asks": row.repeat_asks,
                "rating_1_7": row.mean_rating,
                "days_to_decision": row.mean_days_to_decision,
                "funding_per_burden_hour": row.funding_per_burden_hour,
                "funders": ", ".join(sorted(row.funders)),
            }
            for row in rows
        ]
    )
