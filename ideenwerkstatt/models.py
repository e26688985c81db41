"""Every feature's models, imported once so the metadata (Alembic, create_all) is complete."""

from .accounts.models import AccountToken, LoginSession, User  # noqa: F401
from .auditlog import ModerationLogEntry  # noqa: F401
from .comments.models import Comment  # noqa: F401
from .events.models import Event, event_theme  # noqa: F401
from .ideas.models import Idea  # noqa: F401
from .invitations.models import InvitationRun  # noqa: F401
from .live.models import LiveCard, LiveParticipant, LiveSession  # noqa: F401
from .livestate.models import EventLiveState  # noqa: F401
from .mail.models import OutboxMessage  # noqa: F401
from .merges.models import IdeaMerge, IdeaMergeComment, IdeaMergeVote  # noqa: F401
from .moderation.models import Flag, IdeaOutcome, RejectionTemplate  # noqa: F401
from .privacy.models import ConsentRecord, ConsentText  # noqa: F401
from .registrations.models import Registration  # noqa: F401
from .summaries.models import Summary, SummaryItem, SummaryVersion  # noqa: F401
from .themes.models import Theme  # noqa: F401
from .votes.models import Vote  # noqa: F401
