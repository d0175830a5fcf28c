"""Schools (docs/contract.md, Schools and staff): the directory, the GIAS import, people's
school."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from booking.models import Role, User
from tests.support.factories import admin_token, bearer, create_hub, create_user
from tests.support.processes import booking_env, run_booking
from tests.support.sign_in import signed_in

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "gias_establishments.csv"
ST_MARYS = {
    "urn": 100001,
    "name": "St Mary's Church of England Primary School",
    "local_authority": "Manchester",
    "phase": "Primary",
    "postcode": "m1 1aa",
}


@pytest.fixture
async def admin(sessionmaker, clock):
    return await admin_token(sessionmaker, clock)


async def create_school(client, admin, **overrides):
    response = await client.post(
        "/api/v1/schools", json=ST_MARYS | overrides, headers=bearer(admin)
    )
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
async def schools(client, admin):
    return [
        await create_school(client, admin),
        await create_school(
            client,
            admin,
            urn=100002,
            name="St Mary\u2019s RC Primary School",
            local_authority="Oldham",
        ),
        await create_school(
            client, admin, urn=100003, name="École Française de Manchester", phase="All-through"
        ),
    ]


async def names(client, **params):
    response = await client.get("/api/v1/schools", params=params)
    assert response.status_code == 200, response.text
    return sorted(s["name"] for s in response.json()["items"])


async def test_admin_creates_a_school_and_a_urn_is_taken_once(client, admin, schools):
    first = schools[0]
    assert first["postcode"] == "M1 1AA"
    assert first["status"] == "Open"
    assert first["approval_required"] is False
    assert first["hub_id"] is None
    again = await client.post("/api/v1/schools", json=ST_MARYS, headers=bearer(admin))
    assert again.status_code == 409
    assert again.json()["code"] == "urn_taken"
    [teacher] = await signed_in(client, ["t@example.org"])
    other = ST_MARYS | {"urn": 100099}
    assert (await client.post("/api/v1/schools", json=other)).status_code == 401
    refused = await client.post("/api/v1/schools", json=other, headers=bearer(teacher))
    assert refused.status_code == 403


async def test_search_matches_name_words_in_any_case_and_without_accents(client, schools):
    both = ["St Mary's Church of England Primary School", "St Mary\u2019s RC Primary School"]
    assert await names(client, q="st mary's") == both
    assert await names(client, q="MARYS") == both
    assert await names(client, q="mary") == both
    assert await names(client, q="ecole") == ["École Française de Manchester"]
    assert await names(client, q="FRANÇAISE manch") == ["École Française de Manchester"]
    # Words, not fragments inside words.
    assert await names(client, q="ary") == []
    assert await names(client, q="primary", local_authority="oldham") == [both[1]]
    assert await names(client, urn=100003) == ["École Française de Manchester"]
    assert await names(client, q="100002") == [both[1]]
    assert await names(client, q="100%") == []


async def test_a_school_is_public_and_an_unknown_one_is_404(client, schools):
    response = await client.get(f"/api/v1/schools/{schools[0]['id']}")
    assert response.status_code == 200
    assert response.json()["local_authority"] == "Manchester"
    missing = await client.get("/api/v1/schools/nope")
    assert missing.status_code == 404


async def test_admin_sets_the_hub_and_a_lead_only_approval(client, admin, schools):
    hub = await create_hub(client, admin)
    school = schools[0]
    path = f"/api/v1/schools/{school['id']}"
    patched = await client.patch(path, json={"hub_id": hub["id"]}, headers=bearer(admin))
    assert patched.status_code == 200
    assert patched.json()["hub_id"] == hub["id"]
    unknown = await client.patch(path, json={"hub_id": "nope"}, headers=bearer(admin))
    assert unknown.status_code == 400

    lead = await create_user_at(client, admin, "lead@example.org", "school_lead", school["id"])
    token = lead["api_token"]
    ok = await client.patch(path, json={"approval_required": True}, headers=bearer(token))
    assert ok.status_code == 200
    assert ok.json()["approval_required"] is True
    assert (
        await client.patch(path, json={"hub_id": None}, headers=bearer(token))
    ).status_code == 403
    other = await client.patch(
        f"/api/v1/schools/{schools[1]['id']}",
        json={"approval_required": True},
        headers=bearer(token),
    )
    assert other.status_code == 403


async def create_user_at(client, admin, email, role, school_id):
    body = {"email": email, "name": "Lead", "role": role, "school_id": school_id}
    response = await client.post("/api/v1/users", json=body, headers=bearer(admin))
    assert response.status_code == 201, response.text
    return response.json()


async def test_people_choose_their_school_and_keep_the_free_text(client, schools):
    [token] = await signed_in(client, ["sam@example.org"])
    chosen = await client.patch(
        "/api/v1/me",
        json={"school_id": schools[2]["id"], "school": "Typed by hand"},
        headers=bearer(token),
    )
    assert chosen.status_code == 200, chosen.text
    assert chosen.json()["school_id"] == schools[2]["id"]
    assert chosen.json()["school_name"] == "Typed by hand"
    me = (await client.get("/api/v1/me", headers=bearer(token))).json()
    assert me["school_id"] == schools[2]["id"]
    unknown = await client.patch("/api/v1/me", json={"school_id": "nope"}, headers=bearer(token))
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["field"] == "school_id"
    cleared = await client.patch("/api/v1/me", json={"school_id": None}, headers=bearer(token))
    assert cleared.json()["school_id"] is None


async def test_export_has_the_school_and_erasure_clears_it(client, admin, schools, sessionmaker):
    [token] = await signed_in(client, ["sam@example.org"])
    await client.patch("/api/v1/me", json={"school_id": schools[0]["id"]}, headers=bearer(token))
    export = (await client.get("/api/v1/me/export", headers=bearer(token))).json()
    assert export["user"]["school_id"] == schools[0]["id"]
    user_id = export["user"]["id"]
    lead = await create_user_at(client, admin, "lead@example.org", "school_lead", schools[0]["id"])

    assert (await client.delete("/api/v1/me", headers=bearer(token))).status_code == 204
    async with sessionmaker() as db_session:
        row = await db_session.get(User, user_id)
        assert row is not None
        assert row.school_id is None
    listed = await client.get(
        "/api/v1/users", params={"school_id": schools[0]["id"]}, headers=bearer(admin)
    )
    assert [u["id"] for u in listed.json()["items"]] == [lead["user"]["id"]]

    lead_id = lead["user"]["id"]
    assert (
        await client.delete(f"/api/v1/users/{lead_id}", headers=bearer(admin))
    ).status_code == 204
    listed = await client.get(
        "/api/v1/users", params={"school_id": schools[0]["id"]}, headers=bearer(admin)
    )
    assert listed.json()["items"] == []
    async with sessionmaker() as db_session:
        row = await db_session.get(User, lead_id)
        assert row is not None
        assert (row.school_id, row.role) == (None, Role.TEACHER)


async def test_a_school_lead_needs_a_school(client, admin, schools):
    body = {"email": "l@example.org", "name": "L", "role": "school_lead"}
    response = await client.post("/api/v1/users", json=body, headers=bearer(admin))
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "school_id"
    unknown = await client.post(
        "/api/v1/users", json=body | {"school_id": "nope"}, headers=bearer(admin)
    )
    assert unknown.status_code == 400


async def test_a_hub_admin_creates_leads_for_their_hubs_schools_only(client, admin, schools):
    hub = await create_hub(client, admin)
    hub_admin = (await create_user(client, admin, "h@example.org", "hub_admin", hub["id"]))[
        "api_token"
    ]
    await client.patch(
        f"/api/v1/schools/{schools[0]['id']}", json={"hub_id": hub["id"]}, headers=bearer(admin)
    )
    body = {"email": "l@example.org", "name": "L", "role": "school_lead"}
    own = await client.post(
        "/api/v1/users", json=body | {"school_id": schools[0]["id"]}, headers=bearer(hub_admin)
    )
    assert own.status_code == 201, own.text
    assert own.json()["user"]["role"] == "school_lead"
    assert own.json()["user"]["school_id"] == schools[0]["id"]
    assert own.json()["user"]["hub_id"] is None
    other = await client.post(
        "/api/v1/users",
        json=body | {"email": "m@example.org", "school_id": schools[1]["id"]},
        headers=bearer(hub_admin),
    )
    assert other.status_code == 403
    teacher = await client.post(
        "/api/v1/users",
        json=body | {"email": "n@example.org", "role": "teacher"},
        headers=bearer(hub_admin),
    )
    assert teacher.status_code == 403


async def test_the_import_command_upserts_by_urn_and_skips_closed_ones(
    client, admin, database_url, tmp_path
):
    env = booking_env(BOOKING_DATABASE_URL=database_url, BOOKING_MAIL_DIR=str(tmp_path / "m"))
    first = await asyncio.to_thread(run_booking, "schools", "import", str(SAMPLE), env=env)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "imported 4, updated 0, skipped 1"
    assert await names(client, q="bronte") == ["Brontë Academy"]
    [ecole] = (await client.get("/api/v1/schools", params={"urn": 900003})).json()["items"]
    assert ecole["status"] == "Open, but proposed to close"
    await client.patch(
        f"/api/v1/schools/{ecole['id']}", json={"approval_required": True}, headers=bearer(admin)
    )

    renamed = tmp_path / "again.csv"
    renamed.write_bytes(
        SAMPLE.read_bytes().replace("Brontë Academy".encode("cp1252"), b"Bronte High")
    )
    again = await asyncio.to_thread(run_booking, "schools", "import", str(renamed), env=env)
    assert again.stdout.strip() == "imported 0, updated 4, skipped 1"
    assert await names(client, q="bronte") == ["Bronte High"]
    # What the service adds to a school is not the file's to change.
    same = (await client.get(f"/api/v1/schools/{ecole['id']}")).json()
    assert same["approval_required"] is True


async def test_the_import_command_names_missing_columns(database_url, tmp_path):
    env = booking_env(BOOKING_DATABASE_URL=database_url, BOOKING_MAIL_DIR=str(tmp_path / "m"))
    bad = tmp_path / "bad.csv"
    bad.write_text("URN,EstablishmentName,Town\n1,A,B\n", encoding="utf-8")
    result = await asyncio.to_thread(run_booking, "schools", "import", str(bad), env=env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    for column in ("LA (name)", "PhaseOfEducation (name)", "Postcode", "EstablishmentStatus"):
        assert column in lines[0]
    assert "Traceback" not in result.stderr
