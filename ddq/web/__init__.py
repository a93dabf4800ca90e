"""The web layer: blueprints, templates and static files."""
