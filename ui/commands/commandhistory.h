// The commands sent from the composer, newest first, with their outcomes: a table model
// for the history view, bounded, and kept in QSettings so it survives a restart.
#pragma once

#include "commandoutcome.h"
#include "commandrequest.h"

#include <QAbstractTableModel>
#include <QDateTime>
#include <QList>
#include <optional>

class QSettings;

namespace drover::ui {

class CommandHistory : public QAbstractTableModel
{
    Q_OBJECT
public:
    struct Entry {
        QDateTime time; // UTC, when it was sent
        CommandRequest request;
        CommandOutcome outcome;
        bool payloadDropped = false; // too big to keep in the settings: can't be sent again
    };

    enum Column {
        TimeColumn,
        ApplicationColumn,
        DeviceColumn,
        CommandColumn,
        QosColumn,
        OutcomeColumn,
        ColumnCount
    };
    enum Role {
        IdRole = Qt::UserRole + 1, // quint64 id of the row's entry
        StatusRole,                // int(CommandOutcome::Status)
    };

    static constexpr int DefaultLimit = 500;
    // Payloads larger than this are not written to the settings, nor those of older entries
    // once the newer ones' payloads add up to MaxStoredTotalChars: the whole history is
    // written at each change and must stay small. Such entries stay, without their
    // payload, after a restart.
    static constexpr qsizetype MaxStoredPayloadChars = 64 * 1024;
    static constexpr qsizetype MaxStoredTotalChars = 1024 * 1024;

    // settings may be null (nothing persisted); it must outlive the history. The entries of
    // `group` are loaded at once.
    explicit CommandHistory(QSettings *settings = nullptr,
                            const QString &group = QStringLiteral("commands/history"),
                            QObject *parent = nullptr);

    int limit() const { return m_limit; }
    void setLimit(int limit); // at least 1; drops the oldest entries beyond it

    // Records a request as sent at `time` (pending) as the newest entry and returns its id,
    // unique in this history also across restarts; request.id is ignored.
    quint64 add(const CommandRequest &request, const QDateTime &time = QDateTime::currentDateTimeUtc());
    // False when no entry has that id (any more).
    bool setOutcome(quint64 id, const CommandOutcome &outcome);

    int count() const { return int(m_entries.size()); }
    const Entry &at(int row) const { return m_entries.at(row); } // row 0 is the newest
    int rowOf(quint64 id) const;                                 // -1 when unknown
    std::optional<Entry> entry(quint64 id) const;
    // The request of an entry to send again (id 0), or nullopt when the entry is gone or
    // lost its payload.
    std::optional<CommandRequest> requestToSendAgain(quint64 id) const;

    void clear();
    // Reads the settings again (what another console window may have written).
    void reload();

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    void load();
    void save() const;
    void trimToLimit();

    QSettings *m_settings = nullptr;
    QString m_group;
    QList<Entry> m_entries;
    int m_limit = DefaultLimit;
    quint64 m_nextId = 1;
};

} // namespace drover::ui
