#include "subscriptiontab.h"

#include "eventdetailpane.h"

#include "events/deviceboardmodel.h"
#include "events/eventfilterproxy.h"
#include "events/eventmodel.h"
#include "events/jsonlinesexporter.h"
#include "plots/plotwidget.h"

#include <QComboBox>
#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMessageBox>
#include <QScrollBar>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

namespace drover::ui {

namespace {

QComboBox *filterCombo(const QString &placeholder, QWidget *parent)
{
    auto *combo = new QComboBox(parent);
    combo->setEditable(true);
    combo->setInsertPolicy(QComboBox::NoInsert);
    combo->setMinimumContentsLength(12);
    combo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    combo->lineEdit()->setPlaceholderText(placeholder);
    combo->lineEdit()->setClearButtonEnabled(true);
    return combo;
}

// Adds what is new to a combo's list, keeping what the user typed.
void addItems(QComboBox *combo, const QSet<QString> &all)
{
    QStringList items(all.cbegin(), all.cend());
    items.sort();
    const QString typed = combo->currentText();
    if (combo->count() == items.size())
        return;
    combo->blockSignals(true);
    combo->clear();
    combo->addItems(items);
    combo->setCurrentText(typed);
    combo->blockSignals(false);
}

} // namespace

SubscriptionTab::SubscriptionTab(int id, EventSubscription subscription, QWidget *parent)
    : QWidget(parent)
    , m_id(id)
    , m_subscription(std::move(subscription))
    , m_events(new EventModel(this))
    , m_filter(new EventFilterProxy(this))
    , m_board(new DeviceBoardModel(this))
{
    // The proxy is attached to the events only while a filter is set (updateViewModel()).
    connect(m_events, &EventModel::batchAppended, m_board, &DeviceBoardModel::addEvents);
    connect(m_events, &EventModel::batchAppended, this, &SubscriptionTab::onBatch);
    connect(m_events, &EventModel::countersChanged, this, &SubscriptionTab::updateCounters);

    m_plot = new PlotWidget(this);
    m_plot->setObjectName(QStringLiteral("plot"));
    connect(m_events, &EventModel::batchAppended, m_plot, &PlotWidget::addEvents);
    m_pages = new QTabWidget(this);
    m_pages->setDocumentMode(true);
    m_pages->addTab(buildEventsPage(), tr("Events"));

    auto *boardView = new QTableView(this);
    boardView->setObjectName(QStringLiteral("deviceBoard"));
    boardView->setModel(m_board);
    boardView->verticalHeader()->hide();
    boardView->horizontalHeader()->setStretchLastSection(true);
    boardView->setSelectionBehavior(QAbstractItemView::SelectRows);
    boardView->setAlternatingRowColors(true);
    m_pages->addTab(boardView, tr("Devices"));
    // "3 s ago" moves on without new events.
    auto *tick = new QTimer(this);
    connect(tick, &QTimer::timeout, boardView->viewport(), qOverload<>(&QWidget::update));
    tick->start(1000);

    m_problem = new QLabel(this);
    m_problem->setWordWrap(true);
    m_problem->setStyleSheet(QStringLiteral("QLabel { color: palette(bright-text); background: #b3261e; "
                                            "padding: 4px; border-radius: 3px; }"));
    m_problem->hide();

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_problem);
    layout->addWidget(m_pages);
    updateCounters();
}

SubscriptionTab::~SubscriptionTab() = default;

QWidget *SubscriptionTab::buildEventsPage()
{
    auto *page = new QWidget(this);
    m_deviceFilter = filterCombo(tr("any device"), page);
    m_deviceFilter->setObjectName(QStringLiteral("deviceFilter"));
    m_channelFilter = filterCombo(tr("any channel"), page);
    m_channelFilter->setObjectName(QStringLiteral("channelFilter"));
    m_textFilter = new QLineEdit(page);
    m_textFilter->setObjectName(QStringLiteral("textFilter"));
    m_textFilter->setPlaceholderText(tr("Filter by text (Ctrl+F)"));
    m_textFilter->setClearButtonEnabled(true);
    connect(m_deviceFilter, &QComboBox::currentTextChanged, m_filter, [this](const QString &text) {
        m_filter->setDevice(text.trimmed());
        updateViewModel();
    });
    connect(m_channelFilter, &QComboBox::currentTextChanged, m_filter, [this](const QString &text) {
        m_filter->setChannel(text.trimmed());
        updateViewModel();
    });
    // Filtering 100 000 rows per keystroke is wasteful: wait for a pause in typing.
    auto *textDelay = new QTimer(this);
    textDelay->setSingleShot(true);
    textDelay->setInterval(200);
    connect(m_textFilter, &QLineEdit::textChanged, textDelay, qOverload<>(&QTimer::start));
    connect(textDelay, &QTimer::timeout, m_filter, [this] {
        m_filter->setText(m_textFilter->text());
        updateViewModel();
    });

    m_pauseButton = new QToolButton(page);
    m_pauseButton->setObjectName(QStringLiteral("pauseButton"));
    m_pauseButton->setCheckable(true);
    m_pauseButton->setText(tr("Pause"));
    m_pauseButton->setToolTip(tr("Freeze the table; events keep arriving and are counted (Ctrl+P)"));
    connect(m_pauseButton, &QToolButton::clicked, this, &SubscriptionTab::togglePause);
    connect(m_events, &EventModel::pausedChanged, m_pauseButton, [this](bool paused) {
        m_pauseButton->setChecked(paused);
        m_pauseButton->setText(paused ? tr("Resume") : tr("Pause"));
    });
    auto *clearButton = new QToolButton(page);
    clearButton->setText(tr("Clear"));
    clearButton->setToolTip(tr("Remove every row (Ctrl+L)"));
    connect(clearButton, &QToolButton::clicked, this, &SubscriptionTab::clear);
    auto *exportButton = new QToolButton(page);
    exportButton->setText(tr("Export…"));
    exportButton->setToolTip(tr("Save the rows shown as JSON Lines, one CloudEvent per line (Ctrl+E)"));
    connect(exportButton, &QToolButton::clicked, this, &SubscriptionTab::exportInteractively);

    auto *bar = new QHBoxLayout;
    bar->addWidget(m_deviceFilter);
    bar->addWidget(m_channelFilter);
    bar->addWidget(m_textFilter, 1);
    bar->addWidget(m_pauseButton);
    bar->addWidget(clearButton);
    bar->addWidget(exportButton);

    m_table = new QTableView(page);
    m_table->setObjectName(QStringLiteral("eventTable"));
    m_table->setModel(m_events); // the filter proxy only while a filter is set: see updateViewModel()
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->verticalHeader()->hide();
    // Fixed row heights and column widths: the view never measures 100 000 rows.
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    const int digit = m_table->fontMetrics().horizontalAdvance(QLatin1Char('0'));
    m_table->setColumnWidth(EventModel::TimeColumn, digit * 24);
    m_table->setColumnWidth(EventModel::DeviceColumn, digit * 12);
    m_table->setColumnWidth(EventModel::ChannelColumn, digit * 10);
    m_table->setColumnWidth(EventModel::TypeColumn, digit * 10);
    m_table->setColumnWidth(EventModel::SizeColumn, digit * 8);
    m_table->setWordWrap(false);
    m_table->setAlternatingRowColors(true);

    // Follow the newest events while the view is scrolled to the bottom.
    for (QAbstractItemModel *model :
         {static_cast<QAbstractItemModel *>(m_events), static_cast<QAbstractItemModel *>(m_filter)}) {
        connect(model, &QAbstractItemModel::rowsAboutToBeInserted, m_table, [this, model] {
            if (m_table->model() != model)
                return;
            QScrollBar *bar = m_table->verticalScrollBar();
            m_table->setProperty("following", bar->value() >= bar->maximum() - 2);
        });
        connect(model, &QAbstractItemModel::rowsInserted, m_table, [this, model] {
            if (m_table->model() == model && m_table->property("following").toBool())
                m_table->scrollToBottom();
        });
    }

    m_detail = new EventDetailPane(page);
    connectSelection();

    auto *splitter = new QSplitter(Qt::Horizontal, page);
    splitter->addWidget(m_table);
    splitter->addWidget(m_detail);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    // The plot under the table: values over time beside the events they come from.
    auto *vertical = new QSplitter(Qt::Vertical, page);
    vertical->addWidget(splitter);
    vertical->addWidget(m_plot);
    vertical->setStretchFactor(0, 1);
    vertical->setStretchFactor(1, 1);
    vertical->setSizes({600, 400}); // scaled to the room there is
    m_plot->setMinimumHeight(200);

    m_counters = new QLabel(page);
    m_counters->setObjectName(QStringLiteral("counters"));
    // Its text changes ten times a second: a size that follows the text would lay the
    // whole window out again each time.
    m_counters->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Fixed);
    m_counters->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *layout = new QVBoxLayout(page);
    layout->setContentsMargins(0, 4, 0, 0);
    layout->addLayout(bar);
    layout->addWidget(vertical, 1);
    layout->addWidget(m_counters);
    return page;
}

void SubscriptionTab::connectSelection()
{
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex &current) {
                if (!current.isValid())
                    return m_detail->showNothing();
                const int row =
                    m_table->model() == m_filter ? m_filter->mapToSource(current).row() : current.row();
                m_detail->showEvent(m_events->eventAt(row));
            });
}

void SubscriptionTab::updateViewModel()
{
    // The proxy keeps a row mapping that it updates for every insert and eviction: at
    // 10 000 events/s over 100 000 rows that costs more than the table itself, so the view
    // shows the event model directly while nothing is filtered.
    const bool filtering = m_filter->isFiltering();
    QAbstractItemModel *wanted =
        filtering ? static_cast<QAbstractItemModel *>(m_filter) : static_cast<QAbstractItemModel *>(m_events);
    if (m_table->model() == wanted)
        return;
    // Detached, the proxy does no work at all; attached again it maps the rows once.
    m_filter->setSourceModel(filtering ? m_events : nullptr);
    const QByteArray state = m_table->horizontalHeader()->saveState();
    m_table->setModel(wanted);
    m_table->horizontalHeader()->restoreState(state);
    connectSelection();
    m_detail->showNothing();
    m_table->scrollToBottom();
    updateCounters();
}

void SubscriptionTab::addEvents(const QList<ReceivedEvent> &events)
{
    for (const ReceivedEvent &event : events)
        m_events->append(event);
}

void SubscriptionTab::onBatch(const QList<ReceivedEvent> &events)
{
    bool newDevice = false;
    bool newChannel = false;
    for (const ReceivedEvent &event : events) {
        if (!event.event.device.isEmpty() && !m_devicesSeen.contains(event.device())) {
            m_devicesSeen.insert(event.device());
            newDevice = true;
        }
        if (!event.event.subject.isEmpty() && !m_channelsSeen.contains(event.channel())) {
            m_channelsSeen.insert(event.channel());
            newChannel = true;
        }
    }
    if (newDevice) {
        addItems(m_deviceFilter, m_devicesSeen);
        QStringList devices(m_devicesSeen.cbegin(), m_devicesSeen.cend());
        devices.sort();
        Q_EMIT devicesSeen(devices);
    }
    if (newChannel)
        addItems(m_channelFilter, m_channelsSeen);
}

QString SubscriptionTab::countersText() const
{
    const EventModel::Counters c = m_events->counters();
    const QLocale locale;
    QStringList parts;
    parts << tr("%1 events received").arg(locale.toString(c.received));
    parts << tr("%1/s").arg(locale.toString(c.eventsPerSecond, 'f', c.eventsPerSecond < 10 ? 1 : 0));
    if (m_filter->isFiltering())
        parts << tr("%1 shown of %2 kept")
                     .arg(locale.toString(m_filter->rowCount()), locale.toString(m_events->rowCount()));
    else
        parts << tr("%1 kept").arg(locale.toString(m_events->rowCount()));
    // What is not in the table is said, never silently dropped.
    if (c.evicted > 0)
        parts << tr("%1 dropped by the %2-event bound")
                     .arg(locale.toString(c.evicted), locale.toString(qint64(m_events->capacity())));
    if (m_events->isPaused())
        parts << tr("paused: %1 held").arg(locale.toString(c.backlog));
    if (c.discardedWhilePaused > 0)
        parts << tr("%1 discarded while paused").arg(locale.toString(c.discardedWhilePaused));
    if (c.cleared > 0)
        parts << tr("%1 cleared").arg(locale.toString(c.cleared));
    return parts.join(QStringLiteral(" · "));
}

void SubscriptionTab::updateCounters()
{
    m_counters->setText(countersText());
    Q_EMIT countersChanged();
}

void SubscriptionTab::setRefused(const QString &reason)
{
    m_problem->setText(tr("The gateway refused this subscription: %1").arg(reason));
    m_problem->show();
}

void SubscriptionTab::togglePause()
{
    if (m_events->isPaused())
        m_events->resume();
    else
        m_events->pause();
    updateCounters();
}

void SubscriptionTab::clear()
{
    m_events->clear();
    m_detail->showNothing();
    updateCounters();
}

void SubscriptionTab::focusFilter()
{
    m_pages->setCurrentIndex(0);
    m_textFilter->setFocus();
    m_textFilter->selectAll();
}

qint64 SubscriptionTab::exportTo(const QString &path, QString *error)
{
    m_events->flush();
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
        *error = tr("cannot write %1: %2").arg(path, file.errorString());
        return -1;
    }
    const JsonLinesExporter::Result result = JsonLinesExporter::write(*m_table->model(), &file);
    if (!result.ok()) {
        *error = result.error;
        return -1;
    }
    return result.written;
}

void SubscriptionTab::exportInteractively()
{
    const QString path = QFileDialog::getSaveFileName(this, tr("Export events"),
                                                      m_subscription.application + QStringLiteral(".jsonl"),
                                                      tr("JSON Lines (*.jsonl *.ndjson);;All files (*)"));
    if (path.isEmpty())
        return;
    QString error;
    const qint64 written = exportTo(path, &error);
    if (written < 0)
        QMessageBox::warning(this, tr("Export failed"), error);
    else
        m_counters->setText(tr("Exported %1 events to %2").arg(written).arg(path));
}

} // namespace drover::ui
