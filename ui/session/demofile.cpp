#include "demofile.h"

#include "embeddedresources.h"

#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>

namespace sparsity::ui {
namespace {
const QString resourcePath = QStringLiteral(":/demo/digits.h5");
} // namespace

DemoFile::DemoFile() = default;
DemoFile::~DemoFile() = default;

QString DemoFile::path()
{
    if (!m_path.isEmpty() && QFileInfo::exists(m_path))
        return m_path;
    registerEmbeddedResources();
    m_directory = std::make_unique<QTemporaryDir>();
    if (m_directory->isValid()) {
        const QString target = m_directory->filePath(QStringLiteral("digits.h5"));
        if (QFile::copy(resourcePath, target)) {
            // Resource copies are read-only; HDF5 only reads, but keep the mode usual.
            QFile::setPermissions(target, QFile::ReadOwner | QFile::WriteOwner);
            m_path = target;
            return m_path;
        }
    }
    const QString fallback = QStringLiteral(SPARSITY_DEMO_FILE);
    m_path = QFileInfo::exists(fallback) ? fallback : QString();
    return m_path;
}

bool DemoFile::isDemoPath(const QString& path) const
{
    return !m_path.isEmpty() && QFileInfo(path) == QFileInfo(m_path);
}

} // namespace sparsity::ui
