"""What a schema downgrade would lose.

Every migration's downgrade that drops a table or a column throws away what was kept in
it: the append-only history, attachments, consent answers, the outbox, tokens. The
`flask db downgrade` command asks this module first and refuses such a downgrade unless
told `--yes-drop-data` (views/migration_commands.py). A downgrade is judged by what its
code drops, so a migration added later is covered without anyone remembering to mark it.
"""

import inspect
import re
from dataclasses import dataclass

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

_DROPS = re.compile(r"""\.drop_(table|column)\(\s*["']([^"']+)["']""")
_BATCH = re.compile(r"""batch_alter_table\(\s*["']([^"']+)["']""")


@dataclass(frozen=True)
class Loss:
    revision: str
    title: str
    tables: tuple[str, ...]
    columns: tuple[str, ...]

    def describe(self) -> str:
        parts = []
        if self.tables:
            parts.append("drops the tables " + ", ".join(self.tables))
        if self.columns:
            parts.append("drops the columns " + ", ".join(self.columns))
        return f"{self.revision} ({self.title}): " + "; ".join(parts)


def what_it_drops(script) -> Loss | None:
    """The tables and columns a revision's downgrade drops, or None if it drops nothing."""
    source = inspect.getsource(script.module.downgrade)
    tables, columns = [], []
    table = None
    for line in source.splitlines():
        if batch := _BATCH.search(line):
            table = batch.group(1)
        for kind, name in _DROPS.findall(line):
            if kind == "table":
                tables.append(name)
            else:
                columns.append(f"{table}.{name}" if table else name)
    if not tables and not columns:
        return None
    title = (script.doc or "").strip().splitlines()[0] if script.doc else ""
    return Loss(script.revision, title, tuple(tables), tuple(columns))


def losses(config, connection, destination: str) -> list[Loss]:
    """What going down from the database's current revision to `destination` would drop,
    newest revision first."""
    script = ScriptDirectory.from_config(config)
    current = MigrationContext.configure(connection).get_current_heads()
    steps = script._downgrade_revs(destination, current)
    found = []
    for step in steps:
        loss = what_it_drops(step.revision)
        if loss:
            found.append(loss)
    return found


def one_way_revisions(config) -> list[Loss]:
    """Every revision whose downgrade drops something, newest first (for the README)."""
    script = ScriptDirectory.from_config(config)
    return [loss for rev in script.walk_revisions() if (loss := what_it_drops(rev))]
