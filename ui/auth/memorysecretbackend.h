// Secrets in memory, for this session only: where no keychain is available and the user did
// not allow the settings file. Tests also use it as a stand-in keychain, available or not.
#pragma once

#include "secretbackend.h"

#include <QHash>

namespace drover::ui {

class MemorySecretBackend : public SecretBackend
{
    Q_OBJECT
public:
    explicit MemorySecretBackend(QObject *parent = nullptr);

    void read(const QString &key, Done done) override;
    void write(const QString &key, const QString &secret, Done done) override;
    void remove(const QString &key, Done done) override;
    QString description() const override;

    // Unavailable: every operation answers Status::Unavailable with reason (a keychain
    // that is not there), and nothing is stored.
    void setUnavailable(const QString &reason);
    void setAvailable();

    // Synchronous access for SecretStore's moves between stores, and for tests.
    QHash<QString, QString> entries() const { return m_secrets; }
    void clear() { m_secrets.clear(); }

private:
    QHash<QString, QString> m_secrets;
    QString m_unavailableReason; // empty: available
};

} // namespace drover::ui
