"""The home page: the missions the user works in, with their incident counts."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from peaceops.incidents.selectors import (
    incident_aggregate,
)
from peaceops.missions.selectors import missions_of_user


@login_required
def home(request: HttpRequest) -> HttpResponse:
    counts = {row["key"]: row for row in incident_aggregate(user=request.user, group_by="mission")}
    missions = [
        {"mission": mission, "stats": counts.get(mission.acronym)}
        for mission in missions_of_user(user=request.user)
    ]
    return render(request, "web/home.html", {"missions": missions})
