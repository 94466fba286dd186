"""The user menu of the manual: 企业信息, 修改密码, 切换用户 (退出登录 and 用户信息 are FAB's)."""
from __future__ import annotations


from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext
from sqlalchemy import select
from werkzeug.security import check_password_hash

from app import clock
from app.domain.accounts import password_error
from app.domain.registration import TYPES, Application, apply_profile, check_organization
from app.extensions import db
from app.domain import DomainError
from app.domain import agency as agencies
from app.domain.scope import Actor
from app.domain.uploads import inspect_image
from app.models import Attachment, Organization, OrganizationMember
from app.storage import store
from app.web.downloads import attachment_download
from app.web.ids import as_id
from app.web.language import said, say
from app.views.registration import application_from, choices_for


def application_of(organization: Organization) -> Application:
    """The organization's current profile as the form shows it."""
    authority = organization.authority
    regions = []
    region = authority.region if authority else None
    while region is not None:
        regions.insert(0, region)
        region = region.parent
    codes = {r.level: r.code for r in regions}
    return Application(
        name=organization.name, credit_code=organization.credit_code, org_code=organization.org_code,
        nature=organization.nature or "", industry=organization.industry.code if organization.industry else "",
        legal_representative=organization.legal_representative or "",
        legal_representative_phone=organization.legal_representative_phone or "",
        legal_representative_id_number=organization.legal_representative_id_number or "",
        registration_authority=organization.registration_authority or "",
        registered_capital=str(organization.registered_capital or ""), currency=organization.currency or "人民币",
        founded_on=organization.founded_on.isoformat() if organization.founded_on else "",
        address=organization.address or "", is_subsidiary=organization.central_enterprise_id is not None,
        central_enterprise=organization.central_enterprise.code if organization.central_enterprise else "",
        subsystems=[s.code for s in organization.subsystems],
        declaration_types=[t.code for t in organization.declaration_types],
        province=codes.get(1, ""), city=codes.get(2, ""), county=codes.get(3, ""),
        supervision=str(organization.supervision_id or ""),
    )


def licence_of(organization: Organization) -> Attachment | None:
    """The organization's current 营业执照: the newest one it registered or replaced."""
    return db.session.scalars(select(Attachment).where(
        Attachment.organization_id == organization.id, Attachment.purpose == "licence",
        Attachment.declaration_id.is_(None)).order_by(Attachment.id.desc())).first()


def _licence_upload(errors: dict[str, str]):
    """A replacement licence chosen on the profile form, checked by content: (kind, bytes, name) or None."""
    upload = request.files.get("licence")
    if upload is None or not upload.filename:
        return None
    data = upload.stream.read(5 * 1024 * 1024 + 1)
    try:
        return inspect_image(data), data, upload.filename.replace("\x00", "")[-255:]
    except DomainError as refused:
        errors["licence"] = say(refused)
        return None


class ProfileView(BaseView):
    route_base = "/profile"
    class_permission_name = "Profile"
    method_permission_name = {"organization": "organization", "licence": "organization", "password": "password",
                              "switch": "switch"}
    default_view = "organization"

    @expose("/organization/", methods=["GET", "POST"])
    @has_access
    def organization(self):
        organization = g.user.active_organization
        if organization is None:
            abort(404)
        kind = organization.org_type
        application, errors = application_of(organization), {}
        if request.method == "POST":
            submitted = application_from(request.form)
            submitted.credit_code, submitted.org_code = organization.credit_code, organization.org_code
            errors, checked = check_organization(submitted, kind, db.session, clock.today(),
                                                 current=organization)
            replacement = _licence_upload(errors)
            if "legal_representative_id_number" not in errors and (refused := agencies.representative_change_refusal(
                    db.session, organization, submitted.legal_representative_id_number, clock.today())) is not None:
                errors["legal_representative_id_number"] = refused
            if not errors:
                before = (organization.legal_representative, organization.legal_representative_id_number)
                apply_profile(organization, submitted, checked)
                agencies.representative_changed(db.session, organization, before, Actor.of(g.user), clock.now())
                if replacement is not None:
                    info, data, name = replacement
                    store(data, original_name=name, purpose="licence", content_type=info.content_type,
                          extension=info.extension, organization_id=organization.id, uploaded_by_id=g.user.id)
                db.session.commit()
                flash(gettext("企业信息已保存。"), "success")
                return redirect(url_for("ProfileView.organization"))
            db.session.rollback()
            application = submitted
            flash(gettext("企业信息未保存：有 %(count)d 处需要修改，请查看标红的项目。", count=len(errors)), "danger")
        return self.render_template(
            "profile/organization.html", kind=kind, spec=TYPES[kind], application=application,
            errors={k: said(v) for k, v in errors.items()}, choices=choices_for(kind), editing=True,
            organization=organization, pending_licence=licence_of(organization),
            licence_url=url_for("ProfileView.licence") if licence_of(organization) else None,
        )

    @expose("/licence/")
    @has_access
    def licence(self):
        """The active organization's registered 营业执照, as it was uploaded."""
        organization = g.user.active_organization
        licence = licence_of(organization) if organization is not None else None
        if licence is None:
            abort(404)
        return attachment_download(licence)

    @expose("/password/", methods=["GET", "POST"])
    @has_access
    def password(self):
        errors = {}
        if request.method == "POST":
            old, new, confirm = (request.form.get(k, "") for k in ("old_password", "password", "confirm_password"))
            user = self.appbuilder.sm.get_user_by_id(g.user.id)
            if not check_password_hash(user.password or "", old):
                errors["old_password"] = gettext("原密码不正确")
            if message := password_error(new, user.username):
                errors["password"] = gettext(message)
            elif new == old:
                errors["password"] = gettext("新密码不能与原密码相同")
            if new != confirm:
                errors["confirm_password"] = gettext("两次输入的密码不一致")
            if not errors:
                self.appbuilder.sm.reset_password(user.id, new)
                flash(gettext("密码已修改，其他浏览器和设备上的登录均已退出；下次登录请使用新密码。"), "success")
                return redirect(self.appbuilder.get_url_for_index)
        return self.render_template("profile/password.html", errors=errors)

    @expose("/switch/", methods=["GET", "POST"])
    @has_access
    def switch(self):
        """切换用户: act for another organization this person belongs to."""
        memberships = db.session.scalars(
            select(OrganizationMember).where(OrganizationMember.user_id == g.user.id)
        ).all()
        if request.method == "POST":
            wanted = as_id(request.form.get("organization_id"))
            membership = next((m for m in memberships if m.organization_id == wanted), None)
            if membership is None:
                abort(404)
            user = self.appbuilder.sm.get_user_by_id(g.user.id)
            user.active_organization_id = membership.organization_id
            db.session.commit()
            flash(gettext("已切换为：%(name)s", name=membership.organization.name), "success")
            return redirect(self.appbuilder.get_url_for_index)
        return self.render_template("profile/switch.html", memberships=memberships)
