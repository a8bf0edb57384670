#pragma once

#include <QString>
#include <memory>

class QTemporaryDir;

namespace sparsity::ui {

// The demo weights embedded in the resources, copied to a private temporary file on first use
// because HDF5 cannot read a Qt resource path; the copy lives as long as this object.
// UI thread only.
class DemoFile
{
public:
    DemoFile();
    ~DemoFile();
    DemoFile(const DemoFile&) = delete;
    DemoFile& operator=(const DemoFile&) = delete;

    // The path of a readable copy: the extracted one, else the source tree's (a build that
    // runs from its tree still has it), else empty.
    QString path();
    bool isDemoPath(const QString& path) const;

    static QString displayName() { return QStringLiteral("digits.h5 (demo)"); }

private:
    std::unique_ptr<QTemporaryDir> m_directory;
    QString m_path;
};

} // namespace sparsity::ui
