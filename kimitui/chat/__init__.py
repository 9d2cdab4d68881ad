"""The headless chat core: conversations, stream events and the session rules.

Nothing here imports ``textual`` or ``openai``.
"""
