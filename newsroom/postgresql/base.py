"""Django's PostgreSQL backend with a health check that costs no round trip while the kept
connection is quiet.

With ``CONN_HEALTH_CHECKS`` Django runs ``SELECT 1`` before the first query of every request
on a kept connection, so that one the server has dropped is replaced instead of failing the
request: a round trip on every page (a twentieth of the article page's time). A server that
ends a connection (a restart, ``pg_terminate_backend``, ``idle_session_timeout``) sends its
reason and closes the socket, which then has something to read while no query is running. So
a connection that is open, idle and has nothing to read is taken as healthy; anything else gets
Django's own check. (A network that loses packets silently gives no sign to either check: the
``SELECT 1`` would wait as long as the request's first query.)
"""

import select

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self):
        if (
            self.pool is None
            and self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and self.connection_is_quiet()
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def connection_is_quiet(self):
        """True when the kept connection is open, idle, and the server has sent nothing since
        its last answer."""
        pgconn = self.connection.pgconn
        if (
            pgconn.status != pq.ConnStatus.OK
            or pgconn.transaction_status != pq.TransactionStatus.IDLE
        ):
            return False
        try:
            readable, _, _ = select.select([pgconn.socket], [], [], 0)
        except (OSError, ValueError, self.Database.Error):
            return False
        return not readable
