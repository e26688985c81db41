"""Ideas: submitted by citizens (or typed in from paper cards), moderated, listed, searched."""
