"""One repository per aggregate; they own all SQL and return models."""

from __future__ import annotations

from dataclasses import dataclass

from storage.clock import Clock
from storage.database import Database
from storage.repositories.assignments import AssignmentRepository
from storage.repositories.audit import AuditRepository
from storage.repositories.broadcasts import BroadcastRepository
from storage.repositories.campaigns import CampaignRepository
from storage.repositories.ledger import LedgerRepository
from storage.repositories.missions import MissionRepository
from storage.repositories.outbox import OutboxRepository
from storage.repositories.profiles import ProfileRepository
from storage.repositories.results import DisputeRepository, ResultRepository
from storage.repositories.statements import StatementRepository
from storage.repositories.stats import StatsRepository
from storage.repositories.threads import ThreadRepository
from storage.repositories.updates import InboxRepository
from storage.repositories.users import UserRepository


@dataclass(frozen=True)
class Repositories:
    users: UserRepository
    profiles: ProfileRepository
    inbox: InboxRepository
    outbox: OutboxRepository
    missions: MissionRepository
    assignments: AssignmentRepository
    threads: ThreadRepository
    campaigns: CampaignRepository
    results: ResultRepository
    disputes: DisputeRepository
    ledger: LedgerRepository
    statements: StatementRepository
    audit: AuditRepository
    broadcasts: BroadcastRepository
    stats: StatsRepository

    @classmethod
    def create(cls, db: Database, clock: Clock) -> Repositories:
        outbox = OutboxRepository(db, clock)
        return cls(
            users=UserRepository(db, clock),
            profiles=ProfileRepository(db, clock),
            inbox=InboxRepository(db, clock),
            outbox=outbox,
            missions=MissionRepository(db, clock),
            assignments=AssignmentRepository(db, clock),
            threads=ThreadRepository(db, clock),
            campaigns=CampaignRepository(db, clock, outbox),
            results=ResultRepository(db, clock),
            disputes=DisputeRepository(db, clock),
            ledger=LedgerRepository(db, clock),
            statements=StatementRepository(db, clock),
            audit=AuditRepository(db, clock),
            broadcasts=BroadcastRepository(db, clock),
            stats=StatsRepository(db, clock),
        )


__all__ = [
    "AssignmentRepository",
    "AuditRepository",
    "BroadcastRepository",
    "CampaignRepository",
    "DisputeRepository",
    "InboxRepository",
    "LedgerRepository",
    "MissionRepository",
    "OutboxRepository",
    "ProfileRepository",
    "Repositories",
    "ResultRepository",
    "StatementRepository",
    "StatsRepository",
    "ThreadRepository",
    "UserRepository",
]
