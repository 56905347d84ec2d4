"""OKR coach."""
