"""`bioharness run`: the conformance suite into a new run folder under reports/."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from harness.certification import deviations as expected_deviations
from harness.certification import official
from harness.cli import options
from harness.device.connect import emulated_on_pty
from harness.profile import Profile
from harness.report import allure_html, html, summary
from harness.report.catalogue import ROOT
from harness.sharding import Shard, parse_shard

EXIT_NOT_CONFORMING = 1  # a requirement failed, or has no verdict (a bench fault)


def add_parser(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "run",
        help="run the conformance suite",
        description="Run the conformance scenarios against the bench of the profile (default: "
        "the embedded reference servers and the emulated device) and write a run folder under "
        "--reports: allure-results/, junit.xml, summary.json, summary.html and allure-report/. "
        "Exits 1 when a requirement fails or has no verdict, 2 on a bad profile or option.",
    )
    options.add_profile(p)
    p.add_argument(
        "--tags",
        metavar="EXPR",
        help="feature tags to run, as a pytest -m expression, e.g. 'mms and not consumes_state'",
    )
    options.add_req(p)
    p.add_argument(
        "-k", dest="keyword", metavar="EXPR", help="only scenarios whose name matches (pytest -k)"
    )
    p.add_argument(
        "-n",
        "--workers",
        type=int,
        metavar="N",
        help="parallel workers (default: the profile's [run] workers, else 1)",
    )
    p.add_argument(
        "--shard",
        type=_shard,
        metavar="K/N",
        help="run shard K of N of the run, split over N machines by expected cost (every "
        "scenario on a physical device is in shard 1); fold the shards' run folders into one "
        "with `bioharness report --merge`",
    )
    p.add_argument(
        "--reports",
        type=Path,
        default=ROOT / "reports",
        help="folder that receives the run folder (default: reports/)",
    )
    p.add_argument(
        "--official",
        action="store_true",
        help="an official (certification) run: refuses every filter (--req, --tags, -k, the "
        "profile's [run] tags and requirements, suite arguments), runs every scenario the bench "
        "can run, and records the profile, harness, specifications, fixture PKI, targets, device "
        "and times on the summary's first lines",
    )
    p.add_argument(
        "--deviations",
        type=Path,
        metavar="FILE",
        help="expected deviations (TOML; default: the profile's [run] deviations): accepted "
        "failures and skips shown apart from failures",
    )
    p.add_argument("--no-html", action="store_true", help="do not build the Allure HTML report")
    p.add_argument("-q", "--quiet", action="store_true", help="dots instead of a line a scenario")
    p.add_argument(
        "suite_args",
        nargs="*",
        metavar="-- PYTEST-ARGS",
        help="after --: further options for the suite (pytest)",
    )
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    profile = options.chosen_profile(args)
    if args.official and (refused := refused_filters(args, profile)):
        print(
            "bioharness: an official run takes every scenario the bench can run; leave out: "
            + "; ".join(refused),
            file=sys.stderr,
        )
        return options.EXIT_BAD_PROFILE
    deviations = deviations_file(args, profile)
    bench = profile.name if profile else "embedded default"
    # a shard's report is a part of the run's: it carries on no trend
    previous = None if args.shard else previous_run(args.reports, bench)
    shard = f" shard {args.shard.index} of {args.shard.count}" if args.shard else ""
    folder = new_run_folder(args.reports, bench + shard)
    kind = "an OFFICIAL run" if args.official else "not an official run"
    kind += f", shard {args.shard}" if args.shard else ""
    print(f"bioharness: bench {bench!r}, {kind}, run folder {folder}", flush=True)
    keep_inputs(folder, profile, deviations)
    started = dt.datetime.now(dt.UTC)
    with serving_emulated_device(profile):
        # A child interpreter: the suite starts clean, exactly as `python -m pytest` would.
        command = [sys.executable, "-m", "pytest", *suite_args(args, profile, folder)]
        status = subprocess.run(command, cwd=ROOT).returncode
    if (folder / "summary.json").exists():
        provenance = official.record(
            official=args.official,
            run_id=folder.name,
            profile=profile.path if profile else None,
            deviations=deviations,
            command=["bioharness", *sys.argv[1:]],
            started=started,
            ended=dt.datetime.now(dt.UTC),
            environment=summary.load(folder)["environment"],
            shard=str(args.shard) if args.shard else None,
        )
        record_provenance(folder, provenance)
    return finish(folder, bench, status, build_html=not args.no_html, previous=previous)


def refused_filters(args: argparse.Namespace, profile: Profile | None) -> list[str]:
    """The filters of this command line and profile (an official run refuses them)."""
    return official.refused_filters(
        requirements=[*args.req, *(profile.get("run", "requirements", []) if profile else [])],
        tags=args.tags or (profile.get("run", "tags") if profile else None),
        keyword=args.keyword,
        suite_args=list(args.suite_args),
        shard=str(args.shard) if args.shard else None,
    )


def _shard(text: str) -> Shard:
    """--shard K/N (argparse shows the message and exits 2 when it is bad)."""
    try:
        return parse_shard(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def deviations_file(args: argparse.Namespace, profile: Profile | None) -> Path | None:
    """The run's deviations file, checked before the suite starts (exits 2 when it is bad)."""
    given = args.deviations or (profile.get("run", "deviations") if profile else None)
    if given is None:
        return None
    path = Path(given).resolve()
    try:
        expected_deviations.load(path)
    except expected_deviations.DeviationFileError as exc:
        print(f"bioharness: {exc}", file=sys.stderr)
        raise SystemExit(options.EXIT_BAD_PROFILE) from None
    return path


def keep_inputs(folder: Path, profile: Profile | None, deviations: Path | None) -> None:
    """Copy the profile and the deviations file into the run folder, as the run read them."""
    if profile is not None:
        shutil.copyfile(profile.path, folder / "profile.toml")
    if deviations is not None:
        shutil.copyfile(deviations, folder / "deviations.toml")


def record_provenance(folder: Path, provenance: dict) -> None:
    """Put the run's provenance into summary.json and rewrite summary.html with it."""
    document = summary.load(folder)
    document = {"run_id": folder.name, "official": provenance["official"], **document}
    document["provenance"] = provenance
    summary.write(document, folder)
    html.write(document, folder)


def suite_args(args: argparse.Namespace, profile: Profile | None, folder: Path) -> list[str]:
    """The pytest command line for this run."""
    command = [str(ROOT / "steps"), "--rootdir", str(ROOT), "-c", str(ROOT / "pyproject.toml")]
    command += ["--alluredir", str(folder / "allure-results")]
    command += ["--junitxml", str(folder / "junit.xml"), "--summary-dir", str(folder)]
    command += ["-rfEs", "-q" if args.quiet else "-v"]
    given = {"--req"} if args.req else set()
    given |= {"--deviations"} if args.deviations else set()
    command += profile.suite_options(given=given) if profile else []
    if args.deviations:
        command += ["--deviations", str(args.deviations.resolve())]
    tags = args.tags or (profile.get("run", "tags") if profile else None)
    if tags:
        command += ["-m", tags]
    for requirement in args.req:
        command += ["--req", requirement]
    if args.keyword:
        command += ["-k", args.keyword]
    if args.shard:
        command += ["--shard", str(args.shard)]
    workers = args.workers or (profile.get("run", "workers", 1) if profile else 1)
    if workers > 1:
        # Scenario by scenario to whichever worker is free; the plugin's
        # pytest_xdist_make_scheduler keeps a physical device's modules on one worker and, against
        # a shared external server, one step module per worker. (xdist's loadgroup cannot be
        # used: with pytest 9.2 its group renaming has no effect.)
        command += ["-n", str(workers), "--dist", "load"]
    return command + list(args.suite_args)


def _slug(bench: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", bench).strip("-").lower() or "bench"


def previous_run(reports: Path, bench: str) -> Path | None:
    """The latest run folder of the same bench with an Allure history, whose trend the next
    run's Allure report carries on."""
    pattern = re.compile(r"\d{8}T\d{6}Z-" + re.escape(_slug(bench)))
    earlier = sorted(
        p
        for p in (reports.iterdir() if reports.is_dir() else ())
        if pattern.fullmatch(p.name) and (p / allure_html.HISTORY).is_file()
    )
    return earlier[-1] if earlier else None


def new_run_folder(reports: Path, bench: str) -> Path:
    """reports/<UTC time>-<bench>/, with reports/latest pointing at it."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = reports / f"{stamp}-{_slug(bench)}"
    folder.mkdir(parents=True, exist_ok=False)
    latest = reports / "latest"
    if latest.is_symlink() or not latest.exists():
        latest.unlink(missing_ok=True)
        latest.symlink_to(folder.name)
    return folder


@contextlib.contextmanager
def serving_emulated_device(profile: Profile | None) -> Iterator[None]:
    """On a profile that asks for it, serve the emulated device on the profile's serial port
    (a pty linked there) for the run: the suite then drives it as real hardware."""
    target = profile.emulated_serial_port() if profile else None
    if target is None:
        yield
        return
    name, port = target
    host = emulated_on_pty(name, Path(port)).start()
    print(f"bioharness: emulated {name} served on {port}", flush=True)
    try:
        yield
    finally:
        host.stop()


def finish(
    folder: Path, bench: str, status: int, build_html: bool = True, previous: Path | None = None
) -> int:
    """Build the HTML report (its trend carried on from the `previous` run folder), print where
    everything is, and return the run's exit status: 1 unless every requirement passed (or was
    skipped, or is an expected deviation), else the suite's own status."""
    if not (folder / "summary.json").exists():
        print(f"bioharness: the suite stopped before reporting (exit {status})")
        return status or 3
    document = summary.load(folder)
    if build_html:
        try:
            history = allure_html.carry_history(previous, folder)
            index = allure_html.build(
                folder / "allure-results", folder / "allure-report", bench, history=history
            )
            print(f"bioharness: Allure report   {index}")
        except (allure_html.AllureUnavailable, RuntimeError) as exc:
            print(f"bioharness: no Allure HTML report: {exc}")
    totals = document["totals"]["requirements"]
    print(f"bioharness: summary         {folder / 'summary.html'}")
    deviations = document["totals"].get("deviations", {})
    print(
        f"bioharness: verdict {document['verdict'].upper()}: "
        + ", ".join(f"{n} requirements {v}" for v, n in totals.items() if n)
        + ("; deviations: " if deviations else "")
        + ", ".join(f"{n} {status}" for status, n in deviations.items())
    )
    return status if document["verdict"] == "pass" else EXIT_NOT_CONFORMING
