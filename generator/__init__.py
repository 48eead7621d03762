"""Explainer: a static site generator for Smart Brevity news explainers."""

__version__ = "0.1.0"
