"""What changed between two submissions of one declaration.

Every 上报 keeps what it submitted (`SubmittedRound`, written by the lifecycle). When a declaration comes back
after 退回修改 or 取消上报, a reviewer compares the round in front of them with the round their own authority
decided on (or, if it never decided one, the round before), field by field and file by file, next to the
opinion that sent it back. The applicant sees the same comparison of its draft with its last submission.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import dossier
from app.domain.lifecycle import parsed_definition
from app.domain.scope import Actor
from app.vocabulary import DeclarationStatus, StepState
from app.models import Declaration, ReviewRecord, ReviewStep, SubmittedRound

DECIDED = (StepState.APPROVED, StepState.RETURNED, StepState.REJECTED)


@dataclass(frozen=True)
class Comparison:
    baseline: SubmittedRound  # the earlier round
    current_round: int | None  # None: the draft being edited, not yet submitted
    changes: list[dossier.Change]
    added_files: list[dict]
    removed_files: list[dict]
    sent_back: ReviewRecord | None  # the 退回修改 (or 取消上报) that ended the earlier round

    @property
    def empty(self) -> bool:
        return not (self.changes or self.added_files or self.removed_files)


def kept(session: Session, declaration: Declaration) -> dict[int, SubmittedRound]:
    return {r.round: r for r in session.scalars(select(SubmittedRound).where(
        SubmittedRound.declaration_id == declaration.id).order_by(SubmittedRound.round))}


def compare(session: Session, declaration: Declaration, actor: Actor, names: dossier.Names) -> Comparison | None:
    """The comparison to show `actor` on this declaration now, or None when there is no earlier round."""
    rounds = kept(session, declaration)
    under_review = DeclarationStatus(declaration.status) not in (DeclarationStatus.DRAFT, DeclarationStatus.RETURNED,
                                                                DeclarationStatus.EVALUATING,
                                                                DeclarationStatus.EVALUATED)
    if under_review and declaration.round in rounds:
        current = rounds[declaration.round]
        after, after_definition_id, current_round = current.form_data, current.form_definition_id, current.round
        after_files = current.attachments
        earlier = [n for n in rounds if n < declaration.round]
    else:
        after, after_definition_id, current_round = declaration.form_data or {}, declaration.form_definition_id, None
        after_files = None
        earlier = [n for n in rounds if n <= declaration.round]
    if not earlier:
        return None
    decided = set()
    if actor.authority_id is not None:
        decided = set(session.scalars(select(ReviewStep.round).where(
            ReviewStep.declaration_id == declaration.id, ReviewStep.authority_id == actor.authority_id,
            ReviewStep.state.in_(DECIDED))))
    mine = [n for n in earlier if n in decided]
    baseline = rounds[max(mine) if mine else max(earlier)]
    definition = parsed_definition(session, after_definition_id)
    if definition is None:
        return None
    names = _with_files(names, baseline.attachments, after_files or [])
    if after_files is None:  # the draft: its files are the ones its content names now
        after_files = [{"id": i, "field": path, "name": names.attachments.get(i, f"#{i}")}
                       for path, i in dossier.attached(definition, after)]
    changes = dossier.changes(definition, baseline.form_data, after, names,
                              before_definition=parsed_definition(session, baseline.form_definition_id))
    before_ids = {f["id"] for f in baseline.attachments}
    after_ids = {f["id"] for f in after_files}
    sent_back = session.scalars(select(ReviewRecord).where(
        ReviewRecord.declaration_id == declaration.id, ReviewRecord.round == baseline.round,
        ReviewRecord.action.in_(("return", "withdraw"))).order_by(ReviewRecord.id.desc())).first()
    return Comparison(baseline=baseline, current_round=current_round, changes=changes,
                      added_files=[f for f in after_files if f["id"] not in before_ids],
                      removed_files=[f for f in baseline.attachments if f["id"] not in after_ids],
                      sent_back=sent_back)


def _with_files(names: dossier.Names, *lists) -> dossier.Names:
    files = dict(names.attachments)
    for files_list in lists:
        files.update({f["id"]: f["name"] for f in files_list})
    return dossier.Names(regions=names.regions, industries=names.industries, attachments=files)
