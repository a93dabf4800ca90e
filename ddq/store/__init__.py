"""The database layer: models (models.py) and the operations that write them (operations.py)."""
