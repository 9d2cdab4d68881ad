"""The widgets the chat screen is built from; each module holds one widget."""
