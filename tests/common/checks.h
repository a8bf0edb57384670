#pragma once

// What the tests check around a call: the core::Error it threw, a file's bytes, a directory's
// entries. Any thread.

#include "error.h"

#include <QByteArray>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>
#include <optional>

namespace sparsity::test {

// The core::Error `function` throws; nullopt when it returns.
template <typename F> std::optional<core::Error> errorOf(F&& function)
{
    try {
        function();
    } catch (const core::Error& error) {
        return error;
    }
    return std::nullopt;
}

// How a program run ended and what it printed; exitCode is -1 when it crashed or ran past the
// two minutes runProgram waits (it is then killed).
struct ProgramRun
{
    int exitCode = -1;
    QString out;
    QString err;
};
ProgramRun
runProgram(const QString& program, const QStringList& arguments,
           const QProcessEnvironment& environment = QProcessEnvironment::systemEnvironment());

// A hash of the file's bytes, to check that a file did not change; empty when it cannot be
// read. SHA-1: nothing here is adversarial, and Qt's SHA-1 is about ten times faster than its
// SHA-256, which took most of tst_outputfaults' time on the 192 MiB input it checks after every
// case (tests/README.md, "Build cost").
QByteArray fileHash(const QString& path);
// The same hash of bytes in memory, to compare with fileHash().
QByteArray bytesHash(const QByteArray& bytes);

// Every entry of the directory, hidden ones included, sorted by name.
QStringList listing(const QString& directory);

// Sets an environment variable while it lives (for the reader processes started meanwhile,
// which take the environment when they start), then puts back what was there.
class ScopedEnvironment
{
public:
    ScopedEnvironment(const char* name, const QByteArray& value);
    ~ScopedEnvironment();
    ScopedEnvironment(const ScopedEnvironment&) = delete;
    ScopedEnvironment& operator=(const ScopedEnvironment&) = delete;

private:
    const char* m_name;
    bool m_wasSet;
    QByteArray m_previous;
};

} // namespace sparsity::test

// Inside a Qt Test function: fails it unless `text` (a QString) contains `fragment`.
#define VERIFY_CONTAINS(text, fragment)                                                            \
    QVERIFY2((text).contains(fragment),                                                            \
             qPrintable(QStringLiteral("'%1' does not contain '%2'").arg(text, fragment)))

// Inside a Qt Test function: fails it unless `error` (an optional Error) holds an error of
// `expectedCode` whose message contains `fragment`.
#define VERIFY_ERROR(error, expectedCode, fragment)                                                \
    do {                                                                                           \
        QVERIFY2((error).has_value(), "expected an Error");                                        \
        QCOMPARE(int((error)->code()), int(expectedCode));                                         \
        QVERIFY2((error)->message().contains(fragment), qPrintable((error)->message()));           \
    } while (false)
