"""Score-run benchmark: a full-year ``compute_score_run`` over N responses and N tickets for M employees.

What it measures
    One unit (WIB) with M employees spread over M/10 counters, and for the year 2025 (plus a few weeks either
    side, so that the period's edges matter): N survey responses, N tickets with their derived times, a roster,
    complaints, SKP targets and BerAKHLAK ratings. The data are synthetic but shaped like the real thing (see
    "The data" below). Then, with the application clock at 2026-01-15 so the run is final (not provisional):

    * the app: ``feedback_app.services.score_runs.compute_score_run(unit, 2025)`` and its commit, in a fresh child
      process (so its peak RSS is the run's own), timed as a whole and per phase (each statistics function, the
      other inputs, the pure scoring, storing the indicator rows, the commit) and per SQL statement;
    * the floor: the same rows exported from the database to CSV (``COPY (SELECT ...) TO STDOUT`` on PostgreSQL),
      loaded into DuckDB, and the same aggregation there: answer counts per employee per unsur per value, Σ/Σ²
      of the raw sums, status counts, ticket counts with on-time, exact nearest-rank p50/p90 of wait and service
      seconds per employee and for the unit, working days, complaint counts and median first response. Export,
      load and aggregation are timed apart; the ratio is app run time / DuckDB aggregation time (aim ≤ 5×), and
      beside it the run's statistics phase / DuckDB (the like-for-like part). DuckDB's ``quantile_disc`` is the
      nearest rank (checked for every n up to 3,000, and by the comparison below on every employee).

    The floor runs on exports because DuckDB cannot read the database directly here (its postgres/sqlite
    extensions are downloaded at install time). Timestamps are exported as whole epoch seconds (the app's
    statistics cut both instants to the whole second too, spec §2.3), which saves DuckDB work: a stricter floor.

Checks (exit status 1 when one fails; 2 when the benchmark cannot run)
    The stored run equals DuckDB's aggregation exactly: the unit IKM (recomputed here with ``fractions``, spec
    §1.3) and, for every employee and the unit, the sufficient statistics kept in each indicator's explanation
    (n, answer counts, Σ, Σ², status counts, ticket counts, p50/p90 seconds, working days, complaint counts and
    median). Hard target on PostgreSQL with the default sizes: the run (compute + commit) under 60 s, printed as
    ``MISSED`` otherwise. Memory: the run's peak RSS is reported for every size and for a one-month run on the
    same data (same M, a twelfth of N), so flatness in N can be read off.

The data
    Per employee a quality level drawn once sets its answer distribution (U4, the fee, is mostly "Gratis");
    tickets per employee vary ±50 %; each employee works on ceil(tickets/8) roster days (local 08:00-15:00), 10 %
    of employees have no roster at all (their working days come from finished tickets, spec §5). Tickets: 91 %
    finished, 5 % no-show, 4 % called or waiting; waits exponential (mean 8 min), service log-normal (median
    9 min), 10 % without a ``started`` time, 4 % returned, 1 % served by nobody recorded; some called times carry
    fractions of a second. Responses: ~60 % come from a ticket QR (counted at the ticket's finish), the rest from
    the counter QR during a shift; 3 % are attributed to the unit only; 2.5 % are duplicates, 0.5 % flagged,
    0.5 % excluded. 1 % carry a comment and a fifth of those became complaints (90 % answered within 1 h-6 days).
    Rows are written day by day, so tables are in time order on disk as a real database's are (generated per
    employee they would be clustered by employee, which flatters every per-employee plan). Ticket events are not
    generated: the score run reads only the tickets' derived columns (spec §2.3), and writing ~4 events per ticket
    would quadruple the generation time without changing what is measured.

Run (from the repository root)
    .venv/bin/python -m bench.scoring --small                # CI smoke run: 20,000 rows, 100 employees
    .venv/bin/python -m bench.scoring                        # the full run: 10,000,000 rows, 50,000 employees
    .venv/bin/python -m bench.scoring --responses 1000000 --employees 5000

    Database: PostgreSQL when ``DATABASE_URL`` or ``TEST_DATABASE_URL`` names a PostgreSQL server (DATABASE_URL
    first), else a temporary SQLite file. On PostgreSQL it creates its own databases ``suara_scoring_bench``
    (``suara_scoring_bench_small`` for the small size) on that server, loads them with COPY, and drops them at
    the end; the database named in the URL is never touched. On SQLite rows go in with ``executemany``.

Options
    --small             the smoke sizes only (20,000 responses and tickets, 100 employees); does not write
                        docs/benchmarks.md unless --report is given
    --responses N       responses and tickets (default 10,000,000); --tickets N sets tickets apart
    --employees M       employees (default 50,000)
    --sqlite            use a temporary SQLite file even when a PostgreSQL server is configured
    --runs K            time K score runs on the full data (default 1; the report shows each)
    --no-small          with the full sizes, skip the small comparison size
    --report FILE       write the section to FILE instead of docs/benchmarks.md
    --no-docs           write no report file
    --explain           print EXPLAIN (ANALYZE, BUFFERS) of each statistics statement after the run (PostgreSQL)
    --keep              keep the bench databases and the work directory
    --reuse             reuse a kept bench database whose data match the sizes and seed (skips generation; the
                        score runs stored there by earlier benchmarks are deleted first)
    --workdir DIR       where the CSV exports (and the SQLite file) go (default: a new temporary directory)
    --seed N            seed of the synthetic data (default 2025)

Output
    the console report, and the section of ``docs/benchmarks.md`` between ``<!-- bench:scoring -->`` and
    ``<!-- /bench:scoring -->`` (the rest of the file is kept). Standard library, the app's dependencies and
    DuckDB (requirements-dev.txt) only.

Where things are
    ``settings`` the fixed choices and sizes, ``database`` the bench database and its writers, ``data`` the
    synthetic rows, ``run`` the timed score run in a child process, ``floor`` DuckDB's aggregation, ``verify``
    the exact comparison, ``end_to_end`` one size from generation to checks, ``report`` the console and
    docs/benchmarks.md, ``cli`` the options and ``main``. What the packages share is in ``bench/_common.py``,
    ``bench/_postgres.py``, ``bench/_proc.py`` and ``bench/_report.py``.
"""
