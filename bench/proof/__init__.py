"""``make proof``: keep them closed. Load, faults and hostile input against a real deployment on loopback.

What it runs (``python -m bench.proof [--quick]``, from the repository root)
    its own PostgreSQL cluster (initdb in a temporary folder, port 55432) and Redis (port 56379), the schema and
    the demo data, an API token, and ``gunicorn wsgi:app`` with 2 sync workers, rate limits in that Redis; then

    * **load**: a bounded mix of citizens (GET a survey, POST it), queue machines (ticket-event batches), staff
      pages and public pages; throughput, p50/p99 per kind, and every client's receipt reconciled against the
      database: 0 lost, 0 duplicated, 0 5xx;
    * **faults**: the same load for a bounded time while PostgreSQL is restarted and then stopped for 10 s
      (``-m immediate``, as if it crashed), Redis is stopped for 10 s, and gunicorn workers are killed (quick:
      no restart, 5 s outages, one kill). Clients retry with the same form or batch. While
      PostgreSQL itself is down a 503 with ``Retry-After`` and a clear page or JSON body is counted apart; any
      other 5xx fails the run. Recovery after each fault is measured and nothing may be half-written;
    * **hostile input** (the real rate limits): scripted ballot stuffing and self-rating (counts of ``valid``,
      ``duplicate``, ``flagged`` and refused, 0 ``valid`` for the staff member rating themselves), schemathesis
      over the whole OpenAPI document with every check (0 server errors, 0 conformance failures), and
      hypothesis-generated posts to every HTML form found by walking the pages as each demo role (0 5xx).

    It writes its section of ``docs/reliability.md`` (``proof``, or ``proof_quick`` for ``--quick``) and exits 1
    when a criterion failed, 2 when the deployment could not be set up. Everything it started stops on exit.
"""
