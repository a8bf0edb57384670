#include "texttable.h"

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
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    double value = static_cast<double>(bytes);
    int unit = 0;
    while (value >= 1024.0 && unit < 5) {
        value /= 1024.0;
        ++unit;
    }
    return unit == 0
               ? QStringLiteral("%1 B").arg(bytes)
               : QStringLiteral("%1 %2").arg(value, 0, 'f', 1).arg(QLatin1String(units[unit]));
}

} // namespace sparsity::cli
