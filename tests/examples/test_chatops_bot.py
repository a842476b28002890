"""The chat-ops example bot, against the emulator, with aiogram's Telegram transport faked, and
held to 40 lines of code."""

from __future__ import annotations

import ast
import io
import itertools
import re
import tokenize
from collections.abc import AsyncGenerator, AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.types import Chat, Message, Update, User

from aiolightsail import Fleet, Target
from aiolightsail.emulator import Emulator, FaultKind
from examples import chatops_bot
from examples.chatops_bot import build_dispatcher, post_changes
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

    def __init__(self, fleet: Fleet) -> None:
        self.session = FakeTelegram()
        self.bot = Bot("123456:TEST-TOKEN", session=self.session)
        self.dispatcher = build_dispatcher(fleet, CHAT)
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
    return Chatter(fleet)


def _state(emulator: Emulator, name: str, account: str = A, region: str = "us-east-1") -> str:
    return emulator.state(account, region).get_instance(name).state_name(emulator.clock.now())


def code_lines(source: str) -> int:
    """The lines of ``source`` that hold code: not blank, comments, docstrings, imports or
    ``__all__`` (what the bot does, not what it names)."""
    tree = ast.parse(source)
    skipped: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
            skipped.update(range(first.lineno, (first.end_lineno or 0) + 1))
    for statement in tree.body:
        names = [getattr(t, "id", None) for t in getattr(statement, "targets", [])]
        if isinstance(statement, ast.Import | ast.ImportFrom) or "__all__" in names:
            skipped.update(range(statement.lineno, (statement.end_lineno or 0) + 1))
    blank = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT}
    lines: set[int] = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type not in blank and token.type != tokenize.ENDMARKER:
            lines.update(range(token.start[0], token.end[0] + 1))
    return len(lines - skipped)


def test_the_bot_is_at_most_40_lines_of_code() -> None:
    """The whole bot (commands, actions, watch, main) is at most 40 lines of code."""
    source = Path(chatops_bot.__file__).read_text(encoding="utf-8")
    assert code_lines(source) <= 40
    assert code_lines('import os\n\n\ndef f():\n    """Doc."""\n    return os  # why\n') == 2


async def test_stop_start_reboot_and_wait(emulator: Emulator, chat: Chatter) -> None:
    """/stop, /start and /reboot act on the instance, wait for its new state, and say so."""
    stopped = await chat.say("/stop web-1")
    assert _state(emulator, "web-1") == "stopped"
    started = await chat.say("/start web-1")
    assert _state(emulator, "web-1") == "running"
    rebooted = await chat.say("/reboot web-1")

    assert stopped == ["stop web-1…", "web-1 is stopped."]
    assert started == ["start web-1…", "web-1 is running."]
    assert rebooted == ["reboot web-1…", "web-1 is running."]
    assert emulator.stats.requests["RebootInstance"] == 1


async def test_names_in_several_places_need_a_place(emulator: Emulator, chat: Chatter) -> None:
    """A name found in two accounts is refused, naming both; naming one picks it."""
    ambiguous = await chat.say("/stop dup")
    picked = await chat.say(f"/stop dup {KB}/us-east-1")

    assert ambiguous[-1].startswith(
        f"Failed: instance_name: names an instance in 2 targets ({KA}/us-east-1, {KB}/us-east-1)"
    )
    assert picked == ["stop dup…", "dup is stopped."]
    assert _state(emulator, "dup", B) == "stopped" and _state(emulator, "dup", A) == "running"


async def test_find_and_instances(emulator: Emulator, chat: Chatter) -> None:
    """/find says where a name lives; /instances lists every target's instances."""
    found = await chat.say("/find dup")
    missing = await chat.say("/find nothing-here")
    listed = await chat.say("/instances")

    ip_a, ip_b = (
        emulator.state(account, "us-east-1").get_instance("dup").public_ip_address
        for account in (A, B)
    )
    assert found == [
        f"dup · {KA}/us-east-1 · running · {ip_a}\ndup · {KB}/us-east-1 · running · {ip_b}"
    ]
    assert missing == ["No instance called nothing-here."]
    assert sorted(listed[0].splitlines()) == sorted(
        [
            f"web-1 · {KA}/us-east-1 · running",
            f"dup · {KA}/us-east-1 · running",
            f"dup · {KB}/us-east-1 · running",
            f"db-1 · {KA}/eu-west-1 · stopped",
        ]
    )


async def test_a_refused_action_is_reported(emulator: Emulator, chat: Chatter) -> None:
    """Starting a running instance, or an unknown one, answers with the error in one line."""
    refused = await chat.say("/start web-1")
    unknown = await chat.say("/reboot nowhere")

    assert refused[-1].startswith("Failed: InvalidInputException")
    assert unknown[-1].startswith("Failed: NotFoundException: no instance called nowhere")
    assert all("\n" not in reply for reply in refused + unknown)


async def test_other_chats_are_ignored(emulator: Emulator, chat: Chatter) -> None:
    """Commands from any other chat get no answer and change nothing."""
    assert await chat.say("/stop web-1", chat=1) == []
    assert _state(emulator, "web-1") == "running"


async def test_the_watch_posts_changes(emulator: Emulator, fleet: Fleet, chat: Chatter) -> None:
    """The background watch posts what changed between sweeps (not the first inventory), and
    a target that starts failing."""
    client = await fleet.client(fleet.targets[0])
    await client.stop_instance("web-1")  # stopping now, stopped 30 s later

    await post_changes(fleet, chat.bot, CHAT, interval=60, max_sweeps=2)

    ((chat_id, text),) = chat.session.sent
    # A stopped instance gives up its public IP, as on Lightsail.
    assert chat_id == CHAT
    assert re.fullmatch(
        rf"web-1 \({KA}/us-east-1\): public_ip_address [0-9.]+ → none; state stopping → stopped",
        text,
    )


async def test_a_failing_target_is_posted_when_it_fails_and_recovers(emulator: Emulator) -> None:
    """A target throttled in the first sweep is posted as failing, with the error; in sweep 2
    it answers again, and its instances, seen for the first time, appear."""
    emulator.add_instance(A, "us-east-1", "web-1")
    target = Target("us-east-1", endpoint_url=emulator.endpoint_url, **keys(0))
    emulator.faults.fail_next("GetInstances", 1, FaultKind.THROTTLE)
    async with Fleet([target], max_attempts=1) as fleet:
        fleet._timer = emulator.clock
        chat = Chatter(fleet)
        await post_changes(fleet, chat.bot, CHAT, interval=60, max_sweeps=2)

    texts = [text for _, text in chat.session.sent]
    assert len(texts) == 3
    assert texts[0].startswith(f"{KA}/us-east-1 is failing: ThrottledError: ")
    assert texts[1:] == [
        f"{KA}/us-east-1 answers again",
        f"web-1 ({KA}/us-east-1) appeared, running",
    ]
