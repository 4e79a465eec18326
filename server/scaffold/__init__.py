"""`rapport plugin new NAME`: a plugin package to start from, with a metric, a test and a README.

The files are the templates beside this module with `<<placeholders>>` filled in. The new plugin
installs with pip and passes its own test (with the fixtures of server/testing.py) unchanged.
"""

from __future__ import annotations

import re
from pathlib import Path

from server.errors import UserError

TEMPLATES = Path(__file__).resolve().parent / "templates"
PLUGIN_NAME = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")


def create_plugin(name: str, parent: Path, taken: set[str]) -> Path:
    """Write the package `rapport-<name>/` under `parent`; `taken`: names already installed."""
    if not PLUGIN_NAME.fullmatch(name):
        raise UserError(
            f"plugin name {name!r}: use lower-case letters, digits and single underscores, "
            "starting with a letter (first_reply)"
        )
    field = _camel(name)
    if name in taken or field in taken:
        raise UserError(f"plugin name {name!r}: a plugin or metric of that name is installed")
    project = parent / f"rapport-{name.replace('_', '-')}"
    if project.exists():
        raise UserError(f"{project}: already exists")
    names = {
        "name": name,
        "NAME": name.upper(),
        "field": field,
        "Type": field[0].upper() + field[1:],
        "package": f"rapport_{name}",
        "distribution": project.name,
    }
    files = {
        "pyproject.toml": "pyproject.toml.tmpl",
        "README.md": "README.md.tmpl",
        f"rapport_{name}/__init__.py": "plugin.py.tmpl",
        f"tests/test_{name}.py": "test_plugin.py.tmpl",
    }
    for target, template in files.items():
        path = project / target
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_fill((TEMPLATES / template).read_text(), names))
    return project


def _fill(text: str, names: dict[str, str]) -> str:
    return re.sub(r"<<(\w+)>>", lambda match: names[match.group(1)], text)


def _camel(name: str) -> str:
    """`first_reply` -> `firstReply`."""
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)
