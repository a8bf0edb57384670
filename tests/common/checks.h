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

// SHA-256 of the file's bytes; empty when it cannot be read.
QByteArray fileHash(const QString& path);

// Every entry of the directory, hidden ones included, sorted by name.
QStringList listing(const QString& directory);

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
