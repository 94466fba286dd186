"""Self-registration, one entry per user type, and the region cascade that feeds its 上级主管部门 selects."""
from __future__ import annotations

from dataclasses import fields

from flask import abort, current_app, flash, jsonify, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_babel import gettext
from sqlalchemy import select

from app import clock
from app.domain import DomainError
from app.vocabulary import N_
from app.domain.registration import TYPES, Application, build_organization, check
from app.domain.uploads import inspect_image
from app.extensions import db
from app.models import (
    Authority,
    AuthorityKind,
    DeclarationType,
    Industry,
    OrganizationMember,
    OrgType,
    Region,
    Subsystem,
)
from app.models.organization import CURRENCIES, ENTERPRISE_NATURES, ORG_TYPE_LABELS
from app.security import captcha
from app.security.roles import ROLE_OF_ORG_TYPE
from app.storage import store
from app.views.base import said
from app.views.errors import say

# A refused registration keeps no file (anonymous posts must not fill the disk): the licence is chosen again.
LICENCE_NOT_KEPT = N_("营业执照文件合格，但注册未成功时不保存文件：修改标红的项目后，请重新选择营业执照再提交")
LIST_FIELDS = {"subsystems", "declaration_types"}


def registration_entries() -> list[tuple[str, str]]:
    return [(t.value, ORG_TYPE_LABELS[t]) for t in OrgType]


class RegistrationView(BaseView):
    """用户注册: public pages; the account is active as soon as it is created."""

    route_base = "/register"
    default_view = "choose"

    @expose("/")
    def choose(self):
        return self.render_template("registration/choose.html", entries=registration_entries())

    @expose("/<org_type>/", methods=["GET", "POST"])
    def register(self, org_type: str):
        try:
            kind = OrgType(org_type)
        except ValueError:
            abort(404)
        application, errors = Application(), {}
        if request.method == "POST":
            application = application_from(request.form)
            errors = self._submit(kind, application)
            if not errors:
                flash(gettext("注册成功，请使用新账户登录。"), "success")
                return redirect(url_for(self.appbuilder.sm.auth_view.__class__.__name__ + ".login"))
            flash(gettext("注册信息有 %(count)d 处需要修改，请查看标红的项目。", count=len(errors)), "danger")
        return self.render_template(
            "registration/form.html", kind=kind, spec=TYPES[kind], application=application,
            errors={k: said(v) for k, v in errors.items()}, choices=choices_for(kind),
            pending_licence=None, today=clock.today().isoformat(),
        )

    def _submit(self, kind: OrgType, application: Application) -> dict[str, str]:
        """Every problem at once; the licence reaches the upload folder only with an accepted registration."""
        errors: dict[str, str] = {}
        if current_app.config["CAPTCHA_ENABLED"] and not captcha.check(request.form.get("captcha")):
            errors["captcha"] = "验证码错误或已过期，请重新输入"
        licence = self._licence(errors)
        found, checked = check(application, kind, db.session, clock.today())
        errors = {**found, **errors}
        if errors:
            if licence is not None:
                errors["licence"] = LICENCE_NOT_KEPT
            db.session.rollback()
            return errors
        organization = build_organization(application, kind, checked)
        db.session.add(organization)
        db.session.flush()
        info, data, name = licence
        store(data, original_name=name, purpose="licence", content_type=info.content_type,
              extension=info.extension, organization_id=organization.id)
        sm = self.appbuilder.sm
        user = sm.add_user(
            username=application.username.strip(), first_name=application.contact_name.strip(), last_name="",
            email=application.email.strip(), role=sm.find_role(ROLE_OF_ORG_TYPE[kind]),
            password=application.password, commit=False,
        )
        user.phone = application.phone.strip()
        user.memberships.append(OrganizationMember(organization_id=organization.id))
        user.active_organization_id = organization.id
        db.session.commit()
        return {}

    def _licence(self, errors: dict[str, str]):
        """The uploaded licence checked by content, as (kind, bytes, name), not yet stored; None with a reason."""
        upload = request.files.get("licence")
        if upload is None or not upload.filename:
            errors["licence"] = "请上传营业执照（jpg 或 png，不超过 5 MB）"
            return None
        data = upload.stream.read(5 * 1024 * 1024 + 1)
        try:
            info = inspect_image(data)
        except DomainError as refusal:
            errors["licence"] = say(refusal)
            return None
        return info, data, upload.filename.replace("\x00", "")[-255:]

    @expose("/regions/")
    def regions(self):
        """Children of a region that have a competent authority: `?parent=130000`, or the provinces."""
        parent = request.args.get("parent", "")
        query = (
            select(Region.code, Region.name, Region.level, Authority.name)
            .join(Authority, Authority.region_id == Region.id)
            .where(Authority.kind.in_([AuthorityKind.PROVINCE, AuthorityKind.CITY, AuthorityKind.COUNTY]),
                   Authority.active.is_(True))
            .order_by(Region.code)
        )
        if parent:
            if not (len(parent) == 6 and parent.isdigit()):
                return jsonify([])
            parent_row = db.session.scalar(select(Region).where(Region.code == parent))
            if parent_row is None:
                return jsonify([])
            query = query.where(Region.parent_id == parent_row.id)
        else:
            query = query.where(Region.level == 1)
        return jsonify([
            {"code": code, "name": name, "level": level, "authority": authority}
            for code, name, level, authority in db.session.execute(query)
        ])


def application_from(form) -> Application:
    """The submitted fields as text, bounded, without the NUL characters PostgreSQL cannot store."""
    def clean(text: str | None) -> str:
        return (text or "").replace("\x00", "")[:500]

    values = {}
    for item in fields(Application):
        if item.name in LIST_FIELDS:
            values[item.name] = [clean(v) for v in form.getlist(item.name)][:50]
        elif item.name == "is_subsidiary":
            values[item.name] = form.get(item.name) == "1"
        else:
            values[item.name] = clean(form.get(item.name))
    return Application(**values)


def choices_for(kind: OrgType) -> dict:
    return {
        "natures": ENTERPRISE_NATURES,
        "currencies": CURRENCIES,
        "industries": db.session.execute(
            select(Industry.code, Industry.name).where(Industry.level == 4).order_by(Industry.code)
        ).all(),
        "groups": db.session.execute(
            select(Authority.code, Authority.name, Authority.is_financial)
            .where(Authority.kind == AuthorityKind.GROUP, Authority.active.is_(True)).order_by(Authority.sort)
        ).all(),
        "subsystems": db.session.execute(
            select(Subsystem.code, Subsystem.name, Subsystem.required)
            .where(Subsystem.active.is_(True)).order_by(Subsystem.sort)
        ).all(),
        "declaration_types": [
            (t.code, t.name) for t in db.session.scalars(
                select(DeclarationType).where(DeclarationType.active.is_(True)).order_by(DeclarationType.sort))
            if kind.value in (t.declarant_types or [])
        ],
        "supervisions": db.session.execute(
            select(Authority.id, Authority.name, Region.code)
            .join(Region, Authority.region_id == Region.id)
            .where(Authority.kind == AuthorityKind.SUPERVISION).order_by(Region.code)
        ).all(),
    }
