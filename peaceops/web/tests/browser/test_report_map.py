"""The map under the coordinates of the report form: clicking it fills them in."""

from playwright.sync_api import expect

# The Central African Republic's extent, with a margin for the simplified boundaries.
CAF_LAT = (2.0, 11.5)
CAF_LON = (14.0, 28.0)


def _within(value: str, bounds: tuple[float, float]) -> bool:
    return bounds[0] <= float(value) <= bounds[1]


def test_clicking_the_report_map_fills_latitude_and_longitude(new_page, world, sign_in, shoot):
    page = new_page()
    sign_in(page, world.reporter)
    page.goto("/incidents/new/")
    box = page.locator("#report-map")
    expect(box).to_be_visible()
    box.scroll_into_view_if_needed()  # the boundaries load when the map comes into view
    expect(box).to_have_attribute("data-ready", "true")  # boundaries drawn, centred on CAF
    latitude = page.get_by_label("Latitude")
    longitude = page.get_by_label("Longitude")
    expect(latitude).to_have_value("")

    page.locator("#report-map-canvas").click()  # the centre of the map

    expect(latitude).not_to_have_value("")
    lat, lon = latitude.input_value(), longitude.input_value()
    assert _within(lat, CAF_LAT), lat
    assert _within(lon, CAF_LON), lon
    assert len(lat.split(".")[1]) == 6  # 6 decimals, about 10 cm
    assert len(lon.split(".")[1]) == 6
    shoot(page)


def test_the_report_map_fits_a_phone_screen(new_page, world, sign_in):
    page = new_page(viewport={"width": 390, "height": 844})
    sign_in(page, world.reporter)
    page.goto("/incidents/new/")
    canvas = page.locator("#report-map-canvas")
    canvas.scroll_into_view_if_needed()
    expect(page.locator("#report-map")).to_have_attribute("data-ready", "true")
    width = canvas.bounding_box()["width"]
    assert width <= 390, width
    canvas.click()
    assert _within(page.get_by_label("Latitude").input_value(), CAF_LAT)
    assert _within(page.get_by_label("Longitude").input_value(), CAF_LON)
