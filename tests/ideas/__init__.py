"""Tests for the ideas slice."""
