"""A fuzz of every route of `app.url_map` (every rule and method) and of every form its pages show: hostile path
values, query arguments and form fields, as the account that may reach each route and as an anonymous visitor.
No answer is a 500 or shows a traceback.

Like every test module, it runs on a database of its own, so whatever a fuzzed post happens to save or delete
disturbs no other test. A grid, not random draws: every value reaches every argument, in a fixed number of
requests per route (a rotation), so a failure is reproducible from its URL."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import quote, urljoin, urlsplit

from tests.conftest import csrf_token, login
from tests.http.routes import USERS, Access, is_integer, routes

VALUES = ["-1", "0", "2147483648", "9223372036854775808", "9" * 40, "abc", "1e1000000", "字😀\u202e",
          "[[(({{<]]>", "x" * 3000]
PATH_VALUES = ["1", "2147483647", "2147483648", "9223372036854775808", "9" * 40, "-1", "abc", "%E5%AD%97",
               "%5B%5B(({{", "x" * 3000]
NUL = "\x00"
GENERIC_ARGUMENTS = ("id", "page", "page_size", "sort", "desc", "search", "url", "next", "q", "tab", "type",
                     "parent", "region", "fresh", "level", "status", "flt0_0", "flt1_1", "year", "batch")
POSTED = ("opinion", "score", "rowid", "decision", "action", "agency_id", "field", "sha256", "fingerprint", "name",
          "id", "url", "basic_requirements", "highlights", "rank", "parent", "region_id")
SKIPPED_LINKS = r"logout|/static/|/lang/"  # signing out or switching the language would change the fuzzing client
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|File &#34;|File \"/")


class Forms(HTMLParser):
    """The forms of a page: action, method and each named field with the value a browser would send."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action") or "", "method": (attrs.get("method") or "get").lower(),
                               "fields": {}})
        if not self.forms:
            return
        fields = self.forms[-1]["fields"]
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("file", "submit", "button", "image"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                fields.setdefault(name, "")
            else:
                fields[name] = attrs.get("value") or ""
        elif tag in ("textarea", "select") and name:
            fields[name] = ""
            self._select = name if tag == "select" else None
        elif tag == "option" and self._select and (not fields[self._select] or "selected" in attrs):
            fields[self._select] = attrs.get("value") or ""


def rotation(names, values, shift: int) -> dict[str, str]:
    """The `shift`-th request of a grid in which every name meets every value."""
    return {name: values[(shift + i) % len(values)] for i, name in enumerate(names)}


class Fuzz:
    def __init__(self, app):
        self.app = app
        self.failures: list[str] = []
        self.clients = {None: app.test_client()}
        for username in USERS:
            client = app.test_client()
            response = login(client, username)
            assert response.status_code == 302, username
            self.clients[username] = client
        self.tokens = {username: csrf_token(client.get("/login/" if username is None else "/profile/password/")
                                            .get_data(as_text=True)) for username, client in self.clients.items()}
        self.access = Access(app)
        self.requests = 0
        self._reachers: dict = {}
        self.crawled: dict[str | None, set[str]] = {}
        self.posted: set[tuple] = set()

    def reachers(self, route) -> list[str | None]:
        """Who fuzzes a route: the first account let through (IT staff for the console; any account when nothing
        is checked), and the anonymous visitor; asked once per route before any fuzzed post can change an account."""
        if str(route) not in self._reachers:
            first = next((u for u in USERS if self.access.may(u, route)), "admin")
            self._reachers[str(route)] = [None] if self.access.may(None, route) else [first, None]
        return self._reachers[str(route)]

    def send(self, username, method, url, data=None):
        self.requests += 1
        client = self.clients[username]
        try:
            if method == "GET":
                response = client.get(url)
            else:
                response = client.open(url, method=method, data={**(data or {}), "csrf_token": self.tokens[username]})
        except Exception as error:  # noqa: BLE001  (TESTING propagates the view's exception: that is the 500)
            self.failures.append(f"{username} {method} {url[:300]}: {type(error).__name__}: {str(error)[:200]}")
            return None
        body = response.get_data(as_text=True) if response.mimetype.startswith(("text/", "application/json")) else ""
        if response.status_code >= 500 or TRACEBACK.search(body):
            self.failures.append(f"{username} {method} {url[:300]}: {response.status_code}")
        return response

    def query_arguments(self, route) -> list[str]:
        names = list(GENERIC_ARGUMENTS)
        view = route.view
        if view is not None and hasattr(view, "_filters"):
            name = view.__class__.__name__
            names += [f"page_{name}", f"psize_{name}", f"_oc_{name}", f"_od_{name}"]
            names += [f"_flt_{i}_{column}" for column in list(getattr(view, "search_columns", []) or [])[:4]
                      for i in (0, 1)]
        return names

    def route(self, route, index: int):
        """The whole grid for who may reach the route; for the anonymous visitor of a route it is refused, one
        request of the grid, the route's `index`-th: the refusal comes before the view reads anything, so the
        grid is spread over the refused routes instead of repeated on each."""
        arguments = route.arguments
        query_names = self.query_arguments(route)
        for username in self.reachers(route):
            refused = username is None and not self.access.may(None, route)
            shifts = [index % (len(VALUES) + 1)] if refused else range(len(VALUES) + 1)
            for shift in shifts:
                if shift == len(VALUES):  # NUL alone, as the guard refuses any argument carrying one
                    path = {n: "1%00" for n in arguments}
                    query = {n: NUL for n in query_names[:3]}
                else:
                    path = rotation(arguments, PATH_VALUES, shift)
                    path = {n: (v if not is_integer(arguments[n]) or v.lstrip("-").isdigit() else "1")
                            for n, v in path.items()}
                    query = rotation(query_names, VALUES, shift)
                url = route.url(path) + "?" + "&".join(f"{quote(k)}={quote(v)}" for k, v in query.items())
                data = None if route.method == "GET" else rotation(POSTED, VALUES, shift)
                self.send(username, route.method, url, data)

    def crawl(self, username, start: list[str], limit: int = 80) -> list[tuple[str, str]]:
        """The pages an account reaches by following links from `start`, one per path shape (ids as N)."""
        pages, queue = [], list(start)
        while queue and len(pages) < limit:
            url = queue.pop(0)
            shape = re.sub(r"\d+", "N", urlsplit(url).path)
            if shape in self.crawled.setdefault(username, set()) or re.search(SKIPPED_LINKS, url):
                continue
            self.crawled[username].add(shape)
            response = self.send(username, "GET", url)
            if response is None or response.status_code != 200 or response.mimetype != "text/html":
                continue
            html = response.get_data(as_text=True)
            pages.append((url, html))
            queue += [urljoin(url, href) for href in re.findall(r'href="(/[^"#]*)"', html)]
        return pages

    def forms(self, username, url, html):
        """Post every form of the page back with hostile values in its fields, every value in every field."""
        parser = Forms()
        parser.feed(html)
        for form in parser.forms:
            action = urljoin(url, form["action"]) if form["action"] else url
            fuzzed = [n for n in form["fields"] if n not in ("csrf_token", "next")]
            shape = (re.sub(r"\d+", "N", urlsplit(action).path), form["method"], tuple(sorted(fuzzed)))
            if urlsplit(action).netloc or re.search(SKIPPED_LINKS, action) or not fuzzed or shape in self.posted:
                continue
            self.posted.add(shape)
            for shift in range(len(VALUES) + 1):
                values = dict(form["fields"])
                values.update({n: NUL + "1" for n in fuzzed} if shift == len(VALUES) else
                              rotation(fuzzed, VALUES, shift))
                if form["method"] == "post":
                    self.send(username, "POST", action, values)
                else:
                    self.send(username, "GET", action.split("?")[0] + "?" + "&".join(
                        f"{quote(k)}={quote(v)}" for k, v in values.items() if k != "csrf_token"))


def test_no_route_and_no_form_answers_500(app):
    fuzz = Fuzz(app)
    every = routes(app)
    for route in every:
        fuzz.reachers(route)
    for index, route in enumerate(every):
        fuzz.route(route, index)
    plain_pages = [route.rule.rule for route in every if route.method == "GET" and not route.arguments]
    for username in (*USERS, None):
        for url, html in fuzz.crawl(username, ["/", *plain_pages]):
            fuzz.forms(username, url, html)
    assert not fuzz.failures, f"{len(fuzz.failures)} of {fuzz.requests} requests failed:\n" + "\n".join(
        fuzz.failures[:60])
    assert fuzz.requests > 10 * len(every) and len(fuzz.posted) > 50
