"""Reviewers browsing and approving, for `tests/perf/load.py` (which starts gunicorn and runs locust headless).

Each simulated user signs in as one of the accounts in LOAD_ACCOUNTS (a JSON file written by load.py), then
loops like a reviewer: 待我审核, sometimes a status filter or the next page, opens a declaration and approves it
from its page (POST /do/<pk>/approve, then the page it redirects to), or ticks one to three rows of the list and
approves them through the list action (action_post → confirmation → /decide, with a result per item).
Between pages it thinks for LOAD_THINK seconds ("min,max", default "1,3").

Every request and every approval outcome is appended as one JSON line to LOAD_LOG, so load.py can compute exact
percentiles and check the database against what the clients saw: an approval counts as done only when the page
said so (a success alert "已完成：审核通过", or the ministry's "已完成：通过（拟入选）"; "成功" on its row of the
result page). A refusal because another reviewer of the same authority acted first is the lifecycle doing its
job and is logged as `raced`, a refusal because the
province's recommendation package has gone to the ministry as `closed` (a rule the reviewer meets in the list),
and neither is a failure; any other refusal, a missing CSRF token, a login page or a status other than the one
expected is a failure. A declaration page without the approve button (someone else approved it, or its package
is closed) is logged as `gone`; load.py tells these apart from the database afterwards.
"""
from __future__ import annotations

import html
import itertools
import json
import os
import random
import re
import time
from urllib.parse import urlencode, urlsplit

from locust import FastHttpUser, constant, events, task

ACCOUNTS = json.loads(open(os.environ["LOAD_ACCOUNTS"], encoding="utf-8").read())
PASSWORD = os.environ.get("LOAD_PASSWORD", "Lvse@2026")
THINK = tuple(float(x) for x in os.environ.get("LOAD_THINK", "1,3").split(","))
LOG = open(os.environ["LOAD_LOG"], "a", encoding="utf-8", buffering=1)
_next_account = itertools.count()

BASE = "/review/declarations"
CSRF = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')
SHOW_LINK = re.compile(r'href="/review/declarations/show/(\d+)"')
RESULT_ROW = re.compile(r'<tr class="(success|danger)">\s*<td><a href="/review/declarations/show/(\d+)">.*?</a></td>'
                        r'\s*<td>.*?</td>\s*<td>(.*?)</td>', re.S)
DONE = re.compile(r'<div class="alert alert-success">(?:(?!</div>).)*已完成', re.S)  # 已完成：审核通过 / 通过（拟入选）
# The refusals a race between two reviewers of one authority may produce (app/domain/lifecycle.py).
RACED = ("该申报刚刚已被他人处理", "当前不在本部门审核环节", "当前状态（")
# A rule, not a race: the province's recommendation package of that batch and type has gone to the ministry.
CLOSED = ("推荐已提交工信部",)
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _log(**entry) -> None:
    LOG.write(json.dumps(entry, ensure_ascii=False) + "\n")


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception=None, context=None, **kwargs):
    _log(t="req", name=name, ms=round(response_time, 2), ok=exception is None, level=(context or {}).get("level"),
         error=str(exception)[:200] if exception else None, at=round(time.time(), 3))


@events.user_error.add_listener
def _crashed(user_instance, exception, tb, **kwargs):
    """A bug in this file (or a page it cannot read) must show up in the report, not only in locust's log."""
    _log(t="user_error", error=f"{type(exception).__name__}: {exception}"[:200], at=round(time.time(), 3))


def _flash(page: str) -> str:
    """The alert texts of a page (Flask-AppBuilder renders flashed messages as Bootstrap alerts)."""
    texts = [html.unescape(re.sub(r"<[^>]+>", " ", m)) for m in
             re.findall(r'<div class="alert[^"]*"[^>]*>(.*?)</div>', page, re.S)]
    return " ".join(" ".join(texts).split())


class Reviewer(FastHttpUser):
    wait_time = constant(0)  # the think times are inside the task, between the pages of one visit

    def context(self):
        """Sent with every request event: the level of the account (ministry, province, city, county)."""
        return {"level": self.account["kind"]} if hasattr(self, "account") else {}

    def on_start(self):
        self.account = ACCOUNTS[next(_next_account) % len(ACCOUNTS)]
        self.username = self.account["username"]
        self.csrf = None
        with self.client.get("/login/", name="GET /login/", catch_response=True) as response:
            token = self._token(response)
        data = {"username": self.username, "password": PASSWORD, "csrf_token": token or ""}
        with self.client.post("/login/", name="POST /login/", data=urlencode(data), headers=FORM,
                              allow_redirects=False, catch_response=True) as response:
            if response.status_code != 302 or "/login" in (response.headers.get("Location") or ""):
                response.failure(f"login of {self.username} refused ({response.status_code})")
                self.logged_in = False
            else:
                self.logged_in = True
        _log(t="login", user=self.username, ok=self.logged_in, at=round(time.time(), 3))

    # --- helpers ---

    def think(self, factor: float = 1.0):
        time.sleep(random.uniform(*THINK) * factor)

    def _token(self, response, required: bool = True) -> str | None:
        match = CSRF.search(response.text or "")
        if match is None:
            if required:
                response.failure("no CSRF token in the page")
            return None
        self.csrf = match.group(1)
        return self.csrf

    def page(self, url: str, name: str) -> tuple[str, list[int]]:
        """GET a list or a declaration page as the signed-in reviewer; (html, declaration ids linked).
        A page with a form carries the session's CSRF token (kept for the next POST); a page without one,
        e.g. a declaration that has left the reviewer's turn, has nothing to post."""
        with self.client.get(url, name=name, catch_response=True) as response:
            text = response.text or ""
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
                return "", []
            if 'action="/login/' in text or 'name="password"' in text:
                response.failure("signed out: got the login page")
                return "", []
            self._token(response, required=False)
            return text, [int(pk) for pk in dict.fromkeys(SHOW_LINK.findall(text))]

    def outcome(self, pk: int, path: str, result: str, message: str = "") -> None:
        _log(t="approve", user=self.username, pk=pk, path=path, result=result, message=message[:200],
             at=round(time.time(), 3))

    # --- the visit ---

    @task
    def review(self):
        if not self.logged_in:
            self.think(5)
            return
        _, pending = self.page(f"{BASE}/list/", "GET list 待我审核")
        self.think()
        roll = random.random()
        if roll < 0.25:
            self.page(f"{BASE}/list/?tab=all&status=under_review", "GET list 全部+状态筛选")
            self.think()
        elif roll < 0.40:
            self.page(f"{BASE}/list/?tab=all&status=approved&page_ReviewDeclarationView=1",
                      "GET list 全部+状态筛选 p2")
            self.think()
        elif roll < 0.55:
            _, more = self.page(f"{BASE}/list/?page_ReviewDeclarationView=1", "GET list 待我审核 p2")
            pending = pending or more
            self.think()
        if not pending:
            _log(t="empty", user=self.username, at=round(time.time(), 3))
            self.think(3)
            return
        if random.random() < 0.75:
            self.approve_from_page(random.choice(pending[:10]))
        else:
            self.approve_from_list(random.sample(pending[:10], k=min(len(pending[:10]), random.randint(1, 3))))
        self.think()

    def approve_from_page(self, pk: int):
        text, _ = self.page(f"{BASE}/show/{pk}", "GET show")
        self.think()
        if f"{BASE}/do/{pk}/approve" not in text:  # someone of the same authority approved it meanwhile
            self.outcome(pk, "page", "gone")
            return
        if not CSRF.search(text):
            events.request.fire(request_type="CHECK", name="approve form without CSRF token", response_time=0,
                                response_length=0, exception=RuntimeError("approve form without CSRF token"))
            return
        data = {"csrf_token": self.csrf or "", "opinion": "同意"}
        with self.client.post(f"{BASE}/do/{pk}/approve", name="POST approve (declaration page)", data=urlencode(data),
                              headers=FORM, allow_redirects=False, catch_response=True) as response:
            location = response.headers.get("Location") or ""
            if response.status_code != 302 or f"/show/{pk}" not in location:
                response.failure(f"status {response.status_code}, to {location!r}")
                self.outcome(pk, "page", "error", f"status {response.status_code}")
                return
        after, _ = self.page(urlsplit(location).path, "GET show after approve")
        message = _flash(after)
        if DONE.search(after):
            self.outcome(pk, "page", "ok")
        elif any(reason in message for reason in RACED):
            self.outcome(pk, "page", "raced", message)
        elif any(reason in message for reason in CLOSED):
            self.outcome(pk, "page", "closed", message)
        else:
            self.outcome(pk, "page", "refused", message)
            events.request.fire(request_type="CHECK", name="approval refused unexpectedly", response_time=0,
                                response_length=0, exception=RuntimeError(message[:200] or "no message"))

    def approve_from_list(self, pks: list[int]):
        data = [("csrf_token", self.csrf or ""), ("action", "approve")] + [("rowid", str(pk)) for pk in pks]
        with self.client.post(f"{BASE}/action_post", name="POST list action approve (confirm)", data=urlencode(data),
                              headers=FORM, catch_response=True) as response:
            text = response.text or ""
            if response.status_code != 200 or 'name="decision" value="approve"' not in text:
                response.failure(f"status {response.status_code}, no confirmation form")
                return
            self._token(response)
        self.think()
        data = [("csrf_token", self.csrf or ""), ("decision", "approve"), ("opinion", "同意")] + \
               [("rowid", str(pk)) for pk in pks]
        with self.client.post(f"{BASE}/decide", name="POST decide approve", data=urlencode(data), headers=FORM,
                              catch_response=True) as response:
            text = response.text or ""
            rows = RESULT_ROW.findall(text)
            if response.status_code != 200 or len(rows) != len(pks):
                response.failure(f"status {response.status_code}, {len(rows)} result rows for {len(pks)}")
                for pk in pks:
                    self.outcome(pk, "list", "error", f"status {response.status_code}")
                return
            for state, pk, reason in rows:
                reason = html.unescape(reason).strip()
                if state == "success":
                    self.outcome(int(pk), "list", "ok")
                elif any(r in reason for r in RACED):
                    self.outcome(int(pk), "list", "raced", reason)
                elif any(r in reason for r in CLOSED):
                    self.outcome(int(pk), "list", "closed", reason)
                else:
                    self.outcome(int(pk), "list", "refused", reason)
                    response.failure(f"approval of {pk} refused: {reason[:100]}")
