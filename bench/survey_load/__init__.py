"""Survey load benchmark: how many citizens per second the real app serves, compared with a bare Flask floor.

What it measures
    One simulated citizen = a distinct browser (fresh cookie jar) that GETs a counter's survey page
    ``/s/<code>/<token>``, reads its hidden inputs (``csrf_token``, ``duty``, ``submission_key``) and cookies
    (``session``, ``sw_browser``), and POSTs nine valid answers back; success is ``303`` to ``.../terima-kasih``.
    The same bounded load (same citizens, same answers, same counters) is driven over loopback against

    * the app: ``gunicorn wsgi:app`` with 2 workers, rate limits raised for the run;
    * the floor: ``bench/survey_load/floor_app.py`` under the same gunicorn settings, a bare Flask app that serves
      a page of the same byte size and inserts the same row into the same database, and checks nothing.

    Both servers run side by side and are loaded in alternation: the citizens are split into rounds, each round
    goes to the app and to the floor in turn (the order swapping every round), so a background job that slows the
    machine for a while weighs on both; the share of CPU that other processes used during the load is reported.

    It does this on a fresh SQLite file and, when ``TEST_DATABASE_URL`` points at PostgreSQL, again on a fresh
    database ``suara_bench`` on that server (the database named in the URL is never touched). For each target it
    prints requests/s (GET and POST each count), p50/p99 latency per request and per GET+POST pair, and the app's
    throughput as a share of the floor's (target: >= 35 %; below it prints ``BELOW TARGET``, exit status unchanged).
    It then times GET+POST pairs in-process through ``test_client()`` (app and floor, no HTTP server) and profiles
    as many on the app under cProfile: the request path (each view and what it calls, the work around the views),
    the top functions by cumulative time, and self time by package.

Checks (exit status 1 when one fails)
    every POST the server accepted (303) is stored exactly once (rows counted before and after), no 5xx, no
    connection errors or timeouts, no other unexpected answer (e.g. 400/429), and every stored app row is
    ``status = 'valid'`` (distinct browsers, so duplicate detection must not fire). Setup errors exit with 2.

Output
    the console report, and the section of ``docs/benchmarks.md`` between ``<!-- bench:survey_load -->`` and
    ``<!-- /bench:survey_load -->`` (the rest of the file is kept; the file is created if missing).

Run (from the repository root)
    make bench                                   # = .venv/bin/python -m bench.survey_load
    .venv/bin/python -m bench.survey_load --quick
    TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test .venv/bin/python -m bench.survey_load

Options
    --citizens N        citizens per target (default 400; --quick: 60)
    --concurrency C     simultaneous citizens, one client thread and HTTP/1.1 connection each (default 8;
                        gunicorn's sync workers close the connection after each response, like for a phone)
    --rounds R          alternating app/floor rounds the citizens are split into (default 4; --quick: 2)
    --warmup W          citizens per target before measuring, checked but not timed (default 24; --quick: 8)
    --profile-pairs P   in-process GET+POST pairs under cProfile (default 200; --quick: 40)
    --quick             a smoke run: the small defaults above
    --sqlite-only       ignore TEST_DATABASE_URL
    --timeout S         per-request timeout in seconds (default 30)
    --max-seconds S     give up on a load phase after S seconds (default 600)
    --no-docs           do not touch docs/benchmarks.md
    --keep              keep the temporary directory and the PostgreSQL bench database
    --seed N            seed of the citizens' answers (default 20261126)

Everything runs on 127.0.0.1 on free ports; the gunicorn servers, the temporary directory and the PostgreSQL bench
database are removed on exit, also on errors and Ctrl-C. Standard library only, plus the app's own dependencies.

Where things are
    ``settings`` the fixed choices, ``servers`` the gunicorn processes, ``citizens`` one simulated citizen and the
    driver, ``databases`` the bench databases, ``setup`` the environment and counters, ``load`` the alternating
    rounds, ``in_process`` the in-process pairs and cProfile, ``report`` the console and docs/benchmarks.md, ``cli``
    the options and ``main``; ``floor_app`` is the floor. Shared with the other benchmarks: ``bench/_common.py``,
    ``bench/_postgres.py``, ``bench/_proc.py`` and ``bench/_report.py``.
"""
