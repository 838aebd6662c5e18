"""`flask import complaints FILE.csv` and `flask import tickets FILE.csv`: a legacy register."""

import csv
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from services.exports import neutralise
from services.imports import ImportRefused, ImportReport, import_register

import_group = AppGroup(
    "import",
    help="Bring in a legacy register from a CSV file: every row is checked first, and "
    "nothing is saved unless every row (or, with --skip-rejected, every good row) can be.",
)


def _progress(label, items, length):
    return click.progressbar(items, length=length, label=label, file=sys.stderr)


def _describe(problem) -> str:
    if problem.row == 0:
        return problem.reason  # about the whole file: it says where
    where = f"Row {problem.row}"
    if problem.column:
        where += f", {problem.column}"
    shown = f" “{problem.value}”" if problem.value else ""
    return f"{where}{shown}: {problem.reason}"


def _write_report(path: Path, report: ImportReport) -> None:
    with path.open("w", newline="", encoding="utf-8-sig") as out:
        writer = csv.writer(out)
        writer.writerow(["row", "column", "value", "reason"])
        for p in report.problems:
            writer.writerow([p.row or "", p.column, neutralise(p.value), p.reason])


def _references(report: ImportReport) -> str:
    refs = sorted(reference for _, reference in report.imported)
    by_prefix: dict[str, list[str]] = {}
    for reference in refs:
        by_prefix.setdefault(reference.rsplit("-", 1)[0], []).append(reference)
    return "; ".join(
        group[0] if len(group) == 1 else f"{group[0]} to {group[-1]}"
        for group in by_prefix.values()
    )


def _run(noun: str, file: Path, dry_run, skip_rejected, acting_username, report_path):
    try:
        report = import_register(
            noun,
            file.read_bytes(),
            file.name,
            dry_run=dry_run,
            skip_rejected=skip_rejected,
            acting_username=acting_username,
            progress=_progress,
        )
    except ImportRefused as error:
        click.echo(f"Error: {error} Nothing was imported.", err=True)
        raise SystemExit(2) from None
    except Exception:
        click.echo(
            "Error: the import failed unexpectedly and everything was rolled back: nothing "
            "was imported.",
            err=True,
        )
        raise

    for problem in report.problems:
        click.echo(_describe(problem))
    if report_path is not None:
        _write_report(report_path, report)
        if report.problems:
            click.echo(f"The refused rows are listed in {report_path}.")
        else:
            click.echo(f"No row was refused: {report_path} holds the header only.")

    rejected = len(report.rejected_rows)
    count = len(report.imported)
    if report.file_refused:
        click.echo(f"Nothing was imported: {file.name} cannot be read as a {noun} register.")
        raise SystemExit(1)
    if report.failure is not None:
        click.echo(report.failure)
        raise SystemExit(1)
    if rejected and not skip_rejected:
        good = report.rows_read - rejected
        click.echo(
            f"Nothing was imported: {rejected} of {report.rows_read} rows were refused. "
            + (
                f"Correct them and run again, or use --skip-rejected to import the {good} "
                f"good row{'s' if good != 1 else ''} only."
                if good
                else "Correct them and run again."
            )
        )
        raise SystemExit(1)
    skipped = f" {rejected} refused rows were skipped." if rejected else ""
    if count == 0:
        click.echo(f"Nothing to import: {file.name} has no {noun} to bring in.{skipped}")
        raise SystemExit(1 if rejected else 0)
    if dry_run:
        click.echo(
            f"Dry run: {count} {noun} would be imported ({_references(report)}).{skipped} "
            "Nothing was saved."
        )
        return
    click.echo(f"Imported {count} {noun} from {file.name}: {_references(report)}.{skipped}")


def _command(noun: str, example: str):
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option(
        "--dry-run",
        is_flag=True,
        help="Check every row and say what would be imported; save nothing.",
    )
    @click.option(
        "--skip-rejected",
        is_flag=True,
        help="Import the good rows and leave out the refused ones (still one transaction).",
    )
    @click.option(
        "--as",
        "acting_username",
        metavar="USERNAME",
        help="The account the history names as importing (it must be allowed to register "
        f"{noun}). Default: none, and the history says “The system”.",
    )
    @click.option(
        "--report",
        "report_path",
        type=click.Path(dir_okay=False, writable=True, path_type=Path),
        help="Also write the refused rows to this CSV file: row, column, value, reason.",
    )
    def command(file, dry_run, skip_rejected, acting_username, report_path):
        _run(noun, file, dry_run, skip_rejected, acting_username, report_path)

    command.__doc__ = (
        f"Import a legacy register of {noun} from FILE (CSV, UTF-8). "
        f"The columns are in the README; an example is {example}."
    )
    return import_group.command(noun)(command)


import_complaints = _command("complaints", "seed/examples/legacy-complaints.csv")
import_tickets = _command("tickets", "seed/examples/legacy-tickets.csv")
