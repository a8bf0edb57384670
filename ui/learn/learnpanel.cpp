#include "learnpanel.h"

#include "error.h"
#include "learn/learngridview.h"
#include "session/layersnapshot.h"

#include <QComboBox>
#include <QEvent>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSpinBox>
#include <QStackedWidget>
#include <QTableWidget>
#include <QVBoxLayout>
#include <cmath>
#include <limits>

namespace sparsity::ui {
namespace {

constexpr int gridPage = 0;
constexpr int tablePage = 1;
constexpr quint32 firstSeed = 1;

// The shortest text that reads back as the same float32 (or float64) value, for the table.
QString editableText(double value, bool single)
{
    if (std::isnan(value))
        return QStringLiteral("nan");
    if (std::isinf(value))
        return value > 0 ? QStringLiteral("inf") : QStringLiteral("-inf");
    if (!single)
        return QString::number(value, 'g', QLocale::FloatingPointShortest);
    for (int digits = 1; digits < 9; ++digits) {
        const QString text = QString::number(value, 'g', digits);
        if (float(text.toDouble()) == float(value))
            return text;
    }
    return QString::number(value, 'g', 9);
}

} // namespace

LearnPanel::LearnPanel(QWidget* parent)
    : QWidget(parent)
    , m_sourceBox(new QComboBox(this))
    , m_rows(new QSpinBox(this))
    , m_cols(new QSpinBox(this))
    , m_sourcePages(new QStackedWidget(this))
    , m_seed(new QSpinBox(this))
    , m_newRandom(new QPushButton(this))
    , m_takeSlice(new QPushButton(this))
    , m_editNumbers(new QPushButton(this))
    , m_origin(new QLabel(this))
    , m_stepTitle(new QLabel(this))
    , m_sentence(new QLabel(this))
    , m_details(new QLabel(this))
    , m_pages(new QStackedWidget(this))
    , m_scroll(new QScrollArea(this))
    , m_grid(new LearnGridView(this))
    , m_table(new QTableWidget(this))
    , m_legend(new QWidget(this))
    , m_blockNote(new QLabel(this))
    , m_problem(new QLabel(this))
    , m_paramsLabel(new QLabel(this))
    , m_back(new QPushButton(this))
    , m_next(new QPushButton(this))
{
    m_sourceBox->setObjectName(QStringLiteral("learnSource"));
    m_sourceBox->addItem(QString(), int(Source::Random));
    m_sourceBox->addItem(QString(), int(Source::LayerSlice));
    m_sourceBox->addItem(QString(), int(Source::Typed));
    for (QSpinBox* side : {m_rows, m_cols}) {
        side->setRange(LearnMatrix::minSide, LearnMatrix::maxSide);
        side->setValue(LearnMatrix::minSide);
    }
    m_rows->setObjectName(QStringLiteral("learnRows"));
    m_cols->setObjectName(QStringLiteral("learnCols"));
    m_seed->setObjectName(QStringLiteral("learnSeed"));
    m_seed->setRange(0, std::numeric_limits<int>::max());
    m_seed->setValue(int(firstSeed));
    m_newRandom->setObjectName(QStringLiteral("learnNewRandom"));
    m_takeSlice->setObjectName(QStringLiteral("learnTakeSlice"));
    m_editNumbers->setObjectName(QStringLiteral("learnEditNumbers"));
    m_editNumbers->setCheckable(true);
    m_origin->setObjectName(QStringLiteral("learnOrigin"));
    m_origin->setWordWrap(true);
    m_origin->setForegroundRole(QPalette::PlaceholderText);
    m_stepTitle->setObjectName(QStringLiteral("learnStepTitle"));
    QFont title = m_stepTitle->font();
    title.setBold(true);
    title.setPointSizeF(title.pointSizeF() * 1.15);
    m_stepTitle->setFont(title);
    m_sentence->setObjectName(QStringLiteral("learnSentence"));
    m_sentence->setWordWrap(true);
    QFont sentence = m_sentence->font();
    sentence.setPointSizeF(sentence.pointSizeF() * 1.1);
    m_sentence->setFont(sentence);
    m_details->setObjectName(QStringLiteral("learnDetails"));
    m_details->setWordWrap(true);
    m_details->setTextFormat(Qt::PlainText);
    m_details->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_blockNote->setObjectName(QStringLiteral("learnBlockNote"));
    m_blockNote->setWordWrap(true);
    m_blockNote->setTextFormat(Qt::PlainText);
    m_blockNote->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_blockNote->hide();
    m_legend->setObjectName(QStringLiteral("learnLegend"));
    new QGridLayout(m_legend);
    m_legend->layout()->setContentsMargins(0, 0, 0, 0);
    m_problem->setObjectName(QStringLiteral("learnProblem"));
    m_problem->setWordWrap(true);
    m_problem->setStyleSheet(QStringLiteral("QLabel { color: #a00000; }"));
    m_problem->hide();
    m_paramsLabel->setObjectName(QStringLiteral("learnParams"));
    m_paramsLabel->setWordWrap(true);
    m_back->setObjectName(QStringLiteral("learnBack"));
    m_next->setObjectName(QStringLiteral("learnNext"));

    // The grid with what explains it right under it, scrolled together when the dock is small.
    auto* content = new QWidget(this);
    auto* column = new QVBoxLayout(content);
    column->setContentsMargins(0, 0, 0, 0);
    column->addWidget(m_grid);
    column->addWidget(m_legend);
    column->addWidget(m_details);
    column->addWidget(m_blockNote);
    column->addStretch(1);
    m_scroll->setWidget(content);
    m_scroll->setWidgetResizable(true);
    m_scroll->setFrameShape(QFrame::NoFrame);
    m_table->setObjectName(QStringLiteral("learnTable"));
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_pages->addWidget(m_scroll);
    m_pages->addWidget(m_table);

    // Source controls: one page per source, beside the size.
    auto* randomPage = new QWidget(this);
    auto* randomRow = new QHBoxLayout(randomPage);
    randomRow->setContentsMargins(0, 0, 0, 0);
    m_seedLabel = new QLabel(randomPage);
    randomRow->addWidget(m_seedLabel);
    randomRow->addWidget(m_seed);
    randomRow->addWidget(m_newRandom);
    randomRow->addStretch();
    auto* slicePage = new QWidget(this);
    auto* sliceRow = new QHBoxLayout(slicePage);
    sliceRow->setContentsMargins(0, 0, 0, 0);
    sliceRow->addWidget(m_takeSlice);
    sliceRow->addStretch();
    auto* typedPage = new QWidget(this);
    auto* typedRow = new QHBoxLayout(typedPage);
    typedRow->setContentsMargins(0, 0, 0, 0);
    m_typedHint = new QLabel(typedPage);
    typedRow->addWidget(m_typedHint);
    m_sourcePages->addWidget(randomPage);
    m_sourcePages->addWidget(slicePage);
    m_sourcePages->addWidget(typedPage);
    m_sourcePages->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Maximum);

    auto* top = new QHBoxLayout;
    m_matrixLabel = new QLabel(this);
    top->addWidget(m_matrixLabel);
    top->addWidget(m_sourceBox);
    top->addSpacing(8);
    top->addWidget(m_rows);
    top->addWidget(new QLabel(QStringLiteral("×"), this));
    top->addWidget(m_cols);
    top->addStretch();
    top->addWidget(m_editNumbers);
    auto* nav = new QHBoxLayout;
    nav->addWidget(m_back);
    nav->addWidget(m_stepTitle, 1, Qt::AlignCenter);
    nav->addWidget(m_next);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(m_sourcePages);
    layout->addWidget(m_origin);
    layout->addWidget(m_paramsLabel);
    layout->addLayout(nav);
    layout->addWidget(m_sentence);
    layout->addWidget(m_pages, 1);
    layout->addWidget(m_problem);

    connect(m_sourceBox, &QComboBox::activated, this, &LearnPanel::onSourceChosen);
    connect(m_rows, &QSpinBox::valueChanged, this, &LearnPanel::onSizeChanged);
    connect(m_cols, &QSpinBox::valueChanged, this, &LearnPanel::onSizeChanged);
    connect(m_seed, &QSpinBox::valueChanged, this, [this] { setSource(Source::Random); });
    connect(m_newRandom, &QPushButton::clicked, this, &LearnPanel::newRandom);
    connect(m_takeSlice, &QPushButton::clicked, this, &LearnPanel::takeSlice);
    connect(m_editNumbers, &QPushButton::toggled, this, [this](bool editing) {
        if (editing && m_source != Source::Typed)
            setSource(Source::Typed);
        m_pages->setCurrentIndex(editing ? tablePage : gridPage);
    });
    connect(m_table, &QTableWidget::itemChanged, this, &LearnPanel::onTableEdited);
    connect(m_back, &QPushButton::clicked, this, &LearnPanel::back);
    connect(m_next, &QPushButton::clicked, this, &LearnPanel::next);
    connect(m_grid, &LearnGridView::blockClicked, this, &LearnPanel::showBlockNote);

    m_matrix = LearnMatrix::random(seed(), matrixSize());
    retranslate();
    updateSourceControls();
    recompute();
}

void LearnPanel::retranslate()
{
    m_sourceBox->setItemText(0, tr("Random numbers"));
    m_sourceBox->setItemText(1, tr("Slice of the layer"));
    m_sourceBox->setItemText(2, tr("Typed numbers"));
    m_sourceBox->setToolTip(tr("Which small matrix the steps are shown on"));
    m_rows->setToolTip(tr("Rows of the small matrix"));
    m_cols->setToolTip(tr("Columns of the small matrix; a size that is not a multiple of the "
                          "block gives partial blocks"));
    m_seed->setToolTip(tr("The same seed always gives the same numbers"));
    m_newRandom->setText(tr("New random"));
    m_takeSlice->setText(tr("Take slice at the view's centre"));
    m_takeSlice->setToolTip(tr("Copy the weights around the centre of the heatmap, starting on a "
                               "block boundary"));
    m_editNumbers->setText(tr("Edit numbers"));
    m_editNumbers->setToolTip(tr("Type your own numbers into the matrix (float32)"));
    m_seedLabel->setText(tr("Seed:"));
    m_typedHint->setText(tr("Type numbers into the table; NaN and inf are allowed."));
    m_matrixLabel->setText(tr("Matrix:"));
    m_back->setText(tr("◀ Back"));
    m_next->setText(tr("Next ▶"));
}

void LearnPanel::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() != QEvent::LanguageChange)
        return;
    retranslate();
    // The walkthrough's sentences are made in the language installed when it is built.
    updateSourceControls();
    m_problem->hide();
    recompute();
}

LearnPanel::~LearnPanel() = default;

void LearnPanel::setParams(const core::SparsityParams& params)
{
    if (params == m_params && m_walkthrough)
        return;
    m_params = params;
    recompute();
}

void LearnPanel::setLayer(const std::shared_ptr<const LayerSnapshot>& snapshot)
{
    m_layer = snapshot;
    if (m_source == Source::LayerSlice && m_layer &&
        (m_layer->datasetPath != m_sliceLayer || m_layer->weights != m_sliceWeights.lock()))
        takeSlice();
    updateSourceControls();
}

void LearnPanel::setViewCentreProvider(std::function<std::optional<QPoint>()> provider)
{
    m_viewCentre = std::move(provider);
}

void LearnPanel::setSource(Source source)
{
    m_source = source;
    m_sourceBox->setCurrentIndex(m_sourceBox->findData(int(source)));
    switch (source) {
    case Source::Random:
        setMatrix(LearnMatrix::random(seed(), matrixSize()));
        break;
    case Source::LayerSlice:
        if (!takeSlice())
            updateSourceControls();
        break;
    case Source::Typed: {
        // Typing starts from the numbers on screen, as float32.
        std::vector<float> values(std::size_t(m_matrix.weights.elementCount()));
        for (std::int64_t i = 0; i < m_matrix.weights.elementCount(); ++i)
            values[std::size_t(i)] =
                float(m_matrix.weights.valueAt(i / m_matrix.cols(), i % m_matrix.cols()));
        setMatrix(LearnMatrix::typed(QSize(int(m_matrix.cols()), int(m_matrix.rows())), values));
        break;
    }
    }
    if (source != Source::Typed && m_editNumbers->isChecked())
        m_editNumbers->setChecked(false);
    if (source == Source::Typed && !m_editNumbers->isChecked())
        m_editNumbers->setChecked(true);
}

void LearnPanel::onSourceChosen(int index)
{
    setSource(Source(m_sourceBox->itemData(index).toInt()));
}

bool LearnPanel::takeSlice()
{
    if (!m_layer || !m_layer->weights) {
        m_problem->setText(tr("Open a file first: a slice is taken from the layer on screen."));
        m_problem->show();
        return false;
    }
    const core::WeightTensor& layer = *m_layer->weights;
    QPoint centre(int(layer.cols() / 2), int(layer.rows() / 2));
    if (m_viewCentre)
        if (const std::optional<QPoint> viewCentre = m_viewCentre())
            centre = *viewCentre;
    const QPoint origin =
        LearnMatrix::sliceOrigin(layer.rows(), layer.cols(), centre, m_params.block, matrixSize());
    m_source = Source::LayerSlice;
    m_sourceBox->setCurrentIndex(m_sourceBox->findData(int(Source::LayerSlice)));
    m_sliceLayer = m_layer->datasetPath;
    m_sliceWeights = m_layer->weights;
    setMatrix(
        LearnMatrix::slice(layer, m_layer->datasetPath, origin.y(), origin.x(), matrixSize()));
    return true;
}

void LearnPanel::setSeed(quint32 seed)
{
    {
        const QSignalBlocker blocker(m_seed);
        m_seed->setValue(int(std::min<quint32>(seed, quint32(m_seed->maximum()))));
    }
    setSource(Source::Random);
}

quint32 LearnPanel::seed() const
{
    return quint32(m_seed->value());
}

void LearnPanel::newRandom()
{
    // The next seed: the student can go back to any earlier matrix by its number.
    const quint32 next = seed() >= quint32(m_seed->maximum()) ? 0 : seed() + 1;
    setSeed(next);
}

void LearnPanel::setMatrixSize(QSize size)
{
    const QSignalBlocker rows(m_rows);
    const QSignalBlocker cols(m_cols);
    m_rows->setValue(size.height());
    m_cols->setValue(size.width());
    onSizeChanged();
}

QSize LearnPanel::matrixSize() const
{
    return QSize(m_cols->value(), m_rows->value());
}

void LearnPanel::onSizeChanged()
{
    switch (m_source) {
    case Source::Random:
        setMatrix(LearnMatrix::random(seed(), matrixSize()));
        break;
    case Source::LayerSlice:
        takeSlice();
        break;
    case Source::Typed: {
        // Keep the numbers that still fit; new cells start at 0.
        const QSize size = matrixSize();
        std::vector<float> values(std::size_t(size.width() * size.height()), 0.0f);
        for (int r = 0; r < size.height() && r < m_matrix.rows(); ++r)
            for (int c = 0; c < size.width() && c < m_matrix.cols(); ++c)
                values[std::size_t(r * size.width() + c)] = float(m_matrix.weights.valueAt(r, c));
        setMatrix(LearnMatrix::typed(size, values));
        break;
    }
    }
}

void LearnPanel::setMatrix(LearnMatrix matrix)
{
    m_matrix = std::move(matrix);
    m_problem->hide();
    fillTable();
    updateSourceControls();
    recompute();
}

void LearnPanel::fillTable()
{
    const QSignalBlocker blocker(m_table);
    const bool single = m_matrix.weights.precision() == core::Precision::Float32;
    m_table->setRowCount(int(m_matrix.rows()));
    m_table->setColumnCount(int(m_matrix.cols()));
    for (int r = 0; r < m_matrix.rows(); ++r)
        for (int c = 0; c < m_matrix.cols(); ++c) {
            auto* item = new QTableWidgetItem(editableText(m_matrix.weights.valueAt(r, c), single));
            item->setTextAlignment(Qt::AlignCenter);
            m_table->setItem(r, c, item);
        }
    QStringList rows, cols;
    for (int r = 0; r < m_matrix.rows(); ++r)
        rows << QString::number(r);
    for (int c = 0; c < m_matrix.cols(); ++c)
        cols << QString::number(c);
    m_table->setVerticalHeaderLabels(rows);
    m_table->setHorizontalHeaderLabels(cols);
}

void LearnPanel::onTableEdited(QTableWidgetItem* item)
{
    const int r = item->row();
    const int c = item->column();
    const double before = m_matrix.weights.valueAt(r, c);
    const std::optional<double> typed = parseLearnNumber(item->text());
    if (!typed) {
        m_problem->setText(tr("Row %1, column %2: “%3” is not a number; the cell keeps %4.")
                               .arg(r)
                               .arg(c)
                               .arg(item->text(), learnNumber(before, 6)));
        m_problem->show();
        const QSignalBlocker blocker(m_table);
        item->setText(editableText(before, true));
        return;
    }
    std::vector<float> values(std::size_t(m_matrix.weights.elementCount()));
    for (std::int64_t i = 0; i < m_matrix.weights.elementCount(); ++i)
        values[std::size_t(i)] =
            float(m_matrix.weights.valueAt(i / m_matrix.cols(), i % m_matrix.cols()));
    const float value = float(*typed);
    values[std::size_t(r * m_matrix.cols() + c)] = value;
    m_source = Source::Typed;
    m_sourceBox->setCurrentIndex(m_sourceBox->findData(int(Source::Typed)));
    m_matrix = LearnMatrix::typed(QSize(int(m_matrix.cols()), int(m_matrix.rows())), values);
    if (std::isfinite(*typed) && !std::isfinite(value)) {
        m_problem->setText(tr("Row %1, column %2: %3 is too large for float32 and becomes %4.")
                               .arg(r)
                               .arg(c)
                               .arg(item->text(), learnNumber(value)));
        m_problem->show();
    } else {
        m_problem->hide();
    }
    updateSourceControls();
    recompute();
}

void LearnPanel::updateSourceControls()
{
    m_sourcePages->setCurrentIndex(m_sourceBox->findData(int(m_source)));
    m_takeSlice->setEnabled(m_layer && m_layer->weights);
    m_origin->setText(tr("The matrix: %1.").arg(m_matrix.origin()));
}

void LearnPanel::recompute()
{
    m_paramsLabel->setText(tr("Parameters (from the Parameters panel): level %1 %, block %2 × %3, "
                              "zeros per block %4, norm %5.")
                               .arg(m_params.level * 100.0, 0, 'f', 1)
                               .arg(m_params.block.rows)
                               .arg(m_params.block.cols)
                               .arg(m_params.effectiveZerosPerBlock())
                               .arg(core::normName(m_params.norm)));
    try {
        m_walkthrough = std::make_shared<const LearnWalkthrough>(
            LearnWalkthrough::build(m_matrix.weights, m_params, m_matrix.origin()));
    } catch (const core::Error& error) {
        m_walkthrough.reset();
        m_problem->setText(error.message());
        m_problem->show();
    }
    if (m_selectedBlock && (!m_walkthrough || *m_selectedBlock >= m_walkthrough->grid.blockCount()))
        m_selectedBlock.reset();
    showStep();
}

int LearnPanel::preferredWidth() const
{
    const QMargins margins = layout()->contentsMargins();
    return m_grid->minimumSizeHint().width() + margins.left() + margins.right() +
           m_scroll->verticalScrollBar()->sizeHint().width();
}

void LearnPanel::setStep(int step)
{
    m_step = std::clamp(step, 0, LearnWalkthrough::stepCount - 1);
    showStep();
}

void LearnPanel::showStep()
{
    m_back->setEnabled(m_step > 0);
    m_next->setEnabled(m_step + 1 < LearnWalkthrough::stepCount);
    m_grid->setStep(m_walkthrough, m_step);
    m_grid->setSelectedBlock(m_selectedBlock);
    if (!m_walkthrough) {
        m_stepTitle->setText(tr("Step %1 of %2").arg(m_step + 1).arg(LearnWalkthrough::stepCount));
        m_sentence->clear();
        m_details->clear();
        showLegend(nullptr);
        m_blockNote->hide();
        Q_EMIT walkthroughChanged();
        return;
    }
    const LearnStep& step = m_walkthrough->steps[std::size_t(m_step)];
    m_stepTitle->setText(
        tr("Step %1 of %2: %3").arg(m_step + 1).arg(LearnWalkthrough::stepCount).arg(step.title));
    m_sentence->setText(step.sentence);
    m_details->setText(step.details.join(QLatin1Char('\n')));
    showLegend(&step);
    if (m_selectedBlock && !step.blockNotes.empty()) {
        m_blockNote->setText(step.blockNotes[std::size_t(*m_selectedBlock)]);
        m_blockNote->show();
    } else {
        m_blockNote->hide();
    }
    Q_EMIT walkthroughChanged();
}

void LearnPanel::showLegend(const LearnStep* step)
{
    auto* grid = static_cast<QGridLayout*>(m_legend->layout());
    while (QLayoutItem* item = grid->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    if (!step)
        return;
    // Three entries a row: a dock is narrow, and a row never gets wider than its labels.
    constexpr int perRow = 3;
    int entry = 0;
    for (const auto& [colour, text] : LearnGridView::legendFor(*step)) {
        auto* swatch = new QLabel(m_legend);
        swatch->setFixedSize(14, 14);
        swatch->setStyleSheet(
            QStringLiteral("background: %1; border: 1px solid palette(text);").arg(colour.name()));
        auto* label = new QLabel(text, m_legend);
        grid->addWidget(swatch, entry / perRow, 2 * (entry % perRow));
        grid->addWidget(label, entry / perRow, 2 * (entry % perRow) + 1);
        ++entry;
    }
    grid->setColumnStretch(2 * perRow, 1);
}

void LearnPanel::showBlockNote(std::int64_t block)
{
    m_selectedBlock = block;
    showStep();
}

} // namespace sparsity::ui
