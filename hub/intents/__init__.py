"""Sentences in Chinese and English that control the home: "打开卧室的加湿器", "run good morning".

- `language`: home-assistant-intents' sentence data for the intents mihub maps,
  plus mihub's own templates (data/<lang>.yaml); only `intents.languages` load.
- `vocabulary`: the home's words (names, aliases, rooms, families, scenes) as
  hassil slot lists (data/vocabulary.yaml holds the shipped words).
- `understanding`: hassil's match, or what was not understood and the closest
  sentences that would be (built per device from what it can do).
- `narrowing`: for Chinese, only the names whose letters are in the sentence go
  to hassil (it cannot index words without spaces).
- `plan`: which devices and commands, from capabilities; asks back when one
  device is meant and several match; refuses unlocking and opening unless allowed.
- `engine`: `IntentEngine` (the `INTENTS` component) validates, sends, replies,
  publishes `IntentHandled`, and has a speaker say the reply.
- `http_api` (`POST /api/intents`) and `cli` (`mihub say`).
"""

from hub.intents.engine import INTENTS, ActionOutcome, IntentEngine, IntentResult, UnknownLanguage
from hub.intents.events import IntentHandled

__all__ = [
    "INTENTS",
    "ActionOutcome",
    "IntentEngine",
    "IntentHandled",
    "IntentResult",
    "UnknownLanguage",
]
