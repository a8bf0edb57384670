#include "hdf5handle.h"

#include "error.h"

#include <hdf5.h>
#include <type_traits>
#include <utility>
#include <vector>

namespace sparsity::core {

static_assert(std::is_same_v<Hid, hid_t>, "Hid must be HDF5's hid_t");
static_assert(std::is_same_v<Hsize, hsize_t>, "Hsize must be HDF5's hsize_t");
static_assert(std::is_same_v<Hdf5AutoErrorFunc, H5E_auto2_t>, "must match H5E_auto2_t");

namespace {

// HDF5 closes whatever is still open at exit (H5_term_library). A file whose H5Fclose failed,
// which a file size limit causes however it is closed, is left half-closed by HDF5 1.10, and
// that clean-up crashed on it: a failed export ended in a segfault instead of its message and
// exit code. Every object of ours is closed by its handle long before exit, so HDF5's own
// clean-up has nothing to do. It must be turned off before HDF5 starts: hence a static
// initializer, in the file every user of HDF5 here links.
[[maybe_unused]] const bool noHdf5CleanupAtExit = H5dont_atexit() >= 0;

} // namespace

Hdf5Handle& Hdf5Handle::operator=(Hdf5Handle&& other) noexcept
{
    if (this != &other)
        reset(other.release());
    return *this;
}

Hid Hdf5Handle::release()
{
    return std::exchange(m_id, Hid{-1});
}

void Hdf5Handle::reset(Hid id) noexcept
{
    if (m_id >= 0) {
        const Hdf5ErrorSilencer silencer;
        close();
    }
    m_id = id;
}

bool Hdf5Handle::close()
{
    const hid_t id = std::exchange(m_id, Hid{-1});
    if (id < 0)
        return true;
    herr_t status = -1;
    switch (H5Iget_type(id)) {
    case H5I_FILE:
        status = H5Fclose(id);
        break;
    case H5I_GROUP:
        status = H5Gclose(id);
        break;
    case H5I_DATASET:
        status = H5Dclose(id);
        break;
    case H5I_DATASPACE:
        status = H5Sclose(id);
        break;
    case H5I_DATATYPE:
        status = H5Tclose(id);
        break;
    case H5I_ATTR:
        status = H5Aclose(id);
        break;
    case H5I_GENPROP_LST:
        status = H5Pclose(id);
        break;
    case H5I_BADID:
        // Already closed, e.g. by a file closed with H5F_CLOSE_STRONG: nothing left to release.
        return true;
    default:
        status = H5Idec_ref(id) < 0 ? -1 : 0;
        break;
    }
    return status >= 0;
}

Hdf5ErrorSilencer::Hdf5ErrorSilencer()
{
    m_saved = H5Eget_auto2(H5E_DEFAULT, &m_func, &m_clientData) >= 0;
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

Hdf5ErrorSilencer::~Hdf5ErrorSilencer()
{
    if (m_saved)
        H5Eset_auto2(H5E_DEFAULT, m_func, m_clientData);
}

namespace {

struct ErrorEntry
{
    QString description;
    hid_t minor = -1;
};

herr_t collectError(unsigned /*n*/, const H5E_error2_t* error, void* clientData)
{
    // No HDF5 API calls in here: most of them clear the very stack being walked.
    auto* entries = static_cast<std::vector<ErrorEntry>*>(clientData);
    entries->push_back(
        {error->desc != nullptr ? QString::fromUtf8(error->desc).trimmed() : QString(),
         error->min_num});
    return 0;
}

} // namespace

QString hdf5ErrorCause()
{
    // Upward: from the most specific entry (where the failure happened) to the API call.
    std::vector<ErrorEntry> entries;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, &collectError, &entries);
    QString cause;
    for (const ErrorEntry& entry : entries) {
        if (!entry.description.isEmpty()) {
            cause = entry.description;
            break;
        }
    }
    if (cause.isEmpty() && !entries.empty()) {
        char minor[256] = {};
        if (H5Eget_msg(entries.front().minor, nullptr, minor, sizeof minor) > 0)
            cause = QString::fromUtf8(minor).trimmed();
    }
    // System call failures come as "file write failed: time = ..., filename = ..., errno = 28,
    // error message = 'No space left on device', buf = ...": keep what and why.
    cause = cause.simplified();
    const QLatin1String systemMessage("error message = '");
    const qsizetype messageStart = cause.indexOf(systemMessage);
    if (messageStart >= 0) {
        const qsizetype textStart = messageStart + systemMessage.size();
        const qsizetype textEnd = cause.indexOf(QLatin1Char('\''), textStart);
        qsizetype headEnd = cause.indexOf(QLatin1Char(':'));
        const qsizetype comma = cause.indexOf(QLatin1Char(','));
        if (headEnd < 0 || (comma >= 0 && comma < headEnd))
            headEnd = comma;
        if (textEnd > textStart && headEnd > 0)
            cause = cause.left(headEnd) + QStringLiteral(": ") +
                    cause.mid(textStart, textEnd - textStart);
    }
    constexpr qsizetype maxLength = 400;
    if (cause.size() > maxLength)
        cause = cause.left(maxLength) + QStringLiteral("...");
    return cause;
}

QString withHdf5Cause(const QString& message)
{
    const QString cause = hdf5ErrorCause();
    return cause.isEmpty() ? message : message + QStringLiteral(": ") + cause;
}

void throwHdf5Io(const QString& message)
{
    throw Error(ErrorCode::Io, withHdf5Cause(message));
}

} // namespace sparsity::core
