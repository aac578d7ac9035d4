#include "plotwidget.h"

#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QEvent>
#include <QGraphicsLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QPen>
#include <QVBoxLayout>
#include <QValueAxis>

#include <cmath>

namespace drover::ui {

namespace {

constexpr int DefaultRefreshMs = 200; // 5 redraws a second at most
// Every move of the time axis makes Qt Charts recompute every point of every line: the
// chart as a whole holds about this many points, shared by its lines.
constexpr int ChartPoints = 6000;
constexpr int SlideMs = 1000;

QString windowName(qint64 ms)
{
    if (ms % 3'600'000 == 0)
        return PlotWidget::tr("%1 h").arg(ms / 3'600'000);
    if (ms % 60'000 == 0)
        return PlotWidget::tr("%1 min").arg(ms / 60'000);
    return PlotWidget::tr("%1 s").arg(ms / 1000);
}

} // namespace

PlotWidget::PlotWidget(QWidget *parent)
    : QWidget(parent)
{
    m_refreshTimer.setSingleShot(true);
    m_refreshTimer.setInterval(DefaultRefreshMs);
    m_refreshTimer.setObjectName(QStringLiteral("plotRefresh"));
    m_slideTimer.setObjectName(QStringLiteral("plotSlide"));
    connect(&m_refreshTimer, &QTimer::timeout, this, &PlotWidget::refresh);
    m_slideTimer.setInterval(SlideMs);
    connect(&m_slideTimer, &QTimer::timeout, this, &PlotWidget::refresh);
    buildUi();
    refresh();
}

PlotWidget::~PlotWidget() = default;

QList<qint64> PlotWidget::windowChoices()
{
    return {60'000, 5 * 60'000, 15 * 60'000, 3'600'000};
}

void PlotWidget::buildUi()
{
    m_fieldPicker = new QComboBox(this);
    m_fieldPicker->setObjectName(QStringLiteral("fieldPicker"));
    m_fieldPicker->setEditable(true);
    m_fieldPicker->setInsertPolicy(QComboBox::NoInsert);
    m_fieldPicker->setMinimumContentsLength(20);
    m_fieldPicker->lineEdit()->setPlaceholderText(tr("numeric field, e.g. temperature or state.temperature"));
    m_fieldPicker->setToolTip(tr("A numeric field of the events' JSON data; dots reach into nested objects "
                                 "and arrays (values.0)"));

    m_windowPicker = new QComboBox(this);
    m_windowPicker->setObjectName(QStringLiteral("windowPicker"));
    for (qint64 ms : windowChoices())
        m_windowPicker->addItem(windowName(ms), ms);

    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("plotStatus"));

    m_chart = new QChart;
    m_chart->legend()->setAlignment(Qt::AlignBottom);
    m_chart->setAnimationOptions(QChart::NoAnimation);
    m_chart->setMargins(QMargins(2, 2, 2, 2)); // the plot, not its frame, gets the room
    m_chart->layout()->setContentsMargins(0, 0, 0, 0);
    m_timeAxis = new QDateTimeAxis;
    m_timeAxis->setFormat(QStringLiteral("HH:mm:ss"));
    m_timeAxis->setTickCount(7);
    m_valueAxis = new QValueAxis;
    m_valueAxis->setTickCount(5);
    m_valueAxis->setLabelFormat(QStringLiteral("%.4g"));
    m_valueAxis->setTruncateLabels(false); // "21.5", never "..." in a short chart
    m_chart->addAxis(m_timeAxis, Qt::AlignBottom);
    m_chart->addAxis(m_valueAxis, Qt::AlignLeft);
    m_view = new QChartView(m_chart, this); // owns the chart
    m_view->setObjectName(QStringLiteral("chartView"));
    // No antialiasing: at thousands of events a second, smooth lines cost a repaint of the
    // whole chart more than all else the console does; one-pixel lines read fine without.
    m_view->setRenderHint(QPainter::Antialiasing, false);
    applyPalette();

    auto *controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("Field"), this));
    controls->addWidget(m_fieldPicker, 1);
    controls->addWidget(new QLabel(tr("Window"), this));
    controls->addWidget(m_windowPicker);
    controls->addWidget(m_status);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(controls);
    layout->addWidget(m_view, 1);

    connect(m_fieldPicker, &QComboBox::activated, this,
            [this](int index) { setField(m_fieldPicker->itemText(index)); });
    connect(m_fieldPicker->lineEdit(), &QLineEdit::editingFinished, this, &PlotWidget::commitFieldText);
    connect(m_windowPicker, &QComboBox::currentIndexChanged, this,
            [this](int index) { setWindow(m_windowPicker->itemData(index).toLongLong()); });
}

QLineSeries *PlotWidget::lineSeries(const QString &device) const
{
    const int index = m_model.indexOf(device);
    return index >= 0 && index < m_lines.size() ? m_lines[index] : nullptr;
}

void PlotWidget::setRefreshInterval(int ms)
{
    m_baseRefreshMs = std::max(0, ms);
    m_refreshTimer.setInterval(m_baseRefreshMs);
}

void PlotWidget::addEvents(const QList<ReceivedEvent> &events)
{
    m_model.addEvents(events);
    // Nothing chosen yet: plot the first numeric field that shows up, from this batch on.
    if (m_model.field().isEmpty() && !m_fieldChosen && !m_model.numericPaths().isEmpty()) {
        m_model.setField(m_model.numericPaths().constFirst());
        removeLines();
        m_model.addEvents(events);
        m_fieldPicker->setEditText(field());
        Q_EMIT fieldChanged(field());
    }
    scheduleRefresh();
}

void PlotWidget::scheduleRefresh()
{
    // A timer already running means a redraw is due anyway: more data does not postpone it.
    if (!m_paused && !m_refreshTimer.isActive())
        m_refreshTimer.start();
}

void PlotWidget::commitFieldText()
{
    const QString text = m_fieldPicker->currentText().trimmed();
    if (text != field())
        setField(text);
}

void PlotWidget::setField(const QString &path)
{
    m_fieldChosen = !path.trimmed().isEmpty();
    const FieldPath before = m_model.field();
    m_model.setField(path);
    if (m_fieldPicker->currentText() != m_model.field().toString())
        m_fieldPicker->setEditText(m_model.field().toString());
    if (m_model.field() == before)
        return;
    removeLines();
    Q_EMIT fieldChanged(field());
    refresh();
}

void PlotWidget::setWindow(qint64 windowMs)
{
    int index = m_windowPicker->findData(windowMs);
    if (index < 0) { // a window the picker does not offer: offered from now on
        m_windowPicker->addItem(windowName(windowMs), windowMs);
        index = m_windowPicker->count() - 1;
    }
    if (m_windowPicker->currentIndex() != index) {
        m_windowPicker->setCurrentIndex(index); // comes back here through the signal
        return;
    }
    if (windowMs == m_model.window())
        return;
    m_model.setWindow(windowMs);
    m_timeAxis->setFormat(windowMs > 15 * 60'000 ? QStringLiteral("HH:mm") : QStringLiteral("HH:mm:ss"));
    refresh();
}

void PlotWidget::setPaused(bool paused)
{
    if (paused == m_paused)
        return;
    m_paused = paused;
    if (paused) {
        m_refreshTimer.stop();
        m_slideTimer.stop();
        m_status->setText(tr("Paused"));
    } else {
        refresh();
    }
}

void PlotWidget::removeLines()
{
    m_chart->removeAllSeries(); // deletes them
    m_lines.clear();
    m_drawnRevisions.clear();
}

void PlotWidget::updatePaths()
{
    if (m_model.pathsRevision() == m_shownPathsRevision)
        return;
    m_shownPathsRevision = m_model.pathsRevision();
    // Rebuilt only when a new path appeared, which is rare; the text being edited stays.
    const QString text = m_fieldPicker->currentText();
    const QSignalBlocker blocker(m_fieldPicker);
    m_fieldPicker->clear();
    m_fieldPicker->addItems(m_model.numericPaths());
    m_fieldPicker->setEditText(text);
}

void PlotWidget::refresh()
{
    m_refreshTimer.stop();
    if (m_paused)
        return;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    m_model.trim(now);
    updatePaths();

    if (m_model.seriesCount() > m_lines.size()) {
        const int perLine = ChartPoints / std::max(1, m_model.seriesCount());
        m_model.setMaxPointsPerSeries(std::clamp(perLine, 100, PlotModel::DefaultMaxPoints));
    }
    for (int i = int(m_lines.size()); i < m_model.seriesCount(); ++i) {
        auto *line = new QLineSeries;
        line->setName(m_model.series(i).device);
        m_chart->addSeries(line);
        line->attachAxis(m_timeAxis);
        line->attachAxis(m_valueAxis);
        // A thin cosmetic pen: the theme's 2 px pen makes Qt Charts stroke every segment
        // with joins, which costs more than everything else in a redraw.
        QPen pen = line->pen();
        pen.setWidthF(1.0);
        pen.setCosmetic(true);
        line->setPen(pen);
        m_lines.append(line);
        m_drawnRevisions.append(~quint64(0)); // never drawn
    }
    const qint64 end = m_model.windowEnd(now);
    const qint64 start = end - m_model.window();
    std::optional<std::pair<double, double>> range;
    qsizetype points = 0;
    for (int i = 0; i < m_lines.size(); ++i) {
        const SeriesBuffer &buffer = m_model.series(i).buffer;
        points += buffer.size();
        if (m_drawnRevisions[i] != buffer.revision()) {
            m_lines[i]->replace(buffer.toList()); // one redraw per series, whatever the point count
            m_drawnRevisions[i] = buffer.revision();
            ++m_seriesUpdates;
        }
        if (const auto r = buffer.valueRange(start))
            range = range
                        ? std::make_pair(std::min(range->first, r->first), std::max(range->second, r->second))
                        : *r;
    }
    m_timeAxis->setRange(QDateTime::fromMSecsSinceEpoch(start), QDateTime::fromMSecsSinceEpoch(end));
    if (range) {
        double low = range->first;
        double high = range->second;
        const double pad = high > low ? (high - low) * 0.05 : std::max(1.0, std::abs(high) * 0.05);
        m_valueAxis->setRange(low - pad, high + pad);
    } else {
        m_valueAxis->setRange(0, 1);
    }
    // The field picker names the field: a rotated axis title would only take the labels' room.
    m_valueAxis->setTitleVisible(false);

    QString status;
    if (field().isEmpty())
        status = tr("Choose a numeric field");
    else if (m_model.seriesCount() == 0)
        status = tr("No values of '%1' yet").arg(field());
    else
        status = tr("%n device(s)", nullptr, m_model.seriesCount());
    if (m_model.ignoredDevices() > 0)
        status +=
            tr("; %1 more not shown (at most %2)").arg(m_model.ignoredDevices()).arg(m_model.maxSeries());
    m_status->setText(status);

    ++m_refreshCount;
    // Qt Charts recomputes every line it is given: with many devices a redraw costs tens of
    // milliseconds, so redraws come less often the more points there are (one per 40 000
    // points a second at most), and the event loop stays free for the table.
    m_refreshTimer.setInterval(int(std::max<qsizetype>(m_baseRefreshMs, points / 40)));
    // While lines are shown the axis keeps sliding with the clock, slowly.
    if (m_model.seriesCount() > 0 && !m_slideTimer.isActive())
        m_slideTimer.start();
    else if (m_model.seriesCount() == 0)
        m_slideTimer.stop();
}

void PlotWidget::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        applyPalette();
}

void PlotWidget::applyPalette()
{
    // Qt Charts has its own themes: pick the one that matches the window, and let the
    // chart's background be the window's so it doesn't glare in a dark desktop.
    const bool dark = palette().color(QPalette::Window).lightness() < 128;
    const QChart::ChartTheme theme = dark ? QChart::ChartThemeDark : QChart::ChartThemeLight;
    if (m_chart->theme() != theme)
        m_chart->setTheme(theme);
    m_chart->setBackgroundBrush(palette().brush(QPalette::Base));
    m_chart->setTitleBrush(palette().brush(QPalette::Text));
    m_chart->legend()->setLabelColor(palette().color(QPalette::Text));
    for (QAbstractAxis *axis :
         {static_cast<QAbstractAxis *>(m_timeAxis), static_cast<QAbstractAxis *>(m_valueAxis)})
        axis->setLabelsColor(palette().color(QPalette::Text));
}

} // namespace drover::ui
