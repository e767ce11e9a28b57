"""Query count and status of each benchmarked URL, in-process: ``python -m bench.probe URL...``.

Run by the runner with the same environment as the served site (dummy cache, DEBUG off). Prints
one JSON object: ``{url: {"status": 200, "queries": 5, "bytes": 12345}}``.
"""

import json
import os
import sys

import django

from bench import common


def main(urls):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    common.use_app_root()
    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()
    client = Client(HTTP_HOST="127.0.0.1")
    result = {}
    for url in urls:
        client.get(url)  # warm: imports, template loading
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        result[url] = {
            "status": response.status_code,
            "queries": len(queries.captured_queries),
            "bytes": len(response.content),
        }
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
