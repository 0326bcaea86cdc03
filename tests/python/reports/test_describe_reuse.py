"""Our patch to Evidence's universal-sql (reports/patches/, docs/reports.md): while prerendering, the column types
of a page query (`DESCRIBE`) are reused from an earlier query of the same shape (the same name and SQL once quoted
strings are blanked) whose rows have the same column names and Arrow types.

Runs the patched module in node on DuckDB-WASM with hand-written queries (no data): the reuse, the check mode the
site tests build with (`VITE_EVIDENCE_DESCRIBE_CHECK=true`) stopping on a reused description that DuckDB would not
give, and the switch that describes every query again.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

SCRIPT = """
const [module, queries] = [process.argv[2], JSON.parse(process.argv[3])];
const { initDB, query } = await import(module);
await initDB();
const opts = { route_hash: 'r', additional_hash: 'a', query_name: 'q', prerendering: true };
for (const [value, alias] of queries) {
  // the text Evidence's Query sends for a page query's column types (sdk/src/usql/query/Query.js)
  const sql = `---- Columns q (h${value})\\nDESCRIBE SELECT * FROM (select 1::BIGINT as n, ` +
    `struct_extract({'a': 1::BIGINT, 'b': 1.5::DOUBLE}, '${value}') as v where 'p' <> '${value}'\\n` +
    `) AS "inputQuery-${alias}"\\n`;
  try {
    console.log(JSON.stringify(query(sql, opts).map((r) => r.column_type)));
  } catch (e) {
    console.log(JSON.stringify({ error: e.message.split('\\n')[0] }));
  }
}
"""


def _describe(project_root: Path, tmp_path: Path, values: list[str], **env: str) -> list:
    module = project_root / "reports/node_modules/@evidence-dev/universal-sql/src/client-duckdb/node.js"
    if not module.exists():
        pytest.fail("reports/node_modules is missing: run scripts/setup.sh (it installs the npm packages in reports/)")
    script = tmp_path / "describe.mjs"
    script.write_text(SCRIPT, encoding="utf-8")
    queries = [[value, f"x{i}"] for i, value in enumerate(values)]  # a different random alias on each page
    out = subprocess.run(
        ["node", str(script), module.as_uri(), json.dumps(queries)],
        check=False,
        cwd=tmp_path,  # Evidence's query cache is written under the working directory
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    return [json.loads(line) for line in out.stdout.splitlines()]


def test_same_shape_and_types_reuses_the_description(project_root, tmp_path):
    # 'a' twice: the second page's description is the first's, and it is DuckDB's
    assert _describe(project_root, tmp_path, ["a", "a"], VITE_EVIDENCE_DESCRIBE_CHECK="true") == [
        ["BIGINT", "BIGINT"],
        ["BIGINT", "BIGINT"],
    ]


def test_check_mode_stops_on_a_reused_description_duckdb_would_not_give(project_root, tmp_path):
    # 'b' picks a DOUBLE field: the rows' Arrow types are the same (DuckDB-WASM casts BIGINT to double), so
    # without the check the first page's description (BIGINT) would be reused: the limit the check guards against
    assert _describe(project_root, tmp_path, ["a", "b"]) == [["BIGINT", "BIGINT"], ["BIGINT", "BIGINT"]]
    first, second = _describe(project_root, tmp_path, ["a", "b"], VITE_EVIDENCE_DESCRIBE_CHECK="true")
    assert first == ["BIGINT", "BIGINT"]
    assert second["error"].startswith("The column types of q differ from its shape's")


def test_every_query_described_when_asked(project_root, tmp_path):
    assert _describe(project_root, tmp_path, ["a", "b"], VITE_EVIDENCE_DESCRIBE_EVERY_QUERY="true") == [
        ["BIGINT", "BIGINT"],
        ["BIGINT", "DOUBLE"],
    ]
