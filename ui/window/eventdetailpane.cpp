#include "eventdetailpane.h"

#include "events/eventformatter.h"

#include <QFontDatabase>
#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

namespace drover::ui {

EventDetailPane::EventDetailPane(QWidget *parent)
    : QWidget(parent)
    , m_title(new QLabel(this))
    , m_data(new QPlainTextEdit(this))
    , m_attributes(new QTableWidget(0, 2, this))
{
    m_data->setReadOnly(true);
    m_data->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_data->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_data->setObjectName(QStringLiteral("eventData"));
    m_attributes->setHorizontalHeaderLabels({tr("Attribute"), tr("Value")});
    m_attributes->horizontalHeader()->setStretchLastSection(true);
    m_attributes->verticalHeader()->hide();
    m_attributes->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_attributes->setObjectName(QStringLiteral("eventAttributes"));
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(m_data);
    splitter->addWidget(m_attributes);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_title);
    layout->addWidget(splitter);
    showNothing();
}

void EventDetailPane::showEvent(const ReceivedEvent &event)
{
    m_title->setText(tr("<b>%1</b> from %2 on %3 · %4")
                         .arg(EventFormatter::typeText(event).toHtmlEscaped(), event.device().toHtmlEscaped(),
                              event.channel().toHtmlEscaped(), EventFormatter::sizeText(event.size)));
    const QString text = EventFormatter::dataText(event);
    m_data->setPlainText(text.isEmpty() ? tr("(no data)") : text);
    const auto attributes = EventFormatter::attributes(event);
    m_attributes->setRowCount(int(attributes.size()));
    for (int row = 0; row < attributes.size(); ++row) {
        m_attributes->setItem(row, 0, new QTableWidgetItem(attributes[row].first));
        m_attributes->setItem(row, 1, new QTableWidgetItem(attributes[row].second));
    }
    m_attributes->resizeColumnToContents(0);
}

void EventDetailPane::showNothing()
{
    m_title->setText(tr("Select an event to see its data and attributes."));
    m_data->clear();
    m_attributes->setRowCount(0);
}

QString EventDetailPane::dataText() const
{
    return m_data->toPlainText();
}

} // namespace drover::ui
