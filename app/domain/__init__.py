"""The rules of the platform, importable without a request or a view."""


class DomainError(Exception):
    """A refused operation; `message` is shown to the user as it is, in Chinese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def N_(text: str) -> str:
    """Marks a label for extraction into the catalogues; views translate it when they render it."""
    return text
