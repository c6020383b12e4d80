"""Bad input never stops other pages, never ends in a traceback and never vanishes.

A file that cannot be read and a manifest row that says something wrong each become one row,
naming the file (or the manifest line) and the cause, in load_rejections or load_warnings; every
other page loads as it would without them, and the build exits 0.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SEED, SEED_AMOUNTS, SOURCES
from warehouse_support import build_in_process, query

from pipeline.core import build, documents
from pipeline.core.documents import MANIFEST, Unreadable, parse_manifest, read_page

KIESRAAD = "rf_2020_1SUPP_IIB_art9_kiesraad.txt"
KIESRAAD_URL = "https://www.rijksfinancien.nl/memorie-van-toelichting/2020/1SUPP/IIB/onderdeel/399936"
HEADER = "file,source_url,chapter,budget_year,phase,article"
SEED_ROW = f"{SEED},,VII,2024,OWB,7"
RUN_TOGETHER = "rb_2007_OWB_XIV_LNV_art28_nominaal_onvoorzien_flattened.txt"


def manifest_of(text: str | bytes, pages: tuple[str, ...] = (SEED, KIESRAAD)) -> dict:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return parse_manifest(data, lambda name: name in pages)


def messages(row) -> list[str]:
    return [message for _column, message in row.problems]


def fail_on(seam: str, errors: dict[str, OSError]):
    """`documents.<seam>` (`_read_file`, `_list_folder`) raising the given error for these names
    and working for the others: root reads any file and lists any folder, so permission and
    device errors are simulated here."""
    original = getattr(documents, seam)

    def failing(path):
        if Path(path).name in errors:
            raise errors[Path(path).name]
        return original(path)

    return failing


def seed_and_kiesraad(folder: Path, manifest: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(SOURCES / SEED, folder / SEED)
    shutil.copy(SOURCES / KIESRAAD, folder / KIESRAAD)
    (folder / MANIFEST).write_text(manifest, encoding="utf-8")
    return folder


# Files that cannot be read ------------------------------------------------------------------


def test_a_symlink_loop_a_dangling_link_and_a_fifo_each_say_why_they_cannot_be_read(tmp_path: Path) -> None:
    os.symlink("loop.txt", tmp_path / "loop.txt")
    os.symlink("nowhere.txt", tmp_path / "dangling.txt")
    os.mkfifo(tmp_path / "fifo.txt")  # opening it for reading must not wait for a writer
    (tmp_path / "page.txt").write_text("Uitgaven 100", encoding="utf-8")
    assert [page.key for page in documents.scan(tmp_path)] == ["dangling.txt", "fifo.txt", "loop.txt", "page.txt"]
    assert read_page(tmp_path, "loop.txt") == Unreadable(
        "loop.txt: cannot be read: a symbolic link that loops ([Errno 40] Too many levels of symbolic links)"
    )
    assert read_page(tmp_path, "dangling.txt") == Unreadable(
        "dangling.txt: cannot be read: a symbolic link to 'nowhere.txt', which does not exist ([Errno 2] No such file or directory)"
    )
    assert read_page(tmp_path, "fifo.txt") == Unreadable("fifo.txt: cannot be read: it is a named pipe (FIFO), not a file")
    assert read_page(tmp_path, "page.txt") == b"Uitgaven 100"


def test_a_link_to_a_device_is_refused_without_reading_it(tmp_path: Path) -> None:
    os.symlink("/dev/zero", tmp_path / "zero.txt")  # read, it would never end
    assert read_page(tmp_path, "zero.txt") == Unreadable("zero.txt: cannot be read: it is a character device, not a file")


def test_a_link_to_a_folder_above_is_not_followed_for_ever(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "page.txt").write_text("Uitgaven 100", encoding="utf-8")
    os.symlink("..", tmp_path / "sub" / "up")
    assert [page.key for page in documents.scan(tmp_path)] == ["sub/page.txt"]


def test_a_file_name_that_is_not_utf8_is_listed_with_escapes_and_refused_by_name(tmp_path: Path) -> None:
    (tmp_path / os.fsdecode(b"caf\xe9.txt")).write_text("Uitgaven 100", encoding="utf-8")
    (page,) = documents.scan(tmp_path)
    assert page.key == "caf\\xe9.txt"
    assert documents.present(tmp_path, [page.key], {}) == [page.key]
    assert read_page(tmp_path, page.key) == Unreadable(
        "caf\\xe9.txt: cannot be read: the file name is not UTF-8 text (shown here with \\x escapes); rename the file to load it"
    )


def test_a_subfolder_that_cannot_be_listed_is_refused_as_one_entry_not_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "page.txt").write_text("Uitgaven 100", encoding="utf-8")
    (tmp_path / "page.txt").write_text("Uitgaven 100", encoding="utf-8")
    list_folder = documents._list_folder
    monkeypatch.setattr(documents, "_list_folder", fail_on("_list_folder", {"locked": PermissionError(13, "Permission denied")}))
    assert [page.key for page in documents.scan(tmp_path)] == ["locked/", "page.txt"]
    assert documents.present(tmp_path, ["locked/", "page.txt"], {}) == ["locked/", "page.txt"]
    assert read_page(tmp_path, "locked/") == Unreadable(
        "locked/: the folder cannot be listed: [Errno 13] Permission denied; the pages in it were not read"
    )
    monkeypatch.setattr(documents, "_list_folder", list_folder)  # readable again: the entry is gone, its pages come
    assert documents.present(tmp_path, ["locked/"], {}) == []
    assert [page.key for page in documents.scan(tmp_path)] == ["locked/page.txt", "page.txt"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file: the tests with `fail_on` simulate it")
def test_a_file_without_read_permission_is_refused_with_the_cause(tmp_path: Path) -> None:
    (tmp_path / "page.txt").write_text("Uitgaven 100", encoding="utf-8")
    (tmp_path / "page.txt").chmod(0)
    assert read_page(tmp_path, "page.txt") == Unreadable("page.txt: cannot be read: [Errno 13] Permission denied")


def test_a_read_error_that_names_no_file_is_reported_with_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "page.txt").write_text("Uitgaven 100", encoding="utf-8")
    monkeypatch.setattr(documents, "_read_file", fail_on("_read_file", {"page.txt": OSError(5, "Input/output error")}))
    assert read_page(tmp_path, "page.txt") == Unreadable("page.txt: cannot be read: [Errno 5] Input/output error")


def test_an_unreadable_page_is_refused_whole_and_keeps_its_manifest_warnings(tmp_path: Path) -> None:
    row = manifest_of(f"{HEADER}\n{SEED},,VII,abc,OWB,7\n")[SEED]
    parsed = build.parse_source(SEED, Unreadable(f"{SEED}: cannot be read: [Errno 5] Input/output error"), row)
    assert parsed.rejected_reason == f"{SEED}: cannot be read: [Errno 5] Input/output error"
    frames = build.to_frames([parsed])
    assert list(frames["load_rejections"]["reason"]) == [parsed.rejected_reason]
    assert list(frames["load_warnings"]["message"]) == [
        "manifest.csv line 2: budget_year 'abc' is not a year; left out, the page's address or text gives it"
    ]
    assert list(frames["source_file"]["status"]) == ["rejected"] and len(frames["dim_document"]) == 0


def test_unreadable_pages_are_never_taken_for_copies_of_each_other(tmp_path: Path) -> None:
    pages = [build.parse_source(key, Unreadable(f"{key}: cannot be read: [Errno 5] Input/output error"), None) for key in ("a.txt", "b.txt")]
    build.deduplicate(pages)
    assert [(p.duplicate_of, p.rejected_reason is not None) for p in pages] == [(None, True), (None, True)]


def test_two_versions_of_one_page_each_say_why_even_when_a_table_of_theirs_was_refused() -> None:
    text = (SOURCES / RUN_TOGETHER).read_text(encoding="utf-8")  # its table is refused: run-together numbers
    row = manifest_of(f"{HEADER}\n{SEED_ROW}\n")[SEED]
    pages = [build.parse_source(key, data.encode("utf-8"), row) for key, data in (("a.txt", text), ("b.txt", text + "\n"))]
    assert any(r["table_id"] for r in pages[1].result.rejections)
    build.deduplicate(pages)
    reasons = build.to_frames(pages)["load_rejections"]
    assert sorted(reasons["source_file"]) == ["a.txt", "b.txt"]
    assert all("claim the same page" in reason for reason in reasons["reason"])


# Pages that are not UTF-8 ---------------------------------------------------------------------


def test_a_page_saved_as_windows_1252_loads_as_the_same_page_with_a_warning_naming_the_encoding() -> None:
    text = (SOURCES / KIESRAAD).read_text(encoding="utf-8")
    as_utf8 = build.parse_source(KIESRAAD, text.encode("utf-8"), None)
    as_1252 = build.parse_source(KIESRAAD, text.encode("cp1252"), None)
    assert as_1252.rejected_reason is None
    assert as_1252.result.amounts == as_utf8.result.amounts and as_1252.result.amounts
    (warning,) = [w for w in as_1252.result.warnings if w["field"] == "encoding"]
    assert warning["message"].startswith(f"{KIESRAAD}: not UTF-8 text (byte ") and warning["message"].endswith("read as Windows-1252")


def test_binary_data_is_refused_not_decoded() -> None:
    parsed = build.parse_source("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff", None)
    assert parsed.rejected_reason == "image.txt: not UTF-8 text (byte 0 is 0x89) and holds NUL bytes: binary data; the page was not read"


# Manifest problems ----------------------------------------------------------------------------


def test_a_budget_year_that_is_not_a_year_is_left_out_of_its_own_row_only() -> None:
    rows = manifest_of(f"{HEADER}\n{SEED},,VII,abc,OWB,7\n{KIESRAAD},,IIB,2020,1SUPP,9\n")
    assert (rows[SEED].chapter, rows[SEED].budget_year, rows[SEED].phase) == ("VII", None, "OWB")
    assert messages(rows[SEED]) == ["manifest.csv line 2: budget_year 'abc' is not a year; left out, the page's address or text gives it"]
    assert rows[KIESRAAD].budget_year == 2020 and not rows[KIESRAAD].problems
    assert MANIFEST not in rows


def test_an_unknown_phase_is_named_not_silently_emptied() -> None:
    row = manifest_of(f"{HEADER}\n{SEED},,VII,2024,XYZ,7\n")[SEED]
    assert row.phase is None
    assert messages(row) == [
        "manifest.csv line 2: phase 'XYZ' is not a phase (OWB, 1SUPP, PSUPP, 2SUPP, JV or SBS); left out, the page's address gives it"
    ]


def test_a_manifest_that_is_not_utf8_loses_only_the_values_that_are_not() -> None:
    rows = manifest_of(f"{HEADER}\n{SEED},,VII,2024,OWB,7\n".encode() + f"{KIESRAAD},,IIB,2020,1SUPP,Financiën\n".encode("cp1252"))
    assert rows[SEED].article == "7" and not rows[SEED].problems
    assert (rows[KIESRAAD].budget_year, rows[KIESRAAD].article) == (2020, None)
    assert messages(rows[KIESRAAD]) == ["manifest.csv line 3: article 'Financi\ufffdn' is not UTF-8 text; left out"]


def test_a_nul_byte_in_a_value_leaves_that_value_out() -> None:
    row = manifest_of(f"{HEADER}\n{SEED},,V\x00II,2024,OWB,7\n")[SEED]
    assert row.chapter is None and row.budget_year == 2024
    assert messages(row) == ["manifest.csv line 2: chapter 'V\\x00II' holds a NUL byte; left out"]


def test_a_header_without_file_is_one_rejection_of_the_manifest_and_no_row_is_used() -> None:
    rows = manifest_of(f"name,source_url,chapter,budget_year,phase,article\n{SEED_ROW}\n")
    assert list(rows) == [MANIFEST]
    assert messages(rows[MANIFEST]) == [
        "manifest.csv line 1: no 'file' column (the header is 'name,source_url,chapter,budget_year,phase,article'); "
        "no row can name its page, so none is used (columns: file, source_url, chapter, budget_year, phase, article)"
    ]


def test_misspelt_headers_are_named_with_the_column_meant() -> None:
    rows = manifest_of(f"file,url,chapter,year,phase,article\n{SEED},http://x,VII,2024,OWB,7\n")
    assert (rows[SEED].source_url, rows[SEED].budget_year, rows[SEED].chapter) == (None, None, "VII")
    assert messages(rows[MANIFEST]) == [
        "manifest.csv line 1: column 'url' is not a manifest column (did you mean 'source_url'?); its values are not used",
        "manifest.csv line 1: column 'year' is not a manifest column (did you mean 'budget_year'?); its values are not used",
    ]


def test_rows_for_missing_files_and_rows_without_a_file_are_named() -> None:
    rows = manifest_of(f"{HEADER}\n{SEED_ROW}\ngone.txt,,VII,2024,OWB,8\n,,VII,2024,OWB,9\n../outside.txt,,,,,\n")
    assert messages(rows[MANIFEST]) == [
        "manifest.csv line 3: file 'gone.txt' is not a page file in the sources folder; the row is not used",
        "manifest.csv line 4: no file name; the row is not used",
        "manifest.csv line 5: file '../outside.txt' is not a page file in the sources folder; the row is not used",
    ]
    assert not rows[SEED].problems


def test_a_row_with_more_values_than_columns_is_not_used() -> None:
    row = manifest_of(f"{HEADER}\n{SEED},http://x?a=1,2,VII,2024,OWB,7\n")[SEED]
    assert (row.source_url, row.chapter, row.budget_year) == (None, None, None)
    assert messages(row) == ["manifest.csv line 2 has 7 values for 6 columns (an unquoted comma?); the row is not used"]


def test_two_rows_that_agree_are_used_once_with_a_warning() -> None:
    row = manifest_of(f"{HEADER}\n{SEED_ROW}\n{KIESRAAD},,,,,\n{SEED},,vii,2024,owb,7\n")[SEED]
    assert (row.chapter, row.budget_year, row.phase, row.article) == ("VII", 2024, "OWB", "7")
    assert messages(row) == [f"manifest.csv lines 2 and 4 all list '{SEED}', with the same values; used once"]


def test_two_rows_that_disagree_are_both_left_out_with_a_warning_naming_both() -> None:
    row = manifest_of(f"{HEADER}\n{SEED_ROW}\n{SEED},,VII,2025,OWB,7\n")[SEED]
    assert (row.chapter, row.budget_year, row.phase, row.article) == (None, None, None, None)
    assert messages(row) == [
        f"manifest.csv lines 2 and 3 list '{SEED}' and disagree (budget_year 2024 against 2025); "
        "neither is used, the page's address and text decide"
    ]


def test_a_manifest_problem_is_part_of_its_pages_fingerprint() -> None:
    sha = "0" * 64
    one = manifest_of(f"{HEADER}\n{SEED},,VII,abc,OWB,7\n")[SEED]
    other = manifest_of(f"{HEADER}\n{SEED},,VII,abd,OWB,7\n")[SEED]
    same = manifest_of(f"{HEADER}\n{SEED},,VII,abc,OWB,7\n{KIESRAAD},,,,,\n")[SEED]
    assert documents.fingerprint(sha, one) != documents.fingerprint(sha, other)
    assert documents.fingerprint(sha, one) == documents.fingerprint(sha, same)


# Whole builds -----------------------------------------------------------------------------------


def test_the_console_script_records_every_bad_file_and_manifest_row_and_loads_the_rest(tmp_path: Path) -> None:
    sources = seed_and_kiesraad(
        tmp_path / "sources",
        f"{HEADER},year\n"
        f"{SEED_ROW},\n"
        f"{KIESRAAD},{KIESRAAD_URL},IIB,abc,XYZ,9,\n"
        "gone.txt,,VII,2024,OWB,8,\n"
        f"fifo.txt,,VII,2024,OWB,7,\n"
        f"fifo.txt,,VII,2025,OWB,7,\n",
    )
    with open(sources / MANIFEST, "ab") as manifest:  # a row saved as Windows-1252
        manifest.write("windows.txt,,IIB,2021,1SUPP,Financiën,\n".encode("cp1252"))
    os.symlink("loop.txt", sources / "loop.txt")
    os.symlink("nowhere.txt", sources / "dangling.txt")
    os.mkfifo(sources / "fifo.txt")
    (sources / "binary.txt").write_bytes(b"\x00\x01\x02\xff\xfe")
    (sources / "windows.txt").write_bytes((SOURCES / KIESRAAD).read_text(encoding="utf-8").replace("2020", "2021").encode("cp1252"))
    warehouse = tmp_path / "w.duckdb"
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "home")}
    env.pop("BUDGET_STAGING_PATH", None)
    (tmp_path / "home").mkdir()
    exe = Path(sys.executable).with_name("budget-warehouse")
    result = subprocess.run(
        [str(exe), "build", "--sources", str(sources), "--warehouse", str(warehouse)],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    rejections = dict(query(warehouse, "SELECT source_file, string_agg(reason, ' | ' ORDER BY reason) FROM load_rejections GROUP BY 1"))
    assert rejections == {
        "binary.txt": "binary.txt: not UTF-8 text (byte 3 is 0xff) and holds NUL bytes: binary data; the page was not read",
        "dangling.txt": "dangling.txt: cannot be read: a symbolic link to 'nowhere.txt', which does not exist ([Errno 2] No such file or directory)",
        "fifo.txt": "fifo.txt: cannot be read: it is a named pipe (FIFO), not a file",
        "loop.txt": "loop.txt: cannot be read: a symbolic link that loops ([Errno 40] Too many levels of symbolic links)",
        MANIFEST: "manifest.csv line 1: column 'year' is not a manifest column (did you mean 'budget_year'?); its values are not used"
        " | manifest.csv line 4: file 'gone.txt' is not a page file in the sources folder; the row is not used",
    }
    warnings = query(warehouse, "SELECT source_file, message FROM load_warnings WHERE message LIKE 'manifest.csv%' OR field = 'encoding' ORDER BY 1, 2")
    assert warnings == [
        ("fifo.txt", "manifest.csv lines 5 and 6 list 'fifo.txt' and disagree (budget_year 2024 against 2025); neither is used, the page's address and text decide"),
        (KIESRAAD, "manifest.csv line 3: budget_year 'abc' is not a year; left out, the page's address or text gives it"),
        (KIESRAAD, "manifest.csv line 3: phase 'XYZ' is not a phase (OWB, 1SUPP, PSUPP, 2SUPP, JV or SBS); left out, the page's address gives it"),
        ("windows.txt", "manifest.csv line 7: article 'Financi\ufffdn' is not UTF-8 text; left out"),
        ("windows.txt", "windows.txt: not UTF-8 text (byte 142 is 0x80); read as Windows-1252"),
    ]
    # The bad rows cost their page nothing it says itself: the address still gives year and phase.
    documents_loaded = query(warehouse, "SELECT source_file, budget_year, phase FROM dim_document ORDER BY 1")
    assert documents_loaded == [(SEED, 2024, "OWB"), (KIESRAAD, 2020, "1SUPP"), ("windows.txt", 2021, "1SUPP")]
    assert query(warehouse, "SELECT count(*) FROM fact_budget_amount f JOIN dim_document d USING (document_id) WHERE d.source_file = ?", SEED) == [(SEED_AMOUNTS,)]
    assert "rejections: 6" in result.stdout


def test_read_errors_of_the_system_are_recorded_and_the_other_pages_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sources = seed_and_kiesraad(tmp_path / "sources", f"{HEADER}\n{SEED_ROW}\n")
    permission = PermissionError(13, "Permission denied", str(sources / KIESRAAD))
    monkeypatch.setattr(documents, "_read_file", fail_on("_read_file", {KIESRAAD: permission, "eio.txt": OSError(5, "Input/output error")}))
    monkeypatch.setattr(documents, "_list_folder", fail_on("_list_folder", {"locked": PermissionError(13, "Permission denied")}))
    (sources / "eio.txt").write_text("Uitgaven 100", encoding="utf-8")
    (sources / "locked").mkdir()
    shutil.copy(SOURCES / KIESRAAD, sources / "locked" / "kiesraad.txt")
    warehouse = tmp_path / "w.duckdb"
    assert build_in_process(sources, warehouse) == 0
    assert query(warehouse, "SELECT source_file, reason FROM load_rejections ORDER BY 1") == [
        ("eio.txt", "eio.txt: cannot be read: [Errno 5] Input/output error"),
        ("locked/", "locked/: the folder cannot be listed: [Errno 13] Permission denied; the pages in it were not read"),
        (KIESRAAD, f"{KIESRAAD}: cannot be read: [Errno 13] Permission denied"),
    ]
    assert query(warehouse, "SELECT source_file FROM dim_document") == [(SEED,)]


def test_a_manifest_problem_is_reported_once_per_build_and_follows_its_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    sources = seed_and_kiesraad(tmp_path / "sources", f"{HEADER}\n{SEED},,VII,abc,OWB,7\n")
    warehouse = tmp_path / "w.duckdb"

    def manifest_warnings() -> list[tuple[str, str]]:
        return query(warehouse, "SELECT source_file, message FROM load_warnings WHERE message LIKE 'manifest.csv%' ORDER BY 1, 2")

    def build_again() -> str:
        assert build_in_process(sources, warehouse) == 0
        return capsys.readouterr().out

    build_again()
    abc = [(SEED, "manifest.csv line 2: budget_year 'abc' is not a year; left out, the page's address or text gives it")]
    assert manifest_warnings() == abc
    assert "pages parsed: 0" in build_again()  # nothing changed: nothing parsed, nothing repeated
    assert manifest_warnings() == abc
    # Another wrong value in the row, the file untouched: the page is parsed again and says so.
    (sources / MANIFEST).write_text(f"{HEADER}\n{SEED},,VII,abd,OWB,7\n", encoding="utf-8")
    assert "pages parsed: 1" in build_again()
    assert manifest_warnings() == [(SEED, "manifest.csv line 2: budget_year 'abd' is not a year; left out, the page's address or text gives it")]
    # A header without `file`: one rejection of the manifest; the pages load from their text.
    (sources / MANIFEST).write_text(f"name,budget_year\n{SEED},2024\n", encoding="utf-8")
    build_again()
    assert manifest_warnings() == []
    assert query(warehouse, "SELECT source_file FROM load_rejections") == [(MANIFEST,)]
    assert query(warehouse, "SELECT count(*) FROM dim_document") == [(2,)]
    # Mended: the manifest's rejection leaves, and the row is used again.
    (sources / MANIFEST).write_text(f"{HEADER}\n{SEED_ROW}\n", encoding="utf-8")
    build_again()
    assert query(warehouse, "SELECT count(*) FROM load_rejections") == [(0,)]
    assert manifest_warnings() == []
    assert query(warehouse, "SELECT budget_year, phase FROM dim_document WHERE source_file = ?", SEED) == [(2024, "OWB")]
