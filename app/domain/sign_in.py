"""Sign-in rules: the one refusal a person sees, how failures slow an address down, what the audit records.

Failures are counted per (typed user name, client address): an attacker's address waits longer after each
failure, while the person's own address is untouched. Only when many different addresses fail for one name
is the name locked for everyone, and even then not for the addresses it signed in from before. Everything is
keyed by the typed name, so a name that does not exist behaves exactly like one that does.
"""
from __future__ import annotations

from dataclasses import dataclass

from app.vocabulary import N_

# Wrong password, unknown name, deactivated account, an address that must wait, a locked name: one text.
REFUSAL = N_("登录未成功：用户登录名或密码错误，或尝试过于频繁。请核对后稍候再试（连续失败后每次须等待更久），"
             "如急需登录请联系系统管理员。")
CAPTCHA_REFUSAL = N_("验证码错误或已过期，请重新输入")

# What an audit row's `detail` code means; `delay` and `account_lock` carry a number after a colon.
DETAILS = {
    "captcha": N_("验证码错误"),
    "unknown_user": N_("用户不存在"),
    "wrong_password": N_("密码错误"),
    "inactive": N_("账户已停用"),
    "invalid_name": N_("用户登录名无效"),
    "waiting": N_("等待期内再次尝试，未核对密码"),
    "delay": N_("此地址须等待 %(value)s 秒后再试"),
    "account_lock": N_("多个地址连续失败，该账户对其他地址锁定 %(value)s 分钟"),
}


@dataclass(frozen=True)
class Throttle:
    """How sign-in failures are answered (config: LOGIN_*)."""

    free_failures: int = 3  # per name and address, before any wait
    first_delay: int = 30  # seconds after the first failure beyond the free ones; doubles after each further one
    max_delay: int = 900
    window: int = 86400  # seconds a failure is remembered after the latest one
    lock_addresses: int = 10  # different addresses failing for one name before the name is locked
    lock_minutes: int = 15

    def delay_after(self, failures: int) -> int:
        """Seconds an address must wait after its `failures`-th consecutive failure for a name."""
        beyond = failures - self.free_failures
        if beyond <= 0:
            return 0
        return min(self.first_delay * 2 ** min(beyond - 1, 30), self.max_delay)

    def locks_account(self, addresses: int) -> bool:
        return addresses >= self.lock_addresses
