// core::pytorchScript, the text of "Copy as PyTorch" and `sparsity-cli mask --print-pytorch`:
// the parameters appear as WeightNormSparsifier's arguments, the custom_from_mask fallback
// appears exactly for partial blocks, rank != 2 and model scope, strings are valid Python, and
// the CLI prints the script without writing the output. (Running the script through PyTorch is
// tests/reference/check_pytorch_snippets.py; CTest never needs torch.)
#include "common/paramsbuilder.h"
#include "export/pytorchscript.h"

#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace sparsity;

namespace {

core::PytorchScriptRequest requestFor(std::vector<std::int64_t> shape,
                                      const core::SparsityParams& params,
                                      std::optional<core::ModelScopeRequest> model = {})
{
    core::PytorchScriptRequest request;
    request.sourcePath = QStringLiteral("/data/weights.h5");
    request.maskPath = QStringLiteral("/data/masks.h5");
    request.maskOrigin = QStringLiteral("written by: sparsity-cli mask ...");
    request.layers.push_back({QStringLiteral("/model/dense/kernel"), std::move(shape),
                              QStringLiteral("float32"), params, core::Layout::Torch,
                              core::MatrixView::Flatten});
    request.modelScope = model;
    return request;
}

// The calls of the script (not the definitions): "check_with_pytorch(" / "apply_exported_mask(" at
// the start of a line.
int calls(const QString& script, const QString& function)
{
    return static_cast<int>(script.count(QRegularExpression(QStringLiteral("^%1\\(").arg(function),
                                                            QRegularExpression::MultilineOption)));
}

} // namespace

class TestPytorchScript : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void cases_data()
    {
        QTest::addColumn<QVector<qint64>>("shape");
        QTest::addColumn<core::SparsityParams>("params");
        QTest::addColumn<bool>("model");
        QTest::addColumn<QString>("arguments");
        QTest::addColumn<QString>("limitation"); // empty: PyTorch makes the mask

        QTest::newRow("1x4") << QVector<qint64>{16, 24} << test::makeParams(0.5, 1, 4) << false
                             << QStringLiteral("sparsity_level=0.5, sparse_block_shape=(1, 4), "
                                               "zeros_per_block=4, norm=2")
                             << QString();
        QTest::newRow("2:4") << QVector<qint64>{16, 24} << test::makeParams(1.0, 1, 4, 2) << false
                             << QStringLiteral("sparsity_level=1.0, sparse_block_shape=(1, 4), "
                                               "zeros_per_block=2, norm=2")
                             << QString();
        QTest::newRow("8x8 l1") << QVector<qint64>{64, 32}
                                << test::makeParams(0.3, 8, 8, std::nullopt, core::Norm::L1)
                                << false
                                << QStringLiteral("sparsity_level=0.3, sparse_block_shape=(8, 8), "
                                                  "zeros_per_block=64, norm=1")
                                << QString();
        QTest::newRow("partial") << QVector<qint64>{10, 10} << test::makeParams(0.5, 4, 4) << false
                                 << QStringLiteral("sparse_block_shape=(4, 4)")
                                 << QStringLiteral("10x10 is not a multiple of the 4x4 block");
        QTest::newRow("rank 4") << QVector<qint64>{8, 4, 3, 3} << test::makeParams(0.5, 1, 4)
                                << false << QStringLiteral("sparse_block_shape=(1, 4)")
                                << QStringLiteral("rank 4 (8x4x3x3): WeightNormSparsifier handles "
                                                  "2-D weights only; this mask is that of the "
                                                  "8x36 matrix");
        QTest::newRow("rank 1") << QVector<qint64>{16} << test::makeParams(0.5, 1, 4) << false
                                << QStringLiteral("sparse_block_shape=(1, 4)")
                                << QStringLiteral("rank 1 (16)");
        QTest::newRow("model scope")
            << QVector<qint64>{16, 24} << test::makeParams(0.2, 1, 4) << true
            << QStringLiteral("sparsity_level=0.7, sparse_block_shape=(1, 4), zeros_per_block=4, "
                              "norm=2, scope=\"model\"")
            << QStringLiteral("model scope ranks the blocks of several layers together");
    }
    void cases()
    {
        QFETCH(QVector<qint64>, shape);
        QFETCH(core::SparsityParams, params);
        QFETCH(bool, model);
        QFETCH(QString, arguments);
        QFETCH(QString, limitation);
        const std::vector<std::int64_t> dims(shape.begin(), shape.end());
        std::optional<core::ModelScopeRequest> scope;
        if (model)
            scope = core::ModelScopeRequest{0.7, {0.1, 0.9}};
        const QString script = core::pytorchScript(requestFor(dims, params, scope));

        QVERIFY(script.startsWith(QStringLiteral("#!/usr/bin/env python3\n")));
        QVERIFY(
            script.contains(QStringLiteral("from torch.ao.pruning import WeightNormSparsifier")));
        QVERIFY(
            script.contains(QStringLiteral("from torch.ao.sparsity import WeightNormSparsifier")));
        QVERIFY(script.contains(QStringLiteral("SOURCE = \"/data/weights.h5\"\n")));
        QVERIFY(script.contains(QStringLiteral("MASKS = \"/data/masks.h5\"\n")));
        QVERIFY2(script.contains(arguments), qPrintable(script.right(800)));
        QVERIFY(script.trimmed().endsWith(QStringLiteral("finish()")));
        QCOMPARE(core::pytorchLimitation(dims, params, model).isEmpty(), limitation.isEmpty());
        if (limitation.isEmpty()) {
            QCOMPARE(calls(script, QStringLiteral("check_with_pytorch")), 1);
            QCOMPARE(calls(script, QStringLiteral("apply_exported_mask")), 0);
            QVERIFY(!script.contains(QStringLiteral("# PyTorch cannot make this mask")));
        } else {
            QCOMPARE(calls(script, QStringLiteral("check_with_pytorch")), 0);
            QCOMPARE(calls(script, QStringLiteral("apply_exported_mask")), 1);
            // Said in a comment and, through `why`, printed when it runs.
            QVERIFY2(script.contains(QStringLiteral("# PyTorch cannot make this mask: ")),
                     qPrintable(script.right(800)));
            QVERIFY2(script.contains(QStringLiteral("why=\"") + limitation),
                     qPrintable(script.right(800)));
            QVERIFY(script.contains(QStringLiteral("prune.custom_from_mask(module")));
        }
    }

    void severalLayersEachTheirWay()
    {
        core::PytorchScriptRequest request = requestFor({16, 24}, test::makeParams(0.5, 1, 4));
        request.layers.push_back(
            {QStringLiteral("/conv/weight"), {8, 4, 3, 3}, QString(), test::makeParams(0.5, 1, 4)});
        request.layers.push_back(
            {QStringLiteral("/odd/kernel"), {13, 24}, QString(), test::makeParams(0.5, 2, 4)});
        request.layers.push_back(
            {QStringLiteral("/even/kernel"), {12, 24}, QString(), test::makeParams(0.5, 2, 4)});
        const QString script = core::pytorchScript(request);
        QCOMPARE(calls(script, QStringLiteral("check_with_pytorch")), 2);
        QCOMPARE(calls(script, QStringLiteral("apply_exported_mask")), 2);
        QVERIFY(script.indexOf(QStringLiteral("check_with_pytorch(\"/model/dense/kernel\"")) <
                script.indexOf(QStringLiteral("apply_exported_mask(\"/conv/weight\"")));
        QVERIFY(script.contains(QStringLiteral("apply_exported_mask(\"/odd/kernel\"")));
        QVERIFY(script.contains(QStringLiteral("check_with_pytorch(\"/even/kernel\"")));
    }

    // Paths become Python string literals: quotes, backslashes and line breaks escaped, UTF-8 kept;
    // a line break in a comment must not end the comment.
    void pathsAreValidPython()
    {
        core::PytorchScriptRequest request = requestFor({16, 24}, test::makeParams(0.5, 1, 4));
        request.sourcePath = QStringLiteral("/tmp/a \"b\"\\c\nd/权重.h5");
        request.layers[0].datasetPath = QStringLiteral("/ünïcode/\"q\"");
        const QString script = core::pytorchScript(request);
        QVERIFY2(
            script.contains(QStringLiteral("SOURCE = \"/tmp/a \\\"b\\\"\\\\c\\nd/权重.h5\"\n")),
            qPrintable(script.left(600)));
        QVERIFY(script.contains(QStringLiteral("check_with_pytorch(\"/ünïcode/\\\"q\\\"\"")));
        for (const QString& line : script.split(QLatin1Char('\n')))
            QVERIFY2(!line.startsWith(QStringLiteral("d/权重")), qPrintable(line));
    }

    // `mask --print-pytorch` prints the script and writes nothing, saying so on stderr.
    void cliPrintsTheScriptAndWritesNothing()
    {
        QTemporaryDir dir;
        const QString output = dir.filePath(QStringLiteral("masks.h5"));
        QProcess cli;
        cli.start(QStringLiteral(SPARSITY_CLI_PATH),
                  {QStringLiteral("mask"), QStringLiteral(SPARSITY_TEST_DATA_DIR "/layers.h5"),
                   QStringLiteral("-o"), output, QStringLiteral("--level"), QStringLiteral("0.5"),
                   QStringLiteral("--block"), QStringLiteral("2:4"),
                   QStringLiteral("--print-pytorch")});
        QVERIFY(cli.waitForFinished(60000));
        const QString out = QString::fromUtf8(cli.readAllStandardOutput());
        const QString err = QString::fromUtf8(cli.readAllStandardError());
        QCOMPARE(cli.exitCode(), 0);
        QVERIFY2(out.startsWith(QStringLiteral("#!/usr/bin/env python3\n")),
                 qPrintable(out.left(300)));
        QVERIFY(out.contains(QStringLiteral("MASKS = \"%1\"").arg(output)));
        QVERIFY(out.contains(QStringLiteral("written by: sparsity-cli mask ")));
        QVERIFY(out.contains(QStringLiteral("--block 2:4 --norm l2")));
        QVERIFY(out.contains(QStringLiteral("zeros_per_block=2, norm=2")));
        QVERIFY2(err.contains(QStringLiteral("masks.h5 was not written (run the command without "
                                             "--print-pytorch to write it)")),
                 qPrintable(err));
        QVERIFY(!QFileInfo::exists(output));
        QCOMPARE(QDir(dir.path()).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot),
                 QStringList());
    }
};

QTEST_GUILESS_MAIN(TestPytorchScript)
#include "tst_pytorchscript.moc"
