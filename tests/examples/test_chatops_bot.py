"""The chat-ops example bot, against the emulator, with aiogram's Telegram transport faked."""

from __future__ import annotations

import itertools
from collections.abc import AsyncGenerator, AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.types import Chat, Message, Update, User

from aiolightsail import Fleet, Target
from aiolightsail.emulator import Emulator
from examples.chatops_bot import OpsBot, build_dispatcher
from tests.conftest import ACCOUNTS, keys

CHAT = 4242
A, B = ACCOUNTS[0][0], ACCOUNTS[1][0]
#: How the bot names the accounts: targets with static keys go by a hash of their key id.
KA, KB = (Target("us-east-1", **keys(i)).account for i in (0, 1))


class FakeTelegram(BaseSession):
    """aiogram's transport, replaced: every message the bot sends is recorded, none leaves."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[int | str, str]] = []
        self._ids = itertools.count(1000)

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[Any],
        timeout: int | None = None,  # noqa: ASYNC109 - aiogram's signature
    ) -> Any:
        assert isinstance(method, SendMessage), f"the bot only sends messages, not {method!r}"
        self.sent.append((method.chat_id, method.text))
        chat = Chat(id=int(method.chat_id), type="private")
        return Message(
            message_id=next(self._ids), date=datetime.now(UTC), chat=chat, text=method.text
        )

    async def stream_content(self, *args: Any, **kwargs: Any) -> AsyncGenerator[bytes, None]:
        raise AssertionError("the bot downloads nothing")
        yield b""  # pragma: no cover - makes this an async generator, as the base's

    async def close(self) -> None:
        return None


class Chatter:
    """A chat with the bot: say something, read what the bot answered."""

    def __init__(self, ops: OpsBot) -> None:
        self.session = FakeTelegram()
        self.bot = Bot("123456:TEST-TOKEN", session=self.session)
        self.dispatcher = build_dispatcher(ops)
        self._updates = itertools.count(1)

    async def say(self, text: str, *, chat: int = CHAT) -> list[str]:
        """Send ``text`` as a user of ``chat``; return the bot's replies to it."""
        before = len(self.session.sent)
        message = Message(
            message_id=next(self._updates),
            date=datetime.now(UTC),
            chat=Chat(id=chat, type="private"),
            from_user=User(id=7, is_bot=False, first_name="Ops"),
            text=text,
        )
        await self.dispatcher.feed_update(
            self.bot, Update(update_id=next(self._updates), message=message)
        )
        return [text for _, text in self.session.sent[before:]]


@pytest.fixture
async def fleet(emulator: Emulator) -> AsyncIterator[Fleet]:
    """Accounts A and B in us-east-1 and A in eu-west-1; web-1 in A/us-east-1, dup in A and B.

    The fleet's waits and watch pause on the emulator's manual clock.
    """
    emulator.add_instance(A, "us-east-1", "web-1")
    emulator.add_instance(A, "us-east-1", "dup")
    emulator.add_instance(B, "us-east-1", "dup")
    emulator.add_instance(A, "eu-west-1", "db-1", state="stopped")
    url = emulator.endpoint_url
    targets = [
        Target("us-east-1", endpoint_url=url, **keys(0)),
        Target("us-east-1", endpoint_url=url, **keys(1)),
        Target("eu-west-1", endpoint_url=url, **keys(0)),
    ]
    async with Fleet(targets) as opened:
        opened._timer = emulator.clock
        yield opened


@pytest.fixture
def chat(fleet: Fleet) -> Chatter:
    """A chat with the bot."""
    return Chatter(OpsBot(fleet, chat_id=CHAT))


def _state(emulator: Emulator, name: str, account: str = A, region: str = "us-east-1") -> str:
    return emulator.state(account, region).get_instance(name).state_name(emulator.clock.now())


async def test_stop_start_reboot_and_wait(emulator: Emulator, chat: Chatter) -> None:
    """/stop, /start and /reboot act on the instance, wait for its new state, and say so."""
    stopped = await chat.say("/stop web-1")
    assert _state(emulator, "web-1") == "stopped"
    started = await chat.say("/start web-1")
    assert _state(emulator, "web-1") == "running"
    rebooted = await chat.say("/reboot web-1")

    assert stopped == [f"Stopping web-1 ({KA}/us-east-1)…", "web-1 is stopped."]
    assert started[-1] == "web-1 is running."
    assert rebooted == [f"Rebooting web-1 ({KA}/us-east-1)…", "web-1 is running."]
    assert _state(emulator, "web-1") == "running"


async def test_names_in_several_places_need_a_place(emulator: Emulator, chat: Chatter) -> None:
    """A name found in two accounts is refused with both places; naming one picks it."""
    ambiguous = await chat.say("/status dup")
    picked = await chat.say(f"/status dup {KB}/us-east-1")
    missing = await chat.say("/status nothing-here")

    assert ambiguous == [
        f"dup exists in {KA}/us-east-1, {KB}/us-east-1: add one of them to the command."
    ]
    assert picked[0].startswith(f"dup ({KB}/us-east-1) is running\nIP ")
    assert missing == ["No instance called nothing-here found."]


async def test_instances_and_open_port(emulator: Emulator, chat: Chatter) -> None:
    """/instances lists every target's instances; /open opens a TCP port on the instance."""
    listed = await chat.say("/instances")
    opened = await chat.say("/open web-1 8080")
    usage = await chat.say("/open web-1 http")

    assert sorted(listed[0].splitlines()) == sorted(
        [
            f"web-1 · {KA}/us-east-1 · running",
            f"dup · {KA}/us-east-1 · running",
            f"dup · {KB}/us-east-1 · running",
            f"db-1 · {KA}/eu-west-1 · stopped",
        ]
    )
    assert opened == ["Port 8080/tcp is open on web-1."]
    assert usage == ["Usage: /open NAME PORT"]
    ports = {p.from_port for p in emulator.state(A).get_instance("web-1").ports}
    assert 8080 in ports


async def test_a_refused_action_is_reported(emulator: Emulator, chat: Chatter) -> None:
    """Starting a running instance answers with the service's reason, not a crash."""
    replies = await chat.say("/start web-1")
    assert replies[-1].startswith("start web-1 failed: InvalidInputException")


async def test_other_chats_are_ignored(emulator: Emulator, chat: Chatter) -> None:
    """Commands from any other chat get no answer and change nothing."""
    assert await chat.say("/stop web-1", chat=1) == []
    assert _state(emulator, "web-1") == "running"


async def test_the_watch_posts_changes(emulator: Emulator, fleet: Fleet, chat: Chatter) -> None:
    """The background watch posts what changed between sweeps (not the first inventory)."""
    ops = OpsBot(fleet, chat_id=CHAT)
    client = await fleet.client(fleet.targets[0])
    await client.stop_instance("web-1")  # stopping now, stopped 30 s later

    await ops.watch(chat.bot, interval=60, max_sweeps=2)

    assert chat.session.sent == [
        (CHAT, "Watching 3 account × region targets."),
        (CHAT, f"🔄 web-1 ({KA}/us-east-1) stopping → stopped"),
    ]
