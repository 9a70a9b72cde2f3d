"""The simulator's endpoints, one module per resource; ``routes.py`` maps URLs to them."""
