"""An OpenCodelists download is read in any of its CSV layouts, whole or not at all: each code
checked for its system's form, a bad row named by file, row and column."""

from __future__ import annotations

import pytest

from openpcn.exceptions import InputError
from openpcn.sources.opencodelists import read_opencodelists


def write(tmp_path, text, name="download.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "column", "system"),
    [
        ("code,term\n38341003,Hypertensive disorder\n59621000,Essential hypertension\n", "code",
         "snomedct"),
        ("id,name\n38341003,Hypertensive disorder\n59621000,Essential hypertension\n", "id",
         "snomedct"),
        ("dmd_type,dmd_id,dmd_name,bnf_code\nVMP,38341003,A,0212000B0\nAMP,59621000,B,0212000B0\n"
         "AMP,59621000,B again,0212000B0\n", "dmd_id", "dmd"),
    ],
)  # fmt: skip
def test_each_layout_gives_the_codes_and_terms(tmp_path, text, column, system):
    found = read_opencodelists(write(tmp_path, text))
    assert (found.code_column, found.system) == (column, system)
    assert [code for code, _ in found.codes] == ["38341003", "59621000"]  # a repeat kept once


def test_a_bad_code_is_named_with_its_row_and_the_fix(tmp_path):
    path = write(tmp_path, "code,term\n38341003,ok\n300309006,Limitation of activity\n")
    with pytest.raises(InputError) as refused:
        read_opencodelists(path)
    error = refused.value
    assert (error.where.file, error.where.row, error.where.column) == ("download.csv", 3, "code")
    assert "check digit" in error.what and "--system" in (error.fix or "")


def test_a_file_without_a_code_column_or_codes_is_refused(tmp_path):
    with pytest.raises(InputError, match="no code column"):
        read_opencodelists(write(tmp_path, "snomed,description\n38341003,x\n"))
    with pytest.raises(InputError, match="no codes"):
        read_opencodelists(write(tmp_path, "code,term\n"))
