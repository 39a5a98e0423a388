"""The capacity plan's peaks as Locust users (docs/capacity.md, "Load model"), run by `make load`:

  - FairOpening: people booking the largest session of a fair the moment it opens (each a new phone;
    some cancel again a moment later, so seats are freed while others wait);
  - HotlineSurge: support requests filed online at the worst minute of the hotline's worst day;
  - StatusLookup: people checking their registration by reference and phone after an announcement.

Weights follow the plan's peak rates (300 bookings/s, 50 support requests/s, 200 look-ups/s).
The session is named by LOAD_SESSION; LOAD_COUNTY is the county the support requests are filed in.
Answers that are the engine doing its job (409 already registered, 201 waitlisted) are successes;
a 5xx, a timeout or an answer that breaks the contract is a failure.
"""

from __future__ import annotations

import os
import random
import uuid
from typing import Any

from locust import HttpUser, between, task

SESSION = os.environ.get("LOAD_SESSION", "")
COUNTY = os.environ.get("LOAD_COUNTY", "taishan")
CANCEL_SHARE = float(os.environ.get("LOAD_CANCEL_SHARE", "0.05"))
booked: list[tuple[str, str]] = []  # (reference, phone) of this process's registrations, for look-ups


def _phone() -> str:
    return f"13{random.randrange(10**9):09d}"  # noqa: S311 - test data


def _headers() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4()), "Content-Type": "application/json"}


def _expected(response: Any, ok: tuple[int, ...]) -> None:
    if response.status_code in ok:
        response.success()
    else:
        response.failure(f"{response.status_code}: {response.text[:200]}")


class FairOpening(HttpUser):
    weight = 6
    wait_time = between(0.0, 0.2)

    @task
    def book(self) -> None:
        phone = _phone()
        body = {"name": "工友", "phone": phone, "consent": True, "consent_version": "2020-02-v1"}
        with self.client.post(f"/api/sessions/{SESSION}/registrations", json=body, headers=_headers(),
                              name="book a seat", catch_response=True) as response:
            _expected(response, (201, 409))
            if response.status_code != 201:
                return
            reference = response.json()["reference"]
            booked.append((reference, phone))
        if random.random() < CANCEL_SHARE:  # noqa: S311 - test data
            with self.client.post("/api/bookings/cancel", json={"reference": reference, "phone": phone},
                                  headers=_headers(), name="cancel", catch_response=True) as response:
                _expected(response, (200,))


class HotlineSurge(HttpUser):
    weight = 1
    wait_time = between(0.0, 0.2)

    @task
    def file_request(self) -> None:
        body = {"category": "psychological", "description": "家人在一线工作，孩子这几天情绪低落，想找人聊聊。",
                "name": "张敏", "phone": _phone(), "county_unit_id": COUNTY, "frontline": "family",
                "consent": True, "consent_version": "2020-02-v1"}
        with self.client.post("/api/support-requests", json=body, headers=_headers(), name="support request",
                              catch_response=True) as response:
            _expected(response, (201,))


class StatusLookup(HttpUser):
    weight = 4
    wait_time = between(0.0, 0.2)

    @task
    def look_up(self) -> None:
        if not booked:
            return
        reference, phone = random.choice(booked)  # noqa: S311 - test data
        with self.client.post("/api/status/lookup", json={"reference": reference, "phone": phone},
                              headers={"Content-Type": "application/json"}, name="status look-up",
                              catch_response=True) as response:
            _expected(response, (200,))
