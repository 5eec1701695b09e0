"""Isolation spec of the audit trail page: it lists only entries of the reader's street."""
from tests.isolation import own

SPECS = {
    "audit.trail": own("auditors only; entries are filtered to the communities of the auditor's street "
                       "(tests/audit/test_trail_page.py shows another street's entries stay hidden)"),
}
