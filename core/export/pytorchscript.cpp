#include "pytorchscript.h"

#include "tensor/matrixmapping.h"

#include <QLocale>
#include <QStringList>

namespace sparsity::core {
namespace {

// Text inside a Python double-quoted string (or a comment): backslash, quote and control
// characters escaped, everything else (UTF-8 names included) kept as it is.
QString escaped(const QString& text)
{
    QString out;
    out.reserve(text.size());
    for (const QChar c : text) {
        if (c == QLatin1Char('\\'))
            out += QStringLiteral("\\\\");
        else if (c == QLatin1Char('"'))
            out += QStringLiteral("\\\"");
        else if (c == QLatin1Char('\n'))
            out += QStringLiteral("\\n");
        else if (c == QLatin1Char('\r'))
            out += QStringLiteral("\\r");
        else if (c == QLatin1Char('\t'))
            out += QStringLiteral("\\t");
        else if (c.unicode() < 0x20 || c.unicode() == 0x7f || c.unicode() == 0x2028 ||
                 c.unicode() == 0x2029)
            out += QStringLiteral("\\u%1").arg(c.unicode(), 4, 16, QLatin1Char('0'));
        else
            out += c;
    }
    return out;
}

// Text for a comment: line breaks and control characters escaped, nothing else.
QString commentText(const QString& text)
{
    QString out;
    for (const QChar c : text) {
        if (c.unicode() < 0x20 || c.unicode() == 0x7f || c.unicode() == 0x2028 ||
            c.unicode() == 0x2029)
            out += QStringLiteral("\\u%1").arg(c.unicode(), 4, 16, QLatin1Char('0'));
        else
            out += c;
    }
    return out;
}

// A comment wrapped at about 96 columns, each line starting with "# ".
QString wrappedComment(const QString& text)
{
    QString result;
    QString line = QStringLiteral("#");
    for (const QString& word : commentText(text).split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
        if (line.size() > 1 && line.size() + 1 + word.size() > 96) {
            result += line + QLatin1Char('\n');
            line = QStringLiteral("#");
        }
        line += QLatin1Char(' ') + word;
    }
    return result + line + QLatin1Char('\n');
}

QString pyString(const QString& text)
{
    return QLatin1Char('"') + escaped(text) + QLatin1Char('"');
}

// The shortest text Python reads back as the same double.
QString pyFloat(double value)
{
    QString text = QString::number(value, 'g', QLocale::FloatingPointShortest);
    if (!text.contains(QLatin1Char('.')) && !text.contains(QLatin1Char('e')))
        text += QStringLiteral(".0");
    return text;
}

QString shapeText(const std::vector<std::int64_t>& shape)
{
    QStringList parts;
    for (const std::int64_t extent : shape)
        parts << QString::number(extent);
    return parts.join(QLatin1Char('x'));
}

// The keyword arguments both calls take: the parameters as WeightNormSparsifier names them.
QString parameterArguments(const SparsityParams& params)
{
    return QStringLiteral("sparsity_level=%1, sparse_block_shape=(%2, %3), zeros_per_block=%4, "
                          "norm=%5")
        .arg(pyFloat(params.level))
        .arg(params.block.rows)
        .arg(params.block.cols)
        .arg(params.effectiveZerosPerBlock())
        .arg(params.norm == Norm::L1 ? 1 : 2);
}

// Everything but the per-layer calls. The tie-aware comparison follows docs/SPEC.md "Order, ties,
// NaN and infinity": PyTorch's topk leaves the order of equal values to chance, the spec takes
// the lower index first, so two masks agree when they differ only among equal norms (or equal
// f values inside a pruned block).
const char* const prelude = R"PY(
import json
import os
import sys

import h5py
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import prune

try:
    from torch.ao.pruning import WeightNormSparsifier  # PyTorch 2.0 and later
except ImportError:
    from torch.ao.sparsity import WeightNormSparsifier  # PyTorch 1.13

RESULTS = {}  # dataset -> {"verdict": ..., "mask": ..., "module": ...}, to look at afterwards


SAFETENSORS_DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4",
                      "I16": "<i2", "I8": "i1", "U64": "<u8", "U32": "<u4", "U16": "<u2",
                      "U8": "u1", "BOOL": "u1"}


def is_safetensors(path):
    return path.endswith(".safetensors") or path.endswith(".safetensors.index.json")


def read_safetensors(path, dataset):
    """(array, __metadata__) of the tensor at `dataset` ("/" + name) in a .safetensors file or a
    sharded checkpoint's index, read as the format describes it: 8-byte little-endian header
    length, JSON header, data. None when the file holds no such tensor."""
    name = dataset[1:]
    if path.endswith(".json"):
        with open(path) as f:
            shard = json.load(f)["weight_map"].get(name)
        if shard is None:
            return None
        path = os.path.join(os.path.dirname(path), shard)
    with open(path, "rb") as f:
        length = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(length))
        if name not in header:
            return None
        entry = header[name]
        begin, end = entry["data_offsets"]
        f.seek(8 + length + begin)
        raw = f.read(end - begin)
    if entry["dtype"] == "BF16":  # the upper half of a float32
        data = (np.frombuffer(raw, "<u2").astype("<u4") << 16).view("<f4")
    else:
        data = np.frombuffer(raw, SAFETENSORS_DTYPES[entry["dtype"]])
        if entry["dtype"] == "BOOL":
            data = (data != 0).astype("u1")
    return data.reshape(entry["shape"]), header.get("__metadata__", {})


def load_weight(dataset):
    """The weight in the precision Sparsity Explorer computes in: float64 for float64 data and
    integers wider than 16 bits, float32 for everything else (float16 is widened exactly)."""
    if is_safetensors(SOURCE):
        data = np.array(read_safetensors(SOURCE, dataset)[0])  # a writable copy for torch
    else:
        with h5py.File(SOURCE, "r") as f:
            data = f[dataset][()]
    wide = data.dtype.itemsize > 4 or (data.dtype.kind in "iu" and data.dtype.itemsize > 2)
    return torch.from_numpy(np.ascontiguousarray(data, dtype=np.float64 if wide else np.float32))


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def exported_mask(dataset, sparsity_level, sparse_block_shape, zeros_per_block, norm, scope):
    """The mask of `dataset` in MASKS (1 keeps, 0 prunes), or None after saying why not."""
    if not os.path.exists(MASKS):
        print("%s: %s does not exist: no exported mask to compare with" % (dataset, MASKS))
        return None
    if is_safetensors(MASKS):
        # Attributes are strings in __metadata__ under "name/attribute".
        found = read_safetensors(MASKS, dataset)
        mask, metadata = found if found is not None else (None, {})
        attrs = {key.rsplit("/", 1)[1]: value for key, value in metadata.items()
                 if key.rsplit("/", 1)[0] == dataset[1:]}
        if "sparse_block_shape" in attrs:
            attrs["sparse_block_shape"] = json.loads(attrs["sparse_block_shape"])
    else:
        with h5py.File(MASKS, "r") as f:
            found = f[dataset] if dataset in f else None
            mask = found[()] if found is not None else None
            attrs = dict(found.attrs) if found is not None else {}
    if mask is None:
        print("%s: %s holds no mask for this dataset" % (dataset, MASKS))
        return None
    made = (float(attrs.get("sparsity_level", float("nan"))),
            tuple(int(x) for x in attrs.get("sparse_block_shape", [])),
            int(attrs.get("zeros_per_block", -1)), text(attrs.get("norm", "")),
            text(attrs.get("scope", scope)))
    wanted = (sparsity_level, tuple(sparse_block_shape), zeros_per_block, "l%d" % norm, scope)
    if made != wanted:
        print("%s: the mask in %s was made with other parameters %r, not %r: export it again"
              % (dataset, MASKS, made, wanted))
        return None
    return torch.from_numpy(np.array(mask))


def block_rows(t, block):
    """(h, w) -> (blocks, bh * bw): the blocks in row-major order, each row-major."""
    (h, w), (bh, bw) = t.shape, block
    return t.reshape(h // bh, bh, w // bw, bw).permute(0, 2, 1, 3).reshape(-1, bh * bw).numpy()


def compare(f, block, pytorch_mask, exported):
    """"identical", "differs only in ties" or "differs: <why>"."""
    if torch.equal(pytorch_mask != 0, exported != 0):
        return "identical"
    theirs, ours = block_rows(pytorch_mask == 0, block), block_rows(exported == 0, block)
    pruned_theirs, pruned_ours = theirs.any(axis=1), ours.any(axis=1)
    if pruned_theirs.sum() != pruned_ours.sum():
        return "differs: PyTorch prunes %d blocks, the exported mask %d" % (
            pruned_theirs.sum(), pruned_ours.sum())
    # Block norms as PyTorch computes them; equal norms (NaN equal to NaN) share one rank.
    norms = F.avg_pool2d(f[None, None], kernel_size=block, stride=block).flatten().double().numpy()
    nan = np.isnan(norms)
    _, rank = np.unique(np.stack([nan, np.where(nan, np.inf, norms)], axis=1), axis=0,
                        return_inverse=True)
    rank = rank.ravel()
    boundary = rank[pruned_theirs].max() if pruned_theirs.any() else -1
    beyond = np.nonzero((pruned_theirs != pruned_ours) & (rank != boundary))[0]
    if beyond.size:
        return "differs: block %d (norm %r) is pruned by one and kept by the other, no tie" % (
            beyond[0], norms[beyond[0]])
    values = block_rows(f.double(), block)
    for b in np.nonzero(pruned_theirs & pruned_ours & (theirs != ours).any(axis=1))[0]:
        if not np.array_equal(np.sort(values[b][theirs[b]]), np.sort(values[b][ours[b]]),
                              equal_nan=True):
            return "differs: block %d zeros other weights, not only among equal ones" % b
    return "differs only in ties"


def check_with_pytorch(dataset, sparsity_level, sparse_block_shape, zeros_per_block, norm,
                       scope="layer", layout="torch"):
    """WeightNormSparsifier on an nn.Linear holding the weight, against the exported mask. A
    Keras kernel (in, out) is transposed to PyTorch's (out, in) first, and so is its mask."""
    weight = load_weight(dataset)
    if layout == "keras":
        weight = weight.t().contiguous()
    layer = nn.Linear(weight.shape[1], weight.shape[0], bias=False).to(weight.dtype)
    layer.weight.data = weight  # (out, in), as nn.Linear keeps it
    sparsifier = WeightNormSparsifier(sparsity_level=sparsity_level,
                                      sparse_block_shape=sparse_block_shape,
                                      zeros_per_block=zeros_per_block, norm=norm)
    sparsifier.prepare(layer, config=[{"tensor_fqn": "weight"}])
    sparsifier.step()
    mask = layer.parametrizations.weight[0].mask.detach().clone()
    zeros = int((mask == 0).sum())
    print("%s: PyTorch's WeightNormSparsifier zeros %d of %d weights (%.2f %%)" % (
        dataset, zeros, mask.numel(), 100.0 * zeros / mask.numel()))
    exported = exported_mask(dataset, sparsity_level, sparse_block_shape, zeros_per_block, norm,
                             scope)
    if exported is not None and layout == "keras":
        exported = exported.t().contiguous()
    if exported is None:
        verdict = "not compared"
    else:
        f = weight.abs() if norm == 1 else weight * weight  # what the norm averages
        verdict = compare(f, sparse_block_shape, mask, exported)
    print("%s: %s" % (dataset, verdict))
    RESULTS[dataset] = {"verdict": verdict, "mask": mask, "module": layer}


class Holder(nn.Module):
    """A module holding one weight tensor of any shape, as nn.Linear or nn.Conv2d would."""

    def __init__(self, weight):
        super().__init__()
        self.weight = nn.Parameter(weight)


def apply_exported_mask(dataset, sparsity_level, sparse_block_shape, zeros_per_block, norm,
                        scope="layer", why=""):
    """Where PyTorch cannot make the mask: the exported one, applied as PyTorch applies masks."""
    print("%s: PyTorch cannot make this mask: %s" % (dataset, why))
    print("%s: applying the exported mask with torch.nn.utils.prune.custom_from_mask" % dataset)
    weight = load_weight(dataset)
    exported = exported_mask(dataset, sparsity_level, sparse_block_shape, zeros_per_block, norm,
                             scope)
    if exported is None:
        RESULTS[dataset] = {"verdict": "not applied", "mask": None, "module": None}
        print("%s: not applied" % dataset)
        return
    module = Holder(weight)
    prune.custom_from_mask(module, name="weight", mask=exported.to(weight.dtype))
    zeros = int((exported == 0).sum())
    print("%s: applied; %d of %d weights are zero (%.2f %%)" % (
        dataset, zeros, exported.numel(), 100.0 * zeros / exported.numel()))
    RESULTS[dataset] = {"verdict": "applied", "mask": exported, "module": module}


def finish():
    verdicts = [r["verdict"] for r in RESULTS.values()]
    if any(v.startswith("differs:") for v in verdicts):
        sys.exit(1)
    if any(v in ("not compared", "not applied") for v in verdicts):
        sys.exit(2)


)PY";

} // namespace

QString pytorchLimitation(const std::vector<std::int64_t>& shape, const SparsityParams& params,
                          bool modelScope)
{
    return pytorchLimitation(shape, params, modelScope, Layout::Torch, MatrixView::Flatten);
}

QString pytorchLimitation(const std::vector<std::int64_t>& shape, const SparsityParams& params,
                          bool modelScope, Layout layout, MatrixView view)
{
    if (modelScope)
        return QStringLiteral("model scope ranks the blocks of several layers together; "
                              "WeightNormSparsifier ranks each tensor alone");
    const MatrixMapping mapping(shape, layout, view);
    if (shape.size() != 2)
        return QStringLiteral("rank %1 (%2): WeightNormSparsifier handles 2-D weights only; this "
                              "mask is that of the %3x%4 matrix (docs/SPEC.md \"Inputs\")")
            .arg(shape.size())
            .arg(shapeText(shape))
            .arg(shape.empty() ? 0 : mapping.rows())
            .arg(shape.empty() ? 0 : mapping.cols());
    if (mapping.rows() % params.block.rows != 0 || mapping.cols() % params.block.cols != 0)
        return QStringLiteral("%1 is not a multiple of the %2x%3 block, so edge blocks are "
                              "partial; PyTorch 1.13 raises on partial blocks (later releases "
                              "when zeros_per_block is less than the block)")
            .arg(mapping.matrixShapeText())
            .arg(params.block.rows)
            .arg(params.block.cols);
    return {};
}

QString pytorchScript(const PytorchScriptRequest& request)
{
    QString script;
    script += QStringLiteral("#!/usr/bin/env python3\n");
    script += QStringLiteral("# Generated by Sparsity Explorer " SPARSITY_VERSION
                             ": rebuilds these block masks with PyTorch's\n"
                             "# WeightNormSparsifier and compares them with the exported mask "
                             "file.\n#\n");
    script += QStringLiteral("#   weights: %1\n").arg(commentText(request.sourcePath));
    script += QStringLiteral("#   masks:   %1\n").arg(commentText(request.maskPath));
    if (!request.maskOrigin.isEmpty())
        script += QStringLiteral("#            %1\n").arg(commentText(request.maskOrigin));
    for (const QString& note : request.notes)
        script += wrappedComment(note);
    if (request.modelScope)
        script += QStringLiteral("#   scope:   model, level %1, each layer between %2 and %3\n")
                      .arg(pyFloat(request.modelScope->level),
                           pyFloat(request.modelScope->bounds.minLevel),
                           pyFloat(request.modelScope->bounds.maxLevel));
    script += QStringLiteral(
        "#\n"
        "# Needs torch, h5py and numpy. Prints, per dataset, \"identical\", \"differs only in "
        "ties\"\n"
        "# (PyTorch leaves the order of equal norms to chance) or \"differs: ...\"; exits 0 "
        "when all\n"
        "# agree, 1 when a mask differs, 2 when one could not be compared (no mask file yet).\n");
    script += QString::fromUtf8(prelude);
    script += QStringLiteral("SOURCE = %1\n").arg(pyString(request.sourcePath));
    script += QStringLiteral("MASKS = %1\n\n").arg(pyString(request.maskPath));

    // The scope argument only where it is not the default, "layer".
    const QString scope = request.modelScope ? QStringLiteral(", scope=\"model\"") : QString();
    for (const PytorchScriptLayer& layer : request.layers) {
        SparsityParams params = layer.params;
        // The file records the model level as sparsity_level (docs/SPEC.md "Model scope").
        if (request.modelScope)
            params.level = request.modelScope->level;
        QString description = shapeText(layer.shape);
        if (!layer.typeName.isEmpty())
            description += QLatin1Char(' ') + layer.typeName;
        const MatrixMapping mapping(layer.shape, layer.layout, layer.view);
        const bool transposed = layer.shape.size() == 2 && layer.layout == Layout::Keras;
        if (layer.layout != Layout::Torch || layer.view != MatrixView::Flatten)
            description +=
                QStringLiteral(", layout %1, view %2: matrix %3")
                    .arg(layoutName(layer.layout), viewName(layer.view), mapping.matrixShapeText());
        const QString why = pytorchLimitation(layer.shape, params, request.modelScope.has_value(),
                                              layer.layout, layer.view);
        script += QStringLiteral("# %1: %2\n").arg(commentText(layer.datasetPath), description);
        if (why.isEmpty()) {
            script += QStringLiteral("check_with_pytorch(%1,\n                   %2%3%4)\n\n")
                          .arg(pyString(layer.datasetPath), parameterArguments(params), scope,
                               transposed ? QStringLiteral(", layout=\"keras\"") : QString());
        } else {
            script += wrappedComment(QStringLiteral("PyTorch cannot make this mask: %1. The "
                                                    "exported mask is applied with "
                                                    "prune.custom_from_mask instead.")
                                         .arg(why));
            script += QStringLiteral("apply_exported_mask(%1,\n                    %2%3,\n"
                                     "                    why=%4)\n\n")
                          .arg(pyString(layer.datasetPath), parameterArguments(params), scope,
                               pyString(why));
        }
    }
    script += QStringLiteral("finish()\n");
    return script;
}

} // namespace sparsity::core
