"""The landing page: who you are acting for, and how many declarations wait in your scope."""
from __future__ import annotations

from flask import g, redirect, url_for
from flask_appbuilder import IndexView, expose
from sqlalchemy import func, select

from app.domain.scope import Actor, declaration_scope
from app.vocabulary import DeclarationStatus
from app.extensions import db
from app.models import Batch, Declaration
from app.views.base import audience_of
from app.views.recheck import my_listings


class HomeView(IndexView):
    index_template = "home.html"

    @expose("/")
    def index(self):
        if not g.user or not g.user.is_authenticated:
            return redirect(url_for(self.appbuilder.sm.auth_view.__class__.__name__ + ".login"))
        actor = Actor.of(g.user)
        audience = audience_of(g.user)
        counts = []
        if audience is not None:
            rows = db.session.execute(
                select(Declaration.status, func.count())
                .where(declaration_scope(actor, audience))
                .group_by(Declaration.status)
            ).all()
            by_status = dict(rows)
            counts = [(status.label, by_status.get(status.value, 0)) for status in DeclarationStatus]
        return self.render_template(
            self.index_template,
            batch_title=Batch.title_of,
            actor=actor,
            organization=g.user.active_organization,
            authority=g.user.authority,
            role_names=[role.name for role in g.user.roles],
            counts=counts,
            my_listings=my_listings(db.session, actor),
        )
