// Masks from the core against PyTorch's WeightNormSparsifier (tests/data/goldens.h5, made by
// tests/reference/make_goldens.py). Block norms must be equal bit for bit; masks may differ only
// where PyTorch's own order is a tie (topk leaves ties to chance, the spec fixes them).
#include "common/paramsbuilder.h"
#include "hdf5/hdf5reader.h"
#include "mask/orderkey.h"
#include "mask/sparsifier.h"

#include <QTest>
#include <algorithm>
#include <cmath>

using namespace sparsity::core;

namespace {

const QString goldenFile = QStringLiteral(SPARSITY_TEST_DATA_DIR "/goldens.h5");

// The element function f in the tensor's precision, widened to double (exact).
double elementF(const WeightTensor& w, std::int64_t i, Norm norm)
{
    if (w.precision() == Precision::Float32) {
        const float x = w.values<float>()[i];
        return norm == Norm::L1 ? detail::elementNorm<Norm::L1>(x)
                                : detail::elementNorm<Norm::L2>(x);
    }
    const double x = w.values<double>()[i];
    return norm == Norm::L1 ? detail::elementNorm<Norm::L1>(x) : detail::elementNorm<Norm::L2>(x);
}

struct Block
{
    std::vector<std::int64_t> elements; // flat indices of the valid elements
};

std::vector<Block> blocksOf(const BlockGrid& grid)
{
    std::vector<Block> blocks(static_cast<std::size_t>(grid.blockCount()));
    for (std::int64_t r = 0; r < grid.matrixRows; ++r)
        for (std::int64_t c = 0; c < grid.matrixCols; ++c)
            blocks[grid.blockIndexOf(r, c)].elements.push_back(r * grid.matrixCols + c);
    return blocks;
}

// Empty when the masks agree up to ties; otherwise what differs.
QString tieAwareDifference(const WeightTensor& weights, const SparsityParams& params,
                           const std::vector<double>& referenceNorms,
                           const std::vector<std::uint8_t>& reference,
                           const std::vector<std::uint8_t>& ours)
{
    const BlockGrid grid{weights.rows(), weights.cols(), params.block};
    const auto blocks = blocksOf(grid);
    auto pruned = [&](const std::vector<std::uint8_t>& mask, const Block& b) {
        return std::any_of(b.elements.begin(), b.elements.end(),
                           [&](std::int64_t i) { return mask[i] == 0; });
    };
    // The reference's boundary norm: the largest norm among the blocks it pruned.
    std::uint64_t boundary = 0;
    std::int64_t refPruned = 0, ourPruned = 0;
    for (std::size_t b = 0; b < blocks.size(); ++b) {
        if (pruned(reference, blocks[b])) {
            ++refPruned;
            boundary = std::max(boundary, detail::orderKey(referenceNorms[b]));
        }
        ourPruned += pruned(ours, blocks[b]) ? 1 : 0;
    }
    if (refPruned != ourPruned)
        return QStringLiteral("pruned blocks: reference %1, ours %2").arg(refPruned).arg(ourPruned);
    for (std::size_t b = 0; b < blocks.size(); ++b) {
        const bool refP = pruned(reference, blocks[b]);
        const bool ourP = pruned(ours, blocks[b]);
        if (refP != ourP) {
            if (detail::orderKey(referenceNorms[b]) != boundary)
                return QStringLiteral("block %1 (norm %2) %3 by us but not by PyTorch, no tie")
                    .arg(b)
                    .arg(referenceNorms[b])
                    .arg(ourP ? QStringLiteral("pruned") : QStringLiteral("kept"));
            continue;
        }
        if (!refP)
            continue;
        // Both pruned: the zeroed elements may differ only among equal f values.
        std::vector<std::uint64_t> refKeys, ourKeys;
        for (std::int64_t i : blocks[b].elements) {
            const auto key = detail::orderKey(elementF(weights, i, params.norm));
            if (reference[i] == 0)
                refKeys.push_back(key);
            if (ours[i] == 0)
                ourKeys.push_back(key);
        }
        std::sort(refKeys.begin(), refKeys.end());
        std::sort(ourKeys.begin(), ourKeys.end());
        const bool partialBlock =
            static_cast<std::int64_t>(blocks[b].elements.size()) < params.block.elementCount();
        // PyTorch pads partial blocks with NaN, which ties with a NaN weight: it may zero the
        // padding where the spec zeroes the NaN weight first.
        const bool nanPaddingTie =
            partialBlock && refKeys.size() < ourKeys.size() &&
            std::equal(refKeys.begin(), refKeys.end(), ourKeys.begin()) &&
            std::all_of(ourKeys.begin() + static_cast<std::ptrdiff_t>(refKeys.size()),
                        ourKeys.end(), [](std::uint64_t k) { return k == ~std::uint64_t{0}; });
        if (refKeys != ourKeys && !nanPaddingTie)
            return QStringLiteral("block %1: zeroed elements differ beyond ties").arg(b);
    }
    return {};
}

std::vector<double> valuesOf(const WeightTensor& t)
{
    std::vector<double> out(static_cast<std::size_t>(t.elementCount()));
    for (std::int64_t i = 0; i < t.elementCount(); ++i)
        out[i] = t.valueAt(i / t.cols(), i % t.cols());
    return out;
}

} // namespace

class TestGoldens final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void matchesPyTorch_data();
    void matchesPyTorch();
    void tieAwareComparisonRejectsRealDifferences();
};

void TestGoldens::matchesPyTorch_data()
{
    QTest::addColumn<QString>("source");
    const auto reader = Hdf5Reader::open(goldenFile);
    int sources = 0;
    for (const DatasetInfo& info : reader->listTree()) {
        if (info.kind == NodeKind::Group && info.path.count(QLatin1Char('/')) == 1) {
            QTest::newRow(qPrintable(info.path)) << info.path;
            ++sources;
        }
    }
    QVERIFY2(sources >= 10, "the golden file lost its sources");
}

void TestGoldens::matchesPyTorch()
{
    QFETCH(QString, source);
    const auto reader = Hdf5Reader::open(goldenFile);
    const ExecutionContext context;
    const WeightTensor weights = reader->readTensor(source + QStringLiteral("/weights"), context);
    const auto levels = valuesOf(reader->readTensor(source + QStringLiteral("/level"), context));
    const auto blocks = valuesOf(reader->readTensor(source + QStringLiteral("/block"), context));
    const auto zeros =
        valuesOf(reader->readTensor(source + QStringLiteral("/zeros_per_block"), context));
    const auto norms = valuesOf(reader->readTensor(source + QStringLiteral("/norm"), context));
    const WeightTensor masks = reader->readTensor(source + QStringLiteral("/masks"), context);
    const std::int64_t cases = static_cast<std::int64_t>(levels.size());
    QCOMPARE(masks.shape().front(), cases);
    const std::int64_t elements = weights.elementCount();
    const auto allMasks = valuesOf(masks);

    int exact = 0, tieDifferences = 0;
    for (std::int64_t i = 0; i < cases; ++i) {
        const SparsityParams params = sparsity::test::makeParams(
            levels[i], static_cast<std::int64_t>(blocks[2 * i]),
            static_cast<std::int64_t>(blocks[2 * i + 1]), static_cast<std::int64_t>(zeros[i]),
            norms[i] == 1 ? Norm::L1 : Norm::L2);
        const QString label = QStringLiteral("%1 level %2 block %3x%4 zeros %5 %6")
                                  .arg(source)
                                  .arg(params.level)
                                  .arg(params.block.rows)
                                  .arg(params.block.cols)
                                  .arg(*params.zerosPerBlock)
                                  .arg(normName(params.norm));

        // Block norms equal PyTorch's avg_pool2d bit for bit.
        const auto referenceNorms =
            valuesOf(reader->readTensor(QStringLiteral("%1/norms/%2_%3x%4")
                                            .arg(source, normName(params.norm))
                                            .arg(params.block.rows)
                                            .arg(params.block.cols),
                                        context));
        const BlockNorms ourNorms = computeBlockNorms(weights, params.block, params.norm, context);
        QCOMPARE(ourNorms.blockCount(), static_cast<std::int64_t>(referenceNorms.size()));
        for (std::int64_t b = 0; b < ourNorms.blockCount(); ++b) {
            const double ours = blockNormAt(ourNorms, weights, b), ref = referenceNorms[b];
            if (!(ours == ref || (std::isnan(ours) && std::isnan(ref))))
                QFAIL(qPrintable(QStringLiteral("%1: norm of block %2 is %3, PyTorch's %4")
                                     .arg(label)
                                     .arg(b)
                                     .arg(ours, 0, 'g', 17)
                                     .arg(ref, 0, 'g', 17)));
        }

        const MaskResult result = computeMask(weights, params, context);
        std::vector<std::uint8_t> reference(static_cast<std::size_t>(elements));
        for (std::int64_t e = 0; e < elements; ++e)
            reference[e] = static_cast<std::uint8_t>(allMasks[i * elements + e]);
        const std::vector<std::uint8_t> ours(result.mask.begin(), result.mask.end());
        if (ours == reference) {
            ++exact;
            continue;
        }
        const QString difference =
            tieAwareDifference(weights, params, referenceNorms, reference, ours);
        if (!difference.isEmpty())
            QFAIL(qPrintable(label + QStringLiteral(": ") + difference));
        ++tieDifferences;
    }
    qInfo("%s: %lld cases, %d identical, %d differ only in ties", qPrintable(source),
          static_cast<long long>(cases), exact, tieDifferences);
    QVERIFY(exact > 0);
}

// The comparison above must not be so lenient that it cannot fail.
void TestGoldens::tieAwareComparisonRejectsRealDifferences()
{
    const WeightTensor weights({2, 8}, std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8, //
                                                          -1, 0.5f, 9, 9, 2, 2, 2, 3});
    SparsityParams params = sparsity::test::makeParams(0.5, 1, 4);
    const auto norms = computeBlockNorms(weights, params.block, params.norm, {});
    std::vector<double> referenceNorms;
    for (std::int64_t b = 0; b < norms.blockCount(); ++b)
        referenceNorms.push_back(blockNormAt(norms, weights, b));
    const auto maskBytes = computeMask(weights, params, {}).mask;
    const std::vector<std::uint8_t> mask(maskBytes.begin(), maskBytes.end());
    QVERIFY(tieAwareDifference(weights, params, referenceNorms, mask, mask).isEmpty());

    // Swap a pruned and a kept block whose norms differ: a real difference.
    auto swapped = mask;
    for (int i = 0; i < 4; ++i)
        std::swap(swapped[i], swapped[4 + i]);
    QVERIFY(swapped != mask);
    QVERIFY(!tieAwareDifference(weights, params, referenceNorms, mask, swapped).isEmpty());

    // Within a pruned block, zero a larger element instead of the smallest.
    params.zerosPerBlock = 1;
    const auto partialBytes = computeMask(weights, params, {}).mask;
    const std::vector<std::uint8_t> partial(partialBytes.begin(), partialBytes.end());
    auto moved = partial;
    const auto first = std::find(moved.begin(), moved.end(), 0) - moved.begin();
    moved[first] = 1;
    moved[first + (first % 4 == 3 ? -1 : 1)] = 0;
    QVERIFY(!tieAwareDifference(weights, params, referenceNorms, partial, moved).isEmpty());

    // Exact ties may go either way: block 3 (2,2,2,3) vs... equal elements 2,2,2 inside it.
    params.level = 1.0;
    const auto tiedBytes = computeMask(weights, params, {}).mask;
    const std::vector<std::uint8_t> tied(tiedBytes.begin(), tiedBytes.end());
    auto otherTie = tied;
    QCOMPARE(otherTie[12], std::uint8_t(0)); // the first 2 is zeroed by our rule
    otherTie[12] = 1;
    otherTie[13] = 0;
    QVERIFY(tieAwareDifference(weights, params, referenceNorms, tied, otherTie).isEmpty());
}

QTEST_GUILESS_MAIN(TestGoldens)
#include "tst_goldens.moc"
