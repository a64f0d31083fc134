"""Import a Keras model as a design from its saved configuration, running none of its code.

A ``.keras`` file is a zip archive whose ``config.json`` describes the model; a ``.h5``
file stores the same description in its ``model_config`` attribute (read with h5py);
``model.to_json()`` writes it as a ``.json`` file. This module reads that JSON only, so
Keras need not be installed for ``.keras`` and ``.json`` files, and no code in the file
runs. ``import_keras_build_fn`` is the exception the user asks for explicitly: it runs a
Python file's function that returns a Keras model, then reads ``model.get_config()``.

Keras orders volumes height × width × channels; the design's shapes are C×H×W, and the
design's semantics is set to keras (TensorFlow's "same" = ⌈in/stride⌉). Layer mapping
(see docs/keras.md for the table): convolutions (Conv2D, DepthwiseConv2D as a grouped
Conv2d, SeparableConv2D as depthwise + pointwise, Conv2DTranspose), pools (max, average,
global, adaptive), BatchNormalization, activations (``Activation`` and the activation
argument of a layer, ReLU, LeakyReLU, Softmax), Dropout, SpatialDropout2D, Flatten,
Dense, ZeroPadding2D, Cropping2D, UpSampling2D, Add, Concatenate, Multiply (when the
designer has a Mul layer), Reshape that flattens, nested models (inlined). Rescaling,
Normalization and the random augmentation layers are preprocessing: they are left out
and listed in the description. A "same" padding that equals a symmetric PyTorch padding
becomes that number; a ZeroPadding2D whose only consumer is a convolution (or a pool
where that is exact) is folded into that layer's padding, as in PyTorch. Anything else
becomes a loud placeholder, as in the other importers. The mapping is ``_HANDLERS``
(Keras class name → method).
"""

from __future__ import annotations

import ast
import itertools
import json
import os
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from designer.convert.design_builder import ConversionError, DesignBuilder, ImportResult
from designer.core.analysis import Analysis
from designer.core.registry import REGISTRY
from designer.core.shape_rules import fmt_shape

Shape = tuple[int, ...]
MAX_CONFIG_BYTES = 64 * 1024 * 1024  # a config.json is a few hundred kB even for large models

#: Keras activation names → (designer type, params). Names whose designer type does not
#: exist (yet) become placeholders.
ACTIVATIONS: dict[str, tuple[str, dict[str, Any]]] = {
    "relu": ("ReLU", {}),
    "relu6": ("ReLU6", {}),
    "sigmoid": ("Sigmoid", {}),
    "tanh": ("Tanh", {}),
    "gelu": ("GELU", {}),
    "silu": ("SiLU", {}),
    "swish": ("SiLU", {}),
    "softmax": ("Softmax", {"dim": 1}),
    "leaky_relu": ("LeakyReLU", {"negative_slope": 0.2}),
    "hard_swish": ("Hardswish", {}),
    "hard_sigmoid": ("Hardsigmoid", {}),
    "hard_silu": ("Hardswish", {}),
    "elu": ("ELU", {}),
    "selu": ("SELU", {}),
    "mish": ("Mish", {}),
    "softplus": ("Softplus", {}),
}

#: Layers that only preprocess or augment the input: left out, and said so.
PREPROCESSING = frozenset(
    {
        "Rescaling",
        "Normalization",
        "RandomFlip",
        "RandomRotation",
        "RandomZoom",
        "RandomTranslation",
        "RandomContrast",
        "RandomBrightness",
        "RandomCrop",
        "RandomHeight",
        "RandomWidth",
        "GaussianNoise",
        "GaussianDropout",
        "AlphaDropout",
        "ActivityRegularization",
    }
)
MODEL_CLASSES = frozenset({"Functional", "Model", "Sequential"})
#: Layer types a zero padding may be folded into (their padding pads with zeros, or is exact here).
_FOLD_INTO = frozenset(
    {
        "Conv2D",
        "DepthwiseConv2D",
        "SeparableConv2D",
        "MaxPooling2D",
        "MaxPool2D",
        "AveragePooling2D",
        "AvgPool2D",
    }
)
_NON_NEGATIVE = frozenset({"ReLU", "ReLU6", "Sigmoid", "Softmax", "Hardsigmoid", "Softplus"})
_SIGN_KEEPING = frozenset(
    {
        "MaxPool2d",
        "AdaptiveMaxPool2d",
        "Dropout",
        "Dropout2d",
        "Identity",
        "ZeroPad2d",
        "Upsample",
        "StochasticDepth",
    }
)


# ------------------------------------------------------------------------------- reading


def read_keras_config(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The model configuration stored in a ``.keras``, ``.h5`` or ``.json`` file (no code runs)."""
    p = Path(path)
    if not p.is_file():
        raise ConversionError(f"{p}: {'a folder, not a file' if p.is_dir() else 'no such file'}")
    suffix = p.suffix.lower()
    if suffix == ".keras":
        text = _read_zip_config(p)
    elif suffix in (".h5", ".hdf5"):
        text = _read_h5_config(p)
    elif suffix == ".json":
        try:
            if p.stat().st_size > MAX_CONFIG_BYTES:
                raise ConversionError(f"{p.name} is too large to be a Keras model configuration")
            text = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConversionError(f"{p.name} cannot be read: {exc}") from None
    else:
        raise ConversionError(f"{p.name}: expected a .keras, .h5 or .json (model.to_json()) file")
    try:
        config = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConversionError(
            f"{p.name}: the model configuration is not valid JSON ({exc.msg}, line {exc.lineno})"
        ) from None
    except RecursionError:
        raise ConversionError(
            f"{p.name}: the model configuration is nested too deeply to be a Keras model"
        ) from None
    if isinstance(config, dict) and config.get("format") == "cnn-designer":
        raise ConversionError(
            f"{p.name} is a CNN Designer design already: open it (cnn-designer {p.name})"
        )
    if not isinstance(config, dict) or "config" not in config or "class_name" not in config:
        raise ConversionError(
            f"{p.name}: the model configuration has no class_name/config: not a saved Keras model"
        )
    return config


def _read_zip_config(p: Path) -> str:
    try:
        with zipfile.ZipFile(p) as archive:
            try:
                info = archive.getinfo("config.json")
            except KeyError:
                raise ConversionError(
                    f"{p.name} is a zip archive without config.json: not a Keras model file"
                ) from None
            if info.file_size > MAX_CONFIG_BYTES:
                raise ConversionError(
                    f"{p.name}: config.json is {info.file_size:,} bytes, too large for a model configuration"
                )
            return archive.read(info).decode("utf-8")
    except zipfile.BadZipFile:
        raise ConversionError(f"{p.name} is not a .keras file (not a zip archive)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConversionError(f"{p.name} cannot be read: {exc}") from None


def _read_h5_config(p: Path) -> str:
    try:
        import h5py
    except ImportError:
        raise ConversionError(
            f"reading {p.name} needs the h5py package, which is not installed: `pip install h5py`, or save the "
            "model as .keras (model.save('model.keras')), which needs nothing"
        ) from None
    try:
        with h5py.File(p, "r") as f:
            raw = f.attrs.get("model_config")
    except Exception as exc:  # h5py raises OSError, or its own errors for damaged files
        raise ConversionError(f"{p.name} cannot be read as an HDF5 file: {exc}") from None
    if raw is None:
        raise ConversionError(
            f"{p.name} holds no model_config (only weights?): save the whole model with model.save(...)"
        )
    return raw.decode("utf-8") if isinstance(raw, bytes) else str(raw)


def declared_input_shapes(path: str | os.PathLike[str]) -> list[tuple[str, list[int | None]]]:
    """Each input of a saved Keras model with its declared shape as [C, H, W] (or [N]); ``None`` = open.

    Reads the configuration only; for dialogs that prefill the input shape before importing.
    """
    config = read_keras_config(path)
    cfg = _cfg(config)
    layers = [e for e in cfg.get("layers") or [] if isinstance(e, dict)]
    channels_last = '"channels_first"' not in json.dumps(config)
    out: list[tuple[str, list[int | None]]] = []
    if config.get("class_name") == "Sequential":
        first = layers[0] if layers else {}
        raw = (
            _cfg(first).get("batch_shape")
            or _cfg(first).get("batch_input_shape")
            or cfg.get("build_input_shape")
        )
        out.append((str(_cfg(first).get("name") or "input"), _declared(raw, channels_last)))
        return out
    by_name = {str(e.get("name") or _cfg(e).get("name")): e for e in layers}
    try:
        refs = _refs(cfg.get("input_layers"))
    except (TypeError, ValueError, IndexError):
        refs = []
    for name, _node, _tensor in refs:
        c = _cfg(by_name.get(name))
        out.append(
            (name, _declared(c.get("batch_shape") or c.get("batch_input_shape"), channels_last))
        )
    return out


def _declared(raw: Any, channels_last: bool) -> list[int | None]:
    if not isinstance(raw, list | tuple) or len(raw) < 2:
        return []
    dims = [v if isinstance(v, int) and v > 0 else None for v in list(raw)[1:]]
    if len(dims) == 3 and channels_last:
        dims = [dims[2], dims[0], dims[1]]
    return dims


# ------------------------------------------------------------------------------ entry points


def import_keras(
    source: str | os.PathLike[str] | dict[str, Any],
    *,
    input_shapes: Sequence[Sequence[int]] | None = None,
    name: str | None = None,
    label: str | None = None,
) -> ImportResult:
    """The design of a saved Keras model (a path) or of a model configuration (a dict).

    ``input_shapes`` ([C, H, W] or [N] per model input) replaces the stored input shapes,
    and is needed where those leave height or width open (``None``).
    """
    if isinstance(source, dict):
        config, text = source, label or "the Keras model"
    else:
        config, text = read_keras_config(source), label or Path(source).name
    return _KerasImporter(config, input_shapes, name, text).run()


def import_keras_model(
    model: Any,
    *,
    input_shapes: Sequence[Sequence[int]] | None = None,
    name: str | None = None,
    label: str | None = None,
) -> ImportResult:
    """The design of a live ``keras.Model`` (its ``get_config()``; nothing is run)."""
    try:
        config = {"class_name": type(model).__name__, "config": model.get_config()}
    except Exception as exc:
        raise ConversionError(
            f"the Keras model's configuration cannot be read: {type(exc).__name__}: {exc}"
        ) from None
    if not isinstance(config["config"], dict) or not isinstance(
        config["config"].get("layers"), list
    ):
        raise ConversionError(
            f"the Keras model {getattr(model, 'name', '')!r} is a subclassed model, whose layer graph exists only in "
            "its Python code; build it with the functional API or keras.Sequential to import it"
        )
    if config["class_name"] not in MODEL_CLASSES:
        config["class_name"] = (
            "Sequential" if "build_input_shape" in config["config"] else "Functional"
        )
    return import_keras(
        config, input_shapes=input_shapes, name=name, label=label or f"Keras model {model.name}"
    )


def is_keras_model(obj: Any) -> bool:
    """Whether ``obj`` is a Keras model (checked by its classes' modules; Keras is not imported)."""
    return any(
        c.__module__.split(".")[0] in ("keras", "tf_keras")
        and c.__name__ in ("Model", "Functional", "Sequential")
        for c in type(obj).__mro__
    )


def uses_keras(path: str | Path) -> bool:
    """Whether a Python file imports keras or tensorflow (read with ``ast``; nothing runs)."""
    from designer.convert.python_source import parse_source

    for node in ast.walk(parse_source(path)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module]
        if any(n.split(".")[0] in ("keras", "tensorflow", "tf_keras") for n in names):
            return True
    return False


def import_keras_build_fn(
    path: str | Path,
    function: str,
    args_json: str | None = None,
    *,
    input_shapes: Sequence[Sequence[int]] | None = None,
    design_name: str | None = None,
    args_label: str = "the argument text",
) -> ImportResult:
    """Run ``path`` and call ``function`` (it must return a Keras model), then import the model's config.

    This runs the file's top-level code (an explicit user action, as for PyTorch files).
    """
    from designer.convert.python_source import build_model

    choose_keras_backend()
    model = build_model(path, function, args_json, args_label=args_label, require_torch=False)
    if not is_keras_model(model):
        raise ConversionError(
            f"{Path(path).name}:{function} returned a {type(model).__name__}, not a Keras model"
        )
    return import_keras_model(
        model, input_shapes=input_shapes, name=design_name, label=f"{Path(path).name}:{function}"
    )


def choose_keras_backend() -> str | None:
    """Pick a Keras backend that is installed when the user has not chosen one.

    Keras 3 defaults to TensorFlow; where only PyTorch or JAX is installed, importing keras
    would fail. Sets ``KERAS_BACKEND`` (only if unset and keras is not imported yet) and
    returns the backend chosen, or ``None`` when nothing was changed.
    """
    import importlib.util
    import sys

    if (
        "KERAS_BACKEND" in os.environ
        or "keras" in sys.modules
        or importlib.util.find_spec("tensorflow")
    ):
        return None
    for backend in ("jax", "torch"):
        if importlib.util.find_spec(backend) is not None:
            os.environ["KERAS_BACKEND"] = backend
            return backend
    return None


# ----------------------------------------------------------------------------------- importer


class _Placeholder(Exception):
    pass


def _pair(value: Any) -> tuple[int, int]:
    if isinstance(value, list | tuple):
        if len(value) == 1:
            return (int(value[0]), int(value[0]))
        return (int(value[0]), int(value[1]))
    return (int(value), int(value))


def _one(value: tuple[int, int]) -> int | list[int]:
    return value[0] if value[0] == value[1] else [value[0], value[1]]


def _tf_same(size: int, kernel: int, stride: int, dilation: int) -> tuple[int, int, int]:
    """TensorFlow's "same" along one axis: (pad before, pad after, output size)."""
    out = -(-size // stride)
    total = max((out - 1) * stride + dilation * (kernel - 1) + 1 - size, 0)
    return total // 2, total - total // 2, out


def _torch_out(size: int, kernel: int, stride: int, dilation: int, pad: int) -> int:
    return (size + 2 * pad - dilation * (kernel - 1) - 1) // stride + 1


class _KerasImporter:
    def __init__(
        self,
        config: dict[str, Any],
        shapes: Sequence[Sequence[int]] | None,
        name: str | None,
        label: str,
    ) -> None:
        self.config = config
        self.label = label
        self.override = [tuple(int(v) for v in s) for s in shapes] if shapes else None
        inner = _cfg(config)
        self.builder = DesignBuilder(
            name or str(inner.get("name") or Path(label).stem or "Keras model")
        )
        self.builder.design.set_semantics("keras")
        self.channels_last = '"channels_first"' not in json.dumps(config)
        self.expected: dict[str, Shape] = {}
        self.preprocessing: list[str] = []
        self.inputs_seen = 0
        self.pending_pad: dict[
            str, tuple[int, int]
        ] = {}  # Keras layer name -> (pad h, pad w) folded into it
        self._analysis: Analysis | None = None
        self.aliases: set[str] = (
            set()
        )  # Keras layers that pass their input on (folded pads, preprocessing)
        # Keras' MobileNetV3 writes hard_sigmoid as ReLU(6)(x + 3) * (1/6), CNN Designer's Keras
        # code a channel shuffle as Reshape → Permute → Reshape: the first steps are held back
        # (marker → (step, source layer, what it began)) until the last makes them one layer.
        self.deferred: dict[str, tuple[str, str, str]] = {}

    # ---------------------------------------------------------------- running

    def run(self) -> ImportResult:
        cls = self.config.get("class_name")
        if not isinstance(cls, str) or cls not in MODEL_CLASSES:
            raise ConversionError(
                f"{self.label}: the saved object is a {cls!r}, not a Keras model (Functional, Model or Sequential)"
            )
        try:
            self._model(self.config, None)
        except (KeyError, TypeError, ValueError, IndexError, AttributeError, RecursionError) as exc:
            raise ConversionError(
                f"{self.label}: the model configuration is malformed ({type(exc).__name__}: {exc})"
            ) from None
        finally:
            if self._analysis is not None:
                self._analysis.close()
        if not any(layer.type != "Input" for layer in self.builder.design):
            raise ConversionError(f"{self.label}: the model has no layers to import")
        b = self.builder
        b.check_shapes(self.expected, "Keras")
        inputs = [layer for layer in b.design if layer.type == "Input"]
        text = ", ".join(fmt_shape(tuple(layer.params["shape"])) for layer in inputs)
        description = f"Imported from Keras: {self.label}, input {text} (Keras' H×W×C)."
        if self.preprocessing:
            description += (
                " Preprocessing layers left out of the design (they do not change shapes): "
                + "; ".join(self.preprocessing)
                + "."
            )
        return b.finish(description)

    def _model(self, config: dict[str, Any], bound: list[str] | None) -> list[str]:
        """Add a Functional or Sequential model's layers; ``bound`` are the design ids feeding its inputs
        (a nested model); returns the ids of its outputs."""
        cls = config.get("class_name")
        cfg = config.get("config")
        if not isinstance(cfg, dict) or not isinstance(cfg.get("layers"), list):
            raise ConversionError(f"{self.label}: the {cls} configuration has no list of layers")
        if cls == "Sequential":
            return self._sequential(cfg, bound)
        return self._functional(cfg, bound)

    def _sequential(self, cfg: dict[str, Any], bound: list[str] | None) -> list[str]:
        layers = [entry for entry in cfg["layers"] if isinstance(entry, dict)]
        current: str | None = bound[0] if bound else None
        if current is None:
            first = layers[0] if layers else {}
            if first.get("class_name") == "InputLayer":
                layers = layers[1:]
                current = self._input(self._layer_name(first), _cfg(first))
            else:
                shape = cfg.get("build_input_shape") or _cfg(first).get("batch_input_shape")
                if shape is None:
                    raise ConversionError(
                        f"{self.label}: the Sequential model was saved before it was built: its input shape is unknown"
                    )
                current = self._input(
                    f"{cfg.get('name') or 'sequential'}_input", {"batch_shape": shape}
                )
        for n, entry in enumerate(layers):
            nxt = layers[n + 1] if n + 1 < len(layers) else None
            outs = self._layer(
                entry, [current], consumers=1 if nxt is not None else 2, next_entry=nxt
            )
            current = outs[0]
        return [current]

    def _functional(self, cfg: dict[str, Any], bound: list[str] | None) -> list[str]:
        layers = [entry for entry in cfg["layers"] if isinstance(entry, dict)]
        produced: dict[tuple[str, int, int], str] = {}
        calls: list[tuple[dict[str, Any], int, list[tuple[str, int, int]]]] = []
        consumers: dict[str, list[str]] = {}
        by_name: dict[str, dict[str, Any]] = {}
        for entry in layers:
            name = self._layer_name(entry)
            by_name[name] = entry
            for node_index, node in enumerate(entry.get("inbound_nodes") or []):
                refs = _history(node)
                calls.append((entry, node_index, refs))
                for ref in refs:
                    consumers.setdefault(ref[0], []).append(name)
        input_refs = _refs(cfg.get("input_layers"))
        output_refs = _refs(cfg.get("output_layers"))
        for n, ref in enumerate(input_refs):
            input_entry = by_name.get(ref[0])
            if input_entry is None:
                raise ConversionError(
                    f"{self.label}: the model input {ref[0]!r} is not among its layers"
                )
            if bound is not None:
                if n >= len(bound):
                    raise ConversionError(
                        f"{self.label}: a nested model has more inputs than it is given"
                    )
                produced[(ref[0], 0, 0)] = bound[n]
            else:
                produced[(ref[0], 0, 0)] = self._input(ref[0], _cfg(input_entry))
        outputs_named = {ref[0] for ref in output_refs}
        pending = list(calls)
        while pending:  # layers are listed in order, but be safe against any order
            progressed = False
            for call in list(pending):
                entry, node_index, refs = call
                for ref in refs:
                    first = (ref[0], ref[1], 0)
                    if ref not in produced and first in produced:
                        # another output of a layer that gave one: a loud placeholder, not a stall
                        produced[ref] = self.builder.placeholder(
                            f"{ref[0]}_{ref[2]}",
                            [produced[first]],
                            f"output {ref[2]} of the Keras layer {ref[0]}",
                            "the designer reads several outputs of a layer only from a Split",
                        )
                if any(ref not in produced and ref[0] in by_name for ref in refs):
                    continue
                pending.remove(call)
                progressed = True
                name = self._layer_name(entry)
                missing = [ref for ref in refs if ref not in produced]
                if missing:
                    raise ConversionError(
                        f"{self.label}: layer {name!r} uses {missing[0][0]!r}, which the model does not define"
                    )
                ins = [produced[ref] for ref in refs]
                n_consumers = len(consumers.get(name, [])) + (1 if name in outputs_named else 0)
                nxt = by_name.get(consumers[name][0]) if len(consumers.get(name, [])) == 1 else None
                outs = self._layer(
                    entry, ins, consumers=n_consumers, next_entry=nxt, node_index=node_index
                )
                for t, out in enumerate(outs):
                    produced[(name, node_index, t)] = out
                for ref, node_tensor in zip(
                    refs, _tensors((entry.get("inbound_nodes") or [])[node_index]), strict=False
                ):
                    shape = (
                        _chw(node_tensor.get("shape"), self.channels_last)
                        if isinstance(node_tensor, dict)
                        else None
                    )
                    if shape is not None and ref in produced and ref[0] not in self.aliases:
                        self.expected.setdefault(produced[ref], shape)
            if not progressed:
                names = ", ".join(sorted({self._layer_name(c[0]) for c in pending})[:5])
                raise ConversionError(
                    f"{self.label}: the layers {names} depend on each other in a cycle"
                )
        outs = []
        for ref in output_refs:
            if ref not in produced:
                raise ConversionError(
                    f"{self.label}: the model output {ref[0]!r} is not computed by any layer"
                )
            out = produced[ref]
            if (
                out in self.deferred
            ):  # a model that ends with x + 3 (or its ReLU): nothing to hold back for
                _step, src, what = self.deferred.pop(out)
                out = self.builder.placeholder(
                    ref[0],
                    [src],
                    f"the Keras layer {ref[0]}",
                    f"it ends the model with {what}, which the designer has no layer for",
                )
            outs.append(out)
        return outs

    @staticmethod
    def _layer_name(entry: dict[str, Any]) -> str:
        return str(
            entry.get("name") or _cfg(entry).get("name") or entry.get("class_name") or "layer"
        )

    # ----------------------------------------------------------------- shapes

    def _shape(self, lid: str) -> Shape | None:
        if self._analysis is None:  # follows every layer added from now on
            self._analysis = Analysis(self.builder.design)
        head, _, k = lid.partition(":")  # "split:1": output 1 of a Split
        info = self._analysis.info.get(head)
        if info is None:
            return None
        if k.isdigit():
            shapes = info.output_shapes
            return shapes[int(k)] if int(k) < len(shapes) else None
        return info.output_shape

    def _non_negative(self, lid: str) -> bool:
        """Whether the layer's output cannot be negative (a ReLU-like layer, through pools and dropouts)."""
        layer = self.builder.design.layer(lid.partition(":")[0])
        while layer.type in _SIGN_KEEPING and layer.inputs:
            layer = self.builder.design.layer(layer.inputs[0].partition(":")[0])
        return layer.type in _NON_NEGATIVE

    # ----------------------------------------------------------------- layers

    def _input(self, name: str, cfg: dict[str, Any]) -> str:
        n = self.inputs_seen
        self.inputs_seen += 1
        if self.override is not None:
            if n >= len(self.override):
                raise ConversionError(
                    f"{self.label} has more inputs than the {len(self.override)} input shapes given"
                )
            shape: Shape | None = self.override[n]
        else:
            raw = cfg.get("batch_shape") or cfg.get("batch_input_shape")
            if raw is None and cfg.get("shape") is not None:
                raw = [None, *cfg["shape"]]
            shape = _chw(raw, self.channels_last)
            if shape is None:
                shown = [("?" if v is None else v) for v in (raw or [])]
                raise ConversionError(
                    f"{self.label}: the input {name} has shape {shown}; give its size with --input-shape C,H,W "
                    "(input_shapes=[...] in Python)"
                )
        assert shape is not None
        return self.builder.add(
            name, "Input", {"shape": list(shape)}, [], f"the Keras input {name}"
        )

    def _layer(
        self,
        entry: dict[str, Any],
        inputs: list[str],
        *,
        consumers: int,
        next_entry: dict[str, Any] | None,
        node_index: int = 0,
    ) -> list[str]:
        cls = str(entry.get("class_name") or "")
        name = self._layer_name(entry)
        wanted = name if node_index == 0 else f"{name}_{node_index}"
        cfg = _cfg(entry)
        if cls in MODEL_CLASSES:
            return self._model({"class_name": cls, "config": cfg}, inputs)
        if cls == "InputLayer":
            if inputs:
                self.aliases.add(name)
                return inputs[:1]
            return [self._input(name, cfg)]
        if cls in PREPROCESSING:
            self.preprocessing.append(f"{name} ({cls}{_preprocessing_detail(cls, cfg)})")
            self.builder.note(
                "info",
                "preprocessing",
                None,
                f"{name} ({cls}) preprocesses the input; left out of the design",
            )
            self.aliases.add(name)
            return inputs[:1]
        handler = _HANDLERS.get(cls)
        source = f"the Keras {cls or 'layer'} {name}"
        if cls == "Split" and "indices_or_sections" in cfg:  # keras.ops.split in a functional model
            try:
                return self._split(wanted, cfg, inputs)
            except _Placeholder as exc:
                return [self.builder.placeholder(wanted, inputs, source, str(exc))]
        scalars = _scalars(
            (entry.get("inbound_nodes") or [None])[node_index]
            if entry.get("inbound_nodes")
            else None
        )
        if (
            scalars
            or any(i in self.deferred for i in inputs)
            or self._starts_shuffle(cls, cfg, inputs)
        ):
            step = self._deferred_step(wanted, cls, cfg, inputs, scalars)
            if step is not None:
                return [step]
            held = [self.deferred[i][1] if i in self.deferred else i for i in inputs]
            begun = [self.deferred[i][2] for i in inputs if i in self.deferred]
            why = (
                f"it computes with the constant{'s' if len(scalars) > 1 else ''} "
                f"{', '.join(f'{v:g}' for v in scalars)}"
                if scalars
                else f"it continues {begun[0]}, which the designer has no layer for"
            )
            return [self.builder.placeholder(wanted, held, source, why)]
        try:
            if handler is None:
                raise _Placeholder(f"CNN Designer has no layer for Keras' {cls or 'unnamed layer'}")
            if cls == "ZeroPadding2D" and consumers == 1 and next_entry is not None:
                folded = self._fold_pad(cfg, inputs, next_entry)
                if folded is not None:
                    self.aliases.add(name)
                    return folded
            out = handler(self, wanted, cfg, inputs)
        except _Placeholder as why:
            return [self.builder.placeholder(wanted, inputs, source, str(why))]
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
            return [
                self.builder.placeholder(
                    wanted,
                    inputs,
                    source,
                    f"its configuration could not be read ({type(exc).__name__}: {exc})",
                )
            ]
        return [out]

    def _split(self, wanted: str, cfg: dict[str, Any], inputs: list[str]) -> list[str]:
        """``keras.ops.split(x, indices_or_sections, axis)``: a Split, one reference per piece."""
        shape = self._shape(inputs[0])
        if shape is None or len(inputs) != 1:
            raise _Placeholder("its input's shape is unknown")
        dim = self._dim(int(cfg.get("axis", 0)), shape)
        size = shape[dim - 1]
        cut = cfg["indices_or_sections"]
        if isinstance(cut, int):
            if cut < 1 or size % cut:
                raise _Placeholder(
                    f"it splits {size} into {cut} equal pieces, which do not divide it"
                )
            sizes = [size // cut] * cut
        else:
            edges = [0, *(min(max(int(v), 0), size) for v in cut), size]
            sizes = [b - a for a, b in itertools.pairwise(edges)]
            if any(v < 1 for v in sizes):
                raise _Placeholder(f"it cuts at {list(cut)}, which leaves an empty piece")
        equal = len(set(sizes[:-1])) <= 1 and sizes[-1] <= sizes[0]
        params = {"split_size_or_sections": sizes[0] if equal else sizes, "dim": dim}
        lid = self._add(wanted, "Split", params, inputs, "keras.ops.split")
        return [f"{lid}:{k}" for k in range(len(sizes))]

    def _starts_shuffle(self, cls: str, cfg: dict[str, Any], inputs: list[str]) -> bool:
        """A Reshape of an H×W×C volume to (H, W, g, C/g): the first step of a channel shuffle."""
        if cls != "Reshape" or len(inputs) != 1 or inputs[0] in self.deferred:
            return False
        shape = self._shape(inputs[0])
        target = [int(v) for v in cfg.get("target_shape") or []]
        return (
            shape is not None
            and len(shape) == 3
            and len(target) == 4
            and self.channels_last
            and target[:2] == [shape[1], shape[2]]
            and target[2] * target[3] == shape[0]
            and target[2] > 1
        )

    def _deferred_step(
        self, wanted: str, cls: str, cfg: dict[str, Any], inputs: list[str], scalars: list[float]
    ) -> str | None:
        """One step of ``ReLU(6)(x + 3) * (1/6)`` or of a channel shuffle: a marker for the first
        steps, the Hardsigmoid or ChannelShuffle at the last; ``None`` where the chain breaks."""

        def hold(step: str, src: str, what: str) -> str:
            marker = f"\x00{wanted}"
            self.deferred[marker] = (step, src, what)
            return marker

        if self._starts_shuffle(cls, cfg, inputs):
            groups = int(cfg["target_shape"][2])
            return hold(f"groups:{groups}", inputs[0], f"a Reshape into {groups} channel groups")
        if (
            cls == "Add"
            and len(inputs) == 1
            and scalars == [3.0]
            and inputs[0] not in self.deferred
        ):
            return hold("plus3", inputs[0], "x + 3")
        if len(inputs) != 1 or inputs[0] not in self.deferred:
            return None
        step, src, what = self.deferred[inputs[0]]
        if (
            step == "plus3"
            and cls == "ReLU"
            and not scalars
            and float(cfg.get("max_value") or 0.0) == 6.0
            and not float(cfg.get("negative_slope") or 0.0)
            and not float(cfg.get("threshold") or 0.0)
        ):
            return hold("relu6", src, "ReLU6(x + 3)")
        if (
            step == "relu6"
            and cls == "Multiply"
            and len(scalars) == 1
            and abs(scalars[0] - 1 / 6) < 1e-6
        ):
            return self._add(wanted, "Hardsigmoid", {}, [src], "Multiply")
        if (
            step.startswith("groups:")
            and cls == "Permute"
            and list(cfg.get("dims") or []) == [1, 2, 4, 3]
        ):
            return hold(f"swapped:{step.split(':')[1]}", src, f"{what}, swapped")
        shape = self._shape(src)
        if (
            step.startswith("swapped:")
            and cls == "Reshape"
            and shape is not None
            and [int(v) for v in cfg.get("target_shape") or []] == [shape[1], shape[2], shape[0]]
        ):
            return self._add(
                wanted, "ChannelShuffle", {"groups": int(step.split(":")[1])}, [src], "Reshape"
            )
        return None

    def _add(
        self, wanted: str, type_id: str, params: dict[str, Any], inputs: list[str], cls: str
    ) -> str:
        if type_id not in REGISTRY:
            raise _Placeholder(f"the designer has no {type_id} layer for Keras' {cls}")
        return self.builder.add(wanted, type_id, params, inputs, f"the Keras {cls} {wanted}")

    def _activation(self, wanted: str, value: Any, inputs: list[str], cls: str) -> str:
        """The layer for a Keras activation (a name or a serialised function); ``inputs[0]`` for linear."""
        act = _activation_name(value)
        if act in (None, "linear"):
            return inputs[0]
        type_id, params = ACTIVATIONS.get(act, ("", {}))
        if type_id not in REGISTRY:
            why = (
                f"the designer has no {type_id} layer"
                if type_id
                else "the designer has no layer for it"
            )
            if cls == "Activation":
                raise _Placeholder(f"its activation {act!r}: {why}")
            # The layer itself was added: only its activation becomes the placeholder.
            return self.builder.placeholder(
                f"{wanted}_{act}", inputs, f"the activation {act!r} of {wanted}", why
            )
        lid = self.builder.add(
            f"{wanted}_{act}" if cls != "Activation" else wanted,
            type_id,
            dict(params),
            inputs,
            f"the activation {act} of {wanted}",
        )
        return lid

    def _fold_pad(
        self, cfg: dict[str, Any], inputs: list[str], nxt: dict[str, Any]
    ) -> list[str] | None:
        """Fold a symmetric ZeroPadding2D into its only consumer's padding where that is exact."""
        (top, bottom), (left, right) = _pad_pairs(cfg.get("padding", 1))
        nxt_cls = str(nxt.get("class_name"))
        ncfg = _cfg(nxt)
        if (
            nxt_cls not in _FOLD_INTO
            or top != bottom
            or left != right
            or ncfg.get("padding", "valid") != "valid"
        ):
            return None
        if len(nxt.get("inbound_nodes") or []) > 1:
            return None  # a shared layer: its other calls have no such padding
        if nxt_cls in ("MaxPooling2D", "MaxPool2D", "AveragePooling2D", "AvgPool2D"):
            k = _pair(ncfg.get("pool_size", 2))
            if top > k[0] // 2 or left > k[1] // 2:
                return None  # PyTorch allows at most half the window
            if nxt_cls.startswith("Max") and not self._non_negative(inputs[0]):
                return None  # zeros equal −∞ only after a non-negative layer
        self.pending_pad[self._layer_name(nxt)] = (top, left)
        return inputs[:1]

    def _padding(
        self,
        wanted: str,
        cfg: dict[str, Any],
        src: str,
        k: tuple[int, int],
        s: tuple[int, int],
        d: tuple[int, int],
        pool: bool,
    ) -> tuple[Any, list[str], bool]:
        """The designer padding for a window layer: (padding, inputs, exact "same" was kept as numbers).

        Returns the value for ``padding`` and the inputs (a ZeroPad2d first where "same" pads
        unevenly in a way the layer cannot express)."""
        name = wanted
        folded = self.pending_pad.pop(name, None)
        mode = str(cfg.get("padding", "valid")).lower()
        if folded is not None:
            return _one(folded), [src], True
        if mode == "valid":
            return 0, [src], True
        if mode != "same":
            raise _Placeholder(f"its padding {mode!r} has no designer equivalent")
        shape = self._shape(src)
        if shape is None or len(shape) != 3:
            return "same", [src], False
        numeric = []
        for i in range(2):
            before, _after, out = _tf_same(shape[1 + i], k[i], s[i], d[i])
            if _torch_out(shape[1 + i], k[i], s[i], d[i], before) == out and (
                not pool or before <= k[i] // 2
            ):
                numeric.append(before)
            else:
                numeric = []
                break
        if len(numeric) == 2:
            return _one((numeric[0], numeric[1])), [src], True
        if not pool:
            return "same", [src], False  # keras semantics computes TensorFlow's "same" itself
        pads = [_tf_same(shape[1 + i], k[i], s[i], d[i]) for i in range(2)]
        (t, b, _), (left, right, _) = pads
        pad = self.builder.add(
            f"{name}_pad",
            "ZeroPad2d",
            {"padding": [left, right, t, b]},
            [src],
            f'the "same" padding of {name}',
        )
        self.builder.note(
            "warning",
            "padding_approximated",
            pad,
            f'{name} pads unevenly ("same": {t}/{b} rows, {left}/{right} columns); the design pads '
            "with zeros first, where Keras' pooling ignores the padded positions",
        )
        return 0, [pad], True

    def _window(
        self, wanted: str, cfg: dict[str, Any], src: str
    ) -> tuple[dict[str, Any], list[str]]:
        """A convolution's window (kernel, stride, padding, dilation as design parameters) and its
        inputs: ``src``, or a ZeroPad2d in front of it where Keras' "same" pads unevenly."""
        k, s, d = (
            _pair(cfg["kernel_size"]),
            _pair(cfg.get("strides", 1)),
            _pair(cfg.get("dilation_rate", 1)),
        )
        padding, ins, _ = self._padding(wanted, cfg, src, k, s, d, pool=False)
        window = {
            "kernel_size": _one(k),
            "stride": _one(s),
            "padding": padding,
            "dilation": _one(d),
        }
        return window, ins

    def _channels(self, src: str) -> int:
        shape = self._shape(src)
        if shape is None or len(shape) != 3:
            raise _Placeholder("its input's channels are unknown")
        return shape[0]

    def conv2d(self, wanted: str, cfg: dict[str, Any], inputs: list[str]) -> str:
        window, ins = self._window(wanted, cfg, inputs[0])
        params = {
            "out_channels": int(cfg["filters"]),
            **window,
            "groups": int(cfg.get("groups", 1) or 1),
            "bias": bool(cfg.get("use_bias", True)),
        }
        lid = self._add(wanted, "Conv2d", params, ins, "Conv2D")
        return self._activation(wanted, cfg.get("activation"), [lid], "Conv2D")

    def depthwise_conv2d(self, wanted: str, cfg: dict[str, Any], inputs: list[str]) -> str:
        channels = self._channels(inputs[0])
        window, ins = self._window(wanted, cfg, inputs[0])
        multiplier = int(cfg.get("depth_multiplier", 1) or 1)
        params = {
            "out_channels": channels * multiplier,
            **window,
            "groups": channels,
            "bias": bool(cfg.get("use_bias", True)),
        }
        lid = self._add(wanted, "Conv2d", params, ins, "DepthwiseConv2D")
        return self._activation(wanted, cfg.get("activation"), [lid], "DepthwiseConv2D")

    def separable_conv2d(self, wanted: str, cfg: dict[str, Any], inputs: list[str]) -> str:
        channels = self._channels(inputs[0])
        window, ins = self._window(wanted, cfg, inputs[0])
        multiplier = int(cfg.get("depth_multiplier", 1) or 1)
        depthwise = self._add(
            f"{wanted}_depthwise",
            "Conv2d",
            {"out_channels": channels * multiplier, **window, "groups": channels, "bias": False},
            ins,
            "SeparableConv2D",
        )
        lid = self._add(
            wanted,
            "Conv2d",
            {
                "out_channels": int(cfg["filters"]),
                "kernel_size": 1,
                "bias": bool(cfg.get("use_bias", True)),
            },
            [depthwise],
            "SeparableConv2D",
        )
        return self._activation(wanted, cfg.get("activation"), [lid], "SeparableConv2D")

    def conv2d_transpose(self, wanted: str, cfg: dict[str, Any], inputs: list[str]) -> str:
        src = inputs[0]
        k, s, d = (
            _pair(cfg["kernel_size"]),
            _pair(cfg.get("strides", 1)),
            _pair(cfg.get("dilation_rate", 1)),
        )
        mode = str(cfg.get("padding", "valid")).lower()
        raw_op = cfg.get("output_padding")
        op_keras = None if raw_op is None else _pair(raw_op)
        pads, ops = [], []
        for i in range(2):
            k_eff = d[i] * (k[i] - 1) + 1
            if mode == "valid":
                pad = 0
                op = max(s[i] - k_eff, 0) if op_keras is None else op_keras[i]
            elif mode == "same":
                pad = max(-(-(k_eff - s[i]) // 2), 0) if op_keras is None else k_eff // 2
                op = s[i] - k_eff + 2 * pad if op_keras is None else op_keras[i]
            else:
                raise _Placeholder(f"its padding {mode!r} has no designer equivalent")
            if not 0 <= op < max(s[i], d[i]):
                raise _Placeholder("its output size cannot be written as a PyTorch ConvTranspose2d")
            pads.append(pad)
            ops.append(op)
        params = {
            "out_channels": int(cfg["filters"]),
            "kernel_size": _one(k),
            "stride": _one(s),
            "padding": _one((pads[0], pads[1])),
            "output_padding": _one((ops[0], ops[1])),
            "dilation": _one(d),
            "bias": bool(cfg.get("use_bias", True)),
        }
        lid = self._add(wanted, "ConvTranspose2d", params, [src], "Conv2DTranspose")
        return self._activation(wanted, cfg.get("activation"), [lid], "Conv2DTranspose")

    def pool(self, wanted: str, cfg: dict[str, Any], inputs: list[str], type_id: str) -> str:
        k = _pair(cfg.get("pool_size", 2))
        s = _pair(cfg.get("strides") or k)
        mode = str(cfg.get("padding", "valid")).lower()
        padding, ins, _ = self._padding(wanted, cfg, inputs[0], k, s, (1, 1), pool=True)
        params: dict[str, Any] = {"kernel_size": _one(k), "padding": padding}
        if s != k:
            params["stride"] = _one(s)
        if type_id == "AvgPool2d" and mode == "same" and padding != 0:
            params["count_include_pad"] = False  # TensorFlow averages only the real pixels
        return self._add(wanted, type_id, params, ins, type_id)

    def max_pool(self, wanted: str, cfg: dict[str, Any], inputs: list[str]) -> str:
        return self.pool(wanted, cfg, inputs, "MaxPool2d")

    def avg_pool(self, wanted: str, cfg: dict[str, Any], inputs: list[str]) -> str:
        return self.pool(wanted, cfg, inputs, "AvgPool2d")

    def global_pool(
        self, wanted: str, cfg: dict[str, Any], inputs: list[str], type_id: str, cls: str
    ) -> str:
        lid = self._add(wanted, type_id, {"output_size": 1}, inputs, cls)
        if cfg.get("keepdims"):
            return lid
        return self._add(f"{wanted}_flatten", "Flatten", {}, [lid], cls)

    def global_avg_pool(self, wanted: str, cfg: dict[str, Any], inputs: list[str]) -> str:
        return self.global_pool(wanted, cfg, inputs, "AdaptiveAvgPool2d", "GlobalAveragePooling2D")

    def global_max_pool(self, wanted: str, cfg: dict[str, Any], inputs: list[str]) -> str:
        return self.global_pool(wanted, cfg, inputs, "AdaptiveMaxPool2d", "GlobalMaxPooling2D")

    def adaptive_pool(
        self, wanted: str, cfg: dict[str, Any], inputs: list[str], type_id: str
    ) -> str:
        return self._add(
            wanted, type_id, {"output_size": _one(_pair(cfg["output_size"]))}, inputs, type_id
        )

    def adaptive_avg_pool(self, wanted: str, cfg: dict[str, Any], inputs: list[str]) -> str:
        return self.adaptive_pool(wanted, cfg, inputs, "AdaptiveAvgPool2d")

    def adaptive_max_pool(self, wanted: str, cfg: dict[str, Any], inputs: list[str]) -> str:
        return self.adaptive_pool(wanted, cfg, inputs, "AdaptiveMaxPool2d")

    def batch_norm(self, wanted: str, cfg: dict[str, Any], inputs: list[str]) -> str:
        shape = self._shape(inputs[0])
        axis = cfg.get("axis", -1)
        axis = axis[0] if isinstance(axis, list) and len(axis) == 1 else axis
        if shape is not None and len(shape) != 3:
            raise _Placeholder("it normalises a vector; the designer's BatchNorm2d needs a volume")
        channel_axes = (-1, 3) if self.channels_last else (1, -3)
        if axis not in channel_axes:
            raise _Placeholder(f"it normalises along axis {axis}, not the channels")
        center, scale = bool(cfg.get("center", True)), bool(cfg.get("scale", True))
        params: dict[str, Any] = {
            "eps": float(cfg.get("epsilon", 1e-3)),
            "momentum": round(1.0 - float(cfg.get("momentum", 0.99)), 10),
            "affine": center or scale,
        }
        lid = self._add(wanted, "BatchNorm2d", params, inputs, "BatchNormalization")
        if center != scale:
            self.builder.note(
                "warning",
                "parameters_approximated",
                lid,
                f"{lid} learns only {'β' if center else 'γ'}; the design counts both (2·C parameters)",
            )
        return lid

    def activation_layer(self, wanted: str, cfg: dict[str, Any], inputs: list[str]) -> str:
        return self._activation(wanted, cfg.get("activation"), inputs, "Activation")

    def relu(self, wanted: str, cfg: dict[str, Any], inputs: list[str]) -> str:
        max_value = cfg.get("max_value")
        slope = float(cfg.get("negative_slope", 0.0) or 0.0)
        if float(cfg.get("threshold", 0.0) or 0.0) != 0.0:
            raise _Placeholder("its threshold is not 0")
        if max_value is None:
            if slope:
                return self._add(wanted, "LeakyReLU", {"negative_slope": slope}, inputs, "ReLU")
            return self._add(wanted, "ReLU", {}, inputs, "ReLU")
        if float(max_value) == 6.0 and not slope:
            return self._add(wanted, "ReLU6", {}, inputs, "ReLU")
        raise _Placeholder(f"it clips at {max_value}; the designer has ReLU6 only")

    def leaky_relu(self, wanted: str, cfg: dict[str, Any], inputs: list[str]) -> str:
        slope = cfg.get("negative_slope", cfg.get("alpha", 0.3))
        return self._add(wanted, "LeakyReLU", {"negative_slope": float(slope)}, inputs, "LeakyReLU")

    def softmax(self, wanted: str, cfg: dict[str, Any], inputs: list[str]) -> str:
        shape = self._shape(inputs[0])
        axis = cfg.get("axis", -1)
        axis = axis[0] if isinstance(axis, list) and len(axis) == 1 else int(axis)
        dim = self._dim(axis, shape)
        return self._add(wanted, "Softmax", {"dim": dim}, inputs, "Softmax")

    def _dim(self, axis: int, shape: Shape | None) -> int:
        """A Keras axis (batch first, channels last) as the designer's dim (batch first, channels second)."""
        rank = len(shape) + 1 if shape is not None else 4
        axis %= rank
        if axis == 0:
            raise _Placeholder("it works along the batch axis")
        if rank != 4 or not self.channels_last:
            return axis
        return 1 if axis == 3 else axis + 1

    def dropout(self, wanted: str, cfg: dict[str, Any], inputs: list[str]) -> str:
        rate = float(cfg.get("rate", 0.5))
        noise = cfg.get("noise_shape")
        if isinstance(noise, list | tuple) and len(noise) >= 2 and all(v == 1 for v in noise[1:]):
            # one mask value per sample (None first) or for the whole batch (1): whole samples are
            # dropped and the rest scaled by 1/(1 − rate), torchvision's StochasticDepth
            mode = "row" if noise[0] is None else "batch"
            return self._add(
                wanted, "StochasticDepth", {"p": rate, "mode": mode}, inputs, "Dropout"
            )
        if isinstance(noise, list | tuple) and len(noise) == 4 and list(noise[1:3]) == [1, 1]:
            return self._add(wanted, "Dropout2d", {"p": rate}, inputs, "Dropout")
        return self._add(wanted, "Dropout", {"p": rate}, inputs, "Dropout")

    def _affine(self, cfg: dict[str, Any], lid: str) -> bool:
        """Whether a normalisation learns γ and β (a note where Keras learns only one of them)."""
        center, scale = bool(cfg.get("center", True)), bool(cfg.get("scale", True))
        if center != scale:
            self.builder.note(
                "warning",
                "parameters_approximated",
                lid,
                f"{lid} learns only {'β' if center else 'γ'}; the design counts both",
            )
        return center or scale

    def layer_norm(self, wanted: str, cfg: dict[str, Any], inputs: list[str]) -> str:
        shape = self._shape(inputs[0])
        axis = cfg.get("axis", -1)
        axis = axis[0] if isinstance(axis, list) and len(axis) == 1 else axis
        if shape is None or not isinstance(axis, int) or axis not in (-1, len(shape)):
            raise _Placeholder(
                f"it normalises along axis {axis}; the designer's LayerNorm2d and LayerNorm take the last"
            )
        if cfg.get("rms_scaling"):
            raise _Placeholder("it scales by the root mean square (rms_scaling), without centring")
        eps = float(cfg.get("epsilon", 1e-3))
        center, scale = bool(cfg.get("center", True)), bool(cfg.get("scale", True))
        if len(shape) == 3 and self.channels_last:  # over the channels at every position
            lid = self._add(
                wanted,
                "LayerNorm2d",
                {"eps": eps, "elementwise_affine": scale or center},
                inputs,
                "LayerNormalization",
            )
            self._affine(cfg, lid)
            return lid
        params = {
            "normalized_shape": [shape[-1]],
            "eps": eps,
            "elementwise_affine": scale or center,
            "bias": center or not scale,
        }
        lid = self._add(wanted, "LayerNorm", params, inputs, "LayerNormalization")
        if center and not scale:
            self._affine(cfg, lid)
        return lid

    def group_norm(self, wanted: str, cfg: dict[str, Any], inputs: list[str]) -> str:
        shape = self._shape(inputs[0])
        axis = cfg.get("axis", -1)
        if shape is None or len(shape) != 3 or axis not in (-1, 3):
            raise _Placeholder("it does not normalise the channels of a volume")
        groups = int(cfg.get("groups", 32))
        eps = float(cfg.get("epsilon", 1e-3))
        center, scale = bool(cfg.get("center", True)), bool(cfg.get("scale", True))
        if groups in (-1, shape[0]):  # one group per channel: instance normalisation
            lid = self._add(
                wanted,
                "InstanceNorm2d",
                {"eps": eps, "affine": center or scale},
                inputs,
                "GroupNormalization",
            )
        else:
            lid = self._add(
                wanted,
                "GroupNorm",
                {"num_groups": groups, "eps": eps, "affine": center or scale},
                inputs,
                "GroupNormalization",
            )
        self._affine(cfg, lid)
        return lid

    def elu(self, wanted: str, cfg: dict[str, Any], inputs: list[str]) -> str:
        return self._add(wanted, "ELU", {"alpha": float(cfg.get("alpha", 1.0))}, inputs, "ELU")

    def prelu(self, wanted: str, cfg: dict[str, Any], inputs: list[str]) -> str:
        shape = self._shape(inputs[0])
        if shape is None:
            raise _Placeholder("its input's shape is unknown")
        init = cfg.get("alpha_initializer")
        value = 0.25 if not isinstance(init, dict) else None
        if isinstance(init, dict):
            icfg = init.get("config") or {}
            name = str(init.get("class_name", ""))
            if name == "Constant" and isinstance(icfg, dict):
                value = float(icfg.get("value", 0.0))
            elif name == "Zeros":
                value = 0.0
            elif name == "Ones":
                value = 1.0
        rank = len(shape)
        shared = sorted(int(a) for a in (cfg.get("shared_axes") or []))
        channel = rank if self.channels_last and rank == 3 else 1
        if shared == list(range(1, rank + 1)):
            n = 1
        elif shared == [a for a in range(1, rank + 1) if a != channel]:
            n = shape[0]
        else:
            raise _Placeholder(
                f"it learns a slope per position (shared_axes {shared}); the designer's PReLU has one "
                "slope, or one per channel"
            )
        params: dict[str, Any] = {"num_parameters": n}
        if value is not None:
            params["init"] = value
        lid = self._add(wanted, "PReLU", params, inputs, "PReLU")
        if value is None:
            self.builder.note(
                "info",
                "initializer",
                lid,
                f"{lid}: its slopes' initializer is not a constant; the design starts them at 0.25",
            )
        return lid

    def scale(self, wanted: str, cfg: dict[str, Any], inputs: list[str]) -> str:
        """The Scale layer of CNN Designer's exported Keras code: its shape is channels last."""
        if "shape" not in cfg:
            raise _Placeholder(
                "it is not CNN Designer's Scale layer (no shape in its configuration)"
            )
        raw = [int(v) for v in cfg["shape"]]
        shape = (raw[2], raw[0], raw[1]) if len(raw) == 3 and self.channels_last else tuple(raw)
        return self._add(
            wanted,
            "Scale",
            {"shape": list(shape), "init": float(cfg.get("init", 1.0))},
            inputs,
            "Scale",
        )

    def spatial_dropout(self, wanted: str, cfg: dict[str, Any], inputs: list[str]) -> str:
        return self._add(
            wanted, "Dropout2d", {"p": float(cfg.get("rate", 0.5))}, inputs, "SpatialDropout2D"
        )

    def identity(self, wanted: str, cfg: dict[str, Any], inputs: list[str]) -> str:
        return self._add(wanted, "Identity", {}, inputs, "Identity")

    def flatten(self, wanted: str, cfg: dict[str, Any], inputs: list[str]) -> str:
        return self._add(wanted, "Flatten", {}, inputs, "Flatten")

    def reshape(self, wanted: str, cfg: dict[str, Any], inputs: list[str]) -> str:
        shape = self._shape(inputs[0])
        target = [int(v) for v in cfg["target_shape"]]
        if shape is not None and len(target) == 1 and target[0] in (-1, _numel(shape)):
            return self._add(wanted, "Flatten", {}, inputs, "Reshape")
        if (
            shape is not None
            and len(shape) == 1
            and len(target) == 3
            and self.channels_last
            and -1 not in target
            and _numel(tuple(target)) == shape[0]
            and (target[0] * target[1] == 1 or target[2] == 1)
        ):
            # a vector into a volume with one of H×W or C of size 1: both orders put the values alike
            # (EfficientNet's squeeze-and-excitation: GlobalAveragePooling2D, then Reshape((1, 1, C)))
            h, w, c = target
            return self._add(wanted, "Reshape", {"shape": [c, h, w]}, inputs, "Reshape")
        raise _Placeholder(f"it reshapes to {target}, which is not a flatten")

    def dense(self, wanted: str, cfg: dict[str, Any], inputs: list[str]) -> str:
        shape = self._shape(inputs[0])
        if shape is not None and len(shape) == 3 and self.channels_last:
            # On a volume Keras' Dense mixes the channels at every position: a 1×1 convolution
            # (ConvNeXt's pointwise layers); the designer's Linear would work on the width.
            lid = self._add(
                wanted,
                "Conv2d",
                {
                    "out_channels": int(cfg["units"]),
                    "kernel_size": 1,
                    "bias": bool(cfg.get("use_bias", True)),
                },
                inputs,
                "Dense",
            )
            self.builder.note(
                "info",
                "dense_on_volume",
                lid,
                f"{lid}: Keras' Dense on a volume mixes its channels at every position, a 1×1 Conv2d "
                "(same parameters and multiply-accumulates)",
            )
            return self._activation(wanted, cfg.get("activation"), [lid], "Dense")
        if shape is not None and len(shape) != 1:
            raise _Placeholder(
                f"it is applied to the volume {fmt_shape(shape)}: Keras' Dense works on the channels there, the "
                "designer's Linear on the last axis of C×H×W"
            )
        lid = self._add(
            wanted,
            "Linear",
            {"out_features": int(cfg["units"]), "bias": bool(cfg.get("use_bias", True))},
            inputs,
            "Dense",
        )
        return self._activation(wanted, cfg.get("activation"), [lid], "Dense")

    def zero_padding(self, wanted: str, cfg: dict[str, Any], inputs: list[str]) -> str:
        (top, bottom), (left, right) = _pad_pairs(cfg.get("padding", 1))
        pad = top if len({top, bottom, left, right}) == 1 else [left, right, top, bottom]
        return self._add(wanted, "ZeroPad2d", {"padding": pad}, inputs, "ZeroPadding2D")

    def cropping(self, wanted: str, cfg: dict[str, Any], inputs: list[str]) -> str:
        (top, bottom), (left, right) = _pad_pairs(cfg.get("cropping", 0))
        pad = -top if len({top, bottom, left, right}) == 1 else [-left, -right, -top, -bottom]
        return self._add(wanted, "ZeroPad2d", {"padding": pad}, inputs, "Cropping2D")

    def upsampling(self, wanted: str, cfg: dict[str, Any], inputs: list[str]) -> str:
        fh, fw = _pair(cfg.get("size", 2))
        mode = str(cfg.get("interpolation", "nearest"))
        if mode not in ("nearest", "bilinear", "bicubic"):
            raise _Placeholder(f"its interpolation {mode!r} has no designer equivalent")
        params = {"scale_factor": fh if fh == fw else [fh, fw], "mode": mode}
        return self._add(wanted, "Upsample", params, inputs, "UpSampling2D")

    def add(self, wanted: str, cfg: dict[str, Any], inputs: list[str]) -> str:
        return self._add(wanted, "Add", {}, inputs, "Add")

    def multiply(self, wanted: str, cfg: dict[str, Any], inputs: list[str]) -> str:
        return self._add(wanted, "Mul", {}, inputs, "Multiply")

    def concatenate(self, wanted: str, cfg: dict[str, Any], inputs: list[str]) -> str:
        shape = self._shape(inputs[0])
        axis = int(cfg.get("axis", -1))
        if self._dim(axis, shape) != 1:
            raise _Placeholder(f"it joins along axis {axis}; the designer's Concat joins channels")
        return self._add(wanted, "Concat", {}, inputs, "Concatenate")


def _cfg(entry: Any) -> dict[str, Any]:
    """The ``config`` dict of a layer entry ({} when it is missing or not a dict)."""
    cfg = entry.get("config") if isinstance(entry, dict) else None
    return cfg if isinstance(cfg, dict) else {}


def _numel(shape: Shape) -> int:
    n = 1
    for v in shape:
        n *= v
    return n


def _pad_pairs(value: Any) -> tuple[tuple[int, int], tuple[int, int]]:
    """Keras' 2-D padding/cropping argument as ((top, bottom), (left, right))."""
    if isinstance(value, int):
        return (value, value), (value, value)
    h, w = value
    hp = (int(h), int(h)) if isinstance(h, int) else (int(h[0]), int(h[1]))
    wp = (int(w), int(w)) if isinstance(w, int) else (int(w[0]), int(w[1]))
    return hp, wp


def _chw(raw: Any, channels_last: bool) -> Shape | None:
    """``[None, H, W, C]`` → (C, H, W); ``[None, N]`` → (N,); ``None`` if a size is open or the rank is other."""
    if not isinstance(raw, list | tuple) or len(raw) not in (2, 4):
        return None
    dims = list(raw[1:])
    if any(not isinstance(v, int) or v < 1 for v in dims):
        return None
    if len(dims) == 3 and channels_last:
        h, w, c = dims
        return (c, h, w)
    return tuple(dims)


def _activation_name(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.rsplit(".", 1)[-1].lower()
    if isinstance(value, dict):
        cfg = value.get("config")
        if isinstance(cfg, str):
            return cfg.lower()
        if isinstance(cfg, dict) and isinstance(cfg.get("name"), str):
            return str(cfg["name"]).lower()
        if isinstance(value.get("class_name"), str):
            return str(value["class_name"]).lower()
    return str(value)


def _preprocessing_detail(cls: str, cfg: dict[str, Any]) -> str:
    if cls == "Rescaling" and "scale" in cfg:
        offset = cfg.get("offset", 0.0)
        return f": ×{cfg['scale']}" + (f" + {offset}" if offset else "")
    return ""


def _scalars(node: Any) -> list[float]:
    """The plain numbers a Keras 3 inbound node passes besides tensors (``x + 3.0``: [3.0])."""
    out: list[float] = []

    def walk(value: Any) -> None:
        if isinstance(value, bool):
            return
        if isinstance(value, int | float):
            out.append(float(value))
        elif isinstance(value, list | tuple):
            for v in value:
                walk(v)

    if isinstance(node, dict):
        walk(node.get("args", []))
    return out


def _is_tensor_ref(value: Any) -> bool:
    return isinstance(value, dict) and value.get("class_name") == "__keras_tensor__"


def _tensors(node: Any) -> list[dict[str, Any]]:
    """The tensor configs a Keras 3 inbound node passes, in order ([] for Keras 2 nodes)."""
    out: list[dict[str, Any]] = []

    def walk(value: Any) -> None:
        if _is_tensor_ref(value):
            out.append(value.get("config") or {})
        elif isinstance(value, list | tuple):
            for v in value:
                walk(v)
        elif isinstance(value, dict) and "args" in value:
            walk(value["args"])

    if isinstance(node, dict):
        walk(node.get("args", []))
    return out


def _history(node: Any) -> list[tuple[str, int, int]]:
    """(layer, node index, tensor index) of each tensor an inbound node consumes (Keras 3 and Keras 2 forms)."""
    if isinstance(node, dict):
        refs = []
        for t in _tensors(node):
            h = t.get("keras_history")
            if isinstance(h, list) and len(h) >= 3:
                refs.append((str(h[0]), int(h[1]), int(h[2])))
        return refs
    if isinstance(node, list):  # Keras 2: [[name, node_index, tensor_index, kwargs], ...]
        return [
            (str(r[0]), int(r[1]), int(r[2])) for r in node if isinstance(r, list) and len(r) >= 3
        ]
    return []


def _refs(value: Any) -> list[tuple[str, int, int]]:
    """``input_layers``/``output_layers``: one [name, node, tensor] or a list of them."""
    if not isinstance(value, list) or not value:
        return []
    if isinstance(value[0], str):
        return [(value[0], int(value[1]), int(value[2]))]
    if isinstance(value[0], list) and value[0] and isinstance(value[0][0], str):
        return [(str(v[0]), int(v[1]), int(v[2])) for v in value]
    return [r for v in value for r in _refs(v)]  # nested (dict-structured outputs)


_Handler = Callable[[_KerasImporter, str, dict[str, Any], list[str]], str]

#: Keras class name → translator.
_HANDLERS: dict[str, _Handler] = {
    "Conv2D": _KerasImporter.conv2d,
    "Convolution2D": _KerasImporter.conv2d,
    "DepthwiseConv2D": _KerasImporter.depthwise_conv2d,
    "SeparableConv2D": _KerasImporter.separable_conv2d,
    "Conv2DTranspose": _KerasImporter.conv2d_transpose,
    "MaxPooling2D": _KerasImporter.max_pool,
    "MaxPool2D": _KerasImporter.max_pool,
    "AveragePooling2D": _KerasImporter.avg_pool,
    "AvgPool2D": _KerasImporter.avg_pool,
    "GlobalAveragePooling2D": _KerasImporter.global_avg_pool,
    "GlobalAvgPool2D": _KerasImporter.global_avg_pool,
    "GlobalMaxPooling2D": _KerasImporter.global_max_pool,
    "GlobalMaxPool2D": _KerasImporter.global_max_pool,
    "AdaptiveAveragePooling2D": _KerasImporter.adaptive_avg_pool,
    "AdaptiveMaxPooling2D": _KerasImporter.adaptive_max_pool,
    "BatchNormalization": _KerasImporter.batch_norm,
    "Activation": _KerasImporter.activation_layer,
    "ReLU": _KerasImporter.relu,
    "LeakyReLU": _KerasImporter.leaky_relu,
    "Softmax": _KerasImporter.softmax,
    "Dropout": _KerasImporter.dropout,
    "LayerNormalization": _KerasImporter.layer_norm,
    "GroupNormalization": _KerasImporter.group_norm,
    "ELU": _KerasImporter.elu,
    "PReLU": _KerasImporter.prelu,
    "Scale": _KerasImporter.scale,
    "SpatialDropout2D": _KerasImporter.spatial_dropout,
    "Identity": _KerasImporter.identity,
    "Flatten": _KerasImporter.flatten,
    "Reshape": _KerasImporter.reshape,
    "Dense": _KerasImporter.dense,
    "ZeroPadding2D": _KerasImporter.zero_padding,
    "Cropping2D": _KerasImporter.cropping,
    "UpSampling2D": _KerasImporter.upsampling,
    "Add": _KerasImporter.add,
    "Multiply": _KerasImporter.multiply,
    "Concatenate": _KerasImporter.concatenate,
}
