"""Blind coding rounds: two or more coders code the same releases without seeing each
other's codings; once the round closes, inter-coder agreement and the disagreements are
shown, and settling them writes the round's consensus codings."""
