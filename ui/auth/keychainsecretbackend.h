// Secrets in the system keychain through QtKeychain: Secret Service (GNOME Keyring, KeePassXC)
// or KWallet on Linux, Keychain on macOS, Credential Manager on Windows. Where none is
// there (headless, no D-Bus session bus), operations answer Status::Unavailable with a reason
// the user can act on, and SecretStore falls back. QtKeychain's own plain-text fallback stays
// off: SecretStore's fallback asks the user first.
#pragma once

#include "secretbackend.h"

namespace QKeychain {
class Job;
}

namespace drover::ui {

class KeychainSecretBackend : public SecretBackend
{
    Q_OBJECT
public:
    // service: the keychain's name for the application's entries.
    explicit KeychainSecretBackend(const QString &service = QStringLiteral("drover"),
                                   QObject *parent = nullptr);

    void read(const QString &key, Done done) override;
    void write(const QString &key, const QString &secret, Done done) override;
    void remove(const QString &key, Done done) override;
    QString description() const override;

private:
    void start(QKeychain::Job *job, bool isRead, bool isRemove, Done done);

    QString m_service;
};

} // namespace drover::ui
