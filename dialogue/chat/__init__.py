"""The terminal channel: interactive chat (rich + prompt-toolkit) and piped, scriptable chat."""
