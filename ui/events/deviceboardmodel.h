// One row per device seen: is it connected, when was it last heard, and what did it last say.
#pragma once

#include "receivedevent.h"

#include <QAbstractTableModel>
#include <QDateTime>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QMap>

namespace drover::ui {

// Fed with the batches EventModel::batchAppended() hands over (every received event, also
// while the event table is paused), so it costs one rowsInserted and one dataChanged per
// batch. Rows are in order of first appearance; a device is (application, device id).
// Events without a device id have no row.
class DeviceBoardModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column {
        DeviceColumn,
        ConnectionColumn,
        LastSeenColumn,
        EventCountColumn,
        ValuesColumn,
        ColumnCount
    };
    enum Role {
        ApplicationRole = Qt::UserRole + 1, // QString
        DeviceRole,                         // QString
        ConnectionRole,                     // Connection
        LastSeenRole,                       // QDateTime (received time, UTC): "3 s ago" is the view's
        EventCountRole,                     // qint64
        LastValuesRole,                     // QVariantMap: channel → QVariantMap field → value
    };

    // From io.drogue.connection.v1 events ({"connected": bool}); Unknown until one came.
    enum class Connection {
        Unknown,
        Connected,
        Disconnected
    };
    Q_ENUM(Connection)

    struct Device {
        QByteArray application;
        QByteArray device;
        Connection connection = Connection::Unknown;
        QDateTime lastSeen;    // received time of its newest event, connection events included
        qint64 eventCount = 0; // every event, connection events included
        // Per channel: the top-level scalars (number, string, bool, null) of the newest event
        // whose data is a JSON object. Events with other data leave them as they are.
        QMap<QString, QJsonObject> lastValues;
    };

    explicit DeviceBoardModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    const Device &deviceAt(int row) const { return m_devices.at(row); }
    // -1 if the device has not been seen.
    int rowOf(const QByteArray &application, const QByteArray &device) const;

    static QString connectionText(Connection connection);
    // "state: humidity=45.2 temperature=21.53; other: on=true", channels and fields by name.
    static QString valuesText(const Device &device);

public Q_SLOTS:
    void addEvents(const QList<drover::ui::ReceivedEvent> &events);
    void clear();

private:
    using Key = std::pair<QByteArray, QByteArray>; // (application, device)

    QList<Device> m_devices;
    QHash<Key, int> m_rows;
};

} // namespace drover::ui
