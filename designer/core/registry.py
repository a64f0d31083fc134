"""The registry of layer types, keyed by the stable type id used everywhere.

The palette, the JSON ``type`` field, the inspector and the shape rules all use
the same id (PyTorch's class name, plus ``Input``, ``Add`` and ``Concat``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
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
    in_palette: bool = True  # False: only importers create it (Unsupported)
    multi_output: bool = False  # several outputs, addressed "id:0", "id:1", ... (Split, Chunk)
    #: ``params`` by name (built from ``params``; not compared, not printed).
    _spec_by_name: dict[str, ParamSpec] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )
    #: Every parameter's default, in ``params`` order (``resolve`` of no stored value).
    _defaults: dict[str, Any] = field(init=False, repr=False, compare=False, default_factory=dict)
    #: What the file loader reads each parameter with (``fileformat._usual_params``), in
    #: ``params`` order: (name, required, default, the spec, whether a plain whole number is
    #: read as itself when in range, whether ``true``/``false`` is, the range's ends).
    _load_table: tuple[
        tuple[str, bool, Any, ParamSpec, bool, bool, float | None, float | None], ...
    ] = field(init=False, repr=False, compare=False, default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "_spec_by_name", {s.name: s for s in self.params})
        object.__setattr__(self, "_defaults", {s.name: s.default for s in self.params})
        object.__setattr__(
            self,
            "_load_table",
            tuple(
                (
                    s.name,
                    s.required,
                    s.default,
                    s,
                    s.kind in _INT_AS_ITSELF,
                    s.kind in _BOOL_AS_ITSELF,
                    s.minimum,
                    s.maximum,
                )
                for s in self.params
            ),
        )

    def initial_params(self) -> dict[str, Any]:
        """Hyper-parameters of a freshly created layer: the required ones and ``initial``."""
        values = {s.name: s.default for s in self.params if s.required}
        values.update(dict(self.initial))
        return values

    def spec(self, name: str) -> ParamSpec | None:
        return self._spec_by_name.get(name)

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.params)

    def resolve(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Every parameter's value: the stored one, else the default."""
        defaults = self._defaults
        if values.__class__ is dict and values.keys() <= defaults.keys():
            # Only parameters of this type (what a design holds): the defaults overwritten,
            # in the same order as below, at C speed.
            return {**defaults, **values}
        return {s.name: values.get(s.name, s.default) for s in self.params}

    @property
    def prefix(self) -> str:
        return self.id_prefix or self.id.lower()


#: Kinds whose ``ParamSpec.normalize`` gives a whole number (not a bool) within the range and
#: ``MAX_INT_VALUE`` back as it is (its first test), and those that give ``true``/``false`` back.
_INT_AS_ITSELF = frozenset({ParamKind.INT, ParamKind.PAIR, ParamKind.OPT_PAIR, ParamKind.PADDING})
_BOOL_AS_ITSELF = frozenset({ParamKind.BOOL, ParamKind.OPT_BOOL})


CATEGORIES = (
    "Input",
    "Convolution",
    "Pooling",
    "Normalization",
    "Activation",
    "Linear & reshape",
    "Merge",
    "Imported",
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
    return ParamSpec(
        "dilation", _K.PAIR, 1, "Spacing between kernel taps (atrous convolution).", minimum=1
    )


def _bias() -> ParamSpec:
    return ParamSpec("bias", _K.BOOL, True, "Add a learnable bias per output channel.")


_ACT = "Activation"

_TYPES: list[LayerType] = [
    LayerType(
        "Input",
        "Input",
        "The network's input tensor: [channels, height, width] (e.g. [3, 224, 224]) or [features].",
        (
            ParamSpec(
                "shape",
                _K.SHAPE,
                [3, 224, 224],
                "[channels, height, width] or [features].",
                required=True,
            ),
        ),
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
            ParamSpec(
                "out_channels",
                _K.INT,
                64,
                "Number of filters = depth of the output.",
                minimum=1,
                required=True,
                label="filters",
            ),
            _kernel(),
            _stride(),
            ParamSpec(
                "padding",
                _K.PADDING,
                0,
                'Zeros added around the input: a number, [h, w], "same" or "valid".',
                minimum=0,
            ),
            _dilation(),
            ParamSpec(
                "groups",
                _K.INT,
                1,
                "Split channels into independent groups (= in_channels for depthwise).",
                minimum=1,
            ),
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
            ParamSpec(
                "out_channels",
                _K.INT,
                64,
                "Number of output channels.",
                minimum=1,
                required=True,
                label="filters",
            ),
            _kernel(),
            _stride(),
            ParamSpec(
                "padding",
                _K.PAIR,
                0,
                "Removes dilation·(k−1)−padding rows from each border of the output.",
                minimum=0,
            ),
            ParamSpec(
                "output_padding",
                _K.PAIR,
                0,
                "Extra rows/columns added on one side to pick between output sizes.",
                minimum=0,
            ),
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
            ParamSpec(
                "padding", _K.PAIR, 0, "Implicit −∞ padding; at most half the kernel.", minimum=0
            ),
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
        (
            ParamSpec(
                "output_size",
                _K.SIZE,
                1,
                "Output [height, width]; 1 for global pooling.",
                required=True,
            ),
        ),
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
            ParamSpec(
                "momentum", _K.FLOAT, 0.1, "Running statistics update rate.", minimum=0, maximum=1
            ),
            ParamSpec("affine", _K.BOOL, True, "Learn γ and β."),
            ParamSpec("track_running_stats", _K.BOOL, True, "Keep running mean and variance."),
        ),
        rules.batch_norm2d_rule,
        id_prefix="bn",
    ),
    LayerType(
        "LayerNorm2d",
        "Normalization",
        "Normalises the channels at every position of a volume (ConvNeXt), then scales (γ) and shifts (β).",
        (
            ParamSpec("eps", _K.FLOAT, 1e-6, "Added to the variance for stability.", minimum=0),
            ParamSpec("elementwise_affine", _K.BOOL, True, "Learn γ and β per channel."),
        ),
        rules.layer_norm2d_rule,
        id_prefix="ln",
    ),
    LayerType(
        "LayerNorm",
        "Normalization",
        "Normalises over the trailing axes normalized_shape (transformers; after a permute in ConvNeXt).",
        (
            ParamSpec(
                "normalized_shape",
                _K.INTS,
                [64],
                "The last sizes of the input, normalised together.",
                minimum=1,
                required=True,
                label="normalized shape",
            ),
            ParamSpec("eps", _K.FLOAT, 1e-5, "Added to the variance for stability.", minimum=0),
            ParamSpec(
                "elementwise_affine", _K.BOOL, True, "Learn γ (and β) per normalised element."
            ),
            ParamSpec("bias", _K.BOOL, True, "Learn β as well as γ."),
        ),
        rules.layer_norm_rule,
        id_prefix="ln",
    ),
    LayerType(
        "GroupNorm",
        "Normalization",
        "Normalises groups of channels at once, independently of the batch size.",
        (
            ParamSpec(
                "num_groups",
                _K.INT,
                32,
                "Number of channel groups; must divide the channels.",
                minimum=1,
                required=True,
                label="groups",
            ),
            ParamSpec("eps", _K.FLOAT, 1e-5, "Added to the variance for stability.", minimum=0),
            ParamSpec("affine", _K.BOOL, True, "Learn γ and β per channel."),
        ),
        rules.group_norm_rule,
        id_prefix="gn",
    ),
    LayerType(
        "InstanceNorm2d",
        "Normalization",
        "Normalises each channel of each sample over its own height and width (style transfer).",
        (
            ParamSpec("eps", _K.FLOAT, 1e-5, "Added to the variance for stability.", minimum=0),
            ParamSpec(
                "momentum", _K.FLOAT, 0.1, "Running statistics update rate.", minimum=0, maximum=1
            ),
            ParamSpec("affine", _K.BOOL, False, "Learn γ and β."),
            ParamSpec("track_running_stats", _K.BOOL, False, "Keep running mean and variance."),
        ),
        rules.instance_norm2d_rule,
        id_prefix="in",
    ),
    LayerType(
        "LocalResponseNorm",
        "Normalization",
        "AlexNet's normalisation across neighbouring channels.",
        (
            ParamSpec(
                "size", _K.INT, 5, "Number of neighbouring channels.", minimum=1, required=True
            ),
            ParamSpec("alpha", _K.FLOAT, 1e-4, "Scale."),
            ParamSpec("beta", _K.FLOAT, 0.75, "Exponent."),
            ParamSpec("k", _K.FLOAT, 1.0, "Additive constant."),
        ),
        rules.local_response_norm_rule,
        id_prefix="lrn",
    ),
    LayerType(
        "ReLU",
        _ACT,
        "max(0, x), element by element; shape unchanged.",
        (),
        rules.elementwise_rule,
        id_prefix="relu",
    ),
    LayerType(
        "ReLU6",
        _ACT,
        "min(max(0, x), 6): ReLU clipped at 6 (MobileNet).",
        (),
        rules.elementwise_rule,
        id_prefix="relu",
    ),
    LayerType(
        "LeakyReLU",
        _ACT,
        "x for x > 0, negative_slope·x otherwise.",
        (ParamSpec("negative_slope", _K.FLOAT, 0.01, "Slope for negative inputs."),),
        rules.elementwise_rule,
        id_prefix="lrelu",
    ),
    LayerType(
        "Sigmoid",
        _ACT,
        "1/(1 + e^−x): squashes to (0, 1).",
        (),
        rules.elementwise_rule,
        id_prefix="sigmoid",
    ),
    LayerType(
        "Tanh",
        _ACT,
        "Hyperbolic tangent: squashes to (−1, 1).",
        (),
        rules.elementwise_rule,
        id_prefix="tanh",
    ),
    LayerType(
        "GELU",
        _ACT,
        "Gaussian error linear unit (transformers, ConvNeXt).",
        (
            ParamSpec(
                "approximate",
                _K.ENUM,
                "none",
                "Exact or tanh approximation.",
                choices=("none", "tanh"),
            ),
        ),
        rules.elementwise_rule,
        id_prefix="gelu",
    ),
    LayerType(
        "SiLU",
        _ACT,
        "x·sigmoid(x), also called swish (EfficientNet).",
        (),
        rules.elementwise_rule,
        id_prefix="silu",
    ),
    LayerType(
        "Hardswish",
        _ACT,
        "x·ReLU6(x + 3)/6: a cheap swish (MobileNetV3).",
        (),
        rules.elementwise_rule,
        id_prefix="hswish",
    ),
    LayerType(
        "Hardsigmoid",
        _ACT,
        "ReLU6(x + 3)/6: a cheap sigmoid (MobileNetV3's squeeze-and-excitation).",
        (),
        rules.elementwise_rule,
        id_prefix="hsigmoid",
    ),
    LayerType(
        "Mish", _ACT, "x·tanh(softplus(x)) (YOLOv4).", (), rules.elementwise_rule, id_prefix="mish"
    ),
    LayerType(
        "ELU",
        _ACT,
        "x for x > 0, alpha·(eˣ − 1) otherwise.",
        (ParamSpec("alpha", _K.FLOAT, 1.0, "Value approached for very negative inputs (−alpha)."),),
        rules.elementwise_rule,
        id_prefix="elu",
    ),
    LayerType(
        "SELU",
        _ACT,
        "Scaled ELU with fixed constants (self-normalising networks).",
        (),
        rules.elementwise_rule,
        id_prefix="selu",
    ),
    LayerType(
        "Softplus",
        _ACT,
        "log(1 + e^(beta·x))/beta: a smooth ReLU (linear above threshold).",
        (
            ParamSpec("beta", _K.FLOAT, 1.0, "Sharpness.", minimum=0),
            ParamSpec("threshold", _K.FLOAT, 20.0, "Above beta·x > threshold the output is x."),
        ),
        rules.elementwise_rule,
        id_prefix="softplus",
    ),
    LayerType(
        "PReLU",
        _ACT,
        "Leaky ReLU whose negative slope is learned: one shared, or one per channel.",
        (
            ParamSpec(
                "num_parameters",
                _K.INT,
                1,
                "Number of slopes: 1 or the number of channels.",
                minimum=1,
                label="slopes",
            ),
            ParamSpec("init", _K.FLOAT, 0.25, "Initial slope."),
        ),
        rules.prelu_rule,
        id_prefix="prelu",
    ),
    LayerType(
        "Softmax",
        _ACT,
        "Turns scores into probabilities along one axis.",
        (
            ParamSpec(
                "dim", _K.INT, 1, "Axis, counted with the batch axis first (1 = features/channels)."
            ),
        ),
        rules.softmax_rule,
        id_prefix="softmax",
    ),
    LayerType(
        "Identity",
        "Linear & reshape",
        "Passes its input through unchanged.",
        (),
        rules.elementwise_rule,
        id_prefix="identity",
    ),
    LayerType(
        "Dropout",
        "Linear & reshape",
        "Zeroes random elements while training; shape unchanged.",
        (
            ParamSpec(
                "p", _K.FLOAT, 0.5, "Probability of zeroing an element.", minimum=0, maximum=1
            ),
        ),
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
        "StochasticDepth",
        "Linear & reshape",
        "Drops a whole residual branch at random while training (DropPath); shape unchanged.",
        (
            ParamSpec("p", _K.FLOAT, 0.5, "Probability of dropping.", minimum=0, maximum=1),
            ParamSpec(
                "mode",
                _K.ENUM,
                "row",
                '"row": per sample; "batch": the whole batch at once.',
                choices=("row", "batch"),
            ),
        ),
        rules.elementwise_rule,
        id_prefix="droppath",
    ),
    LayerType(
        "Flatten",
        "Linear & reshape",
        "Unrolls the volume into one vector: [C, H, W] → [C·H·W].",
        (
            ParamSpec(
                "start_dim", _K.INT, 1, "First axis to flatten (counted with the batch axis)."
            ),
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
            ParamSpec(
                "out_features",
                _K.INT,
                1000,
                "Number of outputs.",
                minimum=1,
                required=True,
                label="outputs",
            ),
            _bias(),
        ),
        rules.linear_rule,
        id_prefix="fc",
    ),
    LayerType(
        "Mean",
        "Linear & reshape",
        "Averages over the listed axes: dim [2, 3] is global average pooling to a vector.",
        (
            ParamSpec(
                "dim",
                _K.INT_OR_INTS,
                [2, 3],
                "Axes to average, counted with the batch axis (2, 3 = height, width).",
            ),
            ParamSpec("keepdim", _K.BOOL, False, "Keep the averaged axes with size 1."),
        ),
        rules.mean_rule,
        id_prefix="mean",
    ),
    LayerType(
        "Reshape",
        "Linear & reshape",
        "Rearranges each sample's values into a new shape with the same number of values.",
        (
            ParamSpec(
                "shape",
                _K.INTS,
                [-1],
                "New shape of one sample (the batch axis stays); one −1 is inferred.",
                minimum=-1,
                required=True,
            ),
        ),
        rules.reshape_rule,
        id_prefix="reshape",
    ),
    LayerType(
        "Permute",
        "Linear & reshape",
        "Reorders the axes (dims counted with the batch axis first, which stays first).",
        (
            ParamSpec(
                "dims",
                _K.INTS,
                [0, 2, 3, 1],
                "New order of the axes, e.g. [0, 2, 3, 1] for channels last.",
                required=True,
            ),
        ),
        rules.permute_rule,
        id_prefix="permute",
    ),
    LayerType(
        "Transpose",
        "Linear & reshape",
        "Swaps two axes (counted with the batch axis first).",
        (
            ParamSpec("dim0", _K.INT, 1, "First axis.", required=True),
            ParamSpec("dim1", _K.INT, 2, "Second axis.", required=True),
        ),
        rules.transpose_rule,
        id_prefix="transpose",
    ),
    LayerType(
        "ChannelShuffle",
        "Linear & reshape",
        "Interleaves the channels of its groups so the next grouped conv mixes them (ShuffleNet).",
        (
            ParamSpec(
                "groups",
                _K.INT,
                2,
                "Number of channel groups; must divide the channels.",
                minimum=1,
                required=True,
            ),
        ),
        rules.channel_shuffle_rule,
        id_prefix="shuffle",
    ),
    LayerType(
        "Split",
        "Linear & reshape",
        "Cuts the input into pieces along an axis; each consumer takes one piece (id:0, id:1, …).",
        (
            ParamSpec(
                "split_size_or_sections",
                _K.INT_OR_INTS,
                1,
                "Size of each piece (the last may be smaller), or the list of sizes.",
                minimum=1,
                required=True,
                label="sizes",
            ),
            ParamSpec("dim", _K.INT, 1, "Axis to cut, counted with the batch axis (1 = channels)."),
        ),
        rules.split_rule,
        id_prefix="split",
        multi_output=True,
    ),
    LayerType(
        "Chunk",
        "Linear & reshape",
        "Cuts the input into a number of nearly equal pieces; each consumer takes one (id:0, id:1, …).",
        (
            ParamSpec(
                "chunks",
                _K.INT,
                2,
                "Number of pieces (⌈size/chunks⌉ each; there may be fewer).",
                minimum=1,
                required=True,
            ),
            ParamSpec("dim", _K.INT, 1, "Axis to cut, counted with the batch axis (1 = channels)."),
        ),
        rules.chunk_rule,
        id_prefix="chunk",
        multi_output=True,
    ),
    LayerType(
        "Scale",
        "Linear & reshape",
        "Multiplies by a learned tensor (ConvNeXt's layer scale), broadcast onto the input.",
        (
            ParamSpec(
                "shape",
                _K.INTS,
                [64, 1, 1],
                "Shape of the learned tensor, e.g. [channels, 1, 1].",
                minimum=1,
                required=True,
            ),
            ParamSpec("init", _K.FLOAT, 1.0, "Initial value of every element."),
        ),
        rules.scale_rule,
        id_prefix="scale",
    ),
    LayerType(
        "ZeroPad2d",
        "Linear & reshape",
        "Adds rows and columns of zeros (negative values crop).",
        (
            ParamSpec(
                "padding", _K.PAD4, 1, "One number or [left, right, top, bottom].", required=True
            ),
        ),
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
            ParamSpec(
                "mode",
                _K.ENUM,
                "nearest",
                "Interpolation.",
                choices=("nearest", "nearest-exact", "bilinear", "bicubic"),
            ),
            ParamSpec(
                "align_corners",
                _K.OPT_BOOL,
                None,
                "Bilinear/bicubic only: align the corner pixels (empty: PyTorch's default).",
            ),
        ),
        rules.upsample_to_rule,
        max_inputs=2,
        id_prefix="up",
        initial=(("scale_factor", 2),),
    ),
    LayerType(
        "Add",
        "Merge",
        "Adds two or more tensors element by element (residual connections); sizes of 1 are repeated to match.",
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
    LayerType(
        "Mul",
        "Merge",
        "Multiplies two or more tensors element by element, broadcasting sizes of 1 (squeeze-and-excitation).",
        (),
        rules.mul_rule,
        min_inputs=2,
        max_inputs=None,
        id_prefix="mul",
    ),
    LayerType(
        "Unsupported",
        "Imported",
        "An imported op the designer cannot represent: an error until replaced; blocks code export.",
        (
            ParamSpec(
                "op", _K.TEXT, "", "The original op's name (e.g. aten::roll).", required=True
            ),
            ParamSpec(
                "shape",
                _K.OPT_SHAPE,
                None,
                "The output shape the importer saw, without the batch axis.",
            ),
            ParamSpec("note", _K.TEXT, "", "What the importer knows about it."),
        ),
        rules.unsupported_rule,
        min_inputs=0,
        max_inputs=None,
        id_prefix="unsupported",
        in_palette=False,
    ),
]

REGISTRY: dict[str, LayerType] = {t.id: t for t in _TYPES}


def layer_type(type_id: str) -> LayerType:
    """The registered type for ``type_id``; ``KeyError`` if there is none."""
    return REGISTRY[type_id]


def types_in(category: str) -> list[LayerType]:
    return [t for t in _TYPES if t.category == category]
