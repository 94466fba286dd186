"""Reviewers approving and applicants filling drafts, for `tests/perf/load.py` (which starts two gunicorn
instances on one database, Redis and S3 store, and runs locust headless).

LOAD_INSTANCES lists the instances' base URLs. Users are dealt to them in turn, so the two accounts of a province
race for the same rows from different instances; an applicant moves to the other instance on every visit and
downloads each file it uploaded through the instance it did not upload through.

Each simulated reviewer signs in as one of the accounts in LOAD_ACCOUNTS (a JSON file written by load.py), then
loops like a reviewer: 待我审核, sometimes a status filter or the next page, opens a declaration and approves it
from its page (POST /do/<pk>/approve, then the page it redirects to; a refusal answers with the declaration's
page itself, the reason beside the decision), or ticks one to three rows of the list and
approves them through the list action (action_post → confirmation → /decide, with a result per item).
Between pages it thinks for LOAD_THINK seconds ("min,max", default "1,3").

Each simulated applicant (LOAD_APPLICANTS: accounts of enterprises allowed to declare LOAD_DECLARATION_TYPE) signs
in, opens its type's list and starts a draft there (新增填报), then loops: opens the draft's form, saves it with
its long-text fields changed (posting back every field the page holds, as a browser does), uploads a PDF of a few
dozen KB to a file field, finds the file's link on the page it is sent back to, and downloads it through the
other instance, comparing sha256 with what it sent. Saves and files are logged (`save`, `file`) for load.py's
checks against the database and the store.

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

import hashlib
import html
import itertools
import json
import os
import random
import re
import time
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

from locust import FastHttpUser, constant, events, task

ACCOUNTS = json.loads(open(os.environ["LOAD_ACCOUNTS"], encoding="utf-8").read())
APPLICANTS = json.loads(open(os.environ["LOAD_APPLICANTS"], encoding="utf-8").read())
INSTANCES = os.environ["LOAD_INSTANCES"].split(",")
PORTS = {urlsplit(base).port: name for base, name in zip(INSTANCES, "ABCDEFGH")}
DECLARATION_TYPE = os.environ.get("LOAD_DECLARATION_TYPE", "green_factory")
PASSWORD = os.environ.get("LOAD_PASSWORD", "Lvse@2026")
THINK = tuple(float(x) for x in os.environ.get("LOAD_THINK", "1,3").split(","))
LOG = open(os.environ["LOAD_LOG"], "a", encoding="utf-8", buffering=1)
_next_account = itertools.count()
_next_applicant = itertools.count()
_next_instance = itertools.count()

BASE = "/review/declarations"
CSRF = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')
SHOW_LINK = re.compile(r'href="/review/declarations/show/(\d+)"')
RESULT_ROW = re.compile(r'<tr class="(success|danger)">\s*<td><a href="/review/declarations/show/(\d+)">.*?</a></td>'
                        r'\s*<td>.*?</td>\s*<td>(.*?)</td>', re.S)
DONE = re.compile(r'<div class="alert alert-success"[^>]*>(?:(?!</div>).)*已完成', re.S)  # 已完成：审核通过 / 通过（拟入选）
# The refusals a race between two reviewers of one authority may produce (app/domain/lifecycle.py).
RACED = ("该申报刚刚已被他人处理", "当前不在本部门审核环节", "当前状态（")
# A rule, not a race: the province's recommendation package of that batch and type has gone to the ministry.
CLOSED = ("推荐已提交工信部",)
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _log(**entry) -> None:
    LOG.write(json.dumps(entry, ensure_ascii=False) + "\n")


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception=None, context=None, url=None, **kwargs):
    _log(t="req", name=name, ms=round(response_time, 2), ok=exception is None, level=(context or {}).get("level"),
         instance=instance_of(url), check=request_type == "CHECK", error=str(exception)[:200] if exception else None,
         at=round(time.time(), 3))


def instance_of(url: str | None) -> str | None:
    """The instance (A, B) a request went to, from its absolute URL; None for the checks fired without one."""
    return PORTS.get(urlsplit(url).port) if url else None


@events.user_error.add_listener
def _crashed(user_instance, exception, tb, **kwargs):
    """A bug in this file (or a page it cannot read) must show up in the report, not only in locust's log."""
    _log(t="user_error", error=f"{type(exception).__name__}: {exception}"[:200], at=round(time.time(), 3))


def _flash(page: str) -> str:
    """The alert texts of a page (Flask-AppBuilder renders flashed messages as Bootstrap alerts)."""
    texts = [html.unescape(re.sub(r"<[^>]+>", " ", m)) for m in
             re.findall(r'<div class="alert[^"]*"[^>]*>(.*?)</div>', page, re.S)]
    return " ".join(" ".join(texts).split())


class Visitor(FastHttpUser):
    """A signed-in person on one instance at a time: sign-in, pages with their CSRF token, think times."""

    abstract = True
    wait_time = constant(0)  # the think times are inside the task, between the pages of one visit
    kind = "?"

    def context(self):
        """Sent with every request event: the kind of account (a reviewer's level, or applicant)."""
        return {"level": self.kind}

    def move_to(self, number: int) -> None:
        """Send the following relative URLs to instance `number` (modulo the instances); the session cookie is
        the same on every instance (one SECRET_KEY, sessions and limits in the shared database and Redis)."""
        self.home = INSTANCES[number % len(INSTANCES)]
        self.client.base_url = self.home

    def sign_in(self) -> None:
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
        _log(t="login", user=self.username, ok=self.logged_in, instance=PORTS[urlsplit(self.home).port],
             at=round(time.time(), 3))

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

    def page(self, url: str, name: str, link=None) -> tuple[str, list[int]]:
        """GET a page as the signed-in person; (html, declaration ids linked, by `link`, the reviewer's show
        links unless told). A page with a form carries the session's CSRF token (kept for the next POST); a page
        without one, e.g. a declaration that has left the reviewer's turn, has nothing to post."""
        with self.client.get(url, name=name, catch_response=True) as response:
            text = response.text or ""
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
                return "", []
            if 'action="/login/' in text or 'name="password"' in text:
                response.failure("signed out: got the login page")
                return "", []
            self._token(response, required=False)
            return text, [int(pk) for pk in dict.fromkeys((link or SHOW_LINK).findall(text))]


class Reviewer(Visitor):
    fixed_count = int(os.environ.get("LOAD_REVIEWERS", "0"))

    def on_start(self):
        number = next(_next_account)
        self.account = ACCOUNTS[number % len(ACCOUNTS)]
        self.kind = self.account["kind"]
        self.username = self.account["username"]
        self.move_to(number)  # consecutive accounts, e.g. the two of one province, on different instances
        self.sign_in()

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
            if response.status_code == 200 and 'class="alert alert-danger refusal"' in (response.text or ""):
                after = response.text  # refused: the declaration's page again, the reason beside the decision
            elif response.status_code != 302 or f"/show/{pk}" not in location:
                response.failure(f"status {response.status_code}, to {location!r}")
                self.outcome(pk, "page", "error", f"status {response.status_code}")
                return
            else:
                after = None
        if after is None:
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


class FormFields(HTMLParser):
    """What a browser posts for the page's form whose tag contains `marker`: text inputs and hidden ones with
    their values, checked boxes and radios, textareas, and each select's selected option (else its first)."""

    def __init__(self, marker: str):
        super().__init__(convert_charrefs=True)
        self.marker = marker
        self.inside = False
        self.fields: list[list[str]] = []
        self.textarea: list[str] | None = None
        self.select: tuple[str, list] | None = None
        self.option: list | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = self.marker in self.get_starttag_text()
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("file", "submit", "button"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append([name, a.get("value", "on")])
            else:
                self.fields.append([name, a.get("value") or ""])
        elif tag == "textarea" and name:
            self.textarea = [name, ""]
            self.fields.append(self.textarea)
        elif tag == "select" and name:
            self.select = (name, [])
        elif tag == "option" and self.select is not None:
            self.option = [a.get("value"), "", "selected" in a]
            self.select[1].append(self.option)

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data
        elif self.option is not None:
            self.option[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self.textarea = None
        elif tag == "option":
            self.option = None
        elif tag == "select" and self.select is not None:
            name, options = self.select
            chosen = next((o for o in options if o[2]), options[0] if options else None)
            if chosen is not None:
                self.fields.append([name, chosen[0] if chosen[0] is not None else chosen[1].strip()])
            self.select = None


def multipart(fields: list[tuple[str, str]], file_field: str, filename: str, content: bytes,
              content_type: str) -> tuple[bytes, str]:
    """A multipart/form-data body as a browser sends one file with the form's other fields."""
    boundary = f"----load{random.getrandbits(64):016x}"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
             for name, value in fields]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{filename}"\r\n'
                 f'Content-Type: {content_type}\r\n\r\n'.encode() + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def pdf_of(label: str) -> bytes:
    """A small valid PDF, different every time (a label and 20-200 KB of random comment lines)."""
    lines = [f"% {random.getrandbits(128):032x}{random.getrandbits(128):032x}\n".encode()
             for _ in range(random.randint(300, 3000))]
    return (b"%PDF-1.4\n% " + label.encode() + b"\n" + b"".join(lines) +
            b"1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")


class Applicant(Visitor):
    """An enterprise's person filling one draft: saves its form and attaches files, on both instances."""

    fixed_count = int(os.environ.get("LOAD_APPLICANT_USERS", "0"))
    kind = "applicant"

    def on_start(self):
        number = next(_next_applicant)
        self.account = APPLICANTS[number % len(APPLICANTS)]
        self.username = self.account["username"]
        self.number = number
        self.visits = itertools.count()
        self.move_to(number)
        self.base = f"/declarations/{DECLARATION_TYPE}"
        self.draft = None
        self.sign_in()
        if self.logged_in:
            self.start_draft()

    def start_draft(self):
        """新增填报 from the type's list page: the batch offered there, the draft's form page after it."""
        text, _ = self.page(f"{self.base}/list/", "GET applicant list")
        batch = re.search(r'name="batch_id"[^>]*value="(\d+)"', text) or \
            re.search(r'<select[^>]*name="batch_id"[^>]*>\s*<option value="(\d+)"', text)
        if batch is None:
            events.request.fire(request_type="CHECK", name="no open batch on the applicant's list", response_time=0,
                                response_length=0, exception=RuntimeError("no 新增填报 form"))
            return
        data = {"csrf_token": self.csrf or "", "batch_id": batch.group(1)}
        with self.client.post(f"{self.base}/create", name="POST create draft", data=urlencode(data), headers=FORM,
                              allow_redirects=False, catch_response=True) as response:
            found = re.search(r"/content/(\d+)", response.headers.get("Location") or "")
            if response.status_code != 302 or found is None:
                response.failure(f"status {response.status_code}, to {response.headers.get('Location')!r}")
                return
        self.draft = int(found.group(1))
        _log(t="draft", user=self.username, pk=self.draft, instance=PORTS[urlsplit(self.home).port],
             at=round(time.time(), 3))

    @task
    def fill(self):
        if not self.logged_in or self.draft is None:
            self.think(5)
            return
        visit = next(self.visits)
        self.move_to(self.number + visit + 1)  # every visit on the other instance
        content = f"{self.base}/content/{self.draft}"
        text, _ = self.page(content, "GET draft form")
        if not text:
            return
        self.think()
        self.save(content, text, visit)
        self.think()
        self.upload(content, visit)
        self.think()

    def save(self, content: str, text: str, visit: int):
        form = FormFields('class="form-horizontal"')
        form.feed(text)
        typed = {}
        for field in form.fields:
            parts = field[0].split("|")
            if len(parts) == 3 and f'<textarea class="form-control" name="{field[0]}"' in text:
                field[1] = typed[f"{parts[1]}.{parts[2]}"] = f"压测保存 {self.username} 第{visit + 1}次"
        if not typed:
            events.request.fire(request_type="CHECK", name="draft form without a long-text field", response_time=0,
                                response_length=0, exception=RuntimeError("nothing to type into"))
            return
        data = [(name, value) for name, value in form.fields if name != "csrf_token"]
        data.append(("csrf_token", self.csrf or ""))
        with self.client.post(content, name="POST save draft", data=urlencode(data), headers=FORM,
                              allow_redirects=False, catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"status {response.status_code}: {_flash(response.text or '')[:120]}")
                _log(t="save", user=self.username, pk=self.draft, ok=False, values=typed, at=round(time.time(), 3))
                return
        after, _ = self.page(content, "GET draft form after save")
        ok = "已保存" in _flash(after)
        if not ok:
            events.request.fire(request_type="CHECK", name="save not confirmed", response_time=0, response_length=0,
                                exception=RuntimeError(_flash(after)[:200] or "no message"))
        _log(t="save", user=self.username, pk=self.draft, ok=ok, values=typed,
             instance=PORTS[urlsplit(self.home).port], at=round(time.time(), 3))

    def upload(self, content: str, visit: int):
        label = f"load-{self.username}-{visit + 1}-{random.getrandbits(32):08x}"
        data = pdf_of(label)
        body, content_type = multipart([("csrf_token", self.csrf or ""), ("field", self.account["file_field"])],
                                       "file", f"压测附件-{label}.pdf", data, "application/pdf")
        uploaded_on = PORTS[urlsplit(self.home).port]
        entry = {"t": "file", "user": self.username, "pk": self.draft, "name": label, "size": len(data),
                 "sha256": hashlib.sha256(data).hexdigest(), "uploaded_on": uploaded_on}
        with self.client.post(f"{self.base}/attach/{self.draft}", name="POST upload attachment", data=body,
                              headers={"Content-Type": content_type}, allow_redirects=False,
                              catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"status {response.status_code}")
                _log(**entry, result="error", at=round(time.time(), 3))
                return
        after, _ = self.page(content, "GET draft form after upload")
        link = re.search(r'<a href="(' + re.escape(self.base) + r'/download/\d+/(\d+))">[^<]*' + re.escape(label),
                         after)
        if "附件已上传" not in _flash(after) or link is None:
            events.request.fire(request_type="CHECK", name="upload not confirmed", response_time=0, response_length=0,
                                exception=RuntimeError(_flash(after)[:200] or "no link to the file"))
            _log(**entry, result="unconfirmed", at=round(time.time(), 3))
            return
        other = next(base for base in INSTANCES if base != self.home)
        with self.client.get(other + link.group(1), name="GET download (other instance)",
                             catch_response=True) as response:
            got = hashlib.sha256(response.content or b"").hexdigest()
            if response.status_code != 200 or got != entry["sha256"]:
                response.failure(f"status {response.status_code}, sha256 {got[:12]} for {entry['sha256'][:12]}")
        _log(**entry, attachment_id=int(link.group(2)), downloaded_on=PORTS[urlsplit(other).port],
             downloaded_sha256=got, result="ok" if got == entry["sha256"] else "mismatch", at=round(time.time(), 3))
