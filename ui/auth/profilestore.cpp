#include "profilestore.h"

#include "secretstore.h"

#include <QLoggingCategory>
#include <QSettings>

Q_LOGGING_CATEGORY(lcProfiles, "drover.ui.profiles")

namespace drover::ui {

namespace {

constexpr int FormatVersion = 1;

bool fail(QString *error, const QString &message)
{
    if (error)
        *error = message;
    return false;
}

} // namespace

ProfileStore::ProfileStore(const QString &settingsFile, QObject *parent)
    : QObject(parent)
    , m_settings(settingsFile.isEmpty() ? std::make_unique<QSettings>()
                                        : std::make_unique<QSettings>(settingsFile, QSettings::IniFormat))
{
    load();
}

ProfileStore::~ProfileStore() = default;

void ProfileStore::setSecretStore(SecretStore *secrets)
{
    m_secrets = secrets;
}

std::optional<ConnectionProfile> ProfileStore::profile(const QString &id) const
{
    const int i = indexOf(id);
    if (i < 0)
        return std::nullopt;
    return m_profiles.at(i);
}

bool ProfileStore::add(const ConnectionProfile &profile, QString *error, ConnectionProfile *saved)
{
    ConnectionProfile p = profile;
    if (p.id.isEmpty())
        p.id = ConnectionProfile::create().id;
    if (contains(p.id))
        return fail(error, QStringLiteral("A profile with this id exists already."));
    const QStringList problems = p.validate();
    if (!problems.isEmpty())
        return fail(error, problems.join(QLatin1Char(' ')));
    if (!checkName(p, error))
        return false;
    m_profiles.append(p);
    if (!save(error)) {
        m_profiles.removeLast();
        return false;
    }
    if (saved)
        *saved = p;
    Q_EMIT profileAdded(p.id);
    Q_EMIT profilesChanged();
    return true;
}

bool ProfileStore::update(const ConnectionProfile &profile, QString *error)
{
    const int i = indexOf(profile.id);
    if (i < 0)
        return fail(error, QStringLiteral("There is no profile with this id (was it removed?)."));
    const QStringList problems = profile.validate();
    if (!problems.isEmpty())
        return fail(error, problems.join(QLatin1Char(' ')));
    if (!checkName(profile, error))
        return false;
    if (m_profiles.at(i) == profile)
        return true;
    const ConnectionProfile old = m_profiles.at(i);
    m_profiles[i] = profile;
    if (!save(error)) {
        m_profiles[i] = old;
        return false;
    }
    Q_EMIT profileUpdated(profile.id);
    Q_EMIT profilesChanged();
    return true;
}

bool ProfileStore::remove(const QString &id, QString *error)
{
    const int i = indexOf(id);
    if (i < 0)
        return fail(error, QStringLiteral("There is no profile with this id."));
    const ConnectionProfile old = m_profiles.takeAt(i);
    if (!save(error)) {
        m_profiles.insert(i, old);
        return false;
    }
    // Best effort: a secret that can't be removed now is unreachable without its profile.
    if (m_secrets) {
        for (const QString &key : old.secretKeys())
            m_secrets->remove(key);
    }
    Q_EMIT profileRemoved(id);
    Q_EMIT profilesChanged();
    return true;
}

bool ProfileStore::move(const QString &id, int toIndex, QString *error)
{
    const int from = indexOf(id);
    if (from < 0)
        return fail(error, QStringLiteral("There is no profile with this id."));
    const int to = qBound(0, toIndex, int(m_profiles.size()) - 1);
    if (from == to)
        return true;
    m_profiles.move(from, to);
    if (!save(error)) {
        m_profiles.move(to, from);
        return false;
    }
    Q_EMIT profilesChanged();
    return true;
}

void ProfileStore::reload()
{
    m_settings->sync();
    load();
    Q_EMIT profilesChanged();
}

QString ProfileStore::fileName() const
{
    return m_settings->fileName();
}

int ProfileStore::indexOf(const QString &id) const
{
    for (int i = 0; i < m_profiles.size(); ++i) {
        if (m_profiles.at(i).id == id)
            return i;
    }
    return -1;
}

bool ProfileStore::checkName(const ConnectionProfile &profile, QString *error) const
{
    for (const ConnectionProfile &other : m_profiles) {
        if (other.id != profile.id &&
            other.name.trimmed().compare(profile.name.trimmed(), Qt::CaseInsensitive) == 0)
            return fail(error, QStringLiteral("A profile named \"%1\" exists already.").arg(other.name));
    }
    return true;
}

bool ProfileStore::save(QString *error)
{
    // Rewritten whole: the group is small, and no stale key of a removed field survives.
    QSettings &s = *m_settings;
    s.remove(QStringLiteral("profiles"));
    s.beginGroup(QStringLiteral("profiles"));
    s.setValue(QStringLiteral("version"), FormatVersion);
    QStringList order;
    for (const ConnectionProfile &p : std::as_const(m_profiles)) {
        order << p.id;
        s.beginGroup(p.id);
        s.setValue(QStringLiteral("name"), p.name);
        s.setValue(QStringLiteral("url"), p.url.toString(QUrl::FullyEncoded));
        s.setValue(QStringLiteral("mqttVersion"), ConnectionProfile::versionName(p.mqttVersion));
        s.setValue(QStringLiteral("clientId"), p.clientId);
        s.setValue(QStringLiteral("auth"), ConnectionProfile::authKindName(p.authKind));
        s.setValue(QStringLiteral("username"), p.username);
        s.setValue(QStringLiteral("caFile"), p.caFile);
        s.setValue(QStringLiteral("oauth2/issuer"), p.issuer.toString(QUrl::FullyEncoded));
        s.setValue(QStringLiteral("oauth2/clientId"), p.oauthClientId);
        s.setValue(QStringLiteral("oauth2/scopes"), p.scopes.join(QLatin1Char(' ')));
        s.setValue(QStringLiteral("oauth2/audience"), p.audience);
        s.setValue(QStringLiteral("oauth2/tokenPlacement"),
                   ConnectionProfile::placementName(p.tokenPlacement));
        s.endGroup();
    }
    s.setValue(QStringLiteral("order"), order);
    s.endGroup();
    s.sync();
    if (s.status() != QSettings::NoError)
        return fail(error, QStringLiteral("Could not write the profiles to %1.").arg(s.fileName()));
    return true;
}

void ProfileStore::load()
{
    m_profiles.clear();
    QSettings &s = *m_settings;
    s.beginGroup(QStringLiteral("profiles"));
    const int version = s.value(QStringLiteral("version"), FormatVersion).toInt();
    if (version > FormatVersion)
        qCWarning(lcProfiles) << "profiles in" << s.fileName() << "have format" << version
                              << "(newer than this console's); reading what is known";
    const QStringList order = s.value(QStringLiteral("order")).toStringList();
    for (const QString &id : order) {
        if (id.isEmpty() || indexOf(id) >= 0 || !s.childGroups().contains(id))
            continue;
        s.beginGroup(id);
        ConnectionProfile p;
        p.id = id;
        p.name = s.value(QStringLiteral("name")).toString();
        p.url = QUrl(s.value(QStringLiteral("url")).toString(), QUrl::StrictMode);
        // Unknown values keep the defaults; validate() then tells the user what to fix.
        ConnectionProfile::parseVersion(s.value(QStringLiteral("mqttVersion")).toString(), &p.mqttVersion);
        p.clientId = s.value(QStringLiteral("clientId")).toString();
        ConnectionProfile::parseAuthKind(s.value(QStringLiteral("auth")).toString(), &p.authKind);
        p.username = s.value(QStringLiteral("username")).toString();
        p.caFile = s.value(QStringLiteral("caFile")).toString();
        p.issuer = QUrl(s.value(QStringLiteral("oauth2/issuer")).toString(), QUrl::StrictMode);
        p.oauthClientId = s.value(QStringLiteral("oauth2/clientId")).toString();
        p.scopes =
            s.value(QStringLiteral("oauth2/scopes")).toString().split(QLatin1Char(' '), Qt::SkipEmptyParts);
        p.audience = s.value(QStringLiteral("oauth2/audience")).toString();
        ConnectionProfile::parsePlacement(s.value(QStringLiteral("oauth2/tokenPlacement")).toString(),
                                          &p.tokenPlacement);
        s.endGroup();
        m_profiles.append(p);
    }
    s.endGroup();
}

} // namespace drover::ui
