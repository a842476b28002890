"""A Telegram chat-ops bot for Lightsail, on aiogram 3 and aiolightsail.

Commands (in the chat the bot is told to serve):

    /instances                 every instance of every account × region
    /status NAME               one instance's state, address, blueprint and bundle
    /start NAME, /stop NAME, /reboot NAME
                               act, wait until the instance is in its new state, reply
    /open NAME PORT            open a TCP port to everyone

A background task watches the fleet and posts every change (an instance
added, removed, or changed: "web-1 running → stopped") to the chat. A name
that exists in several accounts or regions is refused with the list of
places; add ``ACCOUNT/REGION`` to pick one (``/stop web-1 prod/eu-west-1``).

Run it::

    pip install 'aiolightsail[examples]'
    BOT_TOKEN=123:abc CHAT_ID=42 LIGHTSAIL_PROFILES=prod,staging \\
        LIGHTSAIL_REGIONS=eu-west-1,us-east-1 python examples/chatops_bot.py

``LIGHTSAIL_ENDPOINT_URL`` points it at ``aiolightsail emulator`` instead of AWS.
``tests/examples/test_chatops_bot.py`` runs it against the emulator, with the
Telegram transport replaced by a fake.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Sequence

from aiogram import Bot, Dispatcher, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from aiolightsail import (
    Fleet,
    Instance,
    InstanceChange,
    InstanceStateName,
    LightsailError,
    PortInfo,
    Target,
)

__all__ = ["OpsBot", "build_dispatcher", "main"]

log = logging.getLogger("chatops_bot")

#: What each action does, and the state it leads to.
_ACTIONS = {
    "start": ("Starting", InstanceStateName.RUNNING),
    "stop": ("Stopping", InstanceStateName.STOPPED),
    "reboot": ("Rebooting", InstanceStateName.RUNNING),
}


def _state(instance: Instance | None) -> str:
    state = None if instance is None else instance.state_name
    return "unknown" if state is None else str(state)


def describe(change: InstanceChange) -> str:
    """One chat line for a change of the fleet."""
    where = change.target.label
    name = change.instance.name
    if change.kind == "added":
        return f"➕ {name} ({where}) appeared, {_state(change.after)}"
    if change.kind == "removed":
        return f"➖ {name} ({where}) is gone"
    if "state" in change.changed:
        return f"🔄 {name} ({where}) {_state(change.before)} → {_state(change.after)}"
    return f"✏️ {name} ({where}) changed: {', '.join(sorted(change.changed))}"


class OpsBot:
    """The bot's commands and its background watch, over one :class:`Fleet`.

    Args:
        fleet: the (open) fleet of accounts × regions the bot acts on.
        chat_id: the one chat it takes commands from and posts changes to.
        wait_timeout: how long an action waits for its new state, in seconds.
    """

    def __init__(self, fleet: Fleet, *, chat_id: int, wait_timeout: float = 600.0) -> None:
        self.fleet = fleet
        self.chat_id = chat_id
        self.wait_timeout = wait_timeout

    def router(self) -> Router:
        """The command handlers, for a dispatcher."""
        router = Router(name="lightsail")
        router.message.register(self.instances, Command("instances"))
        router.message.register(self.status, Command("status"))
        router.message.register(self.act, Command("start", "stop", "reboot"))
        router.message.register(self.open_port, Command("open"))
        return router

    def _allowed(self, message: Message) -> bool:
        return message.chat.id == self.chat_id

    async def _find(self, message: Message, args: Sequence[str]) -> tuple[Target, Instance] | None:
        """The one instance ``args`` (``NAME [ACCOUNT/REGION]``) names, or a reply why not."""
        if not args:
            await message.answer("Which instance? Give its name.")
            return None
        name, where = args[0], args[1] if len(args) > 1 else None
        try:
            everywhere = await self.fleet.find_instances(name)
        except LightsailError as exc:
            await message.answer(f"Cannot look for {name}: {exc}")
            return None
        found = [(t, i) for t, i in everywhere if where in (None, f"{t.account}/{t.region}")]
        if len(found) == 1:
            return found[0]
        if not found:
            unsearched = ", ".join(f.target.label for f in everywhere.failures)
            await message.answer(
                f"No instance called {name} found."
                + (f" (could not search {unsearched})" if unsearched else "")
            )
        else:
            places = ", ".join(f"{t.account}/{t.region}" for t, _ in found)
            await message.answer(f"{name} exists in {places}: add one of them to the command.")
        return None

    async def instances(self, message: Message) -> None:
        """/instances: every instance, one line each."""
        if not self._allowed(message):
            return
        lines = []
        async with self.fleet.iter_instances() as stream:
            async for target, instance in stream:
                lines.append(f"{instance.name} · {target.label} · {_state(instance)}")
        failed = [f.target.label for f in stream.failures]
        text = "\n".join(sorted(lines)) or "No instances."
        if failed:
            text += f"\n(could not list {', '.join(failed)})"
        await message.answer(text)

    async def status(self, message: Message, command: CommandObject) -> None:
        """/status NAME: one instance in a few lines."""
        if not self._allowed(message):
            return
        found = await self._find(message, (command.args or "").split())
        if found is None:
            return
        target, instance = found
        await message.answer(
            f"{instance.name} ({target.label}) is {_state(instance)}\n"
            f"IP {instance.public_ip_address or '-'} · {instance.blueprint_id} · "
            f"{instance.bundle_id}"
        )

    async def act(self, message: Message, command: CommandObject) -> None:
        """/start, /stop, /reboot NAME: act, wait for the new state, say how it went."""
        if not self._allowed(message):
            return
        found = await self._find(message, (command.args or "").split())
        if found is None:
            return
        target, instance = found
        name = str(instance.name)
        doing, state = _ACTIONS[command.command]
        await message.answer(f"{doing} {name} ({target.label})…")
        try:
            client = await self.fleet.client(target)
            if command.command == "start":
                operations = await client.start_instance(name)
            elif command.command == "stop":
                operations = await client.stop_instance(name)
            else:
                operations = await client.reboot_instance(name)
            await client.wait_for_operations(operations, timeout=self.wait_timeout)
            await client.wait_for_instance_state(name, state, timeout=self.wait_timeout)
        except LightsailError as exc:
            await message.answer(f"{command.command} {name} failed: {exc}")
            return
        await message.answer(f"{name} is {state}.")

    async def open_port(self, message: Message, command: CommandObject) -> None:
        """/open NAME PORT: open a TCP port to everyone."""
        if not self._allowed(message):
            return
        args = (command.args or "").split()
        if len(args) < 2 or not args[1].isdigit():
            await message.answer("Usage: /open NAME PORT")
            return
        found = await self._find(message, [args[0], *args[2:]])
        if found is None:
            return
        target, instance = found
        port = int(args[1])
        try:
            client = await self.fleet.client(target)
            rule = PortInfo(from_port=port, to_port=port, protocol="tcp")
            operation = await client.open_instance_public_ports(str(instance.name), rule)
            await client.wait_for_operations([operation], timeout=self.wait_timeout)
        except LightsailError as exc:
            await message.answer(f"Opening port {port} on {instance.name} failed: {exc}")
            return
        await message.answer(f"Port {port}/tcp is open on {instance.name}.")

    async def watch(
        self, bot: Bot, *, interval: float = 60.0, max_sweeps: int | None = None
    ) -> None:
        """Post every change of the fleet to the chat, sweep after sweep.

        The first sweep's changes (every instance, "added") are the inventory
        as it stands, not news: they are not posted.
        """
        targets = len(self.fleet.targets)
        await bot.send_message(self.chat_id, f"Watching {targets} account × region targets.")
        async with self.fleet.watch_instances(interval=interval, max_sweeps=max_sweeps) as watch:
            async for change in watch:
                if change.sweep > 1:
                    await bot.send_message(self.chat_id, describe(change))


def build_dispatcher(ops: OpsBot) -> Dispatcher:
    """A dispatcher with the bot's commands."""
    dispatcher = Dispatcher()
    dispatcher.include_router(ops.router())
    return dispatcher


def _fleet_from_environment() -> Fleet:
    profiles = [p for p in os.environ.get("LIGHTSAIL_PROFILES", "").split(",") if p] or None
    regions = [r for r in os.environ.get("LIGHTSAIL_REGIONS", "").split(",") if r] or None
    return Fleet.across(
        regions, profiles=profiles, endpoint_url=os.environ.get("LIGHTSAIL_ENDPOINT_URL")
    )


async def main() -> None:
    """Run the bot until interrupted: Telegram long polling and the fleet watch, side by side."""
    logging.basicConfig(level=logging.INFO)
    bot = Bot(os.environ["BOT_TOKEN"])
    async with _fleet_from_environment() as fleet:
        ops = OpsBot(fleet, chat_id=int(os.environ["CHAT_ID"]))
        dispatcher = build_dispatcher(ops)
        async with asyncio.TaskGroup() as group:
            group.create_task(ops.watch(bot, interval=float(os.environ.get("WATCH_INTERVAL", 60))))
            group.create_task(dispatcher.start_polling(bot, handle_signals=False))


if __name__ == "__main__":
    asyncio.run(main())
