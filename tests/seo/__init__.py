"""Tests of what search engines and link previews see."""
