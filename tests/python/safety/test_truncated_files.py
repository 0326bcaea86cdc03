"""A truncated download is an error naming the file and the line (issue 15, case 1). The truncated files are
copies of the real mirror file cut at test time in tmp, at the byte offsets the issue reports."""

from __future__ import annotations

import io
import shutil
import zipfile

import pytest

from ingest.config import settings
from ingest.sources import stage
from ingest.sources.conform import FileContext, ParseError, read_member

Y6 = "fingertips_ncmp_obesity/obese_year6.csv"
REGISTRY_ENTRY = "fingertips_ncmp_obesity"


def ingest_with(tmp_path, mirror_dir, data: bytes):
    """Ingest the NCMP source from a private mirror whose Year 6 file holds ``data``; the lake as written."""
    mirror = tmp_path / "mirror"
    (mirror / "fingertips_ncmp_obesity").mkdir(parents=True)
    shutil.copyfile(mirror_dir / "fingertips_ncmp_obesity/obese_reception.csv",
                    mirror / "fingertips_ncmp_obesity/obese_reception.csv")
    (mirror / Y6).write_bytes(data)
    cfg = settings(data_dir=tmp_path / "data", mirror=mirror)
    return cfg, stage.run(cfg, sources=[REGISTRY_ENTRY])


@pytest.mark.parametrize(("size", "line", "what"), [
    # inside Westminster's 2024/25 value: 24.2 would have been published as 2.0
    (459164, 3596, "has 8 field(s), the header has 10"),
    # 97% of the file: every borough's 2024/25 value dropped, the last record cut inside its period
    (455063, 3563, "has 4 field(s), the header has 10"),
])
def test_a_file_cut_inside_a_record_is_an_error_naming_file_and_line(tmp_path, mirror_dir, size, line, what):
    data = (mirror_dir / Y6).read_bytes()[:size]
    with pytest.raises(Exception) as err:
        ingest_with(tmp_path, mirror_dir, data)
    msg = str(err.value)
    assert f"file {Y6}" in msg and f"line {line} (the last line, with no final newline" in msg and what in msg
    assert not (tmp_path / "data/lake/fingertips_ncmp_obesity/ncmp_obesity_year6.parquet").exists()


def test_a_file_cut_after_a_complete_last_field_still_fails_on_the_missing_newline(tmp_path, mirror_dir):
    data = (mirror_dir / Y6).read_bytes()
    cut = data.rstrip(b"\n")  # every field intact, only the final newline gone: the last value may be short
    with pytest.raises(Exception, match=r"line 3672 \(the last\) has no final newline"):
        ingest_with(tmp_path, mirror_dir, cut)


def test_the_whole_file_parses(tmp_path, mirror_dir):
    _cfg, summary = ingest_with(tmp_path, mirror_dir, (mirror_dir / Y6).read_bytes())
    assert "2 datasets written" in summary


def test_a_zip_member_over_the_limit_is_refused_before_it_is_read(tmp_path):
    """A 2 GiB member declared in a small zip: refused from the central directory, never decompressed."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("data.csv", b"a,b\n" + b"1,2\n" * 300_000)  # 1.2 MB uncompressed
    path = tmp_path / "x.zip"
    path.write_bytes(buf.getvalue())
    ctx = FileContext("src", "ds", "f", path, "https://example.invalid/x.zip", None, "0" * 64,
                      {"zip_member": "*.csv", "max_bytes": 1_000_000})
    with pytest.raises(ParseError, match=r"zip member 'data.csv' is 1,200,004 bytes uncompressed, over the "
                                         r"limit of 1,000,000"):
        read_member(ctx)
    ctx.options["max_bytes"] = 2_000_000
    assert read_member(ctx)[1] == "data.csv"
