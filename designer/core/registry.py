"""The registry of layer types, keyed by the stable type id used everywhere.

The palette, the JSON ``type`` field, the inspector and the shape rules all use
the same id (PyTorch's class name, plus ``Input``, ``Add`` and ``Concat``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from designer.core import shape_rules as rules
from designer.core.params import ParamKind, ParamSpec


@dataclass(frozen=True)
class LayerType:
    id: str
    category: str
    summary: str  # one line: what the layer does (palette tooltip)
    params: tuple[ParamSpec, ...]
    rule: rules.Rule
    min_inputs: int = 1
    max_inputs: int | None = 1  # None: unbounded
    id_prefix: str = ""  # for fresh ids: "conv", "pool", ...
    initial: tuple[tuple[str, Any], ...] = ()  # values a new layer from the palette starts with

    def initial_params(self) -> dict[str, Any]:
        """Hyper-parameters of a freshly created layer: the required ones and ``initial``."""
        values = {s.name: s.default for s in self.params if s.required}
        values.update(dict(self.initial))
        return values

    def spec(self, name: str) -> ParamSpec | None:
        for s in self.params:
            if s.name == name:
                return s
        return None

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.params)

    def resolve(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Every parameter's value: the stored one, else the default."""
        return {s.name: values.get(s.name, s.default) for s in self.params}

    @property
    def prefix(self) -> str:
        return self.id_prefix or self.id.lower()


CATEGORIES = (
    "Input",
    "Convolution",
    "Pooling",
    "Normalization",
    "Activation",
    "Linear & reshape",
    "Merge",
)

_K = ParamKind


def _kernel(doc: str = "Window size: one number or [height, width].") -> ParamSpec:
    return ParamSpec("kernel_size", _K.PAIR, 3, doc, minimum=1, required=True, label="kernel")


def _stride(default: Any = 1, kind: ParamKind = _K.PAIR) -> ParamSpec:
    doc = "Step between windows."
    if default is None:
        doc += " Empty means the same as the kernel (PyTorch's default)."
    return ParamSpec("stride", kind, default, doc, minimum=1)


def _dilation() -> ParamSpec:
    return ParamSpec("dilation", _K.PAIR, 1, "Spacing between kernel taps (atrous convolution).", minimum=1)


def _bias() -> ParamSpec:
    return ParamSpec("bias", _K.BOOL, True, "Add a learnable bias per output channel.")


_ACT = "Activation"

_TYPES: list[LayerType] = [
    LayerType(
        "Input",
        "Input",
        "The network's input tensor: [channels, height, width] (e.g. [3, 224, 224]) or [features].",
        (ParamSpec("shape", _K.SHAPE, [3, 224, 224], "[channels, height, width] or [features].", required=True),),
        rules.input_rule,
        min_inputs=0,
        max_inputs=0,
        id_prefix="input",
    ),
    LayerType(
        "Conv2d",
        "Convolution",
        "Slides out_channels filters, each spanning all input channels, over the input.",
        (
            ParamSpec("out_channels", _K.INT, 64, "Number of filters = depth of the output.", minimum=1, required=True, label="filters"),
            _kernel(),
            _stride(),
            ParamSpec("padding", _K.PADDING, 0, 'Zeros added around the input: a number, [h, w], "same" or "valid".', minimum=0),
            _dilation(),
            ParamSpec("groups", _K.INT, 1, "Split channels into independent groups (= in_channels for depthwise).", minimum=1),
            _bias(),
        ),
        rules.conv2d_rule,
        id_prefix="conv",
    ),
    LayerType(
        "ConvTranspose2d",
        "Convolution",
        "Transposed (fractionally strided) convolution: grows the spatial size, as in decoders.",
        (
            ParamSpec("out_channels", _K.INT, 64, "Number of output channels.", minimum=1, required=True, label="filters"),
            _kernel(),
            _stride(),
            ParamSpec("padding", _K.PAIR, 0, "Removes dilation·(k−1)−padding rows from each border of the output.", minimum=0),
            ParamSpec("output_padding", _K.PAIR, 0, "Extra rows/columns added on one side to pick between output sizes.", minimum=0),
            ParamSpec("groups", _K.INT, 1, "Independent channel groups.", minimum=1),
            _bias(),
            _dilation(),
        ),
        rules.conv_transpose2d_rule,
        id_prefix="deconv",
    ),
    LayerType(
        "MaxPool2d",
        "Pooling",
        "Keeps the largest value of each window: shrinks height and width, keeps channels.",
        (
            _kernel(),
            _stride(None, _K.OPT_PAIR),
            ParamSpec("padding", _K.PAIR, 0, "Implicit −∞ padding; at most half the kernel.", minimum=0),
            _dilation(),
            ParamSpec("ceil_mode", _K.BOOL, False, "Round the output size up instead of down."),
        ),
        rules.max_pool2d_rule,
        id_prefix="pool",
    ),
    LayerType(
        "AvgPool2d",
        "Pooling",
        "Averages each window: shrinks height and width, keeps channels.",
        (
            _kernel(),
            _stride(None, _K.OPT_PAIR),
            ParamSpec("padding", _K.PAIR, 0, "Zero padding; at most half the kernel.", minimum=0),
            ParamSpec("ceil_mode", _K.BOOL, False, "Round the output size up instead of down."),
            ParamSpec("count_include_pad", _K.BOOL, True, "Count padding zeros in the average."),
        ),
        rules.avg_pool2d_rule,
        id_prefix="avgpool",
    ),
    LayerType(
        "AdaptiveAvgPool2d",
        "Pooling",
        "Averages into a fixed output size whatever the input size (1 = global average pooling).",
        (ParamSpec("output_size", _K.SIZE, 1, "Output [height, width]; 1 for global pooling.", required=True),),
        rules.adaptive_avg_pool2d_rule,
        id_prefix="gap",
    ),
    LayerType(
        "AdaptiveMaxPool2d",
        "Pooling",
        "Max-pools into a fixed output size whatever the input size.",
        (ParamSpec("output_size", _K.SIZE, 1, "Output [height, width].", required=True),),
        rules.adaptive_max_pool2d_rule,
        id_prefix="gmp",
    ),
    LayerType(
        "BatchNorm2d",
        "Normalization",
        "Normalises each channel over the batch, then scales (γ) and shifts (β) it.",
        (
            ParamSpec("eps", _K.FLOAT, 1e-5, "Added to the variance for stability.", minimum=0),
            ParamSpec("momentum", _K.FLOAT, 0.1, "Running statistics update rate.", minimum=0, maximum=1),
            ParamSpec("affine", _K.BOOL, True, "Learn γ and β."),
            ParamSpec("track_running_stats", _K.BOOL, True, "Keep running mean and variance."),
        ),
        rules.batch_norm2d_rule,
        id_prefix="bn",
    ),
    LayerType(
        "LocalResponseNorm",
        "Normalization",
        "AlexNet's normalisation across neighbouring channels.",
        (
            ParamSpec("size", _K.INT, 5, "Number of neighbouring channels.", minimum=1, required=True),
            ParamSpec("alpha", _K.FLOAT, 1e-4, "Scale."),
            ParamSpec("beta", _K.FLOAT, 0.75, "Exponent."),
            ParamSpec("k", _K.FLOAT, 1.0, "Additive constant."),
        ),
        rules.local_response_norm_rule,
        id_prefix="lrn",
    ),
    LayerType("ReLU", _ACT, "max(0, x), element by element; shape unchanged.", (), rules.elementwise_rule, id_prefix="relu"),
    LayerType("ReLU6", _ACT, "min(max(0, x), 6): ReLU clipped at 6 (MobileNet).", (), rules.elementwise_rule, id_prefix="relu"),
    LayerType(
        "LeakyReLU",
        _ACT,
        "x for x > 0, negative_slope·x otherwise.",
        (ParamSpec("negative_slope", _K.FLOAT, 0.01, "Slope for negative inputs."),),
        rules.elementwise_rule,
        id_prefix="lrelu",
    ),
    LayerType("Sigmoid", _ACT, "1/(1 + e^−x): squashes to (0, 1).", (), rules.elementwise_rule, id_prefix="sigmoid"),
    LayerType("Tanh", _ACT, "Hyperbolic tangent: squashes to (−1, 1).", (), rules.elementwise_rule, id_prefix="tanh"),
    LayerType(
        "GELU",
        _ACT,
        "Gaussian error linear unit (transformers, ConvNeXt).",
        (ParamSpec("approximate", _K.ENUM, "none", "Exact or tanh approximation.", choices=("none", "tanh")),),
        rules.elementwise_rule,
        id_prefix="gelu",
    ),
    LayerType("SiLU", _ACT, "x·sigmoid(x), also called swish (EfficientNet).", (), rules.elementwise_rule, id_prefix="silu"),
    LayerType(
        "Softmax",
        _ACT,
        "Turns scores into probabilities along one axis.",
        (ParamSpec("dim", _K.INT, 1, "Axis, counted with the batch axis first (1 = features/channels)."),),
        rules.softmax_rule,
        id_prefix="softmax",
    ),
    LayerType("Identity", "Linear & reshape", "Passes its input through unchanged.", (), rules.elementwise_rule, id_prefix="identity"),
    LayerType(
        "Dropout",
        "Linear & reshape",
        "Zeroes random elements while training; shape unchanged.",
        (ParamSpec("p", _K.FLOAT, 0.5, "Probability of zeroing an element.", minimum=0, maximum=1),),
        rules.elementwise_rule,
        id_prefix="dropout",
    ),
    LayerType(
        "Dropout2d",
        "Linear & reshape",
        "Zeroes whole random channels while training; shape unchanged.",
        (ParamSpec("p", _K.FLOAT, 0.5, "Probability of zeroing a channel.", minimum=0, maximum=1),),
        rules.dropout2d_rule,
        id_prefix="dropout",
    ),
    LayerType(
        "Flatten",
        "Linear & reshape",
        "Unrolls the volume into one vector: [C, H, W] → [C·H·W].",
        (
            ParamSpec("start_dim", _K.INT, 1, "First axis to flatten (counted with the batch axis)."),
            ParamSpec("end_dim", _K.INT, -1, "Last axis to flatten."),
        ),
        rules.flatten_rule,
        id_prefix="flatten",
    ),
    LayerType(
        "Linear",
        "Linear & reshape",
        "Fully connected: every output is a weighted sum of every input feature.",
        (
            ParamSpec("out_features", _K.INT, 1000, "Number of outputs.", minimum=1, required=True, label="outputs"),
            _bias(),
        ),
        rules.linear_rule,
        id_prefix="fc",
    ),
    LayerType(
        "ZeroPad2d",
        "Linear & reshape",
        "Adds rows and columns of zeros (negative values crop).",
        (ParamSpec("padding", _K.PAD4, 1, "One number or [left, right, top, bottom].", required=True),),
        rules.zero_pad2d_rule,
        id_prefix="pad",
    ),
    LayerType(
        "Upsample",
        "Linear & reshape",
        "Enlarges height and width by a factor or to a size.",
        (
            ParamSpec("scale_factor", _K.OPT_SCALE, None, "Multiply height and width by this."),
            ParamSpec("size", _K.OPT_SIZE, None, "Or: target [height, width]."),
            ParamSpec("mode", _K.ENUM, "nearest", "Interpolation.", choices=("nearest", "nearest-exact", "bilinear", "bicubic")),
        ),
        rules.upsample_rule,
        id_prefix="up",
        initial=(("scale_factor", 2),),
    ),
    LayerType(
        "Add",
        "Merge",
        "Adds two or more tensors of the same shape element by element (residual connections).",
        (),
        rules.add_rule,
        min_inputs=2,
        max_inputs=None,
        id_prefix="add",
    ),
    LayerType(
        "Concat",
        "Merge",
        "Stacks two or more volumes along channels (heights and widths must agree).",
        (),
        rules.concat_rule,
        min_inputs=2,
        max_inputs=None,
        id_prefix="cat",
    ),
]

REGISTRY: dict[str, LayerType] = {t.id: t for t in _TYPES}


def layer_type(type_id: str) -> LayerType:
    """The registered type for ``type_id``; ``KeyError`` if there is none."""
    return REGISTRY[type_id]


def types_in(category: str) -> list[LayerType]:
    return [t for t in _TYPES if t.category == category]
