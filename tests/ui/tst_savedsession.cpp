// SavedSession: the JSON round trip (every field, 64-bit identities, model scope, zeros per
// block absent or set), refused documents with a message that names the file and the problem,
// and the atomic write (no temporary file left, a refused write names the path).
#include "error.h"
#include "session/savedsession.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <limits>

using namespace sparsity;
using sparsity::ui::SavedSession;

namespace {

SavedSession sample()
{
    SavedSession s;
    s.filePath = QStringLiteral("/runs/a/big.h5");
    s.identity =
        core::FileIdentity{std::numeric_limits<std::uint64_t>::max() - 1,
                           (std::uint64_t{1} << 62) + 3, 123456789012345, 1764489600123456789};
    s.currentLayer = QStringLiteral("/encoder.layers.10.weight");
    core::SparsityParams a;
    a.level = 0.125;
    a.block = core::BlockShape{1, 4};
    a.zerosPerBlock = 2;
    a.norm = core::Norm::L1;
    core::SparsityParams b;
    b.level = 0.9;
    b.block = core::BlockShape{8, 8};
    s.layerParams.emplace(QStringLiteral("/encoder.layers.10.weight"), a);
    s.layerParams.emplace(QStringLiteral("/fc/weight"), b);
    s.modelParams = b;
    s.modelBounds = core::ModelBounds{0.05, 0.95};
    s.viewKind = QStringLiteral("mask");
    return s;
}

void compareSessions(const SavedSession& a, const SavedSession& b)
{
    QCOMPARE(a.filePath, b.filePath);
    QCOMPARE(a.demo, b.demo);
    QCOMPARE(a.identity.has_value(), b.identity.has_value());
    if (a.identity)
        QVERIFY(*a.identity == *b.identity);
    QCOMPARE(a.currentLayer, b.currentLayer);
    QVERIFY(a.layerParams == b.layerParams);
    QVERIFY(a.modelParams == b.modelParams);
    QCOMPARE(a.modelBounds.has_value(), b.modelBounds.has_value());
    if (a.modelBounds) {
        QCOMPARE(a.modelBounds->minLevel, b.modelBounds->minLevel);
        QCOMPARE(a.modelBounds->maxLevel, b.modelBounds->maxLevel);
    }
    QCOMPARE(a.viewKind, b.viewKind);
}

} // namespace

class TestSavedSession final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void roundTrips()
    {
        const SavedSession s = sample();
        compareSessions(SavedSession::fromJson(s.toJson(), QStringLiteral("x")), s);
        SavedSession demo;
        demo.demo = true;
        demo.currentLayer = QStringLiteral("/mlp/fc2/weight");
        const SavedSession back = SavedSession::fromJson(demo.toJson(), QStringLiteral("x"));
        compareSessions(back, demo);
        QVERIFY(back.filePath.isEmpty());
    }

    void refusesWhatIsNotASession_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("problem");
        const QByteArray head = R"("format": "sparsity-explorer-session", "version": 1, )";
        QTest::newRow("not JSON") << QByteArray("{\"format\": ") << "JSON error at byte";
        QTest::newRow("other format")
            << QByteArray(R"({"format": "x", "version": 1})") << "no \"format\"";
        QTest::newRow("newer version")
            << QByteArray(R"({"format": "sparsity-explorer-session", "version": 2, "file": "/a"})")
            << "version 2 is not 1";
        QTest::newRow("no file") << QByteArray("{" + head + R"("layers": {}})") << "names no file";
        QTest::newRow("bad level")
            << QByteArray("{" + head +
                          R"("file": "/a", "layers": {"/w": {"level": 1.5, "block_rows": 1,
                              "block_cols": 4, "norm": "l2"}}})")
            << "layer /w:";
        QTest::newRow("fractional block")
            << QByteArray("{" + head +
                          R"("file": "/a", "layers": {"/w": {"level": 0.5, "block_rows": 1.5,
                              "block_cols": 4, "norm": "l2"}}})")
            << "\"block_rows\" is not a whole number";
        QTest::newRow("no norm")
            << QByteArray("{" + head +
                          R"("file": "/a", "layers": {"/w": {"level": 0.5, "block_rows": 1,
                              "block_cols": 4}}})")
            << "has no norm";
        QTest::newRow("bad bounds")
            << QByteArray("{" + head +
                          R"("file": "/a", "model_scope": {"level": 0.5, "block_rows": 1,
                              "block_cols": 4, "norm": "l1", "min_level": 0.9,
                              "max_level": 0.1}})")
            << "model_scope:";
    }
    void refusesWhatIsNotASession()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, problem);
        try {
            SavedSession::fromJson(json, QStringLiteral("/tmp/s.json"));
            QFAIL("accepted");
        } catch (const core::Error& error) {
            QVERIFY2(error.message().startsWith(
                         QStringLiteral("/tmp/s.json: not a Sparsity Explorer session: ")),
                     qPrintable(error.message()));
            QVERIFY2(error.message().contains(problem), qPrintable(error.message()));
        }
    }

    void writesAtomically()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral("deeper/last-session.json"));
        const SavedSession s = sample();
        s.write(path);
        compareSessions(SavedSession::read(path), s);
        QCOMPARE(QDir(dir.filePath(QStringLiteral("deeper"))).entryList(QDir::Files),
                 QStringList{QStringLiteral("last-session.json")});

        // Where it cannot be written (a folder holds the name; root can't write there
        // either), the error names the path and no temporary file is left behind.
        const QString blocked = dir.filePath(QStringLiteral("deeper/blocked.json"));
        QVERIFY(QDir().mkpath(blocked));
        try {
            s.write(blocked);
            QFAIL("written");
        } catch (const core::Error& error) {
            QVERIFY2(error.message().startsWith(blocked + QStringLiteral(": cannot write")),
                     qPrintable(error.message()));
        }
        QCOMPARE(QDir(dir.filePath(QStringLiteral("deeper"))).entryList(QDir::Files),
                 QStringList{QStringLiteral("last-session.json")});
        compareSessions(SavedSession::read(path), s);
    }

    void readNamesAMissingFile()
    {
        try {
            SavedSession::read(QStringLiteral("/nonexistent/session.json"));
            QFAIL("read");
        } catch (const core::Error& error) {
            QVERIFY(error.message().startsWith(QStringLiteral("/nonexistent/session.json: ")));
        }
    }
};

QTEST_MAIN(TestSavedSession)
#include "tst_savedsession.moc"
