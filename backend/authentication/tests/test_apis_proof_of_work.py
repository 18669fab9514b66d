"""POST /api/login/'s proof of work: a risky request gets 428 with an ALTCHA challenge; a solution passes once."""

import threading
from datetime import timedelta

import altcha
import pytest
from django.db import connection
from django.utils import timezone

from authentication.models import OtpCode, SmsBlock
from authentication.sms import locmem
from common.models import SpentChallenge
from common.proof_of_work import pow_challenge_create

pytestmark = pytest.mark.django_db

PROOF_OF_WORK = "proof_of_work_required"


@pytest.fixture(autouse=True)
def _cheap_work(settings):
    settings.ALTCHA_MAX_NUMBER = 200  # the tests solve in Python: a few hundred hashes


@pytest.fixture
def prefix_burst(settings):
    """Two codes an hour to a prefix before the third must prove work; the address signal off."""
    settings.ALTCHA_PREFIX_BURST = 2
    settings.ALTCHA_RISK_SHARE = 0


def login(client, phone, altcha_payload=None, address="192.0.2.10"):
    body = {"phone": phone} if altcha_payload is None else {"phone": phone, "altcha": altcha_payload}
    return client.post("/api/login/", body, format="json", REMOTE_ADDR=address)


def solve(challenge: dict) -> str:
    """What the SPA sends back: the ALTCHA payload, base64 of {challenge, solution}."""
    parsed = altcha.Challenge.from_dict(challenge)
    solution = altcha.solve_challenge(parsed)
    return altcha.Payload(parsed, solution).to_base64()


def risky_challenge(api_client) -> dict:
    """Two codes to +7916555xxxx, then a third request: its 428's challenge."""
    assert login(api_client, "+79165550001").status_code == 200
    assert login(api_client, "+79165550002").status_code == 200
    response = login(api_client, "+79165550003")
    assert response.status_code == 428, response.content
    return response.json()["altcha"]


def test_a_risky_login_answers_428_with_a_challenge_and_sends_nothing(api_client, prefix_burst):
    login(api_client, "+79165550001")
    login(api_client, "+79165550002")
    locmem.outbox.clear()

    response = login(api_client, "+79165550003")

    assert response.status_code == 428
    body = response.json()
    assert body["code"] == PROOF_OF_WORK
    assert body["detail"] == "Solve the proof-of-work challenge and send the request again."
    parameters = body["altcha"]["parameters"]
    assert parameters["algorithm"] == "SHA-256" and parameters["cost"] == 1
    assert set(parameters) == {"algorithm", "cost", "keyLength", "keyPrefix", "nonce", "salt", "expiresAt"}
    assert len(body["altcha"]["signature"]) == 64
    assert 0 < parameters["expiresAt"] - timezone.now().timestamp() <= 300
    assert not OtpCode.objects.filter(phone="+79165550003").exists()
    assert locmem.outbox == []


def test_a_solved_challenge_lets_the_risky_login_through_once(api_client, prefix_burst):
    payload = solve(risky_challenge(api_client))

    response = login(api_client, "+79165550003", payload)

    assert response.status_code == 200, response.content
    assert OtpCode.objects.filter(phone="+79165550003", is_active=True).count() == 1
    assert SpentChallenge.objects.count() == 1

    replay = login(api_client, "+79165550004", payload)

    assert replay.status_code == 428
    assert replay.json()["code"] == PROOF_OF_WORK
    assert replay.json()["altcha"]["signature"] != altcha.Payload.from_base64(payload).challenge.signature
    assert not OtpCode.objects.filter(phone="+79165550004").exists()


def test_an_expired_solution_is_refused(api_client, prefix_burst):
    risky_challenge(api_client)
    payload = solve(pow_challenge_create(now=timezone.now() - timedelta(minutes=5, seconds=1)))

    response = login(api_client, "+79165550003", payload)

    assert response.status_code == 428
    assert not OtpCode.objects.filter(phone="+79165550003").exists()
    assert not SpentChallenge.objects.exists()


def forged_payloads(challenge: dict) -> dict[str, str]:
    parsed = altcha.Challenge.from_dict(challenge)
    solution = altcha.solve_challenge(parsed)
    wrong_counter = altcha.Solution(counter=solution.counter + 1, derived_key=solution.derived_key)
    eased = altcha.Challenge.from_dict(challenge)
    eased.parameters.key_prefix = eased.parameters.key_prefix[:2]  # a far easier target, unsigned by us
    other_key = altcha.create_challenge(
        algorithm="SHA-256", cost=1, counter=5, expires_at=parsed.parameters.expires_at, hmac_secret="not ours"
    )
    return {
        "wrong counter": altcha.Payload(parsed, wrong_counter).to_base64(),
        "eased parameters": altcha.Payload(eased, altcha.solve_challenge(eased)).to_base64(),
        "someone else's key": altcha.Payload(other_key, altcha.solve_challenge(other_key)).to_base64(),
        "unsigned": altcha.Payload(altcha.Challenge(parsed.parameters), altcha.solve_challenge(parsed)).to_base64(),
        "not base64": "not base64 at all!",
        "base64 of a list": "WzEsMl0=",
        "empty": "",
    }


@pytest.mark.parametrize(
    "case",
    [
        "wrong counter",
        "eased parameters",
        "someone else's key",
        "unsigned",
        "not base64",
        "base64 of a list",
        "empty",
    ],
)
def test_a_forged_or_wrong_solution_is_refused(api_client, prefix_burst, case):
    payload = forged_payloads(risky_challenge(api_client))[case]

    response = login(api_client, "+79165550003", payload)

    assert response.status_code == 428, response.content
    assert response.json()["code"] == PROOF_OF_WORK
    assert not OtpCode.objects.filter(phone="+79165550003").exists()


def test_a_person_signing_in_never_meets_a_challenge(api_client, settings):
    # The production defaults: half of 20 an hour per address, 10 codes an hour per prefix.
    settings.THROTTLE_LOGIN, settings.THROTTLE_LOGIN_NETWORK = "20/hour", "100/hour"
    settings.ALTCHA_RISK_SHARE, settings.ALTCHA_PREFIX_BURST = 0.5, 10
    for phone in ("+79161234567", "+79161234567", "+79031112233"):  # a resend too soon is a 429, not a 428
        assert login(api_client, phone).status_code in (200, 429)
    assert not SpentChallenge.objects.exists()
    assert OtpCode.objects.count() == 2


def test_an_address_at_half_its_cap_must_prove_work(api_client, settings):
    settings.THROTTLE_LOGIN, settings.THROTTLE_LOGIN_NETWORK = "4/hour", "1000/hour"
    settings.ALTCHA_RISK_SHARE, settings.ALTCHA_PREFIX_BURST = 0.5, 0

    assert login(api_client, "+79161000001", address="192.0.2.10").status_code == 200  # 1 of 4
    response = login(api_client, "+79032000002", address="192.0.2.10")  # 2 of 4: half
    other_address = login(api_client, "+79053000003", address="198.51.100.7")

    assert response.status_code == 428
    assert other_address.status_code == 200
    assert login(api_client, "+79032000002", solve(response.json()["altcha"]), "192.0.2.10").status_code == 200


def test_a_network_at_half_its_cap_must_prove_work(api_client, settings):
    settings.THROTTLE_LOGIN, settings.THROTTLE_LOGIN_NETWORK = "1000/hour", "4/hour"
    settings.ALTCHA_RISK_SHARE, settings.ALTCHA_PREFIX_BURST = 0.5, 0

    assert login(api_client, "+79161000001", address="192.0.2.10").status_code == 200
    response = login(api_client, "+79032000002", address="192.0.2.77")  # another address, the same /24

    assert response.status_code == 428


def test_a_prefix_with_a_burst_of_codes_must_prove_work(api_client, prefix_burst):
    assert login(api_client, "+79165550001").status_code == 200
    assert login(api_client, "+79165550002").status_code == 200

    assert login(api_client, "+79165550003").status_code == 428
    assert login(api_client, "+79165560003").status_code == 200  # the next range of 10,000 numbers


@pytest.mark.django_db(transaction=True)
def test_one_solution_sent_by_two_requests_at_once_passes_once(prefix_burst):
    from rest_framework.test import APIClient

    payload = solve(risky_challenge(APIClient()))
    statuses = []
    barrier = threading.Barrier(2)

    def send(phone):
        try:
            barrier.wait()
            statuses.append(login(APIClient(), phone, payload).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(phone,)) for phone in ("+79165550003", "+79165550004")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200, 428]
    assert SpentChallenge.objects.count() == 1


@pytest.mark.parametrize("value", [0, 12, True, {"counter": 1}, ["x"]])
def test_a_solution_that_isnt_a_string_is_a_400(api_client, value):
    response = api_client.post("/api/login/", {"phone": "+79161234567", "altcha": value}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "altcha": ["Send this value as a JSON string."],
        "code": "not_a_string",
        "codes": {"altcha": ["not_a_string"]},
    }
    assert not OtpCode.objects.exists()


def test_a_prefix_whose_block_was_lifted_lately_must_prove_work(api_client, settings):
    settings.ALTCHA_RISK_SHARE, settings.ALTCHA_PREFIX_BURST, settings.ALTCHA_AFTER_LIFT_HOURS = 0, 0, 24
    now = timezone.now()
    lifted = {"kind": SmsBlock.Kind.PREFIX, "conversion": 0.02, "sends": 50}
    SmsBlock.objects.create(value="+7916555", lifted_at=now - timedelta(hours=23), **lifted)
    SmsBlock.objects.create(value="+7916777", lifted_at=now - timedelta(hours=25), **lifted)

    response = login(api_client, "+79165550001")

    assert response.status_code == 428
    assert not OtpCode.objects.filter(phone="+79165550001").exists()
    assert login(api_client, "+79167770001").status_code == 200  # lifted longer ago
    assert login(api_client, "+79168880001").status_code == 200  # never blocked
    assert login(api_client, "+79165550001", solve(response.json()["altcha"])).status_code == 200
