"""Turning models built elsewhere into designs: PyTorch modules (torch.fx) and ONNX graphs.

Neither torch nor onnx is a dependency of the app: each converter imports its library
when it is called and raises ``ConversionError`` with a clear message where it is missing.
"""
