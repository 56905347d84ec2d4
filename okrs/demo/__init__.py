"""The demo organisation: Acme's plan (plan.yaml) and a quarter of check-in history (load.py)."""
