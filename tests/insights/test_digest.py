"""The leadership digest: Monday 08:00, what moved, what is off track, who is missing."""

from __future__ import annotations

import datetime as dt
import re

from okrs.nudges.models import Nudge, NudgeKind, NudgeState
from tests.conftest import World
from tests.fakes.slack import FakeSlack
from tests.insights.helpers import check_in, dms, on_slack, worker_pass
from tests.nudges.smtp import LocalSmtp, body_of

UTC = dt.UTC
MONDAY_8 = dt.datetime(2026, 11, 16, 8, 0, tzinfo=UTC)  # London is on UTC in November
DIGEST = "Weekly OKR digest"


def a_week_of_work(world: World) -> None:
    # Lead time moved this week (70 -> 60); conversion moved and its owner says off track;
    # the change failure rate has never been checked in on.
    check_in(world.lead_time, world.member, 70, dt.datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    check_in(world.lead_time, world.member, 60, dt.datetime(2026, 11, 10, 9, 0, tzinfo=UTC))
    check_in(world.conversion, world.other_member, 2.1,
             dt.datetime(2026, 11, 12, 15, 0, tzinfo=UTC), confidence="off_track")  # fmt: skip


def test_a_lead_hears_about_their_teams_only_and_an_admin_about_everything(
    world: World, slack: FakeSlack, smtp: LocalSmtp
):
    on_slack(slack, "U0LENA", world.platform_lead)  # lena by Slack; ada (admin) by email
    a_week_of_work(world)

    worker_pass(MONDAY_8 - dt.timedelta(minutes=50))  # 07:10: not yet
    assert dms(slack, "U0LENA", DIGEST) == [] and smtp.to("ada@acme.test") == []

    for moment in (
        MONDAY_8 + dt.timedelta(minutes=10),
        MONDAY_8 + dt.timedelta(hours=1, minutes=10),
    ):
        worker_pass(moment)

    lena = dms(slack, "U0LENA", DIGEST)
    assert len(lena) == 1
    text = lena[0]
    assert "Weekly OKR digest for Platform: 1 moved, 1 off track" in text
    assert "Reduce deployment lead time from 4 days to 6 hours: 70 hours → 60 hours" in text
    assert "Keep the change failure rate below 5% (Maya Patel)" in text  # off track
    assert "Maya Patel: Keep the change failure rate below 5% (never)" in text  # missing
    assert "checkout" not in text  # not her team
    assert "deploys-advantage/" not in text  # key results by their titles, not their refs

    admin = [m for m in smtp.to("ada@acme.test") if m["Subject"].startswith(DIGEST)]
    assert len(admin) == 1
    assert admin[0]["Subject"].startswith("Weekly OKR digest for the whole organisation: 2 moved")
    body = body_of(admin[0], "plain")
    for expected in (
        "Reduce deployment lead time from 4 days to 6 hours: 70 hours → 60 hours",
        "Raise checkout conversion from 2% to 3%: 2% → 2.1%",
        "Raise checkout conversion from 2% to 3% (Owen Member): score 10%",
        "Maya Patel: Keep the change failure rate below 5% (never)",
    ):
        assert expected in body
    html = body_of(admin[0], "html")
    assert "Raise checkout conversion from 2% to 3% (Owen Member)" in html

    # Erin leads engineering, above both teams: she sees both.
    erin = [m for m in smtp.to("erin@acme.test") if m["Subject"].startswith(DIGEST)]
    assert len(erin) == 1
    erin_body = body_of(erin[0], "plain")
    assert "Raise checkout conversion" in erin_body and "Reduce deployment lead time" in erin_body

    # One per person and week: leads and admins only.
    rows = Nudge.objects.filter(kind=NudgeKind.LEADERSHIP)
    assert {r.person.email for r in rows} == {
        "ada@acme.test", "erin@acme.test", "lena@acme.test", "carl@acme.test",
    }  # fmt: skip
    assert {r.state for r in rows} == {NudgeState.SENT}
    assert {r.week_start for r in rows} == {dt.date(2026, 11, 16)}

    worker_pass(MONDAY_8 + dt.timedelta(days=1))  # Tuesday: nothing more
    assert len(dms(slack, "U0LENA", DIGEST)) == 1
    assert Nudge.objects.filter(kind=NudgeKind.LEADERSHIP).count() == 4


def test_the_digest_says_when_an_owner_last_checked_in_as_a_date_people_read(
    world: World, slack: FakeSlack, smtp: LocalSmtp
):
    on_slack(slack, "U0LENA", world.platform_lead)
    a_week_of_work(world)
    # A week later Maya has checked in on neither of her key results; her last was 10 Nov.
    worker_pass(MONDAY_8 + dt.timedelta(days=7, minutes=10))
    [text] = [t for t in dms(slack, "U0LENA", DIGEST) if "0 moved" in t]
    assert (
        "Maya Patel: Reduce deployment lead time from 4 days to 6 hours; "
        "Keep the change failure rate below 5% (last check-in 10 Nov 2026)"
    ) in text
    [ada] = [
        m for m in smtp.to("ada@acme.test")
        if m["Subject"].startswith(DIGEST) and "0 moved" in m["Subject"]
    ]  # fmt: skip
    assert "(last check-in 10 Nov 2026)" in body_of(ada, "plain")
    assert "2026-11-10" not in body_of(ada, "plain")


def slack_links(slack: FakeSlack, user_id: str) -> list[str]:
    """The addresses linked from the Slack digests a user was sent."""
    links = []
    for call in slack.calls_to("chat.postMessage"):
        blocks = call.params.get("blocks") or []
        texts = [str(b.get("text", {}).get("text", "")) for b in blocks]
        if call.params.get("channel") == user_id and texts and texts[0].startswith(DIGEST):
            links += [link for t in texts for link in re.findall(r"<(http[^|>]+)\|", t)]
    return links


def test_the_digest_links_to_the_page_of_the_teams_it_is_about(
    world: World, slack: FakeSlack, smtp: LocalSmtp
):
    on_slack(slack, "U0LENA", world.platform_lead)
    a_week_of_work(world)
    worker_pass(MONDAY_8 + dt.timedelta(minutes=10))
    # Lena leads platform: her digest opens the platform team's page, not the site's root.
    assert slack_links(slack, "U0LENA") == ["http://testserver/teams/platform/"]
    # Erin leads engineering (both teams are below it): its page shows them all.
    [erin] = [m for m in smtp.to("erin@acme.test") if m["Subject"].startswith(DIGEST)]
    assert body_of(erin, "plain").rstrip().endswith("\nhttp://testserver/teams/engineering/")
    assert 'href="http://testserver/teams/engineering/"' in body_of(erin, "html")
    # The admin's is about the whole organisation: the dashboard.
    [ada] = [m for m in smtp.to("ada@acme.test") if m["Subject"].startswith(DIGEST)]
    assert body_of(ada, "plain").rstrip().endswith("\nhttp://testserver/")


def test_the_digest_follows_the_recipients_timezone(world: World, smtp: LocalSmtp):
    world.admin.timezone = "America/New_York"
    world.admin.save()
    worker_pass(MONDAY_8 + dt.timedelta(minutes=10))  # 03:10 in New York
    assert [m for m in smtp.to("ada@acme.test") if m["Subject"].startswith(DIGEST)] == []
    worker_pass(MONDAY_8 + dt.timedelta(hours=5, minutes=10))  # 08:10 in New York
    assert len([m for m in smtp.to("ada@acme.test") if m["Subject"].startswith(DIGEST)]) == 1
