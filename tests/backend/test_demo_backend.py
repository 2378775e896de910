"""Demo mode: the embedded backend seeds the demo people, knows the launcher's kiosk token and the test issuer key,
and the kiosk's HttpBackend logs a demo card in and runs every query over real HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.backend_client.embedded import EmbeddedBackend
from kiosk.backend_client.http_client import HttpBackend
from kiosk.backend_client.protocol import BackendRejected
from kiosk_backend.schemas import CardChallengeRequest, CardLossReportRequest, CardSessionRequest
from tests.backend.conftest import DEMO, card_identity, cryptogram
from tests.test_embedded_backend import wait_healthy


def _login(client: HttpBackend, name: str) -> str:
    card = DEMO.by_id(name)
    challenge = client.card_challenge(CardChallengeRequest(**card_identity(card)))
    session = client.open_card_session(
        CardSessionRequest(
            challenge_id=challenge.challenge_id,
            cryptogram=cryptogram(card, challenge.challenge),
            ssn=card.ssn,
            card_no=card.card_no,
        )
    )
    return session.token


def test_demo_backend_end_to_end(tmp_path: Path, isolated_home: Path) -> None:
    embedded = EmbeddedBackend(tmp_path / "demo.sqlite3", tmp_path / "backend.log")
    with embedded:
        wait_healthy(embedded.url)
        anonymous = HttpBackend(embedded.url)
        with pytest.raises(BackendRejected) as refused:
            anonymous.card_challenge(CardChallengeRequest(**card_identity(DEMO.by_id("citizen"))))
        assert refused.value.status == 401
        anonymous.close()

        client = HttpBackend(embedded.url, token=embedded.kiosk_token)
        token = _login(client, "citizen")
        assert client.person_info(token).name == "王建国"
        assert {e.insurance for e in client.enrolments(token).items} >= {"110", "310"}
        page = client.contributions(token, from_period=202001, to_period=202012)
        assert 0 < page.total == len(page.items) <= 12  # (2020 has a gap in his career)
        assert all(202001 <= m.period <= 202012 for m in page.items)
        assert client.medical_account(token).balance >= 0
        assert client.pension_account(token, from_year=2020).items[0].year == 2020
        assert client.card_info(token).card_no == "A64010016"
        for query in (
            client.benefits,
            client.one_time_benefits,
            client.cases,
            client.medical_contracts,
            client.work_injuries,
            client.transfers,
        ):
            assert isinstance(query(token).items, list)
        assert isinstance(client.medical_visits(token, limit=5).items, list)

        retiree = _login(client, "retiree")
        pension = client.benefits(retiree).items[0]
        assert client.benefit_payments(retiree, pension.id, from_period=202601).total == 10

        lost = _login(client, "lost")
        with pytest.raises(BackendRejected) as only_unlock:
            client.person_info(lost)
        assert only_unlock.value.code == "card_reported_lost"
        assert client.unlock_card(lost).card.status == "normal"
        assert client.report_card_loss(lost, CardLossReportRequest()).card.status == "temporary_loss"
        client.end_session(lost)
        with pytest.raises(BackendRejected) as ended:
            client.unlock_card(lost)
        assert ended.value.code == "citizen_session_expired"
        client.close()

    # a second start keeps the records (seeded once) and accepts a new launcher token
    again = EmbeddedBackend(tmp_path / "demo.sqlite3", tmp_path / "backend.log")
    with again:
        wait_healthy(again.url)
        client = HttpBackend(again.url, token=again.kiosk_token)
        assert client.card_info(_login(client, "lost")).status == "temporary_loss"
        client.close()
