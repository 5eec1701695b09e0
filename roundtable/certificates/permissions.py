"""Who may do what with certificate kinds and certificates."""
from __future__ import annotations

from typing import TYPE_CHECKING

from roundtable.auth.models import User
from roundtable.communities.permissions import can_manage_cases, can_read_cases
from roundtable.core.permissions import CommunityOwned

if TYPE_CHECKING:
    from roundtable.certificates.models import Certificate, CertificateKind



def can_manage_certificates(user: User, community_id: int) -> bool:
    """Secretaries authorise kinds and issue, refuse and revoke certificates."""
    return can_manage_cases(user, community_id)


def can_read_register(user: User, community_id: int) -> bool:
    return can_read_cases(user, community_id)


def can_request_certificate(user: User, kind: CertificateKind) -> bool:
    """Residents of the kind's community ask for themselves."""
    return user.is_authenticated and kind.active and user.role_in(kind.community_id) == "resident"


def can_see_certificate(user: User, certificate: Certificate) -> bool:
    """The applicant and the community's readers."""
    return user.is_authenticated and (
        certificate.applicant_id == user.id or can_read_register(user, certificate.community_id)
    )


def can_look_up_certificates(user: User) -> bool:
    """Staff of a department that some kind names as its checker (区交通支队)."""
    return user.is_authenticated and bool(user.department_ids)


def can_manage_certificate_item(user: User, item: CommunityOwned) -> bool:
    """A certificate, or the resolution that authorises a kind, is handled by its community's secretaries."""
    return can_manage_certificates(user, item.community_id)


def can_ask_for(user: User, kind: CertificateKind) -> bool:
    """The request form: a resident for themselves, or a secretary recording a resident's request at the desk."""
    return can_manage_certificates(user, kind.community_id) or can_request_certificate(user, kind)
