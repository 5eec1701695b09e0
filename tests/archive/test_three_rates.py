"""The 三率 of a hand-built month equal the figures worked out by hand, on the page and in the formulas."""
from __future__ import annotations

from fractions import Fraction

from roundtable.archive.dashboard import build_dashboard, cell_text, count_rates, month_span, settings


def test_the_three_rates_of_october_match_the_hand_count(app, world, october):
    start, end = month_span("2026-10")
    rates = count_rates(october.cases, start, end, "西河沿社区", settings())
    # response: cases 1–4 were due in October's intake (5 is a duplicate), 1 and 2 on time → 2/4
    assert (rates.responded_on_time, rates.response_base) == (2, 4)
    # follow-ups in October: 1, 2, 3 and 6 → resolved 1, 2, 6 = 3/4; satisfied 1, 6 = 2/4
    assert (rates.resolved, rates.satisfied, rates.followed_up) == (3, 2, 4)
    assert (rates.response, rates.resolution, rates.satisfaction) == (Fraction(1, 2), Fraction(3, 4), Fraction(1, 2))


def test_the_weights_come_from_configuration_and_the_page_shows_them(app, client, auth, world, october):
    app.config["THREE_RATES"] = {"weights": {"response": 0.2, "resolution": 0.4, "satisfaction": 0.4}}
    board = build_dashboard([world.a.community.id], "2026-10")
    row = [cell_text(cell) for cell in board.tables["communities"].rows[0]]
    assert row[0] == "西河沿社区"
    assert row[4] == "50.0%" and row[7] == "75.0%" and row[9] == "50.0%"
    assert row[10] == "60.0"  # 0.2 × 50 + 0.4 × 75 + 0.4 × 50

    auth.login("a_auditor")
    page = client.get("/archive/dashboard?month=2026-10").get_data(as_text=True)
    assert "响应率 × 0.2" in page and "解决率 × 0.4" in page
    assert "60.0" in page and 'data-chart="chart-data-communities"' in page


def test_a_department_is_rated_on_the_cases_it_was_responsible_for(app, world, october):
    board = build_dashboard([world.a.community.id], "2026-10")
    (row,) = [[cell_text(cell) for cell in row] for row in board.tables["departments"].rows]
    assert row[0] == "区交通支队"
    assert row[3] == "2" and row[4] == "100.0%"  # both of its cases answered on time
    assert row[7] == "100.0%" and row[9] == "50.0%"


def test_a_malformed_month_is_explained_not_a_500(client, auth, world):
    auth.login("a_auditor")
    response = client.get("/archive/dashboard?month=2026-13")
    assert response.status_code == 200
    assert "月份「2026-13」无效" in response.get_data(as_text=True)
