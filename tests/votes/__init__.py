"""Tests for the votes slice."""
