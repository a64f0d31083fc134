"""CNN Designer: design convolutional neural networks and understand their arithmetic."""

__version__ = "0.1.0"
