"""The hub behaves the same on both backends; the Redis one also spans nodes."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as redis

from interp.hub import Hub, HubMessage, SubscriptionLost, create_hub


@pytest.fixture(params=["memory", "redis"])
async def hub(request: pytest.FixtureRequest) -> AsyncIterator[Hub]:
    url = request.getfixturevalue("redis_url") if request.param == "redis" else ""
    hub = create_hub(url)
    yield hub
    await hub.close()


def channel() -> str:
    # Unique names keep concurrent test runs on one Redis apart.
    return f"test:{uuid.uuid4().hex}"


async def next_message(sub: AsyncIterator[HubMessage]) -> HubMessage:
    return await asyncio.wait_for(sub.__anext__(), 5)


async def test_subscriber_receives_messages_in_order(hub: Hub) -> None:
    room = channel()
    async with hub.subscribe(room) as sub:
        for n in range(50):
            await hub.publish(room, {"type": "caption", "seq": n})
        got = [(await next_message(sub)).data["seq"] for _ in range(50)]
    assert got == list(range(50))


async def test_every_subscriber_gets_the_message_and_other_channels_stay_apart(hub: Hub) -> None:
    room, other = channel(), channel()
    async with (
        hub.subscribe(room) as first,
        hub.subscribe(room) as second,
        hub.subscribe(other) as bystander,
    ):
        await hub.publish(room, {"text": "hello"})
        await hub.publish(other, {"text": "elsewhere"})
        a, b = await next_message(first), await next_message(second)
        assert a == b == HubMessage(room, {"text": "hello"})
        assert (await next_message(bystander)).data == {"text": "elsewhere"}


async def test_add_and_remove_channels_on_a_live_subscription(hub: Hub) -> None:
    first, second = channel(), channel()
    async with hub.subscribe(first) as sub:
        await sub.add(second)
        await hub.publish(second, {"n": 1})
        assert (await next_message(sub)).channel == second
        await sub.remove(first)
        await hub.publish(first, {"n": 2})
        await hub.publish(second, {"n": 3})
        assert (await next_message(sub)).data == {"n": 3}
    assert hub.subscriber_count(first) == hub.subscriber_count(second) == 0


async def test_closing_ends_iteration(hub: Hub) -> None:
    room = channel()
    sub = hub.subscribe(room)
    await sub.__aenter__()
    await hub.publish(room, {"n": 1})
    assert (await next_message(sub)).data == {"n": 1}
    await sub.close()
    await hub.publish(room, {"n": 2})
    assert [m.data async for m in sub] == []
    assert hub.subscriber_count(room) == 0


async def test_a_subscriber_that_falls_behind_is_told_not_silently_skipped() -> None:
    hub = create_hub("", backlog=5)
    room = channel()
    async with hub.subscribe(room) as slow:
        for n in range(8):
            await hub.publish(room, {"n": n})
        got = [(await next_message(slow)).data["n"] for _ in range(5)]
        assert got == [0, 1, 2, 3, 4]
        with pytest.raises(SubscriptionLost):
            await next_message(slow)
    await hub.close()


async def test_message_that_is_not_json_is_refused_and_nothing_is_sent(hub: Hub) -> None:
    room = channel()
    async with hub.subscribe(room) as sub:
        with pytest.raises(TypeError):
            await hub.publish(room, {"when": object()})
        await hub.publish(room, {"ok": True})
        assert (await next_message(sub)).data == {"ok": True}


async def test_redis_hub_spans_nodes(redis_url: str) -> None:
    node_a, node_b = create_hub(redis_url), create_hub(redis_url)
    room = channel()
    try:
        async with node_a.subscribe(room) as on_a, node_b.subscribe(room) as on_b:
            await node_b.publish(room, {"from": "b"})
            assert (await next_message(on_a)).data == {"from": "b"}
            assert (await next_message(on_b)).data == {"from": "b"}
    finally:
        await node_a.close()
        await node_b.close()


async def test_redis_hub_reports_a_dropped_connection_then_recovers(redis_url: str) -> None:
    hub = create_hub(redis_url)
    admin = redis.from_url(redis_url)
    room = channel()
    try:
        async with hub.subscribe(room) as sub:
            await admin.execute_command("CLIENT", "KILL", "TYPE", "pubsub")
            with pytest.raises(SubscriptionLost):
                await next_message(sub)
        # A fresh subscription works once the reader has reconnected.
        for _ in range(50):
            async with hub.subscribe(room) as again:
                await hub.publish(room, {"back": True})
                try:
                    assert (await asyncio.wait_for(again.__anext__(), 0.5)).data == {"back": True}
                    break
                except (TimeoutError, SubscriptionLost):
                    continue
        else:
            pytest.fail("the hub did not recover after Redis dropped its connection")
    finally:
        await admin.aclose()
        await hub.close()
