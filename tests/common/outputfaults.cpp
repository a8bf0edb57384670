#include "outputfaults.h"

#include <QFile>
#include <QRegularExpression>
#include <QTest>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <hdf5.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <vector>

namespace sparsity::test {

bool writeWeightFile(const QString& path, int layers, int rows, int cols)
{
    const hid_t file =
        H5Fcreate(QFile::encodeName(path).constData(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (file < 0)
        return false;
    bool ok = true;
    std::vector<float> values(static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols));
    std::uint32_t state = 2463534242u;
    const hsize_t dims[2] = {static_cast<hsize_t>(rows), static_cast<hsize_t>(cols)};
    for (int layer = 0; layer < layers && ok; ++layer) {
        for (float& value : values) {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            value = static_cast<float>(state >> 8) / 16777216.0f - 0.5f;
        }
        const QByteArray name = QStringLiteral("/l%1/w").arg(layer).toUtf8();
        const hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
        H5Pset_create_intermediate_group(lcpl, 1);
        const hid_t space = H5Screate_simple(2, dims, nullptr);
        const hid_t dataset = H5Dcreate2(file, name.constData(), H5T_IEEE_F32LE, space, lcpl,
                                         H5P_DEFAULT, H5P_DEFAULT);
        ok = dataset >= 0 &&
             H5Dwrite(dataset, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) >= 0;
        if (dataset >= 0)
            H5Dclose(dataset);
        H5Sclose(space);
        H5Pclose(lcpl);
    }
    return H5Fclose(file) >= 0 && ok;
}

QStringList temporaryFiles(const QString& directory)
{
    static const QRegularExpression pattern(QStringLiteral("^\\..+\\.[A-Za-z0-9]{6}\\.part$"));
    return listing(directory).filter(pattern);
}

ScopedMount::ScopedMount(QString directory)
    : m_directory(std::move(directory))
{}

ScopedMount::~ScopedMount()
{
    ::umount2(QFile::encodeName(m_directory).constData(), MNT_DETACH);
}

std::unique_ptr<ScopedMount> ScopedMount::tmpfs(const QString& directory, qint64 bytes,
                                                QString* why)
{
    const QByteArray options = "size=" + QByteArray::number(bytes);
    if (::mount("tmpfs", QFile::encodeName(directory).constData(), "tmpfs", 0,
                options.constData()) != 0) {
        *why = QStringLiteral("cannot mount a tmpfs: %1")
                   .arg(QString::fromLocal8Bit(std::strerror(errno)));
        return nullptr;
    }
    return std::unique_ptr<ScopedMount>(new ScopedMount(directory));
}

std::unique_ptr<ScopedMount> ScopedMount::readOnly(const QString& directory, QString* why)
{
    const QByteArray native = QFile::encodeName(directory);
    if (::mount(native.constData(), native.constData(), nullptr, MS_BIND, nullptr) != 0) {
        *why = QStringLiteral("cannot bind mount: %1")
                   .arg(QString::fromLocal8Bit(std::strerror(errno)));
        return nullptr;
    }
    std::unique_ptr<ScopedMount> mounted(new ScopedMount(directory));
    if (::mount(nullptr, native.constData(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) !=
        0) {
        *why = QStringLiteral("cannot remount read-only: %1")
                   .arg(QString::fromLocal8Bit(std::strerror(errno)));
        return nullptr;
    }
    return mounted;
}

void addDiskFullRows()
{
    QTest::addColumn<bool>("tmpfs");
    QTest::addColumn<QString>("cause");
    QTest::newRow("full tmpfs") << true << QStringLiteral("No space left on device");
    QTest::newRow("file size limit") << false << QStringLiteral("File too large");
}

FullDisk::FullDisk(const QString& directory, bool tmpfs)
    : m_tmpfs(tmpfs)
{
    if (!tmpfs)
        return;
    QString why;
    m_mount = ScopedMount::tmpfs(directory, fullDiskBytes, &why);
    if (!m_mount)
        m_skipReason = why + QStringLiteral(" (needs root with CAP_SYS_ADMIN)");
}

FullDisk::~FullDisk() = default;

std::unique_ptr<ScopedFileSizeLimit> FullDisk::limitWrites() const
{
    return m_tmpfs ? nullptr : std::make_unique<ScopedFileSizeLimit>(fullDiskBytes);
}

ScopedFileSizeLimit::ScopedFileSizeLimit(qint64 bytes)
{
    struct rlimit saved = {};
    if (::getrlimit(RLIMIT_FSIZE, &saved) != 0)
        return;
    m_savedCurrent = saved.rlim_cur;
    m_savedMax = saved.rlim_max;
    m_saved = true;
    m_savedHandler = ::signal(SIGXFSZ, SIG_IGN);
    struct rlimit limit = saved;
    limit.rlim_cur = static_cast<rlim_t>(bytes);
    m_active = ::setrlimit(RLIMIT_FSIZE, &limit) == 0;
}

ScopedFileSizeLimit::~ScopedFileSizeLimit()
{
    if (!m_saved)
        return;
    struct rlimit saved = {};
    saved.rlim_cur = static_cast<rlim_t>(m_savedCurrent);
    saved.rlim_max = static_cast<rlim_t>(m_savedMax);
    ::setrlimit(RLIMIT_FSIZE, &saved);
    ::signal(SIGXFSZ, m_savedHandler);
}

} // namespace sparsity::test
