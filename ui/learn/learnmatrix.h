#pragma once

#include "mask/sparsityparams.h"
#include "tensor/weighttensor.h"

#include <QCoreApplication>
#include <QPoint>
#include <QSize>
#include <QString>
#include <cstdint>
#include <optional>

namespace sparsity::ui {

// The small matrix the Learn dock teaches on, and a line that says where it came from. Three
// sources: a slice of the current layer (its values and precision, copied), a seeded random
// matrix, numbers typed by the student. A plain value; any thread.
struct LearnMatrix
{
    Q_DECLARE_TR_FUNCTIONS(LearnMatrix)

public:
    static constexpr int minSide = 8;
    static constexpr int maxSide = 16;

    core::WeightTensor weights; // rows x cols, row-major
    // For a slice: the layer and the element of it at (0, 0) of the matrix.
    QString layer;
    std::int64_t top = 0;
    std::int64_t left = 0;
    std::optional<quint32> seed; // for random numbers

    // Where the numbers came from, in the language installed: "random numbers, seed 1".
    QString origin() const;

    std::int64_t rows() const { return weights.rows(); }
    std::int64_t cols() const { return weights.cols(); }

    // rows x cols of the layer's 2-D matrix from (top, left): the layer's own values in its own
    // precision. The size is cut to what the layer has from there.
    static LearnMatrix slice(const core::WeightTensor& layer, const QString& layerName,
                             std::int64_t top, std::int64_t left, QSize size);
    // Where a slice of `size` around the element `centre` (x = column, y = row) starts: on a
    // block boundary when the block fits in the slice, so that the slice's blocks are blocks of
    // the layer, and moved back inside the layer when it would run over an edge.
    static QPoint sliceOrigin(std::int64_t layerRows, std::int64_t layerCols, QPoint centre,
                              core::BlockShape block, QSize size);

    // Numbers in [-1, 1] with two decimals, the same for a seed on every platform (std::mt19937
    // is specified bit for bit; the standard distributions are not, so none is used). Two
    // decimals keep every number readable in its cell and make ties happen now and then, which
    // the ranking step explains. float32, PyTorch's default dtype.
    static LearnMatrix random(quint32 seed, QSize size);

    // Numbers typed by the student, row-major, as float32 (PyTorch's default dtype).
    static LearnMatrix typed(QSize size, const std::vector<float>& values);
};

// A number as the student typed it: "0.25", "-1e-3", "nan", "inf", "-inf", with a dot or the
// locale's decimal separator; nullopt when it is not a number.
std::optional<double> parseLearnNumber(const QString& text);

} // namespace sparsity::ui
