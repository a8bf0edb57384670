#include "comparepanel.h"

#include "heatmap/diffsource.h"
#include "ranking/configuration.h"

#include <QEvent>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QThreadPool>
#include <QVBoxLayout>

namespace sparsity::ui {
namespace {

QLabel* swatchLabel(DiffSource::Category category, QWidget* parent)
{
    auto* label = new QLabel(parent);
    label->setFixedSize(14, 14);
    label->setStyleSheet(QStringLiteral("background: %1; border: 1px solid palette(text);")
                             .arg(QColor(DiffSource::categoryColor(category)).name()));
    return label;
}

QString describe(const LayerSnapshot& snapshot)
{
    return ComparePanel::tr("%1 · %2 · level %3 %")
        .arg(snapshot.datasetPath,
             core::describeConfiguration(core::Configuration::of(snapshot.params)))
        .arg(snapshot.params.level * 100.0, 0, 'f', 1);
}

} // namespace

ComparePanel::ComparePanel(QThreadPool* computePool, QWidget* parent)
    : QWidget(parent)
    , m_pin(new QPushButton(this))
    , m_unpin(new QPushButton(this))
    , m_showDiff(new QPushButton(this))
    , m_a(new QLabel(this))
    , m_b(new QLabel(this))
    , m_status(new QLabel(this))
    , m_counts{new QLabel(this), new QLabel(this), new QLabel(this), new QLabel(this)}
    , m_iou(new QLabel(this))
    , m_containment(new QLabel(this))
    , m_pool(computePool)
    , m_runner(
          this, computePool,
          [](const Request& request, const std::atomic<bool>& cancelled) {
              const core::ExecutionContext context{request.pool, request.pool->maxThreadCount(),
                                                   &cancelled};
              return Result{request.a, request.b,
                            compareMasks(request.a->mask->data(), request.b->mask->data(),
                                         std::int64_t(request.b->mask->size()), context)};
          },
          [this](quint64, Result result) {
              if (result.a != m_pinned || result.b != m_snapshot)
                  return;
              m_diff = result.diff;
              updateLabels();
          },
          {}, [this] { Q_EMIT busyChanged(); })
{
    m_pin->setObjectName(QStringLiteral("pinButton"));
    m_unpin->setObjectName(QStringLiteral("unpinButton"));
    m_showDiff->setObjectName(QStringLiteral("showDiffButton"));
    m_a->setObjectName(QStringLiteral("compareALabel"));
    m_b->setObjectName(QStringLiteral("compareBLabel"));
    m_status->setObjectName(QStringLiteral("compareStatus"));
    m_iou->setObjectName(QStringLiteral("compareIoULabel"));
    m_containment->setObjectName(QStringLiteral("compareContainmentLabel"));
    const char* names[4] = {"compareBothCount", "compareAOnlyCount", "compareBOnlyCount",
                            "compareNeitherCount"};
    for (QLabel* label : {m_a, m_b, m_status, m_containment}) {
        label->setWordWrap(true);
        label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    }

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_pin);
    buttons->addWidget(m_unpin);
    buttons->addWidget(m_showDiff);
    auto* grid = new QGridLayout;
    grid->setColumnStretch(2, 1);
    for (int c = 0; c < 4; ++c) {
        m_counts[c]->setObjectName(QLatin1String(names[c]));
        m_counts[c]->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
        grid->addWidget(swatchLabel(DiffSource::Category(c), this), c, 0);
        m_categoryNames[c] = new QLabel(this);
        grid->addWidget(m_categoryNames[c], c, 1);
        grid->addWidget(m_counts[c], c, 2);
    }
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(buttons);
    layout->addWidget(m_a);
    layout->addWidget(m_b);
    layout->addWidget(m_status);
    layout->addLayout(grid);
    layout->addWidget(m_iou);
    layout->addWidget(m_containment);
    layout->addStretch(1);

    connect(m_pin, &QPushButton::clicked, this, &ComparePanel::pinCurrent);
    connect(m_unpin, &QPushButton::clicked, this, &ComparePanel::unpin);
    connect(m_showDiff, &QPushButton::clicked, this, &ComparePanel::showDiffRequested);
    retranslate();
}

void ComparePanel::retranslate()
{
    m_pin->setText(tr("&Pin as A"));
    m_pin->setToolTip(tr("Keep the mask on screen as A; then change the parameters to get B."));
    m_unpin->setText(tr("&Unpin"));
    m_showDiff->setText(tr("Show &Diff"));
    m_showDiff->setToolTip(tr("Show the heatmap's Compare A/B view"));
    for (int c = 0; c < 4; ++c)
        m_categoryNames[c]->setText(DiffSource::categoryName(DiffSource::Category(c)));
    updateLabels();
}

void ComparePanel::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::LanguageChange)
        retranslate();
}

ComparePanel::~ComparePanel() = default;

void ComparePanel::setSnapshot(std::shared_ptr<const LayerSnapshot> snapshot)
{
    m_snapshot = std::move(snapshot);
    recount();
}

QString ComparePanel::scopeDescription(const LayerSnapshot& snapshot)
{
    if (snapshot.scope != MaskScope::Model || !snapshot.model)
        return PinnedMask::scopeText(std::nullopt);
    return PinnedMask::scopeText(snapshot.model->bounds);
}

bool ComparePanel::pinCurrent()
{
    if (!m_snapshot || !m_snapshot->mask)
        return false;
    auto pin = std::make_shared<PinnedMask>();
    pin->datasetPath = m_snapshot->datasetPath;
    pin->params = m_snapshot->params;
    // What chose the mask across layers: the layer alone, or its part of a model-wide mask
    // (with the bounds, which change it).
    if (m_snapshot->scope == MaskScope::Model && m_snapshot->model)
        pin->modelBounds = m_snapshot->model->bounds;
    pin->rows = m_snapshot->weights->rows();
    pin->cols = m_snapshot->weights->cols();
    const core::MatrixMapping own(m_snapshot->weights->shape());
    const core::MatrixMapping& mapping = m_snapshot->mapping ? *m_snapshot->mapping : own;
    pin->axisOrder = mapping.axisOrder();
    pin->rowAxes = mapping.rowAxes();
    pin->mask = m_snapshot->mask; // immutable and shared: pinning copies nothing
    m_pinned = std::move(pin);
    recount();
    Q_EMIT pinChanged();
    return true;
}

void ComparePanel::unpin()
{
    if (!m_pinned)
        return;
    m_pinned.reset();
    recount();
    Q_EMIT pinChanged();
}

std::shared_ptr<const core::MaskBytes> ComparePanel::comparableMask() const
{
    if (!m_pinned || !m_snapshot || m_pinned->datasetPath != m_snapshot->datasetPath ||
        m_pinned->rows != m_snapshot->weights->rows() ||
        m_pinned->cols != m_snapshot->weights->cols())
        return nullptr;
    if (m_snapshot->mapping && (m_pinned->axisOrder != m_snapshot->mapping->axisOrder() ||
                                m_pinned->rowAxes != m_snapshot->mapping->rowAxes()))
        return nullptr;
    return m_pinned->mask;
}

void ComparePanel::recount()
{
    // Counts of another A or B are stale: never show them.
    m_runner.reset();
    m_diff.reset();
    if (comparableMask() && m_snapshot->mask)
        m_runner.request(Request{m_pinned, m_snapshot, m_pool});
    updateLabels();
}

void ComparePanel::updateLabels()
{
    const QLocale locale;
    m_unpin->setEnabled(m_pinned != nullptr);
    m_pin->setEnabled(m_snapshot && m_snapshot->mask);
    const bool comparing = comparableMask() != nullptr;
    m_showDiff->setEnabled(comparing);
    m_a->setText(m_pinned ? tr("<b>A</b>: %1").arg(m_pinned->description().toHtmlEscaped())
                          : tr("<b>A</b>: not pinned"));
    m_b->setText(m_snapshot
                     ? tr("<b>B</b>: %1 (current)").arg(describe(*m_snapshot).toHtmlEscaped())
                     : tr("<b>B</b>: no layer shown"));
    if (!m_pinned)
        m_status->setText(tr("Pin the mask on screen as A, then change level, block or norm to "
                             "compare."));
    else if (!comparing)
        m_status->setText(
            tr("A belongs to %1; it is compared again there.").arg(m_pinned->datasetPath));
    else if (!m_diff)
        m_status->setText(tr("Counting…"));
    else
        m_status->setText(QString());
    m_status->setVisible(!m_status->text().isEmpty());
    for (int c = 0; c < 4; ++c) {
        if (!m_diff) {
            m_counts[c]->setText(QStringLiteral("—"));
            continue;
        }
        const std::int64_t n = c == 0   ? m_diff->both
                               : c == 1 ? m_diff->aOnly
                               : c == 2 ? m_diff->bOnly
                                        : m_diff->neither;
        const double share = m_diff->elements() > 0 ? double(n) / double(m_diff->elements()) : 0.0;
        m_counts[c]->setText(QStringLiteral("%1  (%2 %)")
                                 .arg(locale.toString(qlonglong(n)))
                                 .arg(share * 100.0, 0, 'f', 2));
    }
    m_iou->setText(m_diff ? tr("IoU of the kept sets: %1").arg(m_diff->keptIoU(), 0, 'f', 4)
                          : tr("IoU of the kept sets: —"));
    m_containment->setText(m_diff ? m_diff->containmentText() : QString());
}

} // namespace sparsity::ui
