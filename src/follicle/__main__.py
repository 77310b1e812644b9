"""``python -m follicle`` runs the command line."""

from follicle.cli import app

app()
