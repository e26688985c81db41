"""Themes slice. The blueprint is `themes.views.bp`; this package imports nothing itself,
because other slices' models import `themes.models`, and pulling the views (and with them
the ideas queries) in at that moment would close an import cycle."""
