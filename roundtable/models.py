"""Imports every model module, so metadata is complete for create_all and Alembic."""
from roundtable.audit.models import AuditChainHead, AuditEntry  # noqa: F401
from roundtable.auth.models import LoginAttempt, User  # noqa: F401
from roundtable.cases.models import Case, CaseEvent, ImportBatch, Topic  # noqa: F401
from roundtable.cases import search_index  # noqa: F401 - the text index is created with the cases table
from roundtable.communities.models import (  # noqa: F401
    Community,
    Department,
    DepartmentMember,
    Membership,
    Organization,
    OrganizationMember,
    Street,
)
from roundtable.certificates.models import Certificate, CertificateKind  # noqa: F401
from roundtable.funds.models import BudgetBallot, BudgetVote, BudgetVoter, Fund, Proposal  # noqa: F401
from roundtable.jobs.models import Job  # noqa: F401
from roundtable.live.models import (  # noqa: F401
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
from roundtable.meetings.models import AgendaItem, Invitation, Meeting, MeetingCase  # noqa: F401
from roundtable.notifications.models import Notification, OutboxMessage  # noqa: F401
from roundtable.open311.models import ApiKey, ServiceCodeMapping  # noqa: F401
from roundtable.resolutions.models import (  # noqa: F401
    Commitment,
    CommitmentReport,
    EvidenceFile,
    Resolution,
)
from roundtable.minutes.models import Minutes, MinutesReview  # noqa: F401
from roundtable.escalation.models import (  # noqa: F401
    CommitmentReturn,
    EscalationPolicy,
    EscalationStep,
    StreetSupervisor,
)
from roundtable.satisfaction.models import SatisfactionRequest  # noqa: F401
from roundtable.ballots.models import BallotChannel, Proxy  # noqa: F401
