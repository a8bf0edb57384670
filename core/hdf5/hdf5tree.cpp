#include "hdf5tree.h"

#include "error.h"
#include "hdf5dataset.h"
#include "hdf5handle.h"
#include "io/datasetchecks.h"

#include <QStringList>
#include <hdf5.h>
#include <map>
#include <utility>
#include <vector>

namespace sparsity::core {

namespace {

QString childPath(const QString& groupPath, const QByteArray& name)
{
    const QString child = QString::fromUtf8(name);
    return groupPath == QLatin1String("/") ? QLatin1Char('/') + child
                                           : groupPath + QLatin1Char('/') + child;
}

struct LinkEntry
{
    QByteArray name;
    H5L_type_t type = H5L_TYPE_ERROR;
};

herr_t collectLink(hid_t /*group*/, const char* name, const H5L_info_t* info, void* data)
{
    // Only collect here: no exceptions may cross HDF5's C frames, and the group is walked
    // after the iteration has finished.
    static_cast<std::vector<LinkEntry>*>(data)->push_back({QByteArray(name), info->type});
    return 0;
}

// Where a soft or external link points, as text ("/a/b" or "other.h5:/a/b").
QString linkTargetText(hid_t location, const QByteArray& name, H5L_type_t type)
{
    H5L_info_t info;
    if (H5Lget_info(location, name.constData(), &info, H5P_DEFAULT) < 0)
        return {};
    std::vector<char> value(info.u.val_size + 1, '\0');
    if (H5Lget_val(location, name.constData(), value.data(), info.u.val_size, H5P_DEFAULT) < 0)
        return {};
    if (type == H5L_TYPE_SOFT)
        return QString::fromUtf8(value.data());
    if (type == H5L_TYPE_EXTERNAL) {
        unsigned flags = 0;
        const char* file = nullptr;
        const char* object = nullptr;
        if (H5Lunpack_elink_val(value.data(), info.u.val_size, &flags, &file, &object) < 0)
            return {};
        return QString::fromUtf8(file) + QLatin1Char(':') + QString::fromUtf8(object);
    }
    return {};
}

// Why a link does not resolve, given the HDF5 cause captured right after the failing call.
QString danglingReason(const QString& target, const QString& cause, H5L_type_t type,
                       bool followsExternalLinks)
{
    if (type == H5L_TYPE_EXTERNAL && !followsExternalLinks)
        return QStringLiteral("external link to %1, not followed in a file read from memory")
            .arg(target);
    if (cause.contains(QLatin1String("too many links")))
        return QStringLiteral("link target %1 does not resolve (too many levels of links)")
            .arg(target);
    return QStringLiteral("link target %1 does not exist").arg(target);
}

using ObjectKey = std::pair<unsigned long, haddr_t>;

class TreeLister
{
public:
    TreeLister(QString fileName, hid_t linkAccess)
        : m_fileName(std::move(fileName))
        , m_linkAccess(linkAccess)
    {}

    std::vector<DatasetInfo> list(hid_t root)
    {
        H5O_info_t info;
        if (H5Oget_info2(root, &info, H5O_INFO_BASIC) < 0)
            throwHdf5Io(m_fileName + QStringLiteral(": cannot read the root group"));
        m_visited.emplace(ObjectKey{info.fileno, info.addr}, QStringLiteral("/"));
        listGroup(root, QStringLiteral("/"));
        return std::move(m_entries);
    }

private:
    void listGroup(hid_t group, const QString& groupPath)
    {
        std::vector<LinkEntry> links;
        hsize_t index = 0;
        if (H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, &index, &collectLink, &links) < 0)
            throwHdf5Io(m_fileName + QStringLiteral(": cannot list group ") + quoted(groupPath));
        for (const LinkEntry& link : links)
            listLink(group, groupPath, link);
    }

    void listLink(hid_t group, const QString& groupPath, const LinkEntry& link)
    {
        DatasetInfo entry;
        entry.path = childPath(groupPath, link.name);
        const bool isLink = link.type == H5L_TYPE_SOFT || link.type == H5L_TYPE_EXTERNAL;
        if (isLink)
            entry.linkTarget = linkTargetText(group, link.name, link.type);

        H5O_info_t object;
        if (H5Oget_info_by_name2(group, link.name.constData(), &object, H5O_INFO_BASIC,
                                 m_linkAccess) < 0) {
            if (isLink) {
                entry.kind = NodeKind::DanglingLink;
                entry.reason = danglingReason(entry.linkTarget, hdf5ErrorCause(), link.type,
                                              m_linkAccess == H5P_DEFAULT);
            } else {
                entry.kind = NodeKind::Other;
                entry.reason = withHdf5Cause(QStringLiteral("cannot be read"));
            }
            m_entries.push_back(std::move(entry));
            return;
        }

        switch (object.type) {
        case H5O_TYPE_GROUP: {
            entry.kind = NodeKind::Group;
            const auto [visited, isNew] =
                m_visited.emplace(ObjectKey{object.fileno, object.addr}, entry.path);
            if (!isNew)
                entry.reason =
                    QStringLiteral("the same group as %1, listed there").arg(visited->second);
            m_entries.push_back(entry);
            if (isNew) {
                const Hdf5Handle child(H5Gopen2(group, link.name.constData(), H5P_DEFAULT));
                if (!child.isValid())
                    throwHdf5Io(m_fileName + QStringLiteral(": cannot open group ") +
                                quoted(entry.path));
                listGroup(child.get(), entry.path);
            }
            return;
        }
        case H5O_TYPE_DATASET: {
            const Hdf5Handle dataset(H5Dopen2(group, link.name.constData(), H5P_DEFAULT));
            if (!dataset.isValid())
                throwHdf5Io(m_fileName + QStringLiteral(": cannot open dataset ") +
                            quoted(entry.path));
            DatasetInfo info = describeHdf5Dataset(dataset.get(), entry.path, m_fileName);
            info.linkTarget = entry.linkTarget;
            m_entries.push_back(std::move(info));
            return;
        }
        case H5O_TYPE_NAMED_DATATYPE:
            entry.kind = NodeKind::Other;
            entry.reason = QStringLiteral("a committed datatype, not data");
            m_entries.push_back(std::move(entry));
            return;
        default:
            entry.kind = NodeKind::Other;
            entry.reason = QStringLiteral("not a group or dataset");
            m_entries.push_back(std::move(entry));
            return;
        }
    }

    QString m_fileName;
    hid_t m_linkAccess;                     // not owned
    std::map<ObjectKey, QString> m_visited; // groups already listed -> the path they were listed at
    std::vector<DatasetInfo> m_entries;
};

} // namespace

std::vector<DatasetInfo> listHdf5Tree(Hid root, const QString& fileName, Hid linkAccess)
{
    return TreeLister(fileName, linkAccess).list(root);
}

DatasetInfo describeHdf5Path(Hid file, const QString& path, const QString& fileName, Hid linkAccess)
{
    if (path == QLatin1String("/"))
        throw Error(ErrorCode::InvalidInput,
                    QStringLiteral("%1: '/' is the root group, not a dataset").arg(fileName));
    const auto missing = [&] {
        return Error(ErrorCode::InvalidInput,
                     QStringLiteral("%1: no dataset %2").arg(fileName, quoted(path)));
    };

    // Walk the path one link at a time: H5Lexists fails on a missing intermediate group.
    const QStringList parts = path.split(QLatin1Char('/'), Qt::SkipEmptyParts);
    QString prefix;
    for (const QString& part : parts) {
        prefix += QLatin1Char('/') + part;
        if (H5Lexists(file, prefix.toUtf8().constData(), linkAccess) <= 0)
            throw missing();
    }

    const QByteArray name = path.toUtf8();
    H5L_info_t link;
    if (H5Lget_info(file, name.constData(), &link, linkAccess) < 0)
        throw missing();
    H5O_info_t object;
    if (H5Oget_info_by_name2(file, name.constData(), &object, H5O_INFO_BASIC, linkAccess) < 0) {
        const QString cause = hdf5ErrorCause();
        if (link.type == H5L_TYPE_SOFT || link.type == H5L_TYPE_EXTERNAL) {
            const QString target = linkTargetText(file, name, link.type);
            throw Error(
                ErrorCode::InvalidInput,
                QStringLiteral("%1: %2 is a dangling link: %3")
                    .arg(fileName, quoted(path),
                         danglingReason(target, cause, link.type, linkAccess == H5P_DEFAULT)));
        }
        throw Error(
            ErrorCode::InvalidInput,
            withHdf5Cause(QStringLiteral("%1: %2 cannot be read").arg(fileName, quoted(path))));
    }
    switch (object.type) {
    case H5O_TYPE_DATASET:
        break;
    case H5O_TYPE_GROUP:
        throw Error(ErrorCode::InvalidInput,
                    QStringLiteral("%1: %2 is a group, not a dataset").arg(fileName, quoted(path)));
    case H5O_TYPE_NAMED_DATATYPE:
        throw Error(ErrorCode::InvalidInput,
                    QStringLiteral("%1: %2 is a committed datatype, not a dataset")
                        .arg(fileName, quoted(path)));
    default:
        throw Error(ErrorCode::InvalidInput,
                    QStringLiteral("%1: %2 is not a dataset").arg(fileName, quoted(path)));
    }

    const Hdf5Handle dataset(H5Dopen2(file, name.constData(), H5P_DEFAULT));
    if (!dataset.isValid())
        throwHdf5Io(QStringLiteral("%1: cannot open dataset %2").arg(fileName, quoted(path)));
    DatasetInfo info = describeHdf5Dataset(dataset.get(), path, fileName);
    if (link.type == H5L_TYPE_SOFT || link.type == H5L_TYPE_EXTERNAL)
        info.linkTarget = linkTargetText(file, name, link.type);
    return info;
}

} // namespace sparsity::core
