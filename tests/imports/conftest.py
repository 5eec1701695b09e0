"""Helpers for import tests: files as bytes, and counting what reached the case table."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from roundtable.cases.models import Case
from roundtable.extensions import db

HEADER = "工单编号,类别,紧急程度,诉求内容,地址,诉求人,联系电话,受理时间\n"


def case_count(community) -> int:
    return db.session.scalar(select(func.count(Case.id)).where(Case.community_id == community.id))


@pytest.fixture
def upload(client):
    """Post a file to the import page as the logged-in user."""

    def post(data: bytes, filename: str = "cases.csv", file_format: str = ""):
        return client.post(
            "/cases/import/",
            data={"file": (io.BytesIO(data), filename), "file_format": file_format},
            content_type="multipart/form-data",
        )

    return post
