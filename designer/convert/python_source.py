"""A user's Python file as a source of models: list what it defines, then build one.

``list_candidates(path)`` reads the file with ``ast`` and runs none of it: it lists the
top-level classes and functions (with their signatures and whether they look like a
model), which is what a dialog offers before anything is executed. ``build_model``
and ``import_python_model`` then load the file for real: that runs its top-level code,
as ``python`` would (but not its ``if __name__ == "__main__":`` block), so it is an
explicit user action and callers say so before calling them.

Every failure (no such file, a syntax error, the file raising, the class raising in
``__init__``, bad JSON arguments) is a ``ConversionError`` with a one-line message
naming the file, the line or the class; never a traceback.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from designer.convert.design_builder import ConversionError, ImportResult

#: Base classes (last dotted part) that make a class a model: ``nn.Module`` and the
#: containers people subclass.
MODEL_BASES = frozenset({"Module", "Sequential", "ModuleList", "ModuleDict"})
#: Function names that say "I return a model" (``resnet18`` style names are caught by the
#: return annotation or not at all: a function is still listed, just not preferred).
FACTORY_PREFIXES = ("make_", "build_", "create_", "get_model", "model")


@dataclass(frozen=True)
class Candidate:
    """A top-level class or function of a Python file, found without running it."""

    name: str
    kind: Literal["class", "function"]
    line: int
    signature: str  # the arguments the user passes: "(num_classes=10, width=64)"
    looks_like_model: bool  # an nn.Module subclass, or a function that seems to return one
    summary: str  # the first line of the docstring, or ""

    @property
    def label(self) -> str:
        return f"{self.name}{self.signature}"


def read_source(path: str | Path) -> str:
    """The text of ``path``; ``ConversionError`` if it is missing or unreadable."""
    p = Path(path)
    if not p.is_file():
        raise ConversionError(f"{p}: no such file")
    try:
        return p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConversionError(
            f"{p}: not a UTF-8 text file ({exc.reason} at byte {exc.start})"
        ) from None
    except OSError as exc:
        raise ConversionError(f"{p}: cannot be read ({exc.strerror or exc})") from None


def parse_source(path: str | Path) -> ast.Module:
    """The syntax tree of ``path`` (nothing is executed); a syntax error names the line."""
    text = read_source(path)
    try:
        return ast.parse(text, filename=str(path))
    except SyntaxError as exc:
        where = f", line {exc.lineno}" if exc.lineno else ""
        raise ConversionError(f"{Path(path).name}{where}: syntax error: {exc.msg}") from None
    except ValueError as exc:  # null bytes
        raise ConversionError(f"{Path(path).name}: not Python source ({exc})") from None


def list_candidates(path: str | Path) -> list[Candidate]:
    """Top-level classes and functions of ``path``, in file order, read with ``ast`` only.

    Private names (``_helper``) are left out. Classes deriving (directly, or through
    another class of the same file) from ``Module``/``Sequential``/... are marked
    ``looks_like_model``, as are functions annotated to return one or named like a
    factory (``make_net``, ``build_model``).
    """
    tree = parse_source(path)
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    model_classes: set[str] = set()
    changed = True
    while changed:  # a class is a model if a base is a model base or a model class of the file
        changed = False
        for name, cls in classes.items():
            if name not in model_classes and any(
                _base_name(b) in MODEL_BASES or _base_name(b) in model_classes for b in cls.bases
            ):
                model_classes.add(name)
                changed = True
    out: list[Candidate] = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            init = _find_init(node, classes)
            signature = _signature(init.args, drop_self=True) if init is not None else "()"
            out.append(
                Candidate(
                    node.name,
                    "class",
                    node.lineno,
                    signature,
                    node.name in model_classes,
                    _summary(node),
                )
            )
        elif isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
            returns = _base_name(node.returns) if node.returns is not None else ""
            looks = (
                returns in MODEL_BASES
                or returns in model_classes
                or node.name.lower().startswith(FACTORY_PREFIXES)
            )
            out.append(
                Candidate(
                    node.name, "function", node.lineno, _signature(node.args), looks, _summary(node)
                )
            )
    return out


def _find_init(node: ast.ClassDef, classes: dict[str, ast.ClassDef]) -> ast.FunctionDef | None:
    """The ``__init__`` the class uses: its own, or the first one up its bases in the same file."""
    seen: set[str] = set()
    todo = [node]
    while todo:
        cls = todo.pop(0)
        if cls.name in seen:
            continue
        seen.add(cls.name)
        for item in cls.body:
            if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                return item
        todo.extend(classes[b] for b in map(_base_name, cls.bases) if b in classes)
    return None


def _base_name(node: ast.expr) -> str:
    """``nn.Module`` -> ``Module``; ``Generic[T]`` -> ``Generic``; a string annotation too."""
    if isinstance(node, ast.Subscript):
        node = node.value
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.rsplit(".", 1)[-1]
    return ""


def _signature(args: ast.arguments, drop_self: bool = False) -> str:
    """The parameter list without annotations: ``(num_classes=10, *, width=64)``."""
    clean = ast.arguments(
        posonlyargs=[ast.arg(a.arg) for a in args.posonlyargs],
        args=[ast.arg(a.arg) for a in args.args],
        vararg=ast.arg(args.vararg.arg) if args.vararg else None,
        kwonlyargs=[ast.arg(a.arg) for a in args.kwonlyargs],
        kw_defaults=list(args.kw_defaults),
        kwarg=ast.arg(args.kwarg.arg) if args.kwarg else None,
        defaults=list(args.defaults),
    )
    if drop_self:
        if clean.posonlyargs:
            clean.posonlyargs = clean.posonlyargs[1:]
        elif clean.args:
            clean.args = clean.args[1:]
        # defaults belong to the last positional parameters: keep at most as many as remain
        remaining = len(clean.posonlyargs) + len(clean.args)
        clean.defaults = clean.defaults[len(clean.defaults) - remaining :] if remaining else []
    text = ast.unparse(clean)
    return f"({text})"


def _summary(node: ast.ClassDef | ast.FunctionDef) -> str:
    doc = ast.get_docstring(node)
    return doc.strip().splitlines()[0] if doc and doc.strip() else ""


# ------------------------------------------------------------------------------ running


def parse_call_args(
    raw: str | None, label: str = "the argument text"
) -> tuple[list[Any], dict[str, Any]]:
    """JSON arguments: a list is positional, an object is keywords; empty means none.

    ``label`` names the field in messages (the command line says ``--args``).
    """
    if raw is None or not raw.strip():
        return [], {}
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ConversionError(
            f"{label} is not valid JSON ({exc.msg} at column {exc.colno})"
        ) from None
    if isinstance(value, list):
        return value, {}
    if isinstance(value, dict):
        return [], value
    raise ConversionError(
        f"{label} must be a JSON list (positional arguments) or object (keyword arguments)"
    )


def load_module(path: str | Path) -> Any:
    """Run the file as a fresh module (its folder first on ``sys.path``, for its own imports).

    Its ``if __name__ == "__main__":`` block does not run. A file that raises, or calls
    ``sys.exit``, gives a ``ConversionError``.
    """
    p = Path(path)
    if not p.is_file():
        raise ConversionError(f"{p}: no such file")
    module_name = f"_cnn_designer_import_{uuid.uuid4().hex}"
    spec = importlib.util.spec_from_file_location(module_name, p)
    if spec is None or spec.loader is None:
        raise ConversionError(f"{p}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    folder = str(p.resolve().parent)
    sys.path.insert(0, folder)
    sys.modules[module_name] = module  # dataclasses and pickling look the module up here
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        sys.modules.pop(module_name, None)
        where = f", line {exc.lineno}" if exc.lineno else ""
        raise ConversionError(f"running {p} failed: syntax error{where}: {exc.msg}") from None
    except SystemExit as exc:
        sys.modules.pop(module_name, None)
        raise ConversionError(f"running {p} failed: it called sys.exit({exc.code!r})") from None
    except Exception as exc:
        sys.modules.pop(module_name, None)
        raise ConversionError(f"running {p} failed: {type(exc).__name__}: {exc}") from None
    finally:
        if sys.path and sys.path[0] == folder:
            sys.path.pop(0)
    return module


def build_model(
    path: str | Path,
    name: str,
    args_json: str | None = None,
    *,
    args_label: str = "the argument text",
    require_torch: bool = True,
) -> Any:
    """Load ``path`` and call ``name`` (a class or a function; dotted for nested ones) with the JSON arguments.

    Needs torch unless ``require_torch`` is off (a Keras file); checked before the file runs,
    so a missing torch is said first. Returns whatever the call returns; ``import_torch``
    checks that it is a module.
    """
    positional, keywords = parse_call_args(args_json, args_label)
    if require_torch:
        from designer.convert.from_torch import load_torch

        load_torch()
    p = Path(path)
    module = load_module(p)
    factory: Any = module
    for part in name.split("."):
        if not part or not hasattr(factory, part):
            found = sorted(
                n
                for n in dir(module)
                if not n.startswith("_") and isinstance(getattr(module, n), type)
            )
            hint = f" (classes in the file: {', '.join(found)})" if found else ""
            raise ConversionError(f"{p} has no {name!r}{hint}")
        factory = getattr(factory, part)
    if not callable(factory):
        raise ConversionError(f"{p}:{name} is not a class or a function")
    try:
        return factory(*positional, **keywords)
    except SystemExit as exc:
        raise ConversionError(f"building {name} failed: it called sys.exit({exc.code!r})") from None
    except Exception as exc:
        raise ConversionError(f"building {name} failed: {type(exc).__name__}: {exc}") from None


def import_python_model(
    path: str | Path,
    name: str,
    input_shapes: Sequence[Sequence[int]],
    args_json: str | None = None,
    *,
    design_name: str | None = None,
    args_label: str = "the argument text",
) -> ImportResult:
    """Build ``name`` from ``path`` (``build_model``) and import it with torch.fx for ``input_shapes``.

    One shape per tensor argument of ``forward`` ([C, H, W] or [N], no batch axis).
    """
    if not input_shapes:
        raise ConversionError("an input shape is required for PyTorch models, e.g. 3,224,224")
    model = build_model(path, name, args_json, args_label=args_label)
    from designer.convert.from_torch import import_torch

    shapes = [tuple(int(v) for v in s) for s in input_shapes]
    shape_arg: Any = shapes[0] if len(shapes) == 1 else shapes
    return import_torch(
        model,
        shape_arg,
        name=design_name or name.rsplit(".", 1)[-1],
        source=f"{Path(path).name}:{name}",
    )
