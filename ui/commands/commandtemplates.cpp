#include "commandtemplates.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSettings>

namespace drover::ui {

namespace {

const QString TemplatesKey = QStringLiteral("templates");

bool nameLess(const QString &a, const QString &b)
{
    const int c = a.compare(b, Qt::CaseInsensitive);
    return c != 0 ? c < 0 : a < b;
}

} // namespace

CommandTemplates::CommandTemplates(QSettings *settings, const QString &group, QObject *parent)
    : QAbstractListModel(parent)
    , m_settings(settings)
    , m_group(group)
{
    load();
}

bool CommandTemplates::save(const QString &name, const CommandRequest &request)
{
    if (name.trimmed().isEmpty())
        return false;
    CommandRequest stored = request;
    stored.id = 0;
    const int existing = indexOf(name);
    if (existing >= 0) {
        m_templates[existing].request = stored;
        Q_EMIT dataChanged(index(existing), index(existing));
    } else {
        const int row = insertionRow(name);
        beginInsertRows({}, row, row);
        m_templates.insert(row, Template{name, stored});
        endInsertRows();
    }
    store();
    return true;
}

bool CommandTemplates::rename(const QString &from, const QString &to)
{
    const int row = indexOf(from);
    if (row < 0 || to.trimmed().isEmpty())
        return false;
    if (from == to)
        return true;
    if (contains(to))
        return false;
    const Template renamed{to, m_templates[row].request};
    beginRemoveRows({}, row, row);
    m_templates.removeAt(row);
    endRemoveRows();
    const int at = insertionRow(to);
    beginInsertRows({}, at, at);
    m_templates.insert(at, renamed);
    endInsertRows();
    store();
    return true;
}

bool CommandTemplates::remove(const QString &name)
{
    const int row = indexOf(name);
    if (row < 0)
        return false;
    beginRemoveRows({}, row, row);
    m_templates.removeAt(row);
    endRemoveRows();
    store();
    return true;
}

std::optional<CommandTemplates::Template> CommandTemplates::find(const QString &name) const
{
    const int row = indexOf(name);
    if (row < 0)
        return std::nullopt;
    return m_templates[row];
}

QStringList CommandTemplates::names() const
{
    QStringList names;
    for (const Template &t : m_templates)
        names.append(t.name);
    return names;
}

int CommandTemplates::indexOf(const QString &name) const
{
    for (int row = 0; row < m_templates.size(); ++row) {
        if (m_templates[row].name == name)
            return row;
    }
    return -1;
}

int CommandTemplates::insertionRow(const QString &name) const
{
    int row = 0;
    while (row < m_templates.size() && nameLess(m_templates[row].name, name))
        ++row;
    return row;
}

void CommandTemplates::reload()
{
    beginResetModel();
    m_templates.clear();
    load();
    endResetModel();
}

void CommandTemplates::load()
{
    if (!m_settings)
        return;
    m_settings->beginGroup(m_group);
    const QByteArray stored = m_settings->value(TemplatesKey).toByteArray();
    m_settings->endGroup();
    const QJsonArray templates = QJsonDocument::fromJson(stored).object().value(TemplatesKey).toArray();
    for (const QJsonValue &value : templates) {
        const QJsonObject json = value.toObject();
        const QString name = json.value(QStringLiteral("name")).toString();
        if (name.trimmed().isEmpty() || contains(name))
            continue;
        CommandRequest request = CommandRequest::fromJson(json);
        request.id = 0;
        m_templates.insert(insertionRow(name), Template{name, request});
    }
}

void CommandTemplates::store() const
{
    if (!m_settings)
        return;
    QJsonArray templates;
    for (const Template &t : m_templates) {
        QJsonObject json = t.request.toJson();
        json.insert(QStringLiteral("name"), t.name);
        templates.append(json);
    }
    m_settings->beginGroup(m_group);
    m_settings->setValue(TemplatesKey,
                         QJsonDocument(QJsonObject{{QStringLiteral("version"), 1}, {TemplatesKey, templates}})
                             .toJson(QJsonDocument::Compact));
    m_settings->endGroup();
}

int CommandTemplates::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_templates.size());
}

QVariant CommandTemplates::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_templates.size())
        return {};
    const Template &t = m_templates[index.row()];
    switch (role) {
    case Qt::DisplayRole:
    case Qt::EditRole:
        return t.name;
    case Qt::ToolTipRole: {
        const CommandRequest &r = t.request;
        return QStringLiteral("%1 → %2/%3, QoS %4\n%5")
            .arg(r.command, r.application.isEmpty() ? QStringLiteral("(any application)") : r.application,
                 r.device.isEmpty() ? QStringLiteral("(any device)") : r.device)
            .arg(int(r.qos))
            .arg(r.payload.left(500));
    }
    case RequestRole:
        return QVariant::fromValue(t.request);
    }
    return {};
}

} // namespace drover::ui
