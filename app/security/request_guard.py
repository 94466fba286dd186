"""Refuse request text that no database column can hold, before any view turns it into SQL."""
from flask import Flask, abort, request


def install_request_guard(app: Flask) -> None:
    @app.before_request
    def refuse_nul_characters():
        """PostgreSQL cannot store or compare NUL; a parameter carrying one would end in a 500."""
        values = list(request.args.values())
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            values += request.form.values()
        if any("\x00" in value for value in values):
            abort(400)
