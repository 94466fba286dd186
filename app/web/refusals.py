"""The one mapping from a refusal's kind (`DomainError.kind`) to its answer: the HTTP status of JSON and of a
refusal no view catches, and the category of a page's flash. Both front doors (the platform and the console) use it."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, flash
from flask_babel import gettext

from app.domain import DomainError, ErrorKind, in_language
from app.web.language import say


@dataclass(frozen=True)
class Answer:
    """How a kind of refusal is answered: `status` for JSON (the API) and for a refusal no view catches,
    `category` for the flash of a page (an alert class in both the platform's and the console's layout)."""

    status: int
    category: str


# Refused is 403: the request was understood and reached the rules, which say no to this actor now (the state,
# the turn, a deadline); sending it again unchanged will not help. Invalid is 422: what was sent is readable but
# cannot be accepted as it is, and the answer says what to correct (with `errors` by field), so a client can tell
# "fix what you sent" from "not allowed now". Not found and conflict are answered as HTTP names them.
ANSWERS = {
    ErrorKind.REFUSED: Answer(403, "danger"),
    ErrorKind.NOT_FOUND: Answer(404, "warning"),
    ErrorKind.CONFLICT: Answer(409, "warning"),
    ErrorKind.INVALID: Answer(422, "danger"),
}


def field_errors(refused: DomainError) -> dict[str, str]:
    """The refusal's errors by field, each in the user's language."""
    return {key: in_language(text, gettext) for key, text in refused.errors.items()}


def flash_refusal(refused: DomainError) -> str:
    """Flash a refusal on the next page, in the user's language and with its kind's category; returns the text.
    The view keeps what was typed: it redirects or draws its form again, as the refused form needs."""
    text = say(refused)
    flash(text, ANSWERS[refused.kind].category)
    return text


def refusal_json(refused: DomainError):
    """A refusal as the API answers it: its kind's status, `{"message", "kind"}` and the errors by field."""
    body = {"message": say(refused), "kind": refused.kind.value}
    if refused.errors:
        body["errors"] = field_errors(refused)
    return json_answer(body, ANSWERS[refused.kind].status)


def json_answer(body: dict, status: int):
    """JSON with Chinese as itself rather than \\u escapes (a person reads these messages)."""
    return current_app.response_class(current_app.json.dumps(body, ensure_ascii=False), status=status,
                                      content_type="application/json; charset=utf-8")
