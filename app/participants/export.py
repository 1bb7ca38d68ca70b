"""The register as a spreadsheet for the coordinator, in the columns the import reads back."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.core import audit
from app.core.db import db
from app.core.exports import csv_text
from app.core.permissions import authorize
from app.participants.follow_ups import follow_ups
from app.participants.import_columns import COLUMNS
from app.participants.models import Participant, Placement, Relation
from app.participants.services import rules, show_identity

PEOPLE = {
    "foster_parents": Relation.FOSTER_PARENT,
    "birth_parents": Relation.BIRTH_PARENT,
    "siblings": Relation.SIBLING,
    "other_people": Relation.OTHER,
}


def register_csv(actor, today, labels: dict) -> str:
    """One row per placement (or per participant without one); ``labels`` names extra columns.

    Audited as an export and as a read of every participant's identity.
    """
    authorize(actor, "participants.register")
    participants = list(
        db.session.scalars(
            select(Participant)
            .options(
                selectinload(Participant.placements).selectinload(Placement.workers),
                selectinload(Participant.people),
            )
            .order_by(Participant.code)
        )
    )
    show_identity(actor, participants, "export")
    audit.record(actor, "participant.export", "participant", None, rows=len(participants))
    header = [column.label for column in COLUMNS] + [
        labels["eligible"],
        labels["window_opens"],
        labels["window_closes"],
        labels["stage"],
    ]
    yes, no = labels["yes"], labels["no"]
    rows = []
    for participant in participants:
        people = {
            key: "; ".join(p.name for p in participant.people if p.relation == relation.value)
            for key, relation in PEOPLE.items()
        }
        for placement in participant.placements or [None]:
            values = {
                "code": participant.code,
                **{key: getattr(participant, key) for key in ("name", "birth_date", "id_number")},
                **{key: getattr(participant, key) for key in ("phone", "email", "address")},
                "guardian": participant.guardian,
                **people,
            }
            extra = ["", "", "", ""]
            if placement is not None:
                values.update(
                    started_on=placement.started_on,
                    ended_on=placement.ended_on,
                    setting_at_end=placement.setting_label,
                    custody_transferred=yes if placement.custody_transferred else no,
                    social_workers="; ".join(w.display_name for w in placement.workers),
                )
                item = follow_ups().of(placement, today, rules())
                extra = [
                    yes if item.eligibility.eligible else item.reason_label,
                    item.eligibility.window_opens or "",
                    item.eligibility.window_closes or "",
                    item.stage.label,
                ]
            rows.append([values.get(column.key) or "" for column in COLUMNS] + extra)
    return csv_text(header, rows)
