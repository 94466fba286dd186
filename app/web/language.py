"""The domain's texts (message ids, Messages, refusals) in the language of the request."""
from __future__ import annotations

from flask_babel import gettext

from app.domain import DomainError, in_language


def said(text: str) -> str:
    """A domain text in the user's language: a Message translated, then formatted; a message id translated."""
    return in_language(text, gettext) if text else ""


def say(refused: DomainError) -> str:
    """A refusal in the user's language: translated first, formatted with its values afterwards."""
    return refused.translated(gettext)


def translated_parts(label: str) -> str:
    """A label made of messages joined by " · " (a package's 已上传推荐函 · 未提交汇总表), translated part by part."""
    return " · ".join(gettext(part) for part in label.split(" · ")) if label else ""
