"""Planning from capabilities: safety settings, and asking back (commands) versus
answering for every match (questions). Offline engine: plans only (`dry_run`)."""

from __future__ import annotations

from hub.intents import IntentEngine, IntentResult
from tests.hub.intents.conftest import GARAGE_DOOR, EngineFactory


def _acted(result: IntentResult) -> list[tuple[str, str, str]]:
    return [(a.device, a.command, a.outcome) for a in result.actions]


async def test_unlocking_is_refused_by_default(engine: IntentEngine) -> None:
    for text in ("unlock the front door lock", "解锁门锁"):
        result = await engine.handle(text, dry_run=True)
        assert result.outcome == "refused", text
        assert _acted(result) == [("front_door_lock", "unlock", "refused")]
        assert "allow_unlock" in result.reply


async def test_allow_unlock_lets_a_sentence_unlock(make_engine: EngineFactory) -> None:
    engine = make_engine(intents={"allow_unlock": True})
    for text in ("unlock the front door lock", "解锁门锁"):
        result = await engine.handle(text, dry_run=True)
        assert result.outcome == "done", text
        assert _acted(result) == [("front_door_lock", "unlock", "planned")]
    english = await engine.handle("unlock the front door lock", dry_run=True)
    assert english.reply == "Unlocked the front door lock."


async def test_a_family_not_in_allow_open_is_never_opened(engine: IntentEngine) -> None:
    opened = await engine.handle("open the garage door", dry_run=True)
    assert opened.outcome == "refused"
    assert _acted(opened) == [("garage_door", "open", "refused")]
    assert "allow_open" in opened.reply
    # Closing is always allowed, and curtains open by default.
    closed = await engine.handle("close the garage door", dry_run=True)
    assert _acted(closed) == [("garage_door", "close", "planned")]
    curtain = await engine.handle("open the bedroom curtain", dry_run=True)
    assert _acted(curtain) == [("bedroom_curtain", "open", "planned")]


async def test_allow_open_with_another_family(make_engine: EngineFactory) -> None:
    engine = make_engine(intents={"allow_open": ["curtain", "garage_door"]}, extra=[GARAGE_DOOR])
    opened = await engine.handle("open the garage door", dry_run=True)
    assert opened.outcome == "done"
    assert _acted(opened) == [("garage_door", "open", "planned")]
    assert opened.reply == "Opened the garage door."
    # Listing the garage door does not allow curtains any more than the list says.
    engine = make_engine(intents={"allow_open": ["garage_door"]}, extra=[GARAGE_DOOR])
    curtain = await engine.handle("open the bedroom curtain", dry_run=True)
    assert curtain.outcome == "refused"


async def test_a_command_meaning_one_of_several_is_asked_back(engine: IntentEngine) -> None:
    for text, reply in (
        ("turn on the humidifier", "Which humidifier: bedroom or living room?"),
        ("打开加湿器", "哪个加湿器：卧室还是客厅？"),
    ):
        result = await engine.handle(text, dry_run=True)
        assert (result.outcome, result.reply, result.actions) == ("asked", reply, ())


async def test_a_question_about_one_of_several_answers_for_each(engine: IntentEngine) -> None:
    hub = engine._hub
    bedroom = hub.registry.get("bedroom_humidifier")
    living = hub.registry.get("living_room_humidifier")
    hub.state.update(bedroom.id, {"power": True})
    hub.state.update(living.id, {"power": False})
    english = await engine.handle("is the humidifier on?", dry_run=True)
    assert english.outcome == "answered"
    assert english.reply == "The bedroom humidifier is on, the living room humidifier is off."
    chinese = await engine.handle("加湿器开着吗", dry_run=True)
    assert chinese.outcome == "answered"
    assert chinese.reply == "卧室加湿器开着，客厅加湿器关着。"
    # One of them named: a yes or no about it alone.
    one = await engine.handle("卧室的加湿器开着吗", dry_run=True)
    assert one.reply == "是的，卧室加湿器开着。"
