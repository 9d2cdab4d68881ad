"""The app's screens; each module holds one screen."""
