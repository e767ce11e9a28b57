"""A bounded load on a running Newsroom: anonymous readers and editors saving through the admin.

    python bench/load.py --url http://127.0.0.1:8000 --seconds 30 --readers 8 --editors 2

Loopback only: it refuses any other host. Readers fetch the public pages (front page, lists,
filters, articles, tags, people, corrections) as fast as they can; each editor signs in to the
admin, creates a draft of its own ("Load test draft ...") and saves it again and again through
the real change form (CSRF token, inlines and all). At the end it prints requests, errors and
latencies per kind and exits non-zero if anything failed: a 5xx, a connection error, an
unexpected status, or an editor's save that did not stick. See docs/load.md.
"""

import argparse
import http.cookiejar
import random
import re
import statistics
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


class FormParser(HTMLParser):
    """Collects the fields of the form with id ``form_id`` as the browser would submit them."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id, self.inside, self.fields = form_id, False, []
        self._textarea = self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == self.form_id:
            self.inside = True
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            if kind in ("submit", "file", "button"):
                return
            self.fields.append([name, attrs.get("value", "")])
        elif tag == "textarea" and name:
            self._textarea = [name, ""]
            self.fields.append(self._textarea)
        elif tag == "select" and name:
            self._select = [name, None]
        elif (
            tag == "option"
            and self._select is not None
            and (self._select[1] is None or "selected" in attrs)
        ):
            self._select[1] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select is not None:
            self.fields.append([self._select[0], self._select[1] or ""])
            self._select = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = {}
        self.errors = []

    def record(self, kind, seconds):
        with self.lock:
            self.latencies.setdefault(kind, []).append(seconds)

    def error(self, message):
        with self.lock:
            self.errors.append(message)


class Session:
    def __init__(self, base):
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def request(self, path, data=None):
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body)
        if data is not None:
            request.add_header("Referer", self.base + path)
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.geturl(), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.geturl(), error.read().decode(errors="replace")

    def form(self, path, form_id):
        status, _, html = self.request(path)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}")
        parser = FormParser(form_id)
        parser.feed(html)
        return dict(parser.fields)


def reader(base, deadline, stats, paths):
    session = Session(base)
    while time.monotonic() < deadline:
        path = random.choice(paths)
        started = time.monotonic()
        try:
            status, _, _ = session.request(path)
        except OSError as error:
            stats.error(f"reader {path}: {error}")
            continue
        stats.record("read", time.monotonic() - started)
        if status not in (200, 404, 410):
            stats.error(f"reader {path}: HTTP {status}")


def editor(base, deadline, stats, number, username, password, admin):
    session = Session(base)
    login = f"/{admin}login/"
    fields = session.form(login, "login-form")
    fields.update(username=username, password=password)
    status, url, _ = session.request(login, fields)
    if status != 200 or url.rstrip("/").endswith("login"):
        stats.error(f"editor {number}: could not sign in as {username}")
        return
    add = f"/{admin}articles/article/add/"
    fields = session.form(add, "article_form")
    headline = f"Load test draft {number} {int(time.time())}"
    fields.update(headline=headline, slug=re.sub(r"\W+", "-", headline.lower()), body="Start.")
    fields["_continue"] = "1"  # "Save and continue editing": lands on the new article's page
    status, url, _ = session.request(add, fields)
    match = re.search(r"/article/(\d+)/change/", url)
    if not match:
        stats.error(f"editor {number}: could not create a draft (HTTP {status})")
        return
    change = f"/{admin}articles/article/{match.group(1)}/change/"
    saves = 0
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            fields = session.form(change, "article_form")
            saves += 1
            fields["body"] = f"Saved {saves} times by editor {number}."
            fields["_continue"] = "1"
            status, url, html = session.request(change, fields)
        except (OSError, RuntimeError) as error:
            stats.error(f"editor {number}: {error}")
            continue
        stats.record("edit", time.monotonic() - started)
        if status != 200 or "errornote" in html:
            stats.error(f"editor {number}: save {saves} failed (HTTP {status})")
        elif f"Saved {saves} times" not in session.form(change, "article_form").get("body", ""):
            stats.error(f"editor {number}: save {saves} did not stick")


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--readers", type=int, default=6)
    parser.add_argument("--editors", type=int, default=2)
    parser.add_argument("--username", default="editor")
    parser.add_argument("--password", default="editor-demo-pass")
    parser.add_argument("--admin", default="admin/", help="the admin's path (DJANGO_ADMIN_URL)")
    args = parser.parse_args()
    host = urllib.parse.urlsplit(args.url).hostname
    if host not in LOOPBACK:
        parser.error(f"refusing to load {host}: loopback addresses only")
    if not 0 < args.seconds <= 600:
        parser.error("--seconds must be between 0 and 600")
    base = args.url.rstrip("/")

    _, _, front = Session(base).request("/")
    links = set(re.findall(r'href="(/(?:articles|tags|people)/[^"?#]+/)"', front))
    paths = ["/", "/articles/", "/articles/?page=2", "/tags/", "/people/", "/corrections/"]
    paths += [*sorted(links), "/articles/does-not-exist/"]

    stats, deadline = Stats(), time.monotonic() + args.seconds
    threads = [
        threading.Thread(target=reader, args=(base, deadline, stats, paths))
        for _ in range(args.readers)
    ]
    threads += [
        threading.Thread(
            target=editor,
            args=(base, deadline, stats, n, args.username, args.password, args.admin),
        )
        for n in range(args.editors)
    ]
    print(f"{args.readers} readers and {args.editors} editors for {args.seconds:g} s on {base}")
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for kind, values in sorted(stats.latencies.items()):
        print(
            f"{kind:5} {len(values):6} requests  {len(values) / args.seconds:7.1f}/s  "
            f"p50 {statistics.median(values) * 1000:6.1f} ms  "
            f"p99 {percentile(values, 0.99) * 1000:6.1f} ms"
        )
    print(f"errors: {len(stats.errors)}")
    for message in stats.errors[:20]:
        print("  ", message)
    return 1 if stats.errors or not stats.latencies.get("edit") else 0


if __name__ == "__main__":
    sys.exit(main())
