"""The 3D block figure: volumes as boxes, kernels projecting into the next volume.

``build_volume_scene`` turns an analysed design into a ``VolumeScene`` of plain
tuples: one ``Block`` per volume (a box whose sizes come from C, H and W under a
chosen scaling), the ``KernelBox`` of each convolution or pooling drawn on its input
volume with the apex it projects to, and the ``Connection`` polylines (skip
connections are routed over the boxes, side branches run in lanes of their own).
``project_scene`` then looks at the scene through a ``Camera`` and returns a flat
``Figure`` whose faces are in painter's-algorithm order, so SVG stays vector.

World axes follow pyqtgraph.opengl (z up), so the interactive 3D view and the
exported figure use the same camera numbers:

* x: the flow of the network; a box's extent along x is its channel depth C;
* y: the width W of the volume (recedes into the picture);
* z: the height H of the volume (up).
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cmp_to_key
from typing import Generic, Literal, TypeVar

from designer.core.analysis import Analysis
from designer.core.design import source_of
from designer.core.figure import (
    ERROR_STROKE,
    INK,
    MUTED_INK,
    UNKNOWN_COLOR,
    Circle,
    DimsOrder,
    Figure,
    FigureStyle,
    Group,
    Point2,
    Polygon,
    Polyline,
    Primitive,
    Text,
    category_of,
    color_of,
    estimate_width,
    finish_figure,
    shade,
)
from designer.core.params import as_pair
from designer.core.registry import CATEGORIES, REGISTRY
from designer.core.shape_rules import Shape, fmt_shape

T = TypeVar("T")

Vec3 = tuple[float, float, float]
Scaling = Literal["linear", "log", "sqrt"]
BlockKind = Literal["volume", "vector", "merge", "unknown"]
SCALINGS: tuple[Scaling, ...] = ("linear", "log", "sqrt")

#: Layer types drawn inside the volume they follow when they keep its shape.
FOLDABLE_CATEGORIES = frozenset({"Activation", "Normalization"})
FOLDABLE_TYPES = frozenset(
    {
        "Dropout",
        "Dropout2d",
        "Identity",
        "StochasticDepth",
        "ChannelShuffle",
        "Scale",
        "Permute",
        "Transpose",
    }
)
#: Layer types drawn as a kernel box on their input volume.
KERNEL_TYPES = frozenset({"Conv2d", "ConvTranspose2d", "MaxPool2d", "AvgPool2d"})
KERNEL_COLOR = "#FFF3B0"


@dataclass(frozen=True)
class BlockOptions:
    """How volumes become boxes (world units ≈ figure pixels at scale 1)."""

    scaling: Scaling = "sqrt"
    min_side: float = 6.0  # smallest height/width of a box
    max_side: float = 130.0  # the largest H or W in the design gets this size
    min_depth: float = 3.0  # thinnest channel depth
    max_depth: float = 56.0  # the largest C in the design gets this depth
    gap: float = 40.0  # between columns along the flow
    lane_gap: float = 46.0  # between a lane and the next
    fold: bool = True  # fold shape-keeping layers (ReLU, BatchNorm, Dropout, ...) into their volume
    kernels: bool = True
    dims: DimsOrder = "hwc"


@dataclass(frozen=True)
class Block:
    """One drawn volume. ``id`` is the layer that makes the shape; ``layer_ids`` all it stands for."""

    id: str
    layer_ids: tuple[str, ...]
    type: str
    kind: BlockKind
    shape: Shape | None
    center: Vec3
    size: Vec3  # (depth along x = C, width along y = W, height along z = H)
    column: int
    lane: int
    color: str
    status: str
    dims_label: str
    name_label: str

    @property
    def lo(self) -> Vec3:
        return tuple(c - s / 2 for c, s in zip(self.center, self.size, strict=True))  # type: ignore[return-value]

    @property
    def hi(self) -> Vec3:
        return tuple(c + s / 2 for c, s in zip(self.center, self.size, strict=True))  # type: ignore[return-value]


@dataclass(frozen=True)
class KernelBox:
    """The window of ``layer_id`` drawn on its input volume ``source``, projecting to ``apex``."""

    layer_id: str
    source: str
    target: str
    center: Vec3
    size: Vec3
    apex: Vec3  # on the input face of the target volume
    label: str  # "11×11"

    @property
    def lo(self) -> Vec3:
        return tuple(c - s / 2 for c, s in zip(self.center, self.size, strict=True))  # type: ignore[return-value]

    @property
    def hi(self) -> Vec3:
        return tuple(c + s / 2 for c, s in zip(self.center, self.size, strict=True))  # type: ignore[return-value]

    def projection_lines(self) -> list[tuple[Vec3, Vec3]]:
        """From the four corners of the kernel's face towards the target, to the apex."""
        (_x0, y0, z0), (x1, y1, z1) = self.lo, self.hi
        return [((x1, y, z), self.apex) for y in (y0, y1) for z in (z0, z1)]


@dataclass(frozen=True)
class Connection:
    """An arrow between two blocks: ``flow`` (neighbours), ``skip`` (over the boxes) or ``lane``."""

    source: str
    target: str
    points: tuple[Vec3, ...]
    kind: Literal["flow", "skip", "lane"]


@dataclass
class VolumeScene:
    blocks: list[Block]
    kernels: list[KernelBox]
    connections: list[Connection]
    options: BlockOptions
    # Layer id -> id of the block drawing it (a dictionary, or a mapping that looks it up).
    block_of: Mapping[str, str] = field(default_factory=dict)

    def block(self, block_id: str) -> Block:
        for b in self.blocks:
            if b.id == block_id:
                return b
        raise KeyError(block_id)

    def bounds(self) -> tuple[Vec3, Vec3]:
        pts = [b.lo for b in self.blocks] + [b.hi for b in self.blocks]
        pts += [p for c in self.connections for p in c.points]
        if not pts:
            return (0.0, 0.0, 0.0), (0.0, 0.0, 0.0)
        lo = (min(p[0] for p in pts), min(p[1] for p in pts), min(p[2] for p in pts))
        hi = (max(p[0] for p in pts), max(p[1] for p in pts), max(p[2] for p in pts))
        return lo, hi


# ------------------------------------------------------------------ scaling


def scale_value(value: float, reference: float, scaling: Scaling, lo: float, hi: float) -> float:
    """Size of ``value`` when ``reference`` (the design's largest) gets ``hi``, clamped to [lo, hi].

    linear: ``hi·v/ref``; sqrt: ``hi·√v/√ref``; log: ``hi·log2(1+v)/log2(1+ref)``.
    """
    if value <= 0 or reference <= 0:
        return lo
    ref = max(reference, value)
    if scaling == "linear":
        ratio = value / ref
    elif scaling == "sqrt":
        ratio = math.sqrt(value) / math.sqrt(ref)
    else:
        ratio = math.log2(1 + value) / math.log2(1 + ref)
    return max(lo, min(hi, hi * ratio))


# ------------------------------------------------------------------ building


def _foldable(type_id: str) -> bool:
    ltype = REGISTRY.get(type_id)
    if ltype is None:
        return False
    return ltype.category in FOLDABLE_CATEGORIES or type_id in FOLDABLE_TYPES


def _kind(type_id: str, shape: Shape | None) -> BlockKind:
    if shape is None:
        return "unknown"
    if type_id in ("Add", "Mul"):
        return "merge"
    return (
        "volume" if len(shape) == 3 else "vector"
    )  # other ranks: drawn as a bar of all their values


def build_volume_scene(analysis: Analysis, options: BlockOptions | None = None) -> VolumeScene:
    """Boxes, kernels and connections for every layer of the analysed design."""
    opts = options or BlockOptions()
    design = analysis.design
    info = analysis.info
    order = [lid for lid in analysis.order if lid in design]

    # 1. Which block draws each layer (shape-keeping layers fold into their input's block).
    block_of: dict[str, str] = {}
    members: dict[str, list[str]] = {}
    for lid in order:
        layer = design.layer(lid)
        li = info.get(lid)
        shape = li.display_shape if li else None
        if opts.fold and _foldable(layer.type) and len(layer.inputs) == 1 and shape is not None:
            src = source_of(layer.inputs[0])
            src_info = info.get(src)
            # Display shapes: a permute to channels-last holds the same volume and folds too.
            if src in block_of and src_info is not None and src_info.display_shape == shape:
                block_of[lid] = block_of[src]
                members[block_of[src]].append(lid)
                continue
        block_of[lid] = lid
        members[lid] = [lid]
    heads = [lid for lid in order if block_of[lid] == lid]

    # 2. Edges between blocks, in design order, without duplicates.
    preds: dict[str, list[str]] = {h: [] for h in heads}
    for lid in order:
        dst_id = block_of[lid]
        for i in design.layer(lid).sources:
            src_id = block_of.get(i)
            if src_id is None or src_id == dst_id or src_id in preds[dst_id]:
                continue
            preds[dst_id].append(src_id)

    # 3. Columns: longest path from an input; lanes: the main path on lane 0.
    column: dict[str, int] = {}
    for h in heads:  # heads are in topological order (cycles come last, ranked after)
        column[h] = max((column[p] + 1 for p in preds[h] if p in column), default=0)
    lane: dict[str, int] = {}
    if heads:
        head_rank = {h: n for n, h in enumerate(heads)}
        sink = max(heads, key=lambda h: (column[h], head_rank[h]))
        cur: str | None = sink
        while cur is not None and cur not in lane:
            lane[cur] = 0
            ps = [p for p in preds[cur] if p in column]
            cur = max(ps, key=lambda p: (column[p], -ps.index(p))) if ps else None
    by_column: dict[int, list[str]] = {}
    for h in heads:
        by_column.setdefault(column[h], []).append(h)
    for col in sorted(by_column):
        taken = {lane[h] for h in by_column[col] if h in lane}
        for h in by_column[col]:
            if h in lane:
                continue
            want = max(1, next((lane[p] for p in preds[h] if p in lane), 1))
            while want in taken:
                want += 1
            lane[h] = want
            taken.add(want)

    # 4. Sizes.
    spatial_ref = 1.0
    channel_ref = 1.0
    vector_ref = 1.0
    for h in heads:
        li = info.get(h)
        s = li.display_shape if li else None
        if s is None:
            continue
        if len(s) == 3:
            spatial_ref = max(spatial_ref, s[1], s[2])
            channel_ref = max(channel_ref, s[0])
        else:
            vector_ref = max(vector_ref, math.prod(s))
    sizes: dict[str, Vec3] = {}
    for h in heads:
        li = info.get(h)
        s = li.display_shape if li else None
        kind = _kind(design.layer(h).type, s)
        if kind == "volume" and s is not None:
            sizes[h] = (
                scale_value(s[0], channel_ref, opts.scaling, opts.min_depth, opts.max_depth),
                scale_value(s[2], spatial_ref, opts.scaling, opts.min_side, opts.max_side),
                scale_value(s[1], spatial_ref, opts.scaling, opts.min_side, opts.max_side),
            )
        elif kind == "vector" and s is not None:
            thin = max(opts.min_depth * 1.5, opts.min_side * 0.75)
            sizes[h] = (
                thin,
                thin,
                scale_value(
                    math.prod(s), vector_ref, opts.scaling, opts.min_side * 2, opts.max_side
                ),
            )
        elif kind == "merge":
            r = max(opts.min_side * 1.6, 10.0)
            sizes[h] = (r, r, r)
        else:
            u = max(opts.min_side * 3, 18.0)
            sizes[h] = (opts.min_depth * 3, u, u)

    # 5. Positions: columns along x, lanes stacked downwards (-z) from the main lane.
    n_cols = max(column.values(), default=-1) + 1
    col_width = [0.0] * n_cols
    for h in heads:
        col_width[column[h]] = max(col_width[column[h]], sizes[h][0])
    col_x: list[float] = []
    x = 0.0
    for w in col_width:
        col_x.append(x + w / 2)
        x += w + opts.gap
    n_lanes = max(lane.values(), default=0) + 1
    lane_height = [0.0] * n_lanes
    for h in heads:
        lane_height[lane[h]] = max(lane_height[lane[h]], sizes[h][2])
    lane_z = [0.0] * n_lanes
    for k in range(1, n_lanes):
        lane_z[k] = lane_z[k - 1] - (lane_height[k - 1] / 2 + opts.lane_gap + lane_height[k] / 2)

    blocks: dict[str, Block] = {}
    for h in heads:
        layer = design.layer(h)
        li = info.get(h)
        s = li.display_shape if li else None
        kind = _kind(layer.type, s)
        status = li.status if li else "unknown"
        blocks[h] = Block(
            id=h,
            layer_ids=tuple(members[h]),
            type=layer.type,
            kind=kind,
            shape=s,
            center=(col_x[column[h]], 0.0, lane_z[lane[h]]),
            size=sizes[h],
            column=column[h],
            lane=lane[h],
            color=UNKNOWN_COLOR if kind == "unknown" else color_of(layer.type),
            status=status,
            dims_label=fmt_shape(s, opts.dims),
            name_label=h,
        )

    # 6. Kernel boxes on the input volume, projecting onto the input face of the output volume.
    kernels: list[KernelBox] = []
    if opts.kernels:
        for h in heads:
            layer = design.layer(h)
            b = blocks[h]
            if layer.type not in KERNEL_TYPES or len(preds[h]) != 1 or b.kind != "volume":
                continue
            src_block = blocks[preds[h][0]]
            src_info = info.get(source_of(layer.inputs[0])) if layer.inputs else None
            if (
                src_block.kind != "volume"
                or src_block.shape is None
                or src_info is None
                or src_info.output_shape is None
            ):
                continue
            kernels.append(_kernel_box(layer.type, layer.resolved(), src_block, b, opts))
    with_kernel = {(k.source, k.target) for k in kernels}

    # 7. Connections.
    connections: list[Connection] = []
    lanes = _LaneIndex(blocks.values())
    for h in heads:
        for p in preds[h]:
            if (p, h) in with_kernel:
                continue
            connections.append(_route(blocks[p], blocks[h], lanes, opts))

    return VolumeScene(
        [blocks[h] for h in heads],
        kernels,
        connections,
        opts,
        block_of,
    )


def _kernel_box(
    type_id: str, params: dict[str, object], src: Block, dst: Block, opts: BlockOptions
) -> KernelBox:
    assert src.shape is not None
    c_in, h_in, w_in = src.shape
    kh, kw = as_pair(params.get("kernel_size", 1))
    dilation = as_pair(params.get("dilation", 1) or 1)
    eh, ew = (kh - 1) * dilation[0] + 1, (kw - 1) * dilation[1] + 1
    (_sx0, sy0, sz0), (sx1, sy1, sz1) = src.lo, src.hi
    depth_x, width_y, height_z = src.size
    if type_id in ("Conv2d", "ConvTranspose2d"):
        groups = int(params.get("groups", 1) or 1)  # type: ignore[call-overload]
        kx = depth_x * (1.0 / groups if groups > 1 else 1.0)
    else:  # pooling works on one channel at a time
        kx = depth_x / max(c_in, 1)
    kx = max(min(kx, depth_x), min(2.0, depth_x))
    ky = min(max(width_y * ew / w_in, min(3.0, width_y)), width_y * 0.8)
    kz = min(max(height_z * eh / h_in, min(3.0, height_z)), height_z * 0.8)
    fy, fz = 0.3, 0.62  # where on the face the window sits (fraction of width, height)
    cy = min(max(sy0 + fy * width_y, sy0 + ky / 2), sy1 - ky / 2)
    cz = min(max(sz0 + fz * height_z, sz0 + kz / 2), sz1 - kz / 2)
    center = (sx1 - kx / 2, cy, cz)
    (dx0, dy0, dz0), (_, _, _) = dst.lo, dst.hi
    ty, tz = dst.size[1], dst.size[2]
    apex = (dx0, dy0 + (cy - sy0) / width_y * ty, dz0 + (cz - sz0) / height_z * tz)
    return KernelBox(dst.id, src.id, dst.id, center, (kx, ky, kz), apex, f"{kh}×{kw}")


class _LaneIndex:
    """The blocks of each lane by column, to find those between two columns of a lane without a
    pass over every block (per connection, that was quadratic in the design's length)."""

    def __init__(self, blocks: Iterable[Block]) -> None:
        by_lane: dict[int, list[Block]] = {}
        for b in blocks:
            by_lane.setdefault(b.lane, []).append(b)
        self.blocks: dict[int, list[Block]] = {}
        self.columns: dict[int, list[int]] = {}
        for lane, members in by_lane.items():
            members.sort(key=lambda b: b.column)
            self.blocks[lane] = members
            self.columns[lane] = [b.column for b in members]

    def between(self, lane: int, first: int, last: int) -> list[Block]:
        """The lane's blocks whose column is strictly between ``first`` and ``last``."""
        columns = self.columns.get(lane)
        if not columns or last - first < 2:
            return []
        return self.blocks[lane][bisect_right(columns, first) : bisect_left(columns, last)]


def _route(src: Block, dst: Block, lanes: _LaneIndex, opts: BlockOptions) -> Connection:
    (_sx0, _, _sz0), (sx1, _, sz1) = src.lo, src.hi
    (dx0, _, _dz0), (dx1, _, dz1) = dst.lo, dst.hi
    scz, dcz = src.center[2], dst.center[2]
    if src.lane == dst.lane:
        between = lanes.between(src.lane, src.column, dst.column)
        if not between and dst.column > src.column:
            return Connection(src.id, dst.id, ((sx1, 0.0, scz), (dx0, 0.0, dcz)), "flow")
        top = max([sz1, dz1, *(b.hi[2] for b in between)]) + opts.lane_gap * 0.45
        return Connection(
            src.id,
            dst.id,
            (
                (src.center[0], 0.0, sz1),
                (src.center[0], 0.0, top),
                (dst.center[0], 0.0, top),
                (dst.center[0], 0.0, dz1),
            ),
            "skip",
        )
    xm = dx0 - opts.gap / 2 if dst.column > src.column else dx1 + opts.gap / 2
    return Connection(
        src.id, dst.id, ((sx1, 0.0, scz), (xm, 0.0, scz), (xm, 0.0, dcz), (dx0, 0.0, dcz)), "lane"
    )


# ------------------------------------------------------------------ camera


@dataclass(frozen=True)
class Camera:
    """An orthographic camera, in pyqtgraph.opengl's terms (degrees, z up).

    ``azimuth`` turns around the vertical axis (0 = looking from +x, −90 = from −y,
    i.e. the flow runs left to right); ``elevation`` lifts the eye (90 = from above).
    """

    azimuth: float = -110.0
    elevation: float = 18.0

    def rotation(self) -> tuple[Vec3, Vec3, Vec3]:
        """Rows of the view rotation ``Rx(elevation − 90)·Rz(−(azimuth + 90))`` (pyqtgraph's)."""
        t = math.radians(-(self.azimuth + 90.0))
        f = math.radians(self.elevation - 90.0)
        ct, st, cf, sf = math.cos(t), math.sin(t), math.cos(f), math.sin(f)
        # Rz rows: (ct, -st, 0), (st, ct, 0), (0, 0, 1); then Rx: (1,0,0), (0,cf,-sf), (0,sf,cf).
        return ((ct, -st, 0.0), (cf * st, cf * ct, -sf), (sf * st, sf * ct, cf))

    def direction(self) -> Vec3:
        """Unit vector from the scene towards the eye."""
        a, e = math.radians(self.azimuth), math.radians(self.elevation)
        return (math.cos(e) * math.cos(a), math.cos(e) * math.sin(a), math.sin(e))

    def project(self, p: Vec3) -> tuple[float, float, float]:
        """(screen x, screen y pointing down, depth: larger is nearer the eye)."""
        r0, r1, r2 = self.rotation()
        vx = r0[0] * p[0] + r0[1] * p[1] + r0[2] * p[2]
        vy = r1[0] * p[0] + r1[1] * p[1] + r1[2] * p[2]
        vz = r2[0] * p[0] + r2[1] * p[1] + r2[2] * p[2]
        return (vx, -vy, vz)


CAMERA_PRESETS: dict[str, Camera] = {
    "front": Camera(-90.0, 0.0),
    "isometric": Camera(-135.0, math.degrees(math.atan(1 / math.sqrt(2)))),
    "top": Camera(-90.0, 90.0),
    "paper": Camera(-110.0, 18.0),
}
DEFAULT_CAMERA = CAMERA_PRESETS["paper"]

# (outward normal, the 4 corner selectors (x, y, z) as 0 = lo / 1 = hi), counter-clockwise.
_FACES: tuple[tuple[Vec3, tuple[tuple[int, int, int], ...]], ...] = (
    ((-1.0, 0.0, 0.0), ((0, 0, 0), (0, 1, 0), (0, 1, 1), (0, 0, 1))),
    ((1.0, 0.0, 0.0), ((1, 0, 0), (1, 0, 1), (1, 1, 1), (1, 1, 0))),
    ((0.0, -1.0, 0.0), ((0, 0, 0), (0, 0, 1), (1, 0, 1), (1, 0, 0))),
    ((0.0, 1.0, 0.0), ((0, 1, 0), (1, 1, 0), (1, 1, 1), (0, 1, 1))),
    ((0.0, 0.0, -1.0), ((0, 0, 0), (1, 0, 0), (1, 1, 0), (0, 1, 0))),
    ((0.0, 0.0, 1.0), ((0, 0, 1), (0, 1, 1), (1, 1, 1), (1, 0, 1))),
)
_LIGHT = (-0.35, -0.55, 0.76)  # from above, front and left


def visible_faces(lo: Vec3, hi: Vec3, camera: Camera) -> list[tuple[Vec3, tuple[Vec3, ...]]]:
    """The faces of the box (lo, hi) that face the eye: (normal, 4 corners)."""
    d = camera.direction()
    out: list[tuple[Vec3, tuple[Vec3, ...]]] = []
    for normal, corners in _FACES:
        if normal[0] * d[0] + normal[1] * d[1] + normal[2] * d[2] > 1e-9:
            pts = tuple(
                (hi[0] if cx else lo[0], hi[1] if cy else lo[1], hi[2] if cz else lo[2])
                for cx, cy, cz in corners
            )
            out.append((normal, pts))
    return out


def face_shade(normal: Vec3) -> float:
    """Brightness factor for a face: lit faces mix towards white, the others darken."""
    lam = normal[0] * _LIGHT[0] + normal[1] * _LIGHT[1] + normal[2] * _LIGHT[2]
    return 1.0 + 0.45 * lam if lam >= 0 else 1.0 + 0.3 * lam


def paint_order(boxes: list[tuple[Vec3, Vec3]], camera: Camera) -> list[int]:
    """Indices of disjoint axis-aligned boxes from farthest to nearest (painter's algorithm).

    Two boxes separated along an axis are ordered by which side of that axis the eye
    is on; boxes not separated (touching or nested) fall back to the depth of their centres.
    """
    d = camera.direction()

    def centre_depth(i: int) -> float:
        lo, hi = boxes[i]
        return sum((lo[k] + hi[k]) / 2 * d[k] for k in range(3))

    def cmp(i: int, j: int) -> int:
        (alo, ahi), (blo, bhi) = boxes[i], boxes[j]
        for k in range(3):
            if abs(d[k]) < 1e-9:
                continue
            if ahi[k] <= blo[k] + 1e-9:
                return -1 if d[k] > 0 else 1
            if bhi[k] <= alo[k] + 1e-9:
                return 1 if d[k] > 0 else -1
        di, dj = centre_depth(i), centre_depth(j)
        return -1 if di < dj else 1 if di > dj else (i > j) - (i < j)

    return sorted(range(len(boxes)), key=cmp_to_key(cmp))


# ------------------------------------------------------------------ projection to a figure


def _box_polygons(
    lo: Vec3,
    hi: Vec3,
    color: str,
    camera: Camera,
    stroke: str,
    width: float,
    dashed: bool,
    role: str,
) -> list[Primitive]:
    out: list[Primitive] = []
    for normal, corners in visible_faces(lo, hi, camera):
        pts = tuple((p[0], p[1]) for p in (camera.project(c) for c in corners))
        out.append(Polygon(pts, shade(color, face_shade(normal)), stroke, width, dashed, role))
    return out


def _proj2(camera: Camera, p: Vec3) -> Point2:
    x, y, _ = camera.project(p)
    return (x, y)


def _box_screen_bounds(lo: Vec3, hi: Vec3, camera: Camera) -> tuple[float, float, float, float]:
    pts = [
        _proj2(camera, (x, y, z))
        for x in (lo[0], hi[0])
        for y in (lo[1], hi[1])
        for z in (lo[2], hi[2])
    ]
    return (
        min(p[0] for p in pts),
        min(p[1] for p in pts),
        max(p[0] for p in pts),
        max(p[1] for p in pts),
    )


def _box_corners(lo: Vec3, hi: Vec3) -> list[Vec3]:
    return [(x, y, z) for x in (lo[0], hi[0]) for y in (lo[1], hi[1]) for z in (lo[2], hi[2])]


def _convex_hull(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Andrew's monotone chain: the hull's corners, counter-clockwise (in y-down coordinates)."""
    pts = sorted(set(points))
    if len(pts) <= 2:
        return pts

    def cross(o: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[float, float]] = []
    upper: list[tuple[float, float]] = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


#: A convex outline ready for ``_rect_meets_outline``: its bounding box (x0, y0, x1, y1) and,
#: per edge, the edge's normal and the outline's extent along it (nx, ny, lowest, highest).
Outline = tuple[float, float, float, float, tuple[tuple[float, float, float, float], ...]]


def _outline(hull: list[tuple[float, float]]) -> Outline:
    """``hull`` (three corners or more) prepared once for every rectangle tested against it."""
    xs = [p[0] for p in hull]
    ys = [p[1] for p in hull]
    axes = []
    for (ax, ay), (bx, by) in zip(hull, hull[1:] + hull[:1], strict=True):
        nx, ny = by - ay, ax - bx  # the edge's normal
        poly = [nx * px + ny * py for px, py in hull]
        axes.append((nx, ny, min(poly), max(poly)))
    return (min(xs), min(ys), max(xs), max(ys), tuple(axes))


def _rect_meets_outline(rect: tuple[float, float, float, float], outline: Outline) -> bool:
    """Whether an axis-aligned rectangle and a convex outline overlap (separating axes). The
    rectangle's extent along a normal is that of its corner with the smallest (largest) term in
    x and in y: exactly the least (greatest) of its four corners' projections."""
    x0, y0, x1, y1 = rect
    hx0, hy0, hx1, hy1, axes = outline
    if hx1 <= x0 or hx0 >= x1 or hy1 <= y0 or hy0 >= y1:
        return False
    for nx, ny, lowest, highest in axes:
        if nx >= 0:
            least_x, most_x = nx * x0, nx * x1
        else:
            least_x, most_x = nx * x1, nx * x0
        if ny >= 0:
            least_y, most_y = ny * y0, ny * y1
        else:
            least_y, most_y = ny * y1, ny * y0
        if least_x + least_y >= highest or most_x + most_y <= lowest:
            return False
    return True


class _RectGrid(Generic[T]):
    """Items filed by the cells of a square grid that their rectangle ``(x0, y0, x1, y1)``
    covers; ``near(rect)`` gives (at least) every item whose rectangle overlaps ``rect`` (an item
    may come more than once). An item covering very many cells is kept in one list that every
    query reads instead."""

    #: An item spanning more cells than this goes in the list every query reads.
    MAX_CELLS = 256

    def __init__(self, cell: float) -> None:
        self.cell = cell if cell > 0 and math.isfinite(cell) else 1.0
        self.cells: dict[tuple[int, int], list[T]] = {}
        self.large: list[T] = []

    def _span(self, rect: tuple[float, float, float, float]) -> tuple[int, int, int, int] | None:
        x0, y0, x1, y1 = rect
        if not all(math.isfinite(v) for v in rect):
            return None
        c = self.cell
        return math.floor(x0 / c), math.floor(y0 / c), math.floor(x1 / c), math.floor(y1 / c)

    def add(self, rect: tuple[float, float, float, float], item: T) -> None:
        span = self._span(rect)
        if span is None or (span[2] - span[0] + 1) * (span[3] - span[1] + 1) > self.MAX_CELLS:
            self.large.append(item)
            return
        i0, j0, i1, j1 = span
        cells = self.cells
        for i in range(i0, i1 + 1):
            for j in range(j0, j1 + 1):
                cells.setdefault((i, j), []).append(item)

    def near(self, rect: tuple[float, float, float, float]) -> Iterator[T]:
        yield from self.large
        span = self._span(rect)
        if span is None:  # a rectangle the grid cannot file: every item
            for items in self.cells.values():
                yield from items
            return
        i0, j0, i1, j1 = span
        if (i1 - i0 + 1) * (j1 - j0 + 1) > max(self.MAX_CELLS, len(self.cells)):
            for items in self.cells.values():
                yield from items
            return
        cells = self.cells
        for i in range(i0, i1 + 1):
            for j in range(j0, j1 + 1):
                found = cells.get((i, j))
                if found:
                    yield from found


def _place_rows(spans: list[tuple[int, float, float]], pad: float) -> dict[int, int]:
    """Greedy rows for labels so that none overlaps another on its row: {index: row}."""
    rows: list[float] = []  # right end of the last label on each row
    placed: dict[int, int] = {}
    for idx, x0, x1 in sorted(spans, key=lambda s: s[1]):
        for r, end in enumerate(rows):
            if x0 >= end + pad:
                rows[r] = x1
                placed[idx] = r
                break
        else:
            rows.append(x1)
            placed[idx] = len(rows) - 1
    return placed


def project_scene(
    scene: VolumeScene,
    camera: Camera | None = None,
    style: FigureStyle | None = None,
    title: str = "",
) -> Figure:
    """The scene seen through ``camera``: one group per block, faces in painter's order."""
    cam = camera or DEFAULT_CAMERA
    st = style or FigureStyle()
    blocks = scene.blocks
    order = paint_order([(b.lo, b.hi) for b in blocks], cam)
    groups: dict[str, Group] = {
        b.id: Group(b.id, b.layer_ids, f"{b.id} ({b.type}) {b.dims_label}") for b in blocks
    }
    kernels_by_source: dict[str, list[KernelBox]] = {}
    for k in scene.kernels:
        kernels_by_source.setdefault(k.source, []).append(k)
    conns_by_target: dict[str, list[Connection]] = {}
    for c in scene.connections:
        conns_by_target.setdefault(c.target, []).append(c)
    lw = st.line_width
    small = st.font_size * 0.85

    for idx in order:
        b = blocks[idx]
        g = groups[b.id]
        stroke = ERROR_STROKE if b.status == "error" else INK
        for c in conns_by_target.get(b.id, []):
            pts = tuple(_proj2(cam, p) for p in c.points)
            g.items.append(
                Polyline(
                    pts, MUTED_INK, lw * 1.3, True, 5.0 + lw * 2, False, f"connection-{c.kind}"
                )
            )
        if b.kind == "merge":
            cx, cy = _proj2(cam, b.center)
            r = b.size[0] / 2
            g.items.append(Circle((cx, cy), r, shade(b.color, 1.6), stroke, lw * 1.3, "merge"))
            arm = r * 0.6
            if b.type == "Mul":  # ⊗: element-wise product
                arm *= 0.75
                strokes = (
                    ((cx - arm, cy - arm), (cx + arm, cy + arm)),
                    ((cx - arm, cy + arm), (cx + arm, cy - arm)),
                )
            else:  # ⊕: sum
                strokes = (((cx - arm, cy), (cx + arm, cy)), ((cx, cy - arm), (cx, cy + arm)))
            for start, end in strokes:
                g.items.append(Polyline((start, end), stroke, lw * 1.5, role="merge-sign"))
        else:
            g.items.extend(
                _box_polygons(b.lo, b.hi, b.color, cam, stroke, lw, b.kind == "unknown", "face")
            )
        for k in kernels_by_source.get(b.id, []):
            g.items.extend(_box_polygons(k.lo, k.hi, KERNEL_COLOR, cam, INK, lw, False, "kernel"))
            for a, apex in k.projection_lines():
                g.items.append(
                    Polyline((_proj2(cam, a), _proj2(cam, apex)), INK, lw * 0.8, role="projection")
                )

    if st.show_labels:
        _add_labels(blocks, kernels_by_source, groups, cam, st, small)

    categories = [
        c
        for c in CATEGORIES
        if any(category_of(b.type) == c and b.kind != "unknown" for b in blocks)
    ]
    ordered = [groups[blocks[i].id] for i in order]
    return finish_figure(ordered, st, categories, title)


def _add_labels(
    blocks: list[Block],
    kernels_by_source: dict[str, list[KernelBox]],
    groups: dict[str, Group],
    cam: Camera,
    st: FigureStyle,
    small: float,
) -> None:
    """Dims under each box, its name over it; a label that would overlap one already placed moves away."""
    size = st.font_size
    line = size * 1.25
    # Labels placed and boxes' outlines, each filed by the grid cells its rectangle covers:
    # a candidate spot is tested against what is near it, not against every label and box
    # (at thousands of blocks, a pass over all of them per spot took minutes).
    placed: _RectGrid[tuple[float, float, float, float]] = _RectGrid(line * 4)
    # A label keeps off the boxes' drawn outlines, not their bounding rectangles: a tall slab
    # seen at an angle has a rectangle far larger than itself, and a label kept off that was
    # pushed far below its own block (conv1's "55×55×96" under the input's label).
    outlines: _RectGrid[Outline] = _RectGrid(line * 4)
    for b in blocks:
        hull = _convex_hull([_proj2(cam, c) for c in _box_corners(b.lo, b.hi)])
        if len(hull) >= 3:  # anything less meets no rectangle
            outline = _outline(hull)
            outlines.add(outline[:4], outline)

    def free(x0: float, y0: float, x1: float, y1: float) -> bool:
        rect = (x0, y0, x1, y1)
        if not all(x1 <= a or x0 >= c or y1 <= b or y0 >= d for a, b, c, d in placed.near(rect)):
            return False
        return not any(_rect_meets_outline(rect, outline) for outline in outlines.near(rect))

    boxes = [_box_screen_bounds(b.lo, b.hi, cam) for b in blocks]
    for b, (bx0, by0, bx1, by1) in sorted(
        zip(blocks, boxes, strict=True), key=lambda t: (t[0].lane, t[1][0])
    ):
        cx = (bx0 + bx1) / 2
        g = groups[b.id]
        for text, font, role, downwards in (
            (b.dims_label, size, "dims", True),
            (b.name_label, small, "name", False),
        ):
            half = estimate_width(text, font) / 2 + font * 0.3
            y = by1 + line if downwards else by0 - font * 0.6
            x = cx
            # Row by row away from the box; on each row, centred first, then nudged sideways
            # (by up to the label's width) before giving up the row.
            for _ in range(12):
                spot = next(
                    (
                        cx + f * half
                        for f in (0.0, 0.5, -0.5, 1.0, -1.0)
                        if free(
                            cx + f * half - half, y - font, cx + f * half + half, y + font * 0.3
                        )
                    ),
                    None,
                )
                if spot is not None:
                    x = spot
                    break
                y += line if downwards else -line
            label = (x - half, y - font, x + half, y + font * 0.3)
            placed.add(label, label)
            color = INK if role == "dims" else MUTED_INK
            g.items.append(Text(x, y, text, font, "middle", False, color, role))
    for src_id, ks in kernels_by_source.items():
        for k in ks:
            x0, y0, x1, _ = _box_screen_bounds(k.lo, k.hi, cam)
            groups[src_id].items.append(
                Text(
                    (x0 + x1) / 2,
                    y0 - small * 0.35,
                    k.label,
                    small * 0.9,
                    "middle",
                    False,
                    INK,
                    "kernel-label",
                )
            )
