"""The doors stand side by side: the JSON API imports nothing from the admin screens.

Policy every door shares (row scope, confidentiality, which time zone a case is in) lives in
services/ and rules/; the API reaching into views/admin/ would put it back inside one door.
Read from the source, so a lazy import inside a function counts too.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
API_MODULES = sorted((ROOT / "views" / "api").glob("*.py"))


def imported_modules(path: Path) -> set[str]:
    """Every module an `import` or `from ... import` in the file names, made absolute."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            # `from .. import admin` and `from views import admin` name the package itself.
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def test_the_api_package_has_modules_to_check():
    assert len(API_MODULES) > 1


@pytest.mark.parametrize("path", API_MODULES, ids=lambda path: path.name)
def test_no_api_module_imports_the_admin_screens(path):
    reaching_in = sorted(
        module
        for module in imported_modules(path)
        if module == "views.admin" or module.startswith("views.admin.")
    )
    assert reaching_in == [], f"views/api/{path.name} imports {', '.join(reaching_in)}"


def test_relative_imports_are_resolved_to_the_package_they_name():
    # The walk itself: `from ..admin import x` inside views/api/ is views.admin.
    sample = ROOT / "views" / "api" / "cases.py"
    assert "views.context" in imported_modules(sample)
