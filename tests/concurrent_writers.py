"""Run by tests/test_concurrency.py in a process of its own, against a file-backed SQLite database.

Several threads read pages and several save articles through the model methods at once, for a
few seconds; the script prints how many operations ran and every error, one per line.
"""

import os
import sys
import threading
import time
import traceback

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import close_old_connections, connection  # noqa: E402
from django.test import Client  # noqa: E402

from articles.models import Article  # noqa: E402

DURATION = float(os.environ.get("CONCURRENCY_SECONDS", "4"))
errors, counts, lock = [], {"reads": 0, "writes": 0}, threading.Lock()


def run(kind, work):
    deadline = time.monotonic() + DURATION
    try:
        while time.monotonic() < deadline:
            try:
                work()
                with lock:
                    counts[kind] += 1
            except Exception:
                with lock:
                    errors.append(traceback.format_exc().strip().splitlines()[-1])
    finally:
        close_old_connections()
        connection.close()


def main():
    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_superuser("boss", password="x-long-password-1")
    articles = [
        Article.objects.create(headline=f"Story {n}", slug=f"story-{n}", body="Text.")
        for n in range(4)
    ]
    for article in articles:
        article.publish(user)

    def reader():
        response = Client().get("/articles/")
        assert response.status_code == 200, response.status_code

    def writer(article_id):
        def work():
            article = Article.objects.get(pk=article_id)
            article.body = f"Text saved at {time.monotonic()}."
            article.save(actor=user)
            article.tags.add(f"tag {int(time.monotonic() * 10) % 7}")

        return work

    def toggler():
        article = Article.objects.get(pk=articles[0].pk)
        if article.status == Article.Status.PUBLISHED:
            article.unpublish(user, "concurrency test")
        else:
            article.republish(user, "concurrency test")

    threads = [threading.Thread(target=run, args=("reads", reader)) for _ in range(4)]
    threads += [threading.Thread(target=run, args=("writes", writer(a.pk))) for a in articles[1:]]
    threads.append(threading.Thread(target=run, args=("writes", toggler)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(f"reads={counts['reads']} writes={counts['writes']} errors={len(errors)}")
    for error in errors:
        print("ERROR", error)


if __name__ == "__main__":
    main()
