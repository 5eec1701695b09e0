"""The published 西河沿 parking resolution (from the resolution tests) and the parking certificate kind on it."""
from __future__ import annotations

import pytest

from roundtable.certificates import operations
from roundtable.extensions import db
from tests.resolutions.conftest import concluded, drafted, login, published, run_worker_once


@pytest.fixture
def kind(world, published):
    """接老人看病超时停车证明, checked by 区交通支队, valid one day."""
    kind = operations.authorise_kind(published, operations.KindFields(
        "接老人看病超时停车证明", "二、接老人看病等特殊情况超时停车被拍的,由社区党委出具证明,免予处罚。",
        "本社区居民接送老人就医时", "兹证明该车辆在上述时间内因接送老人就医临时停放。", 1, True, world.department.id,
    ), world.a.secretary)
    db.session.commit()
    return kind
