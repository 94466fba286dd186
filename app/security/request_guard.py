"""Request text that no database column can hold (NUL) never reaches a view."""
from flask import Flask, abort, request
from werkzeug.datastructures import ImmutableMultiDict


def install_request_guard(app: Flask) -> None:
    @app.before_request
    def drop_nul_characters():
        """PostgreSQL cannot store or compare NUL. A form's fields lose the invisible character and keep everything
        else typed, so a refused form can show it all again; a URL carrying one is refused."""
        if any("\x00" in value for value in request.args.values()):
            abort(400)
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = request.form
            if any("\x00" in value for value in form.values()):
                cleaned = ImmutableMultiDict([(key, value.replace("\x00", "")) for key, value in form.items(multi=True)])
                request._get_current_object().__dict__["form"] = cleaned  # werkzeug caches `form` there
