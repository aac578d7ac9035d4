// Narrows the event table to a device, a channel and/or a piece of text.
#pragma once

#include <QByteArray>
#include <QPointer>
#include <QSortFilterProxyModel>

namespace drover::ui {

class EventModel;

// Over an EventModel the checks read the events and their cached search texts directly, so
// a pass over 100 000 rows parses nothing and builds each row's haystack only once. Over any
// other model (another proxy) it uses EventModel::EventRole and SearchTextRole instead.
// Keeps the source order (no sorting): rows stay in time order.
//
// A filter change re-filters from scratch (invalidate(): one layoutChanged) rather than
// incrementally (invalidateFilter()): Qt's incremental path emits a rowsRemoved/rowsInserted
// per run of rows and updates its mapping each time, which is quadratic when every fourth of
// 100 000 rows changes (seconds, measured); from scratch it is one pass (milliseconds).
class EventFilterProxy : public QSortFilterProxyModel
{
    Q_OBJECT

public:
    explicit EventFilterProxy(QObject *parent = nullptr);

    void setSourceModel(QAbstractItemModel *model) override;

    QString device() const { return m_device; }
    QString channel() const { return m_channel; }
    QString text() const { return m_text; }
    bool isFiltering() const;

public Q_SLOTS:
    // Exact device id; empty for all devices.
    void setDevice(const QString &device);
    // Exact channel (the event's subject); empty for all channels.
    void setChannel(const QString &channel);
    // Case-insensitive substring of device, channel, type, subject or the data as text;
    // empty for no text condition.
    void setText(const QString &text);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    QPointer<EventModel> m_events; // the source, when it is an EventModel
    QString m_device;
    QString m_channel;
    QString m_text;
    QByteArray m_deviceUtf8; // compared with the event's bytes: no decoding per row
    QByteArray m_channelUtf8;
    QString m_foldedText;
};

} // namespace drover::ui
