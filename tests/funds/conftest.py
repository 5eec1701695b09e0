"""A fund of 西河沿社区 with proposals from the article's 拆违后空地, and the logins of the resolution tests."""
from __future__ import annotations

from datetime import date

import pytest

from roundtable.extensions import db
from roundtable.funds import operations
from tests.factories import make_user
from tests.resolutions.conftest import concluded, login, run_worker_once  # noqa: F401 - fixtures shared

PROJECTS = (("拆违后空地建休闲座椅", "2000"), ("空地种花草", "1500"), ("空地装路灯", "3000"))


@pytest.fixture
def fund(world):
    """党建服务群众经费 of 5,000 yuan, three proposals accepted for the vote."""
    secretary = world.a.secretary
    fund = operations.create_fund(world.a.community.id, operations.FundFields(
        "党建服务群众经费", "5000", date(2026, 1, 1), date(2026, 12, 31), "街道党建经费"), secretary)
    for title, cost in PROJECTS:
        proposal = operations.submit_proposal(fund, operations.ProposalFields(title, "西河沿拆违后的空地", cost, "西河沿街3号"), world.a.resident)
        operations.review_proposal(proposal, "accepted", secretary)
    db.session.commit()
    return fund


@pytest.fixture
def residents(world):
    """Three more residents of 西河沿社区 (four with a_resident)."""
    people = [make_user(f"a_resident{n}", world.a.community, "resident") for n in range(2, 5)]
    db.session.commit()
    return people
