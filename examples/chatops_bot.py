"""A Telegram chat-ops bot for Lightsail, on aiogram 3 and aiolightsail.

Commands (in the one chat the bot serves):

    /instances                 every instance of every account × region
    /find NAME                 where NAME lives (names are unique per account and region)
    /start NAME, /stop NAME, /reboot NAME [ACCOUNT/REGION]
                               act, wait until the instance is in its new state, reply

A background task watches the fleet and posts every change to the chat (an
instance added, removed or changed: "web-1 (prod/eu-west-1): state running →
stopped"), and when a target starts or stops failing. A refused command is
answered with the error, in one line.

Run it::

    pip install 'aiolightsail[examples]'
    BOT_TOKEN=123:abc CHAT_ID=42 LIGHTSAIL_PROFILES=prod,staging \\
        LIGHTSAIL_REGIONS=eu-west-1,us-east-1 python examples/chatops_bot.py

``LIGHTSAIL_ENDPOINT_URL`` points it at ``aiolightsail emulator`` instead of AWS.
``tests/examples/test_chatops_bot.py`` runs it against the emulator, with the
Telegram transport replaced by a fake, and holds it to 40 lines of code.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from aiogram import Bot, Dispatcher, F
from aiogram.filters import Command, CommandObject, ExceptionTypeFilter
from aiogram.types import ErrorEvent, Message

from aiolightsail import Fleet, LightsailError

__all__ = ["build_dispatcher", "main", "post_changes"]


def build_dispatcher(fleet: Fleet, chat_id: int) -> Dispatcher:
    """The bot's commands, taken from ``chat_id`` only."""
    dispatcher = Dispatcher()
    dispatcher.message.filter(F.chat.id == chat_id)

    @dispatcher.message(Command("instances"))
    async def instances(message: Message) -> None:
        async with fleet.iter_instances() as stream:
            lines = sorted([f"{i.name} · {t.label} · {i.state_name}" async for t, i in stream])
        lines += [f"(could not list {f.target.label})" for f in stream.failures]
        await message.answer("\n".join(lines) or "No instances.")

    @dispatcher.message(Command("find"))
    async def find(message: Message, command: CommandObject) -> None:
        found = await fleet.find_instances(command.args or "?")
        lines = [f"{i.name} · {t.label} · {i.state_name} · {i.public_ip_address}" for t, i in found]
        await message.answer("\n".join(lines) or f"No instance called {command.args}.")

    @dispatcher.message(Command("start", "stop", "reboot"))
    async def act(message: Message, command: CommandObject) -> None:
        name, *where = (command.args or "?").split()
        target = next((t for t in fleet.targets if [t.label] == where), None)
        await message.answer(f"{command.command} {name}…")
        instance = await fleet.act(command.command, name, target=target, timeout=600)
        await message.answer(f"{instance.name} is {instance.state_name}.")

    @dispatcher.errors(ExceptionTypeFilter(LightsailError), F.update.message.as_("message"))
    async def failed(event: ErrorEvent, message: Message) -> None:
        await message.answer(f"Failed: {event.exception}")

    return dispatcher


async def post_changes(fleet: Fleet, bot: Bot, chat_id: int, **options: Any) -> None:
    """Post every change of the fleet to the chat, and every target that fails; the first
    sweep's instances are the inventory, not news.

    ``options`` go to ``fleet.watch_instances`` (``interval``, ``max_sweeps``).
    """
    async with fleet.watch_instances(health=True, **options) as watch:
        async for change in watch:
            if change.sweep > 1 or change.kind == "failing":
                await bot.send_message(chat_id, str(change))


async def main() -> None:
    """Run the bot until interrupted: Telegram long polling and the fleet watch, side by side."""
    bot, chat_id = Bot(os.environ["BOT_TOKEN"]), int(os.environ["CHAT_ID"])
    regions, profiles = (os.environ[f"LIGHTSAIL_{k}"].split(",") for k in ("REGIONS", "PROFILES"))
    url = os.environ.get("LIGHTSAIL_ENDPOINT_URL")
    fleet = Fleet.across(regions, profiles=profiles, endpoint_url=url)
    async with fleet, asyncio.TaskGroup() as group:
        group.create_task(post_changes(fleet, bot, chat_id))
        group.create_task(build_dispatcher(fleet, chat_id).start_polling(bot, handle_signals=False))


if __name__ == "__main__":
    asyncio.run(main())
