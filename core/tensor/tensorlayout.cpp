#include "tensorlayout.h"

namespace sparsity::core {

QString layoutName(Layout layout)
{
    switch (layout) {
    case Layout::Auto:
        return QStringLiteral("auto");
    case Layout::Torch:
        return QStringLiteral("torch");
    case Layout::Keras:
        return QStringLiteral("keras");
    }
    return {};
}

std::optional<Layout> parseLayout(const QString& text)
{
    const QString lower = text.trimmed().toLower();
    for (const Layout layout : {Layout::Auto, Layout::Torch, Layout::Keras})
        if (lower == layoutName(layout))
            return layout;
    return std::nullopt;
}

QString viewName(MatrixView view)
{
    return view == MatrixView::Flatten ? QStringLiteral("flatten")
                                       : QStringLiteral("channels-last");
}

std::optional<MatrixView> parseView(const QString& text)
{
    const QString lower = text.trimmed().toLower();
    for (const MatrixView view : {MatrixView::Flatten, MatrixView::ChannelsLast})
        if (lower == viewName(view))
            return view;
    return std::nullopt;
}

Layout resolveLayout(Layout chosen, bool fileHasKerasMarkers)
{
    if (chosen != Layout::Auto)
        return chosen;
    return fileHasKerasMarkers ? Layout::Keras : Layout::Torch;
}

} // namespace sparsity::core
