"""Every HTML form the app shows: found by walking its pages as each demo role, then posted hostile values.

``parse_page`` reads a page's links and forms (inputs, selects, textareas, their values and options);
``walk`` follows same-server links breadth first from start pages, bounded in pages; ``fuzz_form`` posts values
that hypothesis generates (NUL bytes, huge strings, any unicode, numbers out of range, valid choices) with the
page's own CSRF token, and counts the answers. A 5xx is a failure; anything else (400, 403, 413, 422, 303) is the
app refusing or accepting, which is its right.
"""

from __future__ import annotations

import re
from collections import Counter as Tally
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser

from .client import Answer, Browser, local_path, multipart


@dataclass
class Field:
    name: str
    kind: str  # input type ("text", "hidden", "file", ...), "select" or "textarea"
    value: str = ""
    options: list[str] = field(default_factory=list)
    required: bool = False


@dataclass
class Form:
    page: str  # the path the form was found on
    action: str  # the path it posts to
    method: str
    enctype: str
    fields: list[Field] = field(default_factory=list)

    @property
    def signature(self) -> tuple[str, str, tuple[str, ...]]:
        """Forms that post the same fields to the same route are one form (e.g. one per counter row)."""
        route = re.sub(r"/[A-Z][A-Z0-9]*\d(?=/|$)", "/<code>", self.action.split("?")[0])
        route = re.sub(r"/s/t/[^/]+", "/s/t/<token>", route)
        route = re.sub(r"/s/(?!t/)[^/]+/[^/]+$", "/s/<code>/<token>", route)
        return self.method, route, tuple(sorted(f.name for f in self.fields))

    def defaults(self) -> list[tuple[str, str]]:
        """What a browser would send untouched: values, first options, checked boxes."""
        sent = []
        for f in self.fields:
            if f.kind in ("submit", "button", "image", "reset", "file"):
                continue
            if f.kind in ("checkbox", "radio") and not f.value:
                continue
            sent.append((f.name, f.value if f.value or not f.options else f.options[0]))
        return sent


class _PageParser(HTMLParser):
    def __init__(self, path: str) -> None:
        super().__init__(convert_charrefs=True)
        self.path = path
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._textarea: Field | None = None
        self._radios: dict[str, Field] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and "href" in a:
            target = local_path(a["href"], self.path)
            if target:
                self.links.append(target)
        elif tag == "form":
            action = local_path(a.get("action") or self.path, self.path) or self.path
            self._form = Form(self.path, action, a.get("method", "get").upper(), a.get("enctype", ""))
            self._radios = {}
        elif self._form is None or "name" not in a:
            return
        elif tag == "input":
            kind = a.get("type", "text").lower()
            if kind == "radio":
                existing = self._radios.get(a["name"])
                if existing is None:
                    existing = self._radios[a["name"]] = Field(a["name"], "radio", required="required" in a)
                    self._form.fields.append(existing)
                existing.options.append(a.get("value", "on"))
                if "checked" in a:
                    existing.value = a.get("value", "on")
                return
            value = a.get("value", "on" if kind == "checkbox" else "")
            if kind == "checkbox" and "checked" not in a:
                field_ = Field(a["name"], kind, "", [value], "required" in a)
            else:
                field_ = Field(a["name"], kind, value, [], "required" in a)
            self._form.fields.append(field_)
        elif tag == "select":
            self._select = Field(a["name"], "select", required="required" in a)
            self._form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._select.options.append(a.get("value", ""))
            if "selected" in a:
                self._select.value = a.get("value", "")
        elif tag == "textarea":
            self._textarea = Field(a["name"], "textarea", required="required" in a)
            self._form.fields.append(self._textarea)

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def parse_page(path: str, text: str) -> tuple[list[str], list[Form]]:
    """(links that stay on this server, forms) of one HTML page."""
    parser = _PageParser(path)
    parser.feed(text)
    parser.close()
    return parser.links, parser.forms


# Links the walk does not follow: logging out would end the role's session; images and the API reference's
# assets are not pages.
SKIP_LINK = re.compile(r"^/keluar|\.(png|svg|js|css)(\?|$)|^/api/v1/docs/assets/")


@dataclass
class Walk:
    role: str
    pages: dict[str, int] = field(default_factory=dict)  # path -> status
    forms: dict[tuple[str, str, tuple[str, ...]], Form] = field(default_factory=dict)

    @property
    def server_errors(self) -> list[str]:
        return [f"GET {path} -> {status}" for path, status in self.pages.items() if status >= 500 or status == 0]


def walk(browser: Browser, role: str, start: list[str], *, max_pages: int) -> Walk:
    """Breadth first over the pages ``browser`` may open, from ``start``; at most ``max_pages`` GETs."""
    seen = Walk(role)
    queue = deque(start)
    queued = set(start)
    while queue and len(seen.pages) < max_pages:
        path = queue.popleft()
        answer = browser.get(path)
        seen.pages[path] = answer.status
        if answer.status != 200 or "html" not in answer.headers.get("content-type", ""):
            continue
        links, forms = parse_page(path, answer.text)
        for form in forms:
            if form.method == "POST":
                seen.forms.setdefault(form.signature, form)
            elif form.action.startswith("/"):  # a GET form (a confirmation step, a filter) leads to a page too
                links.append(form.action)
        for link in links:
            # One query string per path is enough to reach its forms; ?lang= switches are all the same page.
            key = re.sub(r"\?.*", "", link) if "lang=" in link else link
            if key not in queued and not SKIP_LINK.search(link):
                queued.add(key)
                queue.append(link)
    return seen


def log_in(browser: Browser, login: str, password: str) -> bool:
    """Sign ``browser`` in through the login form (its own CSRF token); True when the app accepted."""
    page = browser.get("/masuk")
    forms = [f for f in parse_page("/masuk", page.text)[1] if f.method == "POST"]
    if page.status != 200 or not forms:
        return False
    values = dict(forms[0].defaults())
    values.update(login=login, password=password)
    answer = browser.post(forms[0].action, values)
    return answer.status in (302, 303) and "/masuk" not in answer.location


@dataclass
class FuzzResult:
    form: str  # "POST /route (page)"
    posts: int = 0
    statuses: Tally[int] = field(default_factory=Tally)
    server_errors: list[str] = field(default_factory=list)  # one line per 5xx / dropped connection


def current_form(browser: Browser, form: Form) -> Form | None:
    """The same form freshly rendered (a new CSRF token and one-time keys), or None if it is gone."""
    answer = browser.get(form.page)
    if answer.status != 200:
        return None
    for candidate in parse_page(form.page, answer.text)[1]:
        if candidate.signature == form.signature:
            return candidate
    return None


def post_values(
    browser: Browser, form: Form, values: list[tuple[str, str]], files: list[tuple[str, str, bytes]]
) -> Answer:
    if "multipart" in form.enctype or files:
        body, content_type = multipart(values, files)
        return browser.request("POST", form.action, body=body, content_type=content_type)
    body = "&".join(f"{_quote(k)}={_quote(v)}" for k, v in values).encode()
    return browser.request("POST", form.action, body=body, content_type="application/x-www-form-urlencoded")


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text.encode("utf-8", errors="surrogatepass"), safe="")


def fuzz_form(browser: Browser, form: Form, *, examples: int, seed: int) -> FuzzResult:
    """Post ``examples`` hypothesis-generated variants of ``form``; count the answers, never raise on them."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hypothesis_seed
    from hypothesis import strategies as st

    result = FuzzResult(f"POST {form.signature[1]} (from {form.page})")
    hostile_text = st.one_of(
        st.text(max_size=60),
        st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=300),
        st.sampled_from(["\x00", "a\x00b", "\ud800", "' OR 1=1 --", "<script>alert(1)</script>", "..\\..\\x"]),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(str),
        st.builds(lambda n, c: c * n, st.integers(min_value=5_000, max_value=300_000), st.sampled_from("A9é\x00")),
        st.just(""),
    )

    def value_for(field_: Field) -> st.SearchStrategy[str | None]:
        choices = [o for o in field_.options if o] or ([field_.value] if field_.value else [])
        keep = st.just(field_.value if field_.value else (choices[0] if choices else ""))
        if field_.name == "csrf_token":  # mostly valid, else the app only ever shows its CSRF page
            return st.one_of(keep, keep, keep, keep, hostile_text)
        options = [keep, hostile_text, st.none()]  # None: the field is left out
        if choices:
            options.append(st.sampled_from(choices))
        return st.one_of(*options)

    strategies = {f.name: value_for(f) for f in form.fields if f.kind not in ("submit", "button", "image", "reset")}
    files = [f.name for f in form.fields if f.kind == "file"]
    csv_bytes = st.one_of(
        st.binary(max_size=2_000),
        st.text(max_size=500).map(lambda t: ("nip,counter,date,start,end\n" + t).encode("utf-8", "surrogatepass")),
        st.just(b"nip,counter,date,start,end\n" + b"198503152010011002,BGR01,2026-10-14,08:00,15:00\n" * 3),
    )

    @hypothesis_seed(seed)
    @settings(
        max_examples=examples,
        derandomize=False,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(
        values=st.fixed_dictionaries(strategies), uploads=st.lists(csv_bytes, min_size=len(files), max_size=len(files))
    )
    def one_post(values: dict[str, str | None], uploads: list[bytes]) -> None:
        if form.signature[1].startswith("/s/") and hasattr(browser, "cookies"):
            # A new browser id per post: the per-browser survey limit (10 a minute) would otherwise answer 429
            # to most posts and hide what the form's validation does with them.
            browser.cookies.pop("sw_browser", None)
        fresh = current_form(browser, form) or form
        token = next((f.value for f in fresh.fields if f.name == "csrf_token"), "")
        sent = []
        for name, value in values.items():
            if value is None or name in files:
                continue
            if name == "csrf_token" and value == next((f.value for f in form.fields if f.name == name), None):
                value = token  # keep the freshly rendered (valid) token
            elif value == next((f.value for f in form.fields if f.name == name), None):
                value = next((f.value for f in fresh.fields if f.name == name), value)  # one-time keys
            sent.append((name, value))
        answer = post_values(browser, form, sent, [(n, "jadwal.csv", b) for n, b in zip(files, uploads, strict=True)])
        result.posts += 1
        result.statuses[answer.status] += 1
        if answer.status >= 500 or answer.status == 0:
            shown = ", ".join(f"{k}={v[:40]!r}" for k, v in sent)
            result.server_errors.append(f"{answer.status or answer.error} for {shown}"[:400])

    one_post()
    return result
