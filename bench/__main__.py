"""``python -m bench [fanout|memory|multi|ingest|upload|all] [--quick]``: run, print the table,
judge targets. (``python -m bench chaos --minutes N``: see bench/chaos.py.)

Exit status: 0 when every target ratio is met, 1 when one is missed (or an error count is not
zero), 2 when a benchmark could not run (a server did not start, a viewer was refused, ...),
130 when interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench import chaos, fanout, ingest, memory, multi, upload
from bench.lean_ws import ViewerError
from bench.loop import loop_name, run
from bench.servers import ServerFailed
from bench.table import Row, render

SUITES = ("fanout", "memory", "multi", "ingest", "upload", "all")
ALL = ("fanout", "ingest", "upload")  # memory and multi run when named


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmark wallserver against baselines run alongside; judge the ratios.",
    )
    parser.add_argument("suite", nargs="?", choices=SUITES, default="all")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--keep", action="store_true", help="keep the data and server logs")
    parser.add_argument(
        "--deadline", type=float, default=300.0, help="give up after this many seconds"
    )
    parser.add_argument(
        "--viewers",
        type=int,
        help="fanout: viewers per server (default 6000, --quick 1000); memory: viewer counts"
        " to measure (default 1000 and 10000, --quick 1000); multi: viewers (default 1000)",
    )
    parser.add_argument(
        "--sustain",
        type=float,
        default=0.0,
        help="fanout: then approve one post per second for this many seconds (wallserver alone)",
    )
    parser.add_argument(
        "--no-baselines", action="store_true", help="fanout: wallserver alone (no floor)"
    )
    parser.add_argument(
        "--broker", choices=("redis", "postgres", "both"), default="both", help="multi: broker"
    )
    parser.add_argument(
        "--database",
        help="ingest, multi: a PostgreSQL URL (a fresh database is made on its server and"
        " dropped; multi defaults to WALL_TEST_POSTGRES_URL)",
    )
    parser.add_argument(
        "--deflate",
        action="store_true",
        help="fanout: compression on (WALL_WS_COMPRESSION=true) and offered by the viewers",
    )
    return parser.parse_args(argv)


def machine() -> str:
    return (
        f"{os.cpu_count()} CPUs ({len(os.sched_getaffinity(0))} usable), "
        f"{platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, event loop {loop_name()}"
    )


class TooLong(RuntimeError):
    """The whole run went past ``--deadline``."""


async def collect(args: argparse.Namespace, workdir: Path) -> list[Row]:
    rows: list[Row] = []
    try:
        async with asyncio.timeout(args.deadline):
            if args.suite in ("fanout", "all"):
                cfg = fanout.FanoutConfig.quick() if args.quick else fanout.FanoutConfig()
                cfg = dataclasses.replace(
                    cfg,
                    viewers=args.viewers or cfg.viewers,
                    deflate=args.deflate,
                    sustain=args.sustain,
                    baselines=not args.no_baselines,
                )
                if not cfg.judged:
                    print(
                        f"fanout: targets not judged (they are the issue's, at"
                        f" {fanout.JUDGED_FROM:,} viewers without compression)"
                    )
                rows += await fanout.run(cfg, workdir)
            if args.suite == "memory":
                counts = [args.viewers] if args.viewers else memory.counts(args.quick)
                rows += await memory.run(counts, workdir)
            if args.suite == "multi":
                mcfg = multi.MultiConfig.quick() if args.quick else multi.MultiConfig()
                if args.viewers:
                    mcfg = dataclasses.replace(mcfg, viewers=args.viewers)
                if args.database:
                    mcfg = dataclasses.replace(mcfg, database_url=args.database)
                rows += await multi.run(mcfg, args.broker, workdir)
            if args.suite in ("ingest", "all"):
                icfg = ingest.IngestConfig.quick() if args.quick else ingest.IngestConfig()
                if args.database:
                    icfg = dataclasses.replace(icfg, database_url=args.database)
                rows += await ingest.run(icfg, workdir)
            if args.suite in ("upload", "all"):
                ucfg = upload.UploadConfig.quick() if args.quick else upload.UploadConfig()
                rows += await upload.run(ucfg, workdir)
    except TimeoutError as exc:
        raise TooLong(f"the run took longer than --deadline {args.deadline:.0f}s") from exc
    return rows


def main(argv: list[str] | None = None) -> int:
    raw = sys.argv[1:] if argv is None else argv
    if raw[:1] == ["chaos"]:  # its own options and table: bench/chaos.py
        return chaos.main(raw[1:])
    args = parse(argv)
    workdir = Path(tempfile.mkdtemp(prefix="wall-bench-"))
    print(f"machine: {machine()}")
    print(f"running: {args.suite}{' --quick' if args.quick else ''} (work dir {workdir})")
    started = time.monotonic()
    keep = args.keep
    try:
        rows = run(collect(args, workdir))
    except KeyboardInterrupt:
        print("\ninterrupted; the servers were stopped", file=sys.stderr)
        return 130
    except (ServerFailed, ViewerError, RuntimeError, OSError) as exc:
        keep = True
        print(f"\nbenchmark could not run: {exc}", file=sys.stderr)
        print(f"server logs are in {workdir}", file=sys.stderr)
        return 2
    finally:
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"took {time.monotonic() - started:.0f}s\n")
    print(render(rows))
    failed = [r for r in rows if r.failed]
    print()
    if failed:
        for row in failed:
            print(f"{row.verdict}: {row.bench} {row.metric}", file=sys.stderr)
        return 1
    print("every target met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
