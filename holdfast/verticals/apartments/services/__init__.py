"""Apartments writes, one function per business step (each owns its transaction, audit entry and event).

catalogue: projects, apartments (listings, templates), packages, addons and their categories, and the
price changes that cascade (prices.py); bookings: the §3.4 workflow on the engine; pricing: the one
total function (pure).
"""
