// The saved connection profiles (QSettings, group "profiles"), in the user's order. Holds no
// secret: API keys, passwords and refresh tokens go to the SecretStore; removing a profile
// forgets its secrets there too when a SecretStore was given.
#pragma once

#include "connectionprofile.h"

#include <QList>
#include <QObject>
#include <QPointer>
#include <memory>
#include <optional>

class QSettings;

namespace drover::ui {

class SecretStore;

class ProfileStore : public QObject
{
    Q_OBJECT
public:
    // settingsFile empty: the application's default QSettings; otherwise that INI file.
    explicit ProfileStore(const QString &settingsFile = {}, QObject *parent = nullptr);
    ~ProfileStore() override;

    // Where removed profiles' secrets are forgotten; may be null.
    void setSecretStore(SecretStore *secrets);

    QList<ConnectionProfile> profiles() const { return m_profiles; }
    std::optional<ConnectionProfile> profile(const QString &id) const;
    bool contains(const QString &id) const { return indexOf(id) >= 0; }

    // Each returns false and says why in *error (plain sentences) when the profile is
    // invalid, its name is taken, the id is unknown/already used, or the file can't be written.
    // add() gives a profile without id a new one; the saved profile is returned in *saved.
    bool add(const ConnectionProfile &profile, QString *error = nullptr, ConnectionProfile *saved = nullptr);
    bool update(const ConnectionProfile &profile, QString *error = nullptr);
    bool remove(const QString &id, QString *error = nullptr);
    bool move(const QString &id, int toIndex, QString *error = nullptr);

    // Reads the file again (another console instance may have changed it).
    void reload();

    QString fileName() const;

Q_SIGNALS:
    void profileAdded(const QString &id);
    void profileUpdated(const QString &id);
    void profileRemoved(const QString &id);
    void profilesChanged(); // after any of the above, and after reload()

private:
    int indexOf(const QString &id) const;
    bool checkName(const ConnectionProfile &profile, QString *error) const;
    bool save(QString *error);
    void load();

    std::unique_ptr<QSettings> m_settings;
    QList<ConnectionProfile> m_profiles;
    QPointer<SecretStore> m_secrets;
};

} // namespace drover::ui
