// Saved command templates: a name for a command, its payload and QoS, and optionally the
// application and device it goes to. A list model for the composer's template picker,
// sorted by name and kept in QSettings.
#pragma once

#include "commandrequest.h"

#include <QAbstractListModel>
#include <QList>
#include <optional>

class QSettings;

namespace drover::ui {

class CommandTemplates : public QAbstractListModel
{
    Q_OBJECT
public:
    struct Template {
        QString name;
        CommandRequest request; // application and device may be empty: the composer's stay
    };
    enum Role {
        RequestRole = Qt::UserRole + 1, // the template's CommandRequest
    };

    // settings may be null (nothing persisted); it must outlive the model.
    explicit CommandTemplates(QSettings *settings = nullptr,
                              const QString &group = QStringLiteral("commands/templates"),
                              QObject *parent = nullptr);

    // Adds the template, or replaces the one of the same name. False for an empty name.
    bool save(const QString &name, const CommandRequest &request);
    // False when `from` is unknown, `to` is empty or names another template.
    bool rename(const QString &from, const QString &to);
    bool remove(const QString &name);

    bool contains(const QString &name) const { return indexOf(name) >= 0; }
    std::optional<Template> find(const QString &name) const;
    int count() const { return int(m_templates.size()); }
    const Template &at(int row) const { return m_templates.at(row); }
    QStringList names() const;
    int indexOf(const QString &name) const; // -1 when unknown

    void reload();

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

private:
    void load();
    void store() const;
    int insertionRow(const QString &name) const;

    QSettings *m_settings = nullptr;
    QString m_group;
    QList<Template> m_templates; // sorted by name, case-insensitively
};

} // namespace drover::ui
