// The opt-in fallback where no keychain is available: secrets in an INI file of their own
// (owner-only permissions), obscured so that they don't show in a grep or over a shoulder,
// but NOT encrypted: anyone who can read the file can recover them. The file also records
// that the user allowed it; without that it is not created at all.
#pragma once

#include "secretbackend.h"

#include <QHash>
#include <memory>

class QSettings;

namespace drover::ui {

class SettingsSecretBackend : public SecretBackend
{
    Q_OBJECT
public:
    explicit SettingsSecretBackend(const QString &fileName, QObject *parent = nullptr);
    ~SettingsSecretBackend() override;

    void read(const QString &key, Done done) override;
    void write(const QString &key, const QString &secret, Done done) override;
    void remove(const QString &key, Done done) override;
    QString description() const override;

    QString fileName() const { return m_fileName; }

    // The user's opt-in, kept in the file. Withdrawing it deletes the file's secrets.
    bool isAllowed() const;
    void setAllowed(bool allowed);

    // Synchronous access for SecretStore's moves between stores, and for tests.
    QHash<QString, QString> entries() const;
    bool writeNow(const QString &key, const QString &secret, QString *error = nullptr);

private:
    QSettings &settings() const;
    bool sync(QString *error);

    QString m_fileName;
    mutable std::unique_ptr<QSettings> m_settings; // opened on first use: no file unless needed
};

} // namespace drover::ui
