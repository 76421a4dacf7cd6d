"""Shipped cost-to-go networks for the gate search (package data, one ``ctg_<gate set>.pt`` each)."""
