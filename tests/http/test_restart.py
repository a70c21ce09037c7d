"""Accounts, open requests and rooms survive the server process being killed and restarted."""

from __future__ import annotations

import os
import re
from pathlib import Path

import httpx

from tests.helpers.server_process import interp, server_process
from tests.live_server import PASSWORD, csrf_from, free_port, sign_in


async def test_everything_the_queue_shows_survives_a_restart(tmp_path: Path) -> None:
    env = {**os.environ, "INTERP_DATA_DIR": str(tmp_path / "data"), "PYTHONUNBUFFERED": "1"}
    port = free_port()
    interp(env, "db", "upgrade")
    first_log = tmp_path / "first.log"
    with server_process(env, port, first_log) as url:
        setup = re.search(r"(/setup/[A-Za-z0-9_-]+)", first_log.read_text())
        assert setup, first_log.read_text()
        async with httpx.AsyncClient(base_url=url) as client:
            form = await client.get(setup.group(1))
            made = await client.post(
                setup.group(1),
                data={
                    "email": "boss@example.org",
                    "display_name": "Boss",
                    "password": PASSWORD,
                    "csrf_token": csrf_from(form.text),
                },
            )
            assert made.status_code == 303
        interp(
            env,
            "users",
            "create",
            "--email",
            "v@example.org",
            "--name",
            "Vera",
            "--role",
            "volunteer",
            "--languages",
            "es",
            "--password-stdin",
            stdin=PASSWORD,
        )
        async with httpx.AsyncClient(base_url=url) as volunteer:
            waiting = (
                await volunteer.post(
                    "/api/requests", json={"language": "es", "media": "video", "note": "keep me"}
                )
            ).json()
            matched = (
                await volunteer.post("/api/requests", json={"language": "es", "media": "audio"})
            ).json()
            await sign_in(volunteer, "v@example.org")
            csrf = csrf_from((await volunteer.get("/volunteer")).text)
            room = (
                await volunteer.post(
                    f"/api/requests/{matched['request']['id']}/accept",
                    headers={"x-csrf-token": csrf},
                )
            ).json()["room"]

    second_log = tmp_path / "second.log"
    with server_process(env, port, second_log) as url:
        assert "/setup/" not in second_log.read_text()  # accounts exist: no setup link
        async with httpx.AsyncClient(base_url=url) as boss:
            assert (await sign_in(boss, "boss@example.org")).headers["location"] == "/coordinator"
        async with httpx.AsyncClient(base_url=url) as volunteer:
            await sign_in(volunteer, "v@example.org")
            assert (await volunteer.get(f"/rooms/{room}")).status_code == 200
            dashboard = await volunteer.get("/volunteer")
            assert f"/rooms/{room}" in dashboard.text  # "return to the call"
        async with httpx.AsyncClient(base_url=url) as resident:
            queue_page = await resident.get(waiting["queue_url"])
            assert '<span class="big-number" id="queue-position">1</span>' in queue_page.text
            assert (await resident.get(f"/call/{matched['token']}")).status_code == 200
        listed = interp(env, "users", "list")
        assert "boss@example.org\tcoordinator\tactive" in listed
        assert "v@example.org\tvolunteer\tactive\tes\tVera" in listed
