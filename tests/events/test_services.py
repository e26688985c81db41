"""Event rules: slugs, local times stored in UTC, validation, phases, who sees what."""

import datetime as dt

import pytest
from flask_login import AnonymousUserMixin

from ideenwerkstatt.database import commit, utcnow
from ideenwerkstatt.events import services, validation
from ideenwerkstatt.events.models import Event, Phase, VotingRule
from ideenwerkstatt.events.services import PhaseStep
from ideenwerkstatt.events.validation import EventError
from ideenwerkstatt.extensions import db
from ideenwerkstatt.ideas.models import Idea, IdeaStatus
from ideenwerkstatt.permissions import PermissionDenied
from ideenwerkstatt.votes.models import Vote

from ..factories import make_event, make_theme, make_user

BERLIN = dt.timezone(dt.timedelta(hours=2))  # CEST, for readable expectations


@pytest.fixture
def organizer(app):
    return make_user(role="organizer")


def create(actor, **overrides):
    values = dict(
        title="Hamm von Morgen: Mobilität",
        starts_at=dt.datetime(2030, 5, 17, 10, 0),
        ends_at=dt.datetime(2030, 5, 17, 16, 0),
    )
    return services.create_event(actor, **(values | overrides))


def errors_of(call) -> dict:
    with pytest.raises(EventError) as refused:
        call()
    return refused.value.errors


def add_idea(event, theme, **fields):
    idea = Idea(
        event=event,
        theme=theme,
        title=fields.pop("title", "Mehr Bänke"),
        body="Im Park",
        body_html="<p>Im Park</p>",
        status=fields.pop("status", IdeaStatus.PUBLISHED),
        **fields,
    )
    db.session.add(idea)
    db.session.flush()
    return idea


# Creating and slugs ----------------------------------------------------------------------


def test_create_starts_as_draft_with_a_slug_from_the_title(organizer):
    theme = make_theme(name_de="Mobilität")
    event = create(organizer, theme_ids=[theme.id], place=" Rathaus ", description=" Text ")
    commit()
    assert event.slug == "hamm-von-morgen-mobilitaet"
    assert event.phase is Phase.DRAFT
    assert (event.place, event.description) == ("Rathaus", "Text")
    assert event.themes == [theme]
    assert event.retention_days == 90
    assert event.voting_rule is VotingRule.SUPPORT and event.dot_budget is None


def test_same_title_gets_a_numbered_slug(organizer):
    slugs = [create(organizer).slug for _ in range(3)]
    commit()
    assert slugs == [
        "hamm-von-morgen-mobilitaet",
        "hamm-von-morgen-mobilitaet-2",
        "hamm-von-morgen-mobilitaet-3",
    ]


def test_title_without_letters_still_gets_a_slug(organizer):
    assert create(organizer, title="???").slug == "veranstaltung"


def test_update_keeps_slug_and_phase(organizer):
    event = create(organizer)
    services.change_phase(organizer, event, PhaseStep.NEXT)
    services.update_event(
        organizer,
        event,
        title="Ganz anders",
        starts_at=dt.datetime(2030, 6, 1, 9, 0),
        ends_at=dt.datetime(2030, 6, 1, 12, 0),
        capacity=40,
    )
    commit()
    assert (event.slug, event.title, event.phase) == (
        "hamm-von-morgen-mobilitaet",
        "Ganz anders",
        Phase.COLLECTING,
    )
    assert event.capacity == 40


# Times -------------------------------------------------------------------------------------


def test_local_times_are_stored_in_utc(organizer):
    summer = create(organizer)
    winter = create(
        organizer,
        starts_at=dt.datetime(2030, 1, 10, 18, 0),
        ends_at=dt.datetime(2030, 1, 10, 21, 0),
    )
    commit()
    db.session.expire_all()
    assert summer.starts_at == dt.datetime(2030, 5, 17, 8, 0, tzinfo=dt.UTC)
    assert summer.starts_at.tzinfo is not None
    assert winter.starts_at == dt.datetime(2030, 1, 10, 17, 0, tzinfo=dt.UTC)
    assert validation.to_local(winter.starts_at).hour == 18


def test_aware_times_are_taken_as_they_are(organizer):
    event = create(
        organizer,
        starts_at=dt.datetime(2030, 5, 17, 10, 0, tzinfo=BERLIN),
        ends_at=dt.datetime(2030, 5, 17, 14, 0, tzinfo=dt.UTC),
    )
    assert event.starts_at == dt.datetime(2030, 5, 17, 8, 0, tzinfo=dt.UTC)
    assert event.ends_at == dt.datetime(2030, 5, 17, 14, 0, tzinfo=dt.UTC)


# Validation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "  "}, "title"),
        ({"title": "x" * 161}, "title"),
        ({"place": "x" * 201}, "place"),
        ({"starts_at": None}, "starts_at"),
        ({"ends_at": None}, "ends_at"),
        ({"ends_at": dt.datetime(2030, 5, 17, 10, 0)}, "ends_at"),  # same as the start
        ({"ends_at": dt.datetime(2030, 5, 17, 9, 0)}, "ends_at"),  # before the start
        ({"starts_at": dt.datetime(1999, 12, 31, 10, 0)}, "starts_at"),
        ({"ends_at": dt.datetime(2101, 1, 1, 10, 0)}, "ends_at"),
        ({"capacity": 0}, "capacity"),
        ({"capacity": -5}, "capacity"),
        ({"capacity": 100_001}, "capacity"),
        ({"voting_rule": "lottery"}, "voting_rule"),
        ({"voting_rule": "dots"}, "dot_budget"),
        ({"voting_rule": "dots", "dot_budget": 0}, "dot_budget"),
        ({"voting_rule": "dots", "dot_budget": 51}, "dot_budget"),
        ({"retention_days": 0}, "retention_days"),
        ({"retention_days": 3651}, "retention_days"),
        ({"theme_ids": [987654]}, "themes"),
    ],
)
def test_invalid_values_are_refused_per_field(organizer, overrides, field):
    assert field in errors_of(lambda: create(organizer, **overrides))
    assert db.session.scalars(db.select(Event)).all() == []


def test_every_wrong_field_is_reported_at_once(organizer):
    errors = errors_of(
        lambda: create(
            organizer,
            title="",
            ends_at=dt.datetime(2030, 5, 17, 9, 0),
            capacity=0,
            voting_rule="dots",
            retention_days=0,
        )
    )
    assert set(errors) == {"title", "ends_at", "capacity", "dot_budget", "retention_days"}


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"capacity": None}, {"capacity": None}),
        ({"capacity": 1}, {"capacity": 1}),
        ({"capacity": 100_000}, {"capacity": 100_000}),
        ({"voting_rule": "dots", "dot_budget": 1}, {"dot_budget": 1}),
        ({"voting_rule": "dots", "dot_budget": 50}, {"dot_budget": 50}),
        ({"voting_rule": "support", "dot_budget": 7}, {"dot_budget": None}),
        ({"retention_days": 1}, {"retention_days": 1}),
        ({"retention_days": 3650}, {"retention_days": 3650}),
        ({"retention_days": None}, {"retention_days": 90}),
    ],
)
def test_boundary_values_are_accepted(organizer, overrides, expected):
    event = create(organizer, **overrides)
    commit()
    for name, value in expected.items():
        assert getattr(event, name) == value


def test_retired_theme_may_stay_on_an_event_but_not_be_added(organizer):
    kept = make_theme(name_de="Bildung")
    retired = make_theme(name_de="Alt", active=False)
    errors = errors_of(lambda: create(organizer, theme_ids=[retired.id]))
    assert "themes" in errors

    event = create(organizer, theme_ids=[kept.id])
    kept.active = False
    commit()
    values = dict(title=event.title, starts_at=event.starts_at, ends_at=event.ends_at)
    services.update_event(organizer, event, theme_ids=[kept.id], **values)
    assert event.themes == [kept]
    assert "themes" in errors_of(
        lambda: services.update_event(organizer, event, theme_ids=[kept.id, retired.id], **values)
    )


def test_voting_rule_is_fixed_once_voting_began(organizer):
    event = make_event(phase="voting", voting_rule="dots", dot_budget=5)
    values = dict(title=event.title, starts_at=event.starts_at, ends_at=event.ends_at)
    assert "voting_rule" in errors_of(
        lambda: services.update_event(organizer, event, voting_rule="support", **values)
    )
    assert "voting_rule" in errors_of(
        lambda: services.update_event(organizer, event, voting_rule="dots", dot_budget=9, **values)
    )
    services.update_event(organizer, event, voting_rule="dots", dot_budget=5, capacity=9, **values)
    assert event.capacity == 9


def test_voting_rule_is_fixed_when_votes_exist_even_after_stepping_back(organizer):
    event = make_event(phase="collecting")
    voter = make_user()
    idea = add_idea(event, make_theme())
    values = dict(title=event.title, starts_at=event.starts_at, ends_at=event.ends_at)
    assert not validation.voting_rule_locked(event)
    db.session.add(Vote(user_id=voter.id, idea_id=idea.id, weight=1))
    commit()
    assert validation.voting_rule_locked(event)
    assert "voting_rule" in errors_of(
        lambda: services.update_event(organizer, event, voting_rule="dots", dot_budget=3, **values)
    )


@pytest.mark.parametrize("role", [None, "citizen", "moderator"])
def test_only_organizers_create_and_change_events(app, role):
    actor = make_user(role=role) if role else AnonymousUserMixin()
    event = make_event(phase="draft")
    with pytest.raises(PermissionDenied):
        create(actor)
    with pytest.raises(PermissionDenied):
        services.update_event(
            actor, event, title="x", starts_at=event.starts_at, ends_at=event.ends_at
        )
    with pytest.raises(PermissionDenied):
        services.change_phase(actor, event, PhaseStep.NEXT)
    assert event.phase is Phase.DRAFT


def test_admin_may_create_events(app):
    assert create(make_user(role="admin")).phase is Phase.DRAFT


# Phases ------------------------------------------------------------------------------------


def test_phases_move_forward_one_step_at_a_time(organizer):
    event = make_event(phase="draft")
    add_idea(event, make_theme())
    seen = [services.change_phase(organizer, event, "next") for _ in range(3)]
    commit()
    assert seen == [Phase.COLLECTING, Phase.VOTING, Phase.CLOSED]
    with pytest.raises(EventError):
        services.change_phase(organizer, event, "next")
    assert event.phase is Phase.CLOSED


def test_one_step_back_corrects_a_mistake(organizer):
    event = make_event(phase="closed")
    assert services.change_phase(organizer, event, "previous") is Phase.VOTING
    assert services.change_phase(organizer, event, "previous") is Phase.COLLECTING
    assert services.change_phase(organizer, event, "previous") is Phase.DRAFT
    with pytest.raises(EventError):
        services.change_phase(organizer, event, "previous")


def test_back_to_draft_is_refused_once_the_event_has_ideas(organizer):
    event = make_event(phase="collecting")
    add_idea(event, make_theme(), status=IdeaStatus.PENDING)
    commit()
    with pytest.raises(EventError):
        services.change_phase(organizer, event, "previous")
    db.session.expire_all()
    assert event.phase is Phase.COLLECTING


def test_closed_never_jumps_back_to_draft(organizer):
    event = make_event(phase="closed")
    assert services.phase_after(Phase.CLOSED, "previous") is Phase.VOTING
    with pytest.raises(EventError):
        services.change_phase(organizer, event, "previous", from_phase="collecting")
    assert event.phase is Phase.CLOSED
    with pytest.raises(ValueError):
        services.change_phase(organizer, event, "draft")


def test_a_double_click_moves_only_one_step(organizer):
    event = make_event(phase="collecting")
    add_idea(event, make_theme())
    first = services.change_phase(organizer, event, "next", from_phase="collecting")
    second = services.change_phase(organizer, event, "next", from_phase="collecting")
    commit()
    assert first == second == Phase.VOTING
    assert event.phase is Phase.VOTING


def test_a_step_from_a_phase_the_event_left_meanwhile_is_refused(organizer):
    event = make_event(phase="closed")
    with pytest.raises(EventError):
        services.change_phase(organizer, event, "previous", from_phase="draft")
    assert event.phase is Phase.CLOSED


@pytest.mark.parametrize("status", [None, IdeaStatus.PENDING, IdeaStatus.HIDDEN])
def test_opening_the_vote_without_a_published_idea_needs_confirmation(organizer, status):
    event = make_event(phase="collecting")
    if status is not None:
        add_idea(event, make_theme(), status=status)
    add_idea(make_event(phase="collecting"), make_theme())  # another event's idea: no matter
    commit()
    with pytest.raises(services.ConfirmationNeeded):
        services.change_phase(organizer, event, "next", from_phase="collecting")
    db.session.expire_all()
    assert event.phase is Phase.COLLECTING
    assert services.change_phase(organizer, event, "next", confirmed=True) is Phase.VOTING


def test_opening_the_vote_with_a_published_idea_needs_no_confirmation(organizer):
    event = make_event(phase="collecting")
    add_idea(event, make_theme())
    assert services.change_phase(organizer, event, "next") is Phase.VOTING


def test_other_steps_never_ask_for_confirmation(organizer):
    """Only the step into voting asks; closing, or going back to voting from closed (a
    correction), does not."""
    event = make_event(phase="voting")
    assert services.change_phase(organizer, event, "next") is Phase.CLOSED
    assert services.change_phase(organizer, event, "previous") is Phase.VOTING


def test_allowed_steps(app):
    assert services.allowed_steps(make_event(phase="draft")) == [PhaseStep.NEXT]
    assert services.allowed_steps(make_event(phase="voting")) == [
        PhaseStep.NEXT,
        PhaseStep.PREVIOUS,
    ]
    assert services.allowed_steps(make_event(phase="closed")) == [PhaseStep.PREVIOUS]


# Who sees which event ----------------------------------------------------------------------


@pytest.fixture
def calendar(app):
    """A draft and published events around now."""
    return {
        "draft": make_event(title="Entwurf", phase="draft", starts_in_days=3),
        "soon": make_event(title="Bald", phase="collecting", starts_in_days=2),
        "later": make_event(title="Später", phase="collecting", starts_in_days=30),
        "running": make_event(title="Läuft", phase="voting", starts_in_days=-0.1, hours=5),
        "past": make_event(title="Vorbei", phase="closed", starts_in_days=-10),
        "long_ago": make_event(title="Lange her", phase="closed", starts_in_days=-400),
        "still_voting": make_event(title="Abstimmung läuft", phase="voting", starts_in_days=-5),
    }


@pytest.mark.parametrize("role", [None, "citizen", "moderator"])
def test_drafts_are_hidden_from_everyone_but_organizers(calendar, role):
    viewer = make_user(role=role) if role else AnonymousUserMixin()
    titles = [event.title for event in services.visible_events(viewer)]
    assert "Entwurf" not in titles
    assert services.event_by_slug(calendar["draft"].slug, viewer) is None
    assert services.event_by_slug(calendar["soon"].slug, viewer) is calendar["soon"]


@pytest.mark.parametrize("role", ["organizer", "admin"])
def test_organizers_see_drafts(calendar, role):
    viewer = make_user(role=role)
    assert calendar["draft"] in services.visible_events(viewer)
    assert services.event_by_slug(calendar["draft"].slug, viewer) is calendar["draft"]


def test_upcoming_first_soonest_first_then_past_most_recent_first(calendar):
    upcoming, past = services.upcoming_and_past(AnonymousUserMixin())
    assert [e.title for e in upcoming] == ["Läuft", "Bald", "Später"]
    assert [e.title for e in past] == ["Abstimmung läuft", "Vorbei", "Lange her"]
    assert services.visible_events(AnonymousUserMixin()) == upcoming + past


def test_current_events_for_the_start_page(calendar):
    titles = [event.title for event in services.current_events()]
    # Past events still collecting or voting stay current; drafts never show.
    assert titles == ["Abstimmung läuft", "Läuft", "Bald", "Später"]
    assert len(services.current_events(limit=2)) == 2


def test_events_open_for_ideas(calendar):
    assert {e.title for e in services.events_open_for_ideas()} == {"Bald", "Später"}


def test_unknown_slug_is_none(app):
    assert services.event_by_slug("gibt-es-nicht", make_user(role="admin")) is None


def test_factory_times_are_aware(app):
    assert make_event().starts_at > utcnow()
