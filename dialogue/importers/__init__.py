"""Bring a bot from another framework across: ``dialogue import rasa PROJECT OUT``."""
