"""Why a rule fired, in the reader's language, from the numbers the rule recorded."""

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def explain(why: dict[str, Any]) -> str:
    kind = why.get("kind")
    if kind == "threshold":
        parts = []
        if why.get("min_incidents") is not None:
            parts.append(
                ngettext(
                    "%(incidents)d incident (threshold %(min)d)",
                    "%(incidents)d incidents (threshold %(min)d)",
                    why["incidents"],
                )
                % {"incidents": why["incidents"], "min": why["min_incidents"]}
            )
        if why.get("min_fatalities") is not None:
            parts.append(
                ngettext(
                    "%(fatalities)d fatality (threshold %(min)d)",
                    "%(fatalities)d fatalities (threshold %(min)d)",
                    why["fatalities"],
                )
                % {"fatalities": why["fatalities"], "min": why["min_fatalities"]}
            )
        return _("%(measures)s in %(place)s within %(days)d days.") % {
            "measures": _(" and ").join(parts),
            "place": why["place"],
            "days": why["window_days"],
        }
    if kind == "spike":
        return _(
            "%(observed)d incidents in %(place)s in the last %(days)d days, against "
            "%(expected)s expected from its previous %(windows)d periods "
            "(%(baseline)d incidents); Poisson test p = %(p)s < %(alpha)s."
        ) % {
            "observed": why["observed"],
            "place": why["place"],
            "days": why["window_days"],
            "expected": why["expected"],
            "windows": why["baseline_windows"],
            "baseline": why["baseline"],
            "p": why["p_value"],
            "alpha": why["alpha"],
        }
    if kind == "proximity":
        return ngettext(
            "%(incidents)d incident within %(distance)s km of %(place)s in the last %(days)d "
            "days, %(closest)s km away.",
            "%(incidents)d incidents within %(distance)s km of %(place)s in the last %(days)d "
            "days; the closest %(closest)s km away.",
            why["incidents"],
        ) % {
            "incidents": why["incidents"],
            "distance": why["distance_km"],
            "place": why["place"],
            "days": why["window_days"],
            "closest": why["closest_km"],
        }
    if kind == "forecast":
        return _(
            "Forecast probability %(probability)s of at least %(threshold)d fatalities in "
            "%(place)s in %(month)s (alert from %(min)s; median %(median)s; %(reference)s)."
        ) % {
            "probability": why["probability"],
            "threshold": why["threshold"],
            "place": why["place"],
            "month": why["month"],
            "min": why["min_probability"],
            "median": why["median"],
            "reference": why["reference"],
        }
    return ""
