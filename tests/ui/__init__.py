"""Pilot and snapshot tests of the Textual UI, over the real provider and a fake server."""
