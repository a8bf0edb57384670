#include "badfiles.h"

#include "hdf5fixtures.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTest>
#include <sys/stat.h>

namespace sparsity::test {

std::vector<UnusableFileCase> unusableFileCases()
{
    const QString notHdf5 = QStringLiteral(": not an HDF5 file");
    return {
        {"not HDF5", QStringLiteral("text.h5"), notHdf5},
        {"empty", QStringLiteral("empty.h5"),
         QStringLiteral(": the file is empty, not an HDF5 file")},
        {"cut in half", QStringLiteral("half.h5"),
         QStringLiteral(": not an HDF5 file or truncated/damaged")},
        {"cut in the superblock", QStringLiteral("superblock.h5"), notHdf5},
        {"signature only", QStringLiteral("signature.h5"), notHdf5},
        {"directory", QStringLiteral("a directory.h5"),
         QStringLiteral(": is a directory, not an HDF5 file")},
        {"missing", QStringLiteral("missing.h5"), QStringLiteral(": no such file")},
        {"missing directory", QStringLiteral("no/such/dir/w.h5"), QStringLiteral(": no such file")},
        {"fifo", QStringLiteral("fifo.h5"),
         QStringLiteral(": not a regular file, not an HDF5 file")},
    };
}

void addUnusableFileRows()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("fragment");
    for (const UnusableFileCase& unusable : unusableFileCases())
        QTest::newRow(unusable.row) << unusable.name << unusable.fragment;
}

bool makeUnusableFile(const QString& name, const QString& path, const QString& goodHdf5File)
{
    const auto writeFile = [&](const QByteArray& bytes) {
        QFile file(path);
        return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
    };
    if (name == QLatin1String("text.h5"))
        return writeFile(QByteArray("name,value\nweight,1.5\n").repeated(100));
    if (name == QLatin1String("empty.h5"))
        return writeFile({});
    if (name == QLatin1String("half.h5"))
        return truncatedCopy(goodHdf5File, path, QFileInfo(goodHdf5File).size() / 2);
    if (name == QLatin1String("superblock.h5")) // signature, versions, half the sizes
        return truncatedCopy(goodHdf5File, path, 40);
    if (name == QLatin1String("signature.h5"))
        return truncatedCopy(goodHdf5File, path, 8);
    if (name == QLatin1String("a directory.h5"))
        return QDir().mkpath(path);
    if (name == QLatin1String("fifo.h5"))
        return ::mkfifo(QFile::encodeName(path).constData(), 0644) == 0;
    return true; // the missing cases
}

} // namespace sparsity::test
