"""Exporters: figures (SVG/PNG) and code generators, one class each."""
