#include "commandhistory.h"

#include <QBrush>
#include <QColor>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLocale>
#include <QSettings>

namespace drover::ui {

namespace {

const QString EntriesKey = QStringLiteral("entries");
constexpr int FormatVersion = 1;

// `budget`: payload characters the entries still to be written may use.
QJsonObject toJson(const CommandHistory::Entry &entry, qsizetype &budget)
{
    QJsonObject json = entry.request.toJson();
    json.insert(QStringLiteral("time"), entry.time.toString(Qt::ISODateWithMs));
    const qsizetype size = entry.request.payload.size();
    const bool drop = entry.payloadDropped || size > CommandHistory::MaxStoredPayloadChars || size > budget;
    if (!drop)
        budget -= size;
    if (drop) {
        json.remove(QStringLiteral("payload"));
        json.insert(QStringLiteral("payloadDropped"), true);
    }
    json.insert(QStringLiteral("outcome"),
                QJsonObject{{QStringLiteral("status"), CommandOutcome::statusName(entry.outcome.status())},
                            {QStringLiteral("text"), entry.outcome.text()},
                            {QStringLiteral("detail"), entry.outcome.detail()},
                            {QStringLiteral("code"), entry.outcome.reasonCode()}});
    return json;
}

CommandHistory::Entry fromJson(const QJsonObject &json)
{
    CommandHistory::Entry entry;
    entry.request = CommandRequest::fromJson(json);
    entry.time = QDateTime::fromString(json.value(QStringLiteral("time")).toString(), Qt::ISODateWithMs);
    entry.payloadDropped = json.value(QStringLiteral("payloadDropped")).toBool();
    const QJsonObject outcome = json.value(QStringLiteral("outcome")).toObject();
    entry.outcome = CommandOutcome(
        CommandOutcome::statusFromName(outcome.value(QStringLiteral("status")).toString()),
        outcome.value(QStringLiteral("text")).toString(), outcome.value(QStringLiteral("detail")).toString(),
        outcome.value(QStringLiteral("code")).toInt(-1));
    if (entry.outcome.isPending()) // the console ended while it waited: the answer is lost
        entry.outcome = CommandOutcome(
            CommandOutcome::Status::Failed,
            QStringLiteral("No outcome: the console closed before the acknowledgement"), QString());
    return entry;
}

QString qosText(mqtt::QoS qos)
{
    return QStringLiteral("QoS %1").arg(int(qos));
}

} // namespace

CommandHistory::CommandHistory(QSettings *settings, const QString &group, QObject *parent)
    : QAbstractTableModel(parent)
    , m_settings(settings)
    , m_group(group)
{
    load();
}

void CommandHistory::setLimit(int limit)
{
    m_limit = std::max(1, limit);
    if (m_entries.size() > m_limit) {
        trimToLimit();
        save();
    }
}

quint64 CommandHistory::add(const CommandRequest &request, const QDateTime &time)
{
    Entry entry{time.toUTC(), request, CommandOutcome::pending(request.qos), false};
    entry.request.id = m_nextId++;
    beginInsertRows({}, 0, 0);
    m_entries.prepend(entry);
    endInsertRows();
    trimToLimit();
    save();
    return entry.request.id;
}

bool CommandHistory::setOutcome(quint64 id, const CommandOutcome &outcome)
{
    const int row = rowOf(id);
    if (row < 0)
        return false;
    m_entries[row].outcome = outcome;
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
    save();
    return true;
}

int CommandHistory::rowOf(quint64 id) const
{
    // Outcomes come for recent commands: the search from the newest end is short.
    for (int row = 0; row < m_entries.size(); ++row) {
        if (m_entries[row].request.id == id)
            return row;
    }
    return -1;
}

std::optional<CommandHistory::Entry> CommandHistory::entry(quint64 id) const
{
    const int row = rowOf(id);
    if (row < 0)
        return std::nullopt;
    return m_entries[row];
}

std::optional<CommandRequest> CommandHistory::requestToSendAgain(quint64 id) const
{
    const int row = rowOf(id);
    if (row < 0 || m_entries[row].payloadDropped)
        return std::nullopt;
    CommandRequest request = m_entries[row].request;
    request.id = 0;
    return request;
}

void CommandHistory::clear()
{
    beginResetModel();
    m_entries.clear();
    endResetModel();
    save();
}

void CommandHistory::reload()
{
    beginResetModel();
    m_entries.clear();
    load();
    endResetModel();
}

void CommandHistory::trimToLimit()
{
    if (m_entries.size() <= m_limit)
        return;
    beginRemoveRows({}, m_limit, int(m_entries.size()) - 1);
    m_entries.resize(m_limit);
    endRemoveRows();
}

void CommandHistory::load()
{
    if (!m_settings)
        return;
    m_settings->beginGroup(m_group);
    const QByteArray stored = m_settings->value(EntriesKey).toByteArray();
    m_settings->endGroup();
    const QJsonObject root = QJsonDocument::fromJson(stored).object();
    const QJsonArray entries = root.value(QStringLiteral("entries")).toArray();
    for (const QJsonValue &value : entries) {
        if (m_entries.size() >= m_limit)
            break;
        Entry entry = fromJson(value.toObject());
        if (entry.request.id == 0)
            continue;
        m_nextId = std::max(m_nextId, entry.request.id + 1);
        m_entries.append(entry);
    }
    // Ids go on from the highest ever given, even if those entries were dropped since.
    m_nextId = std::max<quint64>(m_nextId, root.value(QStringLiteral("nextId")).toString().toULongLong());
}

void CommandHistory::save() const
{
    if (!m_settings)
        return;
    QJsonArray entries;
    qsizetype budget = MaxStoredTotalChars; // newest first: the oldest lose their payloads
    for (const Entry &entry : m_entries)
        entries.append(toJson(entry, budget));
    const QJsonObject root{{QStringLiteral("version"), FormatVersion},
                           {QStringLiteral("nextId"), QString::number(m_nextId)},
                           {QStringLiteral("entries"), entries}};
    // One JSON value rather than a QSettings array: written at once, readable in the file.
    m_settings->beginGroup(m_group);
    m_settings->setValue(EntriesKey, QJsonDocument(root).toJson(QJsonDocument::Compact));
    m_settings->endGroup();
}

int CommandHistory::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_entries.size());
}

int CommandHistory::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant CommandHistory::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_entries.size())
        return {};
    const Entry &entry = m_entries[index.row()];
    switch (role) {
    case IdRole:
        return QVariant::fromValue(entry.request.id);
    case StatusRole:
        return int(entry.outcome.status());
    case Qt::DisplayRole:
        switch (index.column()) {
        case TimeColumn: {
            const QDateTime local = entry.time.toLocalTime();
            return local.date() == QDate::currentDate()
                       ? local.toString(QStringLiteral("HH:mm:ss"))
                       : local.toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
        }
        case ApplicationColumn:
            return entry.request.application;
        case DeviceColumn:
            return entry.request.device;
        case CommandColumn:
            return entry.request.command;
        case QosColumn:
            return qosText(entry.request.qos);
        case OutcomeColumn:
            return entry.outcome.text();
        }
        return {};
    case Qt::ToolTipRole: {
        QString tip =
            QStringLiteral("%1\n%2, %3\n\n%4")
                .arg(QLocale().toString(entry.time.toLocalTime(), QLocale::LongFormat),
                     entry.request.target().toString(), qosText(entry.request.qos), entry.outcome.text());
        if (!entry.outcome.detail().isEmpty())
            tip += QStringLiteral("\n") + entry.outcome.detail();
        if (entry.payloadDropped)
            tip += QStringLiteral("\n\nThe payload was too large to keep: this entry can't be sent again.");
        else if (!entry.request.payload.isEmpty())
            tip += QStringLiteral("\n\nPayload:\n") + entry.request.payload.left(2000);
        return tip;
    }
    case Qt::ForegroundRole:
        if (index.column() != OutcomeColumn)
            return {};
        switch (entry.outcome.status()) {
        case CommandOutcome::Status::Refused:
        case CommandOutcome::Status::Failed:
            return QBrush(QColor(0xb0, 0x20, 0x20));
        case CommandOutcome::Status::Delivered:
            return QBrush(QColor(0x20, 0x80, 0x30));
        default:
            return {};
        }
    }
    return {};
}

QVariant CommandHistory::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case TimeColumn:
        return tr("Time");
    case ApplicationColumn:
        return tr("Application");
    case DeviceColumn:
        return tr("Device");
    case CommandColumn:
        return tr("Command");
    case QosColumn:
        return tr("QoS");
    case OutcomeColumn:
        return tr("Outcome");
    }
    return {};
}

} // namespace drover::ui
