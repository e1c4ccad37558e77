"""Shipped models and the script that trains them."""
