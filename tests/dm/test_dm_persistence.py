"""Trackers in stores: resume after a process restart, /restart and /undo, ordering under concurrency."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from pathlib import Path

import dm_actions
from dm_helpers import DOMAIN_DIR, Chat, make_manager, parse

from dialogue.domain import Domain
from dialogue.stores.sqlite import SQLiteStore


async def test_conversation_resumes_in_a_new_manager_from_sqlite(domain: Domain, tmp_path: Path) -> None:
    path = tmp_path / "conversations.sqlite3"
    first = Chat(make_manager(domain, SQLiteStore(path)), "resume-me")
    await first.say("book", day="monday")
    await first.manager.close()

    second = Chat(make_manager(domain, SQLiteStore(path)), "resume-me")
    assert await second.say("inform", people=2) == ["utter_ask_email"]
    assert second.slots["day"] == "monday"
    await second.manager.close()


def test_conversation_resumes_after_the_process_exits(tmp_path: Path) -> None:
    """Two real processes: the first starts a form and exits, the second finishes it."""
    script = textwrap.dedent(f"""
        import asyncio, sys
        sys.path.insert(0, {str(DOMAIN_DIR.parent)!r})
        import dm_actions
        from dm_helpers import Chat, make_manager
        from dialogue.domain import load_domain
        from dialogue.stores.sqlite import SQLiteStore

        async def main(step):
            chat = Chat(make_manager(load_domain({str(DOMAIN_DIR)!r}), SQLiteStore(sys.argv[2])), "p1")
            if step == "1":
                print(await chat.say("book", day="friday", people=3))
            else:
                print(await chat.say("inform", email="a@b.org"), chat.slots["day"], chat.slots["people"])
            await chat.manager.close()

        asyncio.run(main(sys.argv[1]))
    """)
    db = tmp_path / "c.sqlite3"
    out1 = subprocess.run([sys.executable, "-c", script, "1", str(db)], capture_output=True, text=True, check=True)
    assert out1.stdout.strip() == "['utter_ask_email']"
    out2 = subprocess.run([sys.executable, "-c", script, "2", str(db)], capture_output=True, text=True, check=True)
    assert out2.stdout.strip() == "['utter_confirm_booking'] friday 3"


async def test_restart_command_and_method(chat: Chat) -> None:
    await chat.say("book", day="monday")
    assert await chat.say("restart", text="/restart") == ["text:Okay, let's start over."]
    assert chat.kinds() == ["conversation_restarted"]
    assert chat.slots["day"] is None
    assert await chat.say("ask_hours") == ["utter_hours"]  # no form any more
    await chat.say("spend", amount=500)
    events = await chat.manager.restart("c1", 10**9)
    assert [e.kind for e in events] == ["conversation_restarted"]
    tracker = await chat.manager.tracker("c1")
    assert tracker.state.slots["vip"] is False and tracker.state.turns == 0


async def test_undo_rewinds_the_last_user_turn(chat: Chat) -> None:
    await chat.say("book", day="monday")
    await chat.say("inform", day="tuesday")  # a correction
    assert chat.slots["day"] == "tuesday"
    assert await chat.say("undo", text="/undo") == ["utter_ask_people"]  # the form asks again
    assert chat.kinds() == ["turn_undone"]
    assert chat.slots["day"] == "monday"
    assert await chat.say("undo", text="/undo") == ["text:Okay, I've undone your last message."]
    assert chat.slots["day"] is None
    tracker = await chat.manager.tracker("c1")
    assert tracker.state.form is None and tracker.state.turns == 0
    assert await chat.say("undo", text="/undo") == ["text:There is nothing to undo."]
    assert chat.kinds() == []


async def test_undo_method_and_history_keeps_everything(chat: Chat) -> None:
    await chat.say("spend", amount=500)
    events = await chat.manager.undo("c1", 10**9)
    assert [e.kind for e in events] == ["turn_undone"]
    tracker = await chat.manager.tracker("c1")
    assert tracker.state.slots["vip"] is False
    assert [r["type"] for r in tracker.records][-1] == "undo"  # the audit trail keeps the undone turn
    assert tracker.history == []


async def test_undo_survives_reload(domain: Domain, tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "u.sqlite3")
    chat = Chat(make_manager(domain, store))
    await chat.say("spend", amount=500)
    await chat.say("undo", text="/undo")
    fresh = make_manager(domain, store)
    assert (await fresh.tracker("c1")).state.slots["vip"] is False
    await store.close()


async def test_concurrent_messages_of_one_conversation_are_processed_in_order(domain: Domain) -> None:
    manager = make_manager(domain)
    messages = [parse("same", "count", text=f"count {i}") for i in range(15)]
    results = await asyncio.gather(*(manager.handle(m) for m in messages))
    tracker = await manager.tracker("same")
    assert tracker.state.slots["counter"] == 15  # no lost update: each turn saw the previous one
    users = [r["text"] for r in tracker.records if r["type"] == "user"]
    assert users == [f"count {i}" for i in range(15)]
    assert [d.slots["counter"] for d, _ in results] == list(range(1, 16))


async def test_different_conversations_run_concurrently(domain: Domain) -> None:
    manager = make_manager(domain)
    dm_actions.MEETING.clear()
    # each conversation's action waits until the other one is inside its action too
    a = manager.handle(parse("conv-a", "meet", text="meet conv-b"))
    b = manager.handle(parse("conv-b", "meet", text="meet conv-a"))
    (decision_a, _), (decision_b, _) = await asyncio.wait_for(asyncio.gather(a, b), 4)
    assert decision_a.acts == () and decision_b.acts == ()
    assert manager._locks == {}  # per-conversation locks are released when idle


async def test_concurrent_messages_through_the_whole_pipeline(domain: Domain, tmp_path: Path) -> None:
    """Payload messages through bus, DM (SQLite store) and templates, all sent at once."""
    from dialogue.assembly import assemble
    from dialogue.bus import InProcessBus

    bot = assemble(domain, InProcessBus(), store=SQLiteStore(tmp_path / "bus.sqlite3"), nlu_components=[])
    messages = [bot.user_message("bus", '/count{"amount": %d}' % i) for i in range(12)]
    replies = await asyncio.gather(*(bot.handle(m) for m in messages))
    assert len(replies) == 12
    tracker = await bot.dm.tracker("bus")
    assert tracker.state.slots["counter"] == 12
    amounts = [r["entities"][0]["value"] for r in tracker.records if r["type"] == "user"]
    assert amounts == list(range(12))  # processed in the order they were sent
    await bot.close()
