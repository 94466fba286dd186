"""The rules of the platform, importable without a request or a view."""
from __future__ import annotations

import enum
from typing import Callable

from app.vocabulary import N_


class ErrorKind(enum.StrEnum):
    """What kind of no a DomainError is, so that every front door answers it alike (the views' errors module
    turns each kind into an HTTP status and a flash category)."""

    REFUSED = "refused"  # the rules say no to this actor now: the state, the turn, a deadline, a missing field
    NOT_FOUND = "not_found"  # the thing named does not exist, or not in the actor's scope: the same answer
    CONFLICT = "conflict"  # someone else changed it since it was read (a stale version): refresh and look again
    INVALID = "invalid"  # what was sent cannot be accepted as it is (a form value, a workbook, an upload)


class DomainError(Exception):
    """A refused operation, said in Chinese: a message id (the source text, marked with `N_`) and the values
    it names, kept apart so that a view translates the text first and formats it afterwards (`translated`).
    `kind` says what kind of refusal it is; `errors` names what was refused field by field (`{"score": "…"}`)
    where a form shows every error at once."""

    def __init__(self, message: str, *, kind: ErrorKind = ErrorKind.REFUSED, errors: dict[str, str] | None = None,
                 **params):
        self.message_id = message
        self.params = params
        self.kind = ErrorKind(kind)
        self.errors = dict(errors or {})
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """The Chinese text with its values, for logs, tests and places without a translator."""
        return format_message(self.message_id, self.params)

    def translated(self, gettext: Callable[[str], str]) -> str:
        """The text in the user's language: the message id and every text value translated, then formatted;
        a tuple of texts (e.g. the missing files) is translated item by item and listed."""
        return format_message(gettext(self.message_id), {k: _translated(v, gettext) for k, v in self.params.items()},
                              gettext(LIST_SEPARATOR))


class Message(str):
    """A message already formatted in Chinese, for places that keep plain text (a form's errors by field), which
    remembers its message id and values so that a view can say it in the user's language (`in_language`)."""

    def __new__(cls, message: str, /, **params):
        text = super().__new__(cls, format_message(message, params))
        text.message_id, text.params = message, params
        return text

    def translated(self, gettext: Callable[[str], str]) -> str:
        return format_message(gettext(self.message_id), {k: _translated(v, gettext) for k, v in self.params.items()},
                              gettext(LIST_SEPARATOR))


def in_language(text: str, gettext: Callable[[str], str]) -> str:
    """A domain text in the user's language: a Message translated before it is formatted, a message id as it is."""
    if not text:
        return text  # gettext("") is the catalogue's header
    return text.translated(gettext) if isinstance(text, Message) else gettext(text)


def _translated(value, gettext):
    if isinstance(value, str):
        return in_language(value, gettext)
    if isinstance(value, tuple):
        return tuple(in_language(v, gettext) if isinstance(v, str) else v for v in value)
    return value


def format_message(template: str, params: dict, separator: str = "、") -> str:
    if not params:
        return template
    return template % {k: separator.join(map(str, v)) if isinstance(v, tuple) else v for k, v in params.items()}


LIST_SEPARATOR = N_("、")  # between the items of a listed value (a tuple param)
