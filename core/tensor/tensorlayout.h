#pragma once

#include <QString>
#include <optional>

namespace sparsity::core {

// docs/SPEC.md "Layout: which axis is which": the axis order a stored tensor is written in.
// Auto is a choice only; it resolves to Torch or Keras per file (resolveLayout).
enum class Layout
{
    Auto,
    Torch, // (out, in, k1, ..., km): PyTorch, safetensors from PyTorch, ONNX-style files
    Keras, // (in, out) and (k1, ..., km, in, out)
};

// docs/SPEC.md "View: from ordered tensor to matrix".
enum class MatrixView
{
    Flatten,      // H = out, C = in*k1*...*km (PyTorch's W.reshape(out, -1))
    ChannelsLast, // H = out*k1*...*km, C = in (N:M sparse tensor cores' grouping for convs)
};

// What a user chose for one dataset: a plain value, copy it across threads.
struct TensorOrientation
{
    Layout layout = Layout::Auto;
    MatrixView view = MatrixView::Flatten;

    bool isDefault() const { return layout == Layout::Auto && view == MatrixView::Flatten; }
    friend bool operator==(const TensorOrientation&, const TensorOrientation&) = default;
};

// The names of the CLI, the mask attributes and saved settings: "auto", "torch", "keras";
// "flatten", "channels-last". Parsing ignores case and surrounding spaces.
QString layoutName(Layout layout);
std::optional<Layout> parseLayout(const QString& text);
QString viewName(MatrixView view);
std::optional<MatrixView> parseView(const QString& text);

// Auto resolves to Keras when the file carries Keras's markers (TensorReader::hasKerasMarkers),
// to Torch otherwise; Torch and Keras stay what they are.
Layout resolveLayout(Layout chosen, bool fileHasKerasMarkers);

} // namespace sparsity::core
