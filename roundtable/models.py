"""Imports every model module, so metadata is complete for create_all and Alembic."""
from roundtable.audit.models import AuditChainHead, AuditEntry
from roundtable.auth.models import LoginAttempt, User
from roundtable.ballots.models import BallotChannel, Proxy
from roundtable.cases import search_index  # noqa: F401 - the text index is created with the cases table
from roundtable.cases.models import Case, CaseEvent, ImportBatch, Topic
from roundtable.certificates.models import Certificate, CertificateKind
from roundtable.communities.models import (
    Community,
    Department,
    DepartmentMember,
    Membership,
    Organization,
    OrganizationMember,
    Street,
)
from roundtable.escalation.models import (
    CommitmentReturn,
    EscalationPolicy,
    EscalationStep,
    StreetSupervisor,
)
from roundtable.funds.models import BudgetBallot, BudgetVote, BudgetVoter, Fund, Proposal
from roundtable.jobs.models import Job
from roundtable.live.models import (
    Ballot,
    Motion,
    Poll,
    PollOption,
    Position,
    SealedBallot,
    SecretVote,
    SecretVoter,
    SpeakingRequest,
)
from roundtable.meetings.models import AgendaItem, Invitation, Meeting, MeetingCase
from roundtable.minutes.models import Minutes, MinutesReview
from roundtable.notifications.models import Notification, OutboxMessage
from roundtable.open311.models import ApiKey, ServiceCodeMapping
from roundtable.resolutions.models import (
    Commitment,
    CommitmentReport,
    EvidenceFile,
    Resolution,
)
from roundtable.satisfaction.models import SatisfactionRequest
