#include "eventfilterproxy.h"

#include "eventmodel.h"

namespace drover::ui {

EventFilterProxy::EventFilterProxy(QObject *parent)
    : QSortFilterProxyModel(parent)
{}

void EventFilterProxy::setSourceModel(QAbstractItemModel *model)
{
    m_events = qobject_cast<EventModel *>(model);
    QSortFilterProxyModel::setSourceModel(model);
}

bool EventFilterProxy::isFiltering() const
{
    return !m_deviceUtf8.isEmpty() || !m_channelUtf8.isEmpty() || !m_foldedText.isEmpty();
}

void EventFilterProxy::setDevice(const QString &device)
{
    if (device == m_device)
        return;
    m_device = device;
    m_deviceUtf8 = device.toUtf8();
    invalidate();
}

void EventFilterProxy::setChannel(const QString &channel)
{
    if (channel == m_channel)
        return;
    m_channel = channel;
    m_channelUtf8 = channel.toUtf8();
    invalidate();
}

void EventFilterProxy::setText(const QString &text)
{
    if (text == m_text)
        return;
    m_text = text;
    m_foldedText = text.toCaseFolded();
    invalidate();
}

bool EventFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    if (!isFiltering())
        return true;
    if (m_events) {
        const ReceivedEvent &event = m_events->eventAt(sourceRow);
        if (!m_deviceUtf8.isEmpty() && event.event.device != m_deviceUtf8)
            return false;
        if (!m_channelUtf8.isEmpty() && event.event.subject != m_channelUtf8)
            return false;
        return m_foldedText.isEmpty() || m_events->searchTextAt(sourceRow).contains(m_foldedText);
    }
    const QModelIndex index = sourceModel()->index(sourceRow, 0, sourceParent);
    if (!m_deviceUtf8.isEmpty() || !m_channelUtf8.isEmpty()) {
        const auto event = index.data(EventModel::EventRole).value<ReceivedEvent>();
        if (!m_deviceUtf8.isEmpty() && event.event.device != m_deviceUtf8)
            return false;
        if (!m_channelUtf8.isEmpty() && event.event.subject != m_channelUtf8)
            return false;
    }
    return m_foldedText.isEmpty() || index.data(EventModel::SearchTextRole).toString().contains(m_foldedText);
}

} // namespace drover::ui
