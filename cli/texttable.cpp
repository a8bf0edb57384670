#include "texttable.h"

#include <QLocale>
#include <algorithm>

namespace sparsity::cli {

void TextTable::addColumn(const QString& header, Align align)
{
    m_headers << header;
    m_aligns.push_back(align);
}

void TextTable::addRow(const QStringList& cells)
{
    m_rows.push_back(cells);
}

QString TextTable::render() const
{
    std::vector<qsizetype> widths;
    for (const QString& h : m_headers)
        widths.push_back(h.size());
    for (const QStringList& row : m_rows)
        for (qsizetype c = 0; c < row.size() && c < qsizetype(widths.size()); ++c)
            widths[c] = std::max(widths[c], row[c].size());
    auto line = [&](const QStringList& cells) {
        QString out;
        for (qsizetype c = 0; c < qsizetype(widths.size()); ++c) {
            const QString cell = c < cells.size() ? cells[c] : QString();
            const bool last = c + 1 == qsizetype(widths.size());
            if (m_aligns[c] == Align::Right)
                out += cell.rightJustified(widths[c]);
            else
                out += last ? cell : cell.leftJustified(widths[c]);
            if (!last)
                out += QStringLiteral("  ");
        }
        return out + QLatin1Char('\n');
    };
    QString out = line(m_headers);
    for (const QStringList& row : m_rows)
        out += line(row);
    return out;
}

QString humanBytes(qint64 bytes)
{
    // The routine and units the GUI's layer browser uses (IEC: 1 KiB = 1024 B), in the C
    // locale: the same bytes read the same in both. Qt says "1 bytes".
    if (bytes == 1)
        return QStringLiteral("1 byte");
    return QLocale::c().formattedDataSize(bytes, 1, QLocale::DataSizeIecFormat);
}

} // namespace sparsity::cli
