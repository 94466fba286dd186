"""User administration for IT staff: find users by type, region and status; (de)activate, unlock,
reset passwords; create reviewer accounts bound to an authority."""
from __future__ import annotations


from flask import flash, redirect, request
from flask_appbuilder.actions import action
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.filters import FilterNotEqual
from flask_appbuilder.security.views import UserDBModelView
from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import or_, select
from wtforms import StringField, ValidationError

from app import clock
from app.domain.accounts import normalize_credit_code
from app.vocabulary import SignInKind
from app.extensions import db
from app.models import Authority, AuthorityKind, Organization, OrganizationMember, OrgType, PlatformUser, Region
from app.security import lockout, roles
from app.security import sign_in_audit as audit
from app.security.manager import SecurityManager
from app.security.sessions import end_other_sessions
from app.views.base import ListDefaults

# Which authorities each reviewing role may be bound to.
AUTHORITY_KINDS_OF_ROLE = {
    roles.REVIEWER: {AuthorityKind.COUNTY, AuthorityKind.CITY, AuthorityKind.PROVINCE, AuthorityKind.GROUP},
    roles.MINISTRY: {AuthorityKind.MINISTRY},
}
STATUS_CHOICES = [("active", _l("启用")), ("inactive", _l("停用")), ("locked", _l("已锁定"))]


class UserListFilter(BaseFilter):
    """The filter bar above the user list: ?org_type=…&province=…&status=…"""

    name = _l("筛选")

    def apply(self, query, value):
        args = request.args
        model = PlatformUser
        if org_type := args.get("org_type"):
            if org_type == "reviewer":
                query = query.filter(model.authority_id.is_not(None))
            elif org_type in OrgType._value2member_map_:
                query = query.filter(model.active_organization_id.in_(
                    select(Organization.id).where(Organization.org_type == org_type)))
        if (province := args.get("province", "")) and len(province) == 6 and province.isdigit():
            in_province = select(Region.id).where(or_(Region.code == province, Region.province_id.in_(
                select(Region.id).where(Region.code == province))))
            query = query.filter(or_(
                model.active_organization_id.in_(select(Organization.id).where(Organization.region_id.in_(in_province))),
                model.authority_id.in_(select(Authority.id).where(Authority.region_id.in_(in_province))),
            ))
        status = args.get("status")
        if status == "active":
            query = query.filter(model.active.is_(True))
        elif status == "inactive":
            query = query.filter(model.active.is_not(True))
        elif status == "locked":
            query = query.filter(model.locked_until > clock.now())
        return query


class AuthorityMatchesRole:
    """A reviewer account must be bound to an authority its role can review for, and only then.

    It validates the roles field: an empty authority stops the authority field's own validators."""

    def __call__(self, form, field):
        role_names = {role.name for role in (field.data or [])}
        wanted = set().union(*(AUTHORITY_KINDS_OF_ROLE.get(name, set()) for name in role_names))
        authority = form.authority.data
        if wanted and authority is None:
            raise ValidationError(gettext("审核员账户必须选择所属主管部门"))
        if authority is not None and AuthorityKind(authority.kind) not in wanted:
            raise ValidationError(gettext("所选主管部门与角色不符：主管部门审核员对应县、市、省级部门或央企集团，工信部审核员对应工信部"))


ORG_TYPE_OF_ROLE = {role: org_type for org_type, role in roles.ROLE_OF_ORG_TYPE.items()}


def organization_for(credit_code: str, role_names: set[str]) -> Organization | None:
    org_types = {ORG_TYPE_OF_ROLE[name] for name in role_names if name in ORG_TYPE_OF_ROLE}
    return db.session.scalar(select(Organization).where(
        Organization.credit_code == normalize_credit_code(credit_code), Organization.org_type.in_(org_types)))


class OrganizationMatchesRole:
    """An applicant, agency or association account belongs to an existing organization of its type.

    This is how IT staff give one organization more than the one self-registered account."""

    def __call__(self, form, field):
        role_names = {role.name for role in (form.roles.data or [])}
        wants_organization = bool(role_names & set(ORG_TYPE_OF_ROLE))
        if not wants_organization:
            if field.data:
                raise ValidationError(gettext("审核员和管理员账户不属于申报单位，请清空此项"))
            return
        if not field.data:
            raise ValidationError(gettext("申报单位、第三方机构、协会的账户须填写所属单位的统一社会信用代码"))
        if organization_for(field.data, role_names) is None:
            raise ValidationError(gettext("没有找到与所选角色同类型、使用该统一社会信用代码的单位"))


def deactivated(user: PlatformUser) -> None:
    """停用账户 ends the user's sessions at once, not only their next sign-in."""
    end_other_sessions(user)
    audit.record(SignInKind.DEACTIVATION, username=user.username, user=user, by_staff=True)


class UserAdminView(ListDefaults, UserDBModelView):
    class_permission_name = "UserDBModelView"  # the name FAB and the roles know
    list_template = "accounts/user_list.html"
    list_columns = ["username", "first_name", "roles", "active_organization", "authority", "active", "locked_until",
                    "last_login"]
    search_columns = ["username", "first_name", "email", "roles"]
    add_columns = ["username", "first_name", "email", "phone", "roles", "authority", "organization_code", "active",
                   "password", "conf_password"]
    add_form_extra_fields = {
        **UserDBModelView.add_form_extra_fields,
        "organization_code": StringField(_l("所属单位统一社会信用代码"), validators=[OrganizationMatchesRole()],
                                         description=_l("企业、园区、机构、协会用户填写，账户将加入该单位")),
    }
    edit_columns = ["username", "first_name", "email", "phone", "roles", "authority", "active"]
    show_columns = ["username", "first_name", "email", "phone", "roles", "active_organization", "authority", "active",
                    "locked_until", "fail_login_count", "last_login", "login_count", "created_on"]
    base_filters = [["id", UserListFilter, None]]
    validators_columns = {"roles": [AuthorityMatchesRole()]}
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "authority": [["kind", FilterNotEqual, "supervision"]],
        "roles": [["name", FilterNotEqual, roles.PUBLIC]],  # what anonymous visitors have: no one's role
    }
    label_columns = {
        **UserDBModelView.label_columns,
        "username": _l("用户登录名"), "first_name": _l("姓名"), "email": _l("电子邮箱"), "phone": _l("联系电话"),
        "roles": _l("角色"), "active_organization": _l("所属单位"), "authority": _l("所属主管部门"),
        "active": _l("启用"), "locked_until": _l("锁定至"), "last_login": _l("最近登录"),
        "fail_login_count": _l("连续登录失败次数"), "login_count": _l("登录次数"), "created_on": _l("创建时间"),
    }
    description_columns = {
        "authority": _l("主管部门审核员、工信部审核员必须选择；申报单位用户不选"),
        "password": _l("密码至少 8 位，须包含大写字母、小写字母、数字、符号中的至少三类，且不能与用户名相同。"),
    }

    def _init_forms(self):
        """FAB's authority select offers an unnamed blank, which WTForms prints as `__None`."""
        super()._init_forms()
        for form in (self.add_form, self.edit_form):
            form.authority.kwargs["blank_text"] = _l("（不选：申报单位用户）")

    def render_template(self, template, **kwargs):
        if template == self.list_template:
            kwargs.update(
                user_types=[(t.value, gettext(t.label)) for t in OrgType] + [("reviewer", gettext("审核员"))],
                provinces=db.session.execute(
                    select(Region.code, Region.name).where(Region.level == 1).order_by(Region.code)).all(),
                statuses=STATUS_CHOICES,
            )
        return super().render_template(template, **kwargs)

    def pre_add(self, item):
        item.last_name = item.last_name or ""  # Chinese names are one field, 姓名
        code = getattr(item, "organization_code", "")
        if code:
            with db.session.no_autoflush:  # the new user is not in the session yet
                organization = organization_for(code, {role.name for role in item.roles})
            item.memberships.append(OrganizationMember(organization_id=organization.id))
            item.active_organization_id = organization.id
        super().pre_add(item)

    def pre_update(self, item):
        item.last_name = item.last_name or ""
        history = sa_inspect(item).attrs.active.history
        if history.deleted and history.deleted[0] and not item.active:
            deactivated(item)
        super().pre_update(item)

    def _set_active(self, items, active: bool, message: str):
        for item in items:
            if item.active and not active:
                deactivated(item)
            item.active = active
        db.session.commit()
        flash(message % {"count": len(items)}, "success")
        return redirect(self.get_redirect())

    @action("activate", _l("启用账户"), _l("确定启用所选账户？"), "fa-check", multiple=True)
    def activate(self, items):
        return self._set_active(items, True, gettext("已启用 %(count)d 个账户"))

    @action("deactivate", _l("停用账户"), _l("停用后该账户不能登录，确定吗？"), "fa-ban", multiple=True)
    def deactivate(self, items):
        return self._set_active(items, False, gettext("已停用 %(count)d 个账户"))

    @action("unlock", _l("解锁账户"), _l("确定解除所选账户的登录锁定？"), "fa-unlock", multiple=True)
    def unlock(self, items):
        for item in items:
            item.locked_until, item.fail_login_count = None, 0
            lockout.unlock(item.username)
            end_other_sessions(item)
            audit.record(SignInKind.UNLOCK, username=item.username, user=item, by_staff=True)
        db.session.commit()
        flash(gettext("已解锁 %(count)d 个账户", count=len(items)), "success")
        return redirect(self.get_redirect())


class PlatformSecurityManager(SecurityManager):
    """The security manager Flask-AppBuilder runs (FAB_SECURITY_MANAGER_CLASS in config.py): app.security's, with the
    user administration above. Joined here, in the views, because the security package imports no view."""

    userdbmodelview = UserAdminView
