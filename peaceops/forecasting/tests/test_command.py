"""The `forecast` command: evaluate on the real VIEWS data (one window, few draws), and run
on the database."""

import io

import pytest
from django.core.management import CommandError, call_command

from peaceops.forecasting import data
from peaceops.forecasting.management.commands.forecast import pgm_note, pgm_training_panel
from peaceops.forecasting.models import ForecastRun


def test_evaluate_prints_the_table_for_a_window():
    out = io.StringIO()
    call_command(
        "forecast",
        "evaluate",
        "--level",
        "cm",
        "--years",
        "2019",
        "--draws",
        "100",
        "--by-group",
        stdout=out,
    )
    text = out.getvalue()
    assert "cm 2019: 2292 unit-months scored" in text
    for model in ("zero", "last", "bootstrap", "conflictology", "lgbm"):
        assert f"cm    2019   {model} " in text
    assert "2019: 2292 unit-months, 12 months; lgbm" in text
    # --by-group: a line for every part and model, after the table
    lines = text.splitlines()
    for part in ("calm, y=0", "calm, y>0", "not calm, y=0", "not calm, y>0"):
        found = [line.split()[-3] for line in lines if line.startswith(f"cm    2019   {part} ")]
        assert found == ["zero", "last", "bootstrap", "conflictology", "lgbm"]


def test_pgm_notes_say_which_extracts_cover_a_window():
    assert pgm_note(2018) == "Cells of: SYR, CAF, NGA, SSD."
    assert pgm_note(2019) == (
        "Cells of: SYR, CAF, NGA, SSD. Syria scored January-November only "
        "(its extract ends 2019-11)."
    )
    assert pgm_note(2022) == "Cells of: CAF."


@pytest.mark.django_db
def test_run_stores_a_run_and_refuses_a_second(public_clashes):
    out = io.StringIO()
    call_command(
        "forecast", "run", "--level", "cm", "--cutoff", "2023-12", "--steps", "2", stdout=out
    )
    run = ForecastRun.objects.get()
    assert out.getvalue().startswith(
        f"cm: run {run.pk}, {run.unit_count} units, months 2024-01..2024-02 ({run.reference};"
    )
    with pytest.raises(CommandError, match="exists already"):
        call_command("forecast", "run", "--level", "cm", "--cutoff", "2023-12", "--steps", "2")


@pytest.mark.django_db
def test_run_if_missing_keeps_the_stored_run(public_clashes):
    args = ("forecast", "run", "--level", "cm", "--cutoff", "2023-12", "--steps", "2")
    call_command(*args, "--if-missing", stdout=io.StringIO())
    first = ForecastRun.objects.get()
    out = io.StringIO()
    call_command(*args, "--if-missing", stdout=out)
    assert out.getvalue().strip() == (
        f"cm: A cm run of {first.model_name} v{first.model_version} with data to 2023-12 "
        "exists already. Kept."
    )
    assert list(ForecastRun.objects.values_list("pk", flat=True)) == [first.pk]


def test_pgm_training_cells_of_the_evaluation():
    assert pgm_training_panel("extracts") is None
    panel = pgm_training_panel("extracts+acled")
    groups = dict(zip(panel.units, panel.group.tolist(), strict=True))
    scored = data.load_pgm_extracts()
    assert all(groups[unit] < len(data.EXTRACTS) for unit in scored.units)
    assert len(panel.units) == 3444  # 823 cells of the GED extracts, 2,621 of ACLED's files
    assert sorted(set(panel.group.tolist())) == list(range(13))
