"""A server layer as YAML in the knowledge/*.yaml format: export for a pull request, import back.

The file is a plain list of entries, so it can be merged into `knowledge/` as it is. Hidden ids
travel in a `# hidden: a, b` comment line: the bundled loader ignores it, import honours it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from bot.knowledge.layers import LayerComposer, Origin, origin_of, text_data, with_aliases
from bot.knowledge.models import Entry, validate_entry
from bot.knowledge.yamlsource import DataFileError, ValidationIssue, parse_yaml

IMPORT_MAX_BYTES = 1_000_000  # a layer file, uploaded on Discord or given to the CLI
HIDDEN_LINE = re.compile(r"^#\s*hidden:(?P<ids>.*)$", re.MULTILINE)
FIELD_ORDER = ("id", "title", "category", "questions", "keywords", "answer", "related")
FLOW_FIELDS = ("keywords", "related", "sources")


class _Flow(list[Any]):
    """A list written inline, like `keywords: [a, b]` in the knowledge files."""


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)  # indent list items under their key, as the files do


def _string(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _flow(dumper: yaml.SafeDumper, value: _Flow) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)


_Dumper.add_representer(str, _string)
_Dumper.add_representer(_Flow, _flow)


def entry_yaml(data: dict[str, Any]) -> str:
    """One entry as a YAML list item, keys in the files' order."""
    ordered = {key: data[key] for key in FIELD_ORDER if key in data}
    ordered.update({key: value for key, value in data.items() if key not in ordered})
    for key in FLOW_FIELDS:
        if key in ordered:
            ordered[key] = _Flow(ordered[key])
    return yaml.dump(
        [ordered], Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1_000_000
    )


def export_layer(guild_id: int, layer: LayerComposer) -> str:
    """The server's layer as YAML: every entry it added or changed, plus its hidden ids."""
    added: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for entry_id, row in sorted(layer.rows.items()):
        bundled = layer.bundled.get(entry_id)
        data = text_data(row, bundled)
        if data is None or (row.data is None and not row.aliases):
            continue  # only hidden: listed in the header
        data = with_aliases(data, row.aliases)
        (added if origin_of(row, bundled) is Origin.SERVER else changed).append(data)
    hidden = layer.hidden_ids()
    lines = [
        f"# CareerBot knowledge layer of server {guild_id}, in the knowledge/*.yaml format.",
        "# To merge it into the bundled base, move each entry into knowledge/<category>.yaml;",
        "# an entry marked 'replaces' takes the place of the bundled entry with its id.",
    ]
    if hidden:
        lines.append(f"# hidden: {', '.join(hidden)}")
    parts = ["\n".join(lines) + "\n"]
    for data in sorted(changed, key=lambda d: (d.get("category", ""), d["id"])):
        parts.append(f"# replaces the bundled entry {data['id']}\n" + entry_yaml(data))
    for data in sorted(added, key=lambda d: (d.get("category", ""), d["id"])):
        parts.append(entry_yaml(data))
    return "\n".join(parts)


@dataclass
class LayerFile:
    """A parsed, schema-checked layer file: entries with their lines, and hidden ids."""

    file: str
    entries: list[tuple[Entry, int]] = field(default_factory=list)
    hidden: list[tuple[str, int]] = field(default_factory=list)


def parse_layer_file(text: str, file: str) -> LayerFile:
    """Parse and check every entry; raise DataFileError listing every problem with its line.

    Takes about a second and 30 MB per megabyte of YAML: run it off the event loop.
    """
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > IMPORT_MAX_BYTES:
        message = f"the file has {size:,} bytes; a layer file may have {IMPORT_MAX_BYTES:,}"
        raise DataFileError([ValidationIssue(file, 0, None, None, message)])
    document = parse_yaml(text, file)
    issues: list[ValidationIssue] = document.duplicate_key_issues()
    parsed = LayerFile(file)
    for match in HIDDEN_LINE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        for raw in re.split(r"[,\s]+", match.group("ids")):
            if raw:
                parsed.hidden.append((raw.lower(), line))
    data = document.data
    if data is not None and not isinstance(data, list):
        issues.append(ValidationIssue(file, 1, None, None, "file must be a list of entries"))
        data = None
    for index, raw in enumerate(data or []):
        entry, entry_issues = validate_entry(
            raw, file=file, line_of=document.line_of, path=(index,)
        )
        issues.extend(entry_issues)
        if entry is not None:
            parsed.entries.append((entry, document.line_of((index,))))
    if issues:
        raise DataFileError(issues)
    return parsed
