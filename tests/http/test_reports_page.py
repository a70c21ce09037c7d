"""The coordinator's reports page and CSV file, through a live server, on a known month."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator

import httpx
import pytest

from interp.store.database import Database
from tests.helpers.report_history import write_history
from tests.live_server import LiveServer, sign_in

MARCH = {"start": "2026-03-01", "end": "2026-03-31"}


@pytest.fixture
async def coordinator(live_server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    db = Database(live_server.settings.effective_database_url)
    try:
        await write_history(db, offered=())
    finally:
        await db.close()
    await live_server.create_account("boss@example.org", "coordinator")
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        await sign_in(client, "boss@example.org")
        yield client


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


async def test_page_puts_unmet_demand_first_and_draws_each_chart_with_its_table(
    coordinator: httpx.AsyncClient,
) -> None:
    page = await coordinator.get("/coordinator/reports", params=MARCH)
    assert page.status_code == 200
    html = page.text
    unmet = re.search(r'<ul class="unmet">(.*?)</ul>', html, re.S)
    assert unmet, "no unmet demand list"
    sentences = [text_of(s).strip() for s in re.findall(r"<li>(.*?)</li>", unmet.group(1), re.S)]
    assert sentences == [
        "Spanish: 7 requests, 5 waited past the fallback wait, 3 not answered by an "
        "interpreter, 2 active volunteers — recruit",
        "Tigrinya: 2 requests, 1 waited past the fallback wait, 2 not answered by an "
        "interpreter, 0 active volunteers — recruit",
        "Arabic: 3 requests, 1 waited past the fallback wait, 2 not answered by an "
        "interpreter, 1 active volunteer — recruit",
    ]
    assert html.index('id="unmet-heading"') < html.index('id="summary-heading"')
    figures = re.findall(r'<figure class="chart-figure">(.*?)</figure>', html, re.S)
    assert len(figures) == 2
    for figure in figures:
        assert re.search(r'<svg[^>]*role="img"[^>]*aria-labelledby="[^"]+"', figure)
        assert "<table" in figure
    assert "Spanish: 7" in html  # the outcome chart's line for Spanish
    assert '<a href="/coordinator/reports.csv?start=2026-03-01&amp;end=2026-03-31"' in html


async def test_csv_has_a_header_and_the_same_figures_with_a_byte_order_mark(
    coordinator: httpx.AsyncClient,
) -> None:
    answer = await coordinator.get("/coordinator/reports.csv", params=MARCH)
    arabic = await coordinator.get("/coordinator/reports.csv", params={**MARCH, "lang": "ar"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    assert answer.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Language", "Requests", "Answered by an interpreter"]
    assert rows[0][8] == "Median wait (seconds)"
    by_name = {row[0]: row[1:] for row in rows[1:]}
    assert by_name["Spanish"] == ["7", "3", "1", "1", "1", "1", "5", "120", "264", "3", "50.0", "2"]
    assert by_name["Arabic"] == ["3", "1", "1", "0", "1", "0", "1", "30", "30", "0", "0.0", "1"]
    assert by_name["Tigrinya"] == ["2", "0", "0", "1", "1", "0", "1", "", "", "0", "0.0", "0"]
    assert by_name["All languages"][:2] == ["12", "4"]
    # In Arabic: the names (and headings, once translated) in Arabic, still readable in UTF-8.
    names = [row[0] for row in csv.reader(io.StringIO(arabic.content.decode("utf-8-sig")))]
    assert "الإسبانية" in names


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-03-31", "end": "2026-03-01"}, "The end date is before the start date."),
        ({"start": "2024-01-01", "end": "2026-03-31"}, "Choose a period of at most 400 days."),
        ({"start": "yesterday", "end": "2026-03-31"}, "Write each date as year-month-day"),
    ],
)
async def test_a_bad_period_is_refused_with_a_clear_error(
    coordinator: httpx.AsyncClient, params: dict[str, str], message: str
) -> None:
    page = await coordinator.get("/coordinator/reports", params=params)
    csv_file = await coordinator.get("/coordinator/reports.csv", params=params)
    after = await coordinator.get("/coordinator/reports", params=MARCH)
    assert page.status_code == 400
    assert message in page.text
    assert 'role="alert"' in page.text
    # The form keeps what was typed, marked as the field to correct; no figures are shown.
    assert f'value="{params["start"]}"' in page.text
    assert 'aria-invalid="true"' in page.text
    assert 'role="img"' not in page.text
    assert csv_file.status_code == 400
    assert message in csv_file.text
    # Nothing changed: the month still gives its figures.
    assert "Spanish: 7 requests" in text_of(after.text)


async def test_only_the_coordinator_sees_the_reports(live_server: LiveServer) -> None:
    await live_server.create_account("vol@example.org", "volunteer", ("es",))
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        await sign_in(client, "vol@example.org")
        assert (await client.get("/coordinator/reports")).status_code == 403
        assert (await client.get("/coordinator/reports.csv")).status_code == 403


async def test_the_live_panel_is_served_alone_and_counts_a_new_request(
    live_server: LiveServer, coordinator: httpx.AsyncClient
) -> None:
    def waiting(html: str) -> int:
        found = re.search(r"(\d+) requests? waiting", text_of(html))
        return int(found.group(1)) if found else 0

    before = await coordinator.get("/coordinator/reports/live")
    assert before.status_code == 200
    assert "<html" not in before.text and 'id="live-heading"' in before.text
    async with httpx.AsyncClient(base_url=live_server.url) as resident:
        made = await resident.post("/api/requests", json={"language": "pl", "media": "audio"})
        assert made.status_code == 201, made.text
    after = await coordinator.get("/coordinator/reports/live")
    assert waiting(after.text) == waiting(before.text) + 1
    assert "Polish" in text_of(after.text)
