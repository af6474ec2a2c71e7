"""The YAML format of conversation tests (``domains/x/tests/*.yml``), validated with positions.

::

    fixtures:                     # optional, for every test of the file
      env: {SHOP_DB: "{tmp}/shop.sqlite3"}   # {tmp}: a fresh folder per test
      setup: [fakes.py:fake_shop]            # file.py:function, relative to this file
    tests:
      - name: order status
        steps:
          - user: where is order 12345?
            intent: order_status
            entities: {order_id: "12345"}
            bot: [utter_order_status, {text: "shipped"}]
            slots: {order_id: "12345"}
            events: [action_executed]

See docs/conversation-tests.md for every key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from dialogue.domain.errors import DomainError, Problem
from dialogue.domain.positions import load_yaml_with_positions, locate


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    #: JSON Schema of a shorter form the model also accepts (see ``dialogue schema``)
    shorthand: ClassVar[dict[str, Any] | None] = None
    one_or_many: ClassVar[tuple[str, ...]] = ()
    #: JSON Schema of the object as written, where it differs from the fields (see EventExpectation)
    written_form: ClassVar[dict[str, Any] | None] = None


class BotExpectation(_Strict):
    """One bot message: by response name, by a regular expression on its text, and/or its buttons."""

    shorthand = {"type": "string", "description": "the response name"}

    response: str | None = Field(None, description="The response name (utter_x).")
    text: str | None = Field(None, description="Regular expression searched in the text (case-insensitive).")
    buttons: list[str] | None = Field(None, description="Button titles, in order.")

    @model_validator(mode="before")
    @classmethod
    def _bare_name(cls, data: Any) -> Any:
        return {"response": data} if isinstance(data, str) else data

    @field_validator("text")
    @classmethod
    def _compiles(cls, pattern: str | None) -> str | None:
        import re

        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"text pattern {pattern!r} does not compile: {exc}") from exc
        return pattern

    def describe(self) -> str:
        parts = [self.response or ""] if self.response else []
        if self.text is not None:
            parts.append(f"/{self.text}/")
        if self.buttons is not None:
            parts.append(f"buttons {self.buttons}")
        return " ".join(parts) or "(any message)"


class EventExpectation(_Strict):
    """An event by kind, optionally with field values (``{kind: slot_set, name: day}``)."""

    shorthand = {"type": "string", "description": "the event kind"}
    written_form = {"type": "object", "required": ["kind"], "additionalProperties": True,
                    "properties": {"kind": {"type": "string"}}}

    kind: str = Field(description="slot_set, form_started, form_ended, action_executed, handoff_requested, "
                      "conversation_restarted, conversation_ended or turn_undone.")
    fields: dict[str, Any] = Field(
        default_factory=dict, description="Written beside kind, not under a key: the event's field values to check."
    )

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"kind": data}
        if isinstance(data, dict) and "kind" in data:
            return {"kind": data["kind"], "fields": {k: v for k, v in data.items() if k != "kind"}}
        return data

    def describe(self) -> str:
        extra = ", ".join(f"{k}={v!r}" for k, v in self.fields.items())
        return f"{self.kind}({extra})" if extra else self.kind


class Step(_Strict):
    """One user turn and what to check after it; only the given keys are checked."""

    one_or_many = ("bot",)

    user: str = Field(description="What the user types (a payload such as /restart works too).")
    intent: str | None = Field(None, description="The intent the NLU gave (nlu_fallback when it was unsure).")
    entities: dict[str, Any] | list[str] | None = Field(None, description="type → value, or types that must be present.")
    bot: list[BotExpectation] | None = Field(None, description="Every bot message of the turn, in order.")
    slots: dict[str, Any] | None = Field(None, description="Slot values after the turn (null: unset).")
    events: list[EventExpectation] | None = Field(None, description="Events of the turn, in order; [] means none.")

    @model_validator(mode="before")
    @classmethod
    def _bot_shorthand(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("bot"), (str, dict)):
            data = {**data, "bot": [data["bot"]]}
        return data


class Fixtures(_Strict):
    """Test data for the real actions: environment variables and setup functions."""

    one_or_many = ("setup",)

    env: dict[str, str] = Field(default_factory=dict, description="Environment variables; {tmp} is a per-test folder.")
    setup: list[str] = Field(default_factory=list, description="file.py:function, relative to the test file.")

    @field_validator("setup", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("setup")
    @classmethod
    def _targets(cls, targets: list[str]) -> list[str]:
        for target in targets:
            path, _, function = target.partition(":")
            if not path.endswith(".py") or not function.isidentifier():
                raise ValueError(f"setup {target!r} must look like file.py:function")
        return targets

    def merged(self, other: Fixtures | None) -> Fixtures:
        if other is None:
            return self
        return Fixtures(env={**self.env, **other.env}, setup=[*self.setup, *other.setup])


class Case(_Strict):
    """One scripted conversation, run with a fresh bot and store."""

    name: str = Field(description="Shown in the report; -k selects by it.")
    description: str | None = Field(None, description="What the test shows (for people reading it).")
    fixtures: Fixtures | None = Field(None, description="Added to the file's fixtures for this test.")
    steps: list[Step] = Field(min_length=1, description="User turns, each with what to check after it.")


class ConversationFile(_Strict):
    """A conversation test file (``tests/*.yml`` of a domain)."""

    fixtures: Fixtures = Field(default_factory=Fixtures, description="Fixtures for every test of the file.")
    tests: list[Case] = Field(min_length=1, description="The tests.")


class LoadedCase:
    """A test case with where it came from and the fixtures that apply to it."""

    def __init__(self, case: Case, file: Path, line: int | None, fixtures: Fixtures) -> None:
        self.case = case
        self.file = file
        self.line = line
        self.fixtures = fixtures

    @property
    def name(self) -> str:
        return self.case.name


def conversation_files(domain_path: Path) -> list[Path]:
    folder = domain_path / "tests"
    return sorted(p for p in folder.glob("**/*") if p.suffix in (".yml", ".yaml") and p.is_file())


def load_cases(file: Path) -> list[LoadedCase]:
    """Read one test file; raise ``DomainError`` with file:line:column for every problem."""
    data, positions = load_yaml_with_positions(file)
    if not isinstance(data, dict):
        raise DomainError([Problem(file, 1, 1, "a conversation test file is a mapping with a 'tests:' list")])
    try:
        parsed = ConversationFile.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            path = tuple(p for p in error["loc"] if isinstance(p, int) or not str(p).startswith(("function-", "list[", "dict[")))
            line, column = locate(positions, path)
            where = ".".join(map(str, path)) or "file"
            problems.append(Problem(file, line, column, f"{where}: {error['msg']}"))
        raise DomainError(problems) from None
    cases = []
    for index, case in enumerate(parsed.tests):
        line, _ = locate(positions, ("tests", index))
        cases.append(LoadedCase(case, file, line, parsed.fixtures.merged(case.fixtures)))
    return cases
