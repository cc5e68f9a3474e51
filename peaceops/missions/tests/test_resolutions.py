import pytest

from peaceops.missions.resolutions import ResolutionSymbol, parse_resolution


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("S/RES/2709 (2023)", "S/RES/2709 (2023)"),
        ("S/RES/2709(2023)", "S/RES/2709 (2023)"),
        ("  s/res/2709  ( 2023 ) ", "S/RES/2709 (2023)"),
        ("resolution 2149 (2014)", "S/RES/2149 (2014)"),
        ("Security Council resolution 2149 (2014)", "S/RES/2149 (2014)"),
        ("安全理事会第2709(2023)号决议", "S/RES/2709 (2023)"),
        ("安理会第2709（2023）号决议", "S/RES/2709 (2023)"),
        ("第２７０９（２０２３）号决议", "S/RES/2709 (2023)"),
        ("A/RES/79/296", "A/RES/79/296"),
        ("A/RES/ES-10/21", "A/RES/ES-10/21"),
        ("a/res/es-10/21", "A/RES/ES-10/21"),
    ],
)
def test_parse_resolution_forms(text, canonical):
    parsed = parse_resolution(text)
    assert parsed is not None
    assert parsed.canonical == canonical


def test_parse_resolution_fields():
    assert parse_resolution("S/RES/2709 (2023)") == ResolutionSymbol(
        organ="S", number=2709, year=2023
    )
    assert parse_resolution("A/RES/79/296") == ResolutionSymbol(organ="A", number=296, session="79")


@pytest.mark.parametrize(
    "text",
    ["", "S/RES/2709", "S/RES/2709 (23)", "S/RES/0 (2023)", "S/RES/5 (1900)", "A/RES/79", "2709"],
)
def test_parse_resolution_refuses(text):
    assert parse_resolution(text) is None
