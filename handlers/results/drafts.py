"""What the prospector's wizards fill in: a result being written, and a dispute's
explanation."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from storage.models import Mission, PayModel, Proof, ResultDetails, Target


class ResultDraft(BaseModel):
    """A result being written for one assignment. The mission's target and pay model are
    kept with it: they decide whether the contact's company is required and whether an
    appointment is asked."""

    assignment_id: int
    mission_id: int
    title: str
    b2b: bool
    appointment_needed: bool
    contact_name: str | None = None
    contact_company: str | None = None
    phone: str | None = None
    appointment_at: datetime | None = None
    notes: str = ""
    proof: Proof | None = None

    @classmethod
    def for_mission(cls, assignment_id: int, mission: Mission) -> ResultDraft:
        return cls(
            assignment_id=assignment_id,
            mission_id=mission.id,
            title=mission.title,
            b2b=mission.target is Target.B2B,
            appointment_needed=mission.pay_model is PayModel.APPOINTMENT,
        )

    def details(self) -> ResultDetails:
        """The complete draft as the rules take it."""
        return ResultDetails.model_validate(self.model_dump())


class DisputeDraft(BaseModel):
    """A dispute of a rejected result: why it should be validated."""

    result_id: int
    explanation: str | None = None
