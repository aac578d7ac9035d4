#include "deviceboardmodel.h"

#include "cloudevents/jsonscanner.h"

#include <QJsonDocument>
#include <QLocale>
#include <QSet>
#include <limits>
#include <optional>

namespace drover::ui {

namespace {

// The JSON object in data, if data is one (checked by its first byte before parsing).
std::optional<QJsonObject> jsonObject(const QByteArray &data)
{
    const qsizetype start = cloudevents::JsonScanner::skipWhitespace(data, 0);
    if (start >= data.size() || data[start] != '{')
        return std::nullopt;
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(data, &error);
    if (error.error != QJsonParseError::NoError || !document.isObject())
        return std::nullopt;
    return document.object();
}

std::optional<DeviceBoardModel::Connection> connectionOf(const ReceivedEvent &event)
{
    const std::optional<QJsonObject> object = jsonObject(event.event.data);
    if (!object)
        return std::nullopt;
    const QJsonValue connected = object->value(QLatin1String("connected"));
    if (!connected.isBool())
        return std::nullopt;
    return connected.toBool() ? DeviceBoardModel::Connection::Connected
                              : DeviceBoardModel::Connection::Disconnected;
}

std::optional<QJsonObject> scalarMembers(const ReceivedEvent &event)
{
    std::optional<QJsonObject> object = jsonObject(event.event.data);
    if (!object)
        return std::nullopt;
    for (auto it = object->begin(); it != object->end();) {
        if (it.value().isObject() || it.value().isArray())
            it = object->erase(it);
        else
            ++it;
    }
    return object;
}

QString scalarText(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Double:
        return QString::number(value.toDouble(), 'g', QLocale::FloatingPointShortest);
    case QJsonValue::String:
        return QLatin1Char('"') + value.toString() + QLatin1Char('"');
    case QJsonValue::Bool:
        return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    default:
        return QStringLiteral("null");
    }
}

} // namespace

DeviceBoardModel::DeviceBoardModel(QObject *parent)
    : QAbstractTableModel(parent)
{}

int DeviceBoardModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_devices.size());
}

int DeviceBoardModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant DeviceBoardModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_devices.size())
        return {};
    const Device &device = m_devices.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case DeviceColumn:
            return QString::fromUtf8(device.device);
        case ConnectionColumn:
            return connectionText(device.connection);
        case LastSeenColumn:
            return device.lastSeen.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
        case EventCountColumn:
            return device.eventCount;
        case ValuesColumn:
            return valuesText(device);
        }
        return {};
    case ApplicationRole:
        return QString::fromUtf8(device.application);
    case DeviceRole:
        return QString::fromUtf8(device.device);
    case ConnectionRole:
        return QVariant::fromValue(device.connection);
    case LastSeenRole:
        return device.lastSeen;
    case EventCountRole:
        return device.eventCount;
    case LastValuesRole: {
        QVariantMap channels;
        for (auto it = device.lastValues.begin(); it != device.lastValues.end(); ++it)
            channels.insert(it.key(), it.value().toVariantMap());
        return channels;
    }
    }
    return {};
}

QVariant DeviceBoardModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case DeviceColumn:
        return tr("Device");
    case ConnectionColumn:
        return tr("Connection");
    case LastSeenColumn:
        return tr("Last seen");
    case EventCountColumn:
        return tr("Events");
    case ValuesColumn:
        return tr("Last values");
    }
    return {};
}

int DeviceBoardModel::rowOf(const QByteArray &application, const QByteArray &device) const
{
    return m_rows.value(Key(application, device), -1);
}

QString DeviceBoardModel::connectionText(Connection connection)
{
    switch (connection) {
    case Connection::Connected:
        return tr("connected");
    case Connection::Disconnected:
        return tr("disconnected");
    case Connection::Unknown:
        break;
    }
    return tr("unknown");
}

QString DeviceBoardModel::valuesText(const Device &device)
{
    QStringList channels;
    for (auto channel = device.lastValues.begin(); channel != device.lastValues.end(); ++channel) {
        QStringList fields;
        for (auto field = channel->begin(); field != channel->end(); ++field)
            fields.append(field.key() + QLatin1Char('=') + scalarText(field.value()));
        channels.append(channel.key() + QStringLiteral(": ") + fields.join(QLatin1Char(' ')));
    }
    return channels.join(QStringLiteral("; "));
}

void DeviceBoardModel::addEvents(const QList<ReceivedEvent> &events)
{
    // Pass 1: each event's row; devices seen for the first time join in one rowsInserted.
    QList<int> rowOfEvent(events.size(), -1);
    QList<Device> added;
    const int oldCount = int(m_devices.size());
    for (qsizetype i = 0; i < events.size(); ++i) {
        const cloudevents::CloudEvent &event = events[i].event;
        if (event.device.isEmpty())
            continue;
        const Key key(event.application, event.device);
        auto it = m_rows.constFind(key);
        if (it == m_rows.constEnd()) {
            it = m_rows.insert(key, oldCount + int(added.size()));
            added.append(Device{event.application, event.device, Connection::Unknown, {}, 0, {}});
        }
        rowOfEvent[i] = it.value();
    }
    if (!added.isEmpty()) {
        beginInsertRows({}, oldCount, oldCount + int(added.size()) - 1);
        m_devices.append(added);
        endInsertRows();
    }

    // Pass 2: counts and last seen, from every event.
    int firstChanged = std::numeric_limits<int>::max();
    int lastChanged = -1;
    for (qsizetype i = 0; i < events.size(); ++i) {
        const int row = rowOfEvent[i];
        if (row < 0)
            continue;
        Device &device = m_devices[row];
        ++device.eventCount;
        device.lastSeen = events[i].received;
        firstChanged = std::min(firstChanged, row);
        lastChanged = std::max(lastChanged, row);
    }

    // Pass 3, newest first: only the newest connection event of a device and the newest
    // JSON object of a channel matter, so each is parsed once however big the batch.
    QSet<int> connectionKnown;
    QSet<std::pair<int, QByteArray>> valuesKnown;
    for (qsizetype i = events.size() - 1; i >= 0; --i) {
        const int row = rowOfEvent[i];
        if (row < 0)
            continue;
        const ReceivedEvent &event = events[i];
        Device &device = m_devices[row];
        if (event.isConnectionEvent()) {
            if (connectionKnown.contains(row))
                continue;
            if (const auto connection = connectionOf(event)) {
                device.connection = *connection;
                connectionKnown.insert(row);
            }
            continue;
        }
        const std::pair<int, QByteArray> channelKey(row, event.event.subject);
        if (valuesKnown.contains(channelKey))
            continue;
        if (auto values = scalarMembers(event)) {
            device.lastValues.insert(QString::fromUtf8(event.event.subject), std::move(*values));
            valuesKnown.insert(channelKey);
        }
    }

    if (lastChanged >= 0)
        Q_EMIT dataChanged(index(firstChanged, 0), index(lastChanged, ColumnCount - 1));
}

void DeviceBoardModel::clear()
{
    beginResetModel();
    m_devices.clear();
    m_rows.clear();
    endResetModel();
}

} // namespace drover::ui
