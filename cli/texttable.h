#pragma once

#include <QString>
#include <QStringList>
#include <vector>

namespace sparsity::cli {

// A plain-text table with a header row, columns padded to their widest cell; numeric columns
// are right-aligned. Used for the CLI's listings and summaries.
class TextTable
{
public:
    enum class Align
    {
        Left,
        Right,
    };
    void addColumn(const QString& header, Align align = Align::Left);
    void addRow(const QStringList& cells);
    QString render() const;

private:
    QStringList m_headers;
    std::vector<Align> m_aligns;
    std::vector<QStringList> m_rows;
};

// "1.5 MiB", "512 bytes": IEC units, one decimal, as the GUI shows sizes.
QString humanBytes(qint64 bytes);

} // namespace sparsity::cli
