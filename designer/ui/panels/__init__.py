"""Side and bottom panels: diagnostics and explanations, the per-layer table, charts,
the semantics switch and the arithmetic reference. Each panel takes the ``Document``."""
