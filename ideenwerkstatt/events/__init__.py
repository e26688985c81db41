"""Events slice. The blueprint is `events.views.bp`; this package imports nothing itself,
because other slices' models import `events.models`, and pulling the views (and with them
the ideas queries) in at that moment would close an import cycle."""
