// The console's secrets (API keys, passwords, refresh tokens), by key. Kept in the system
// keychain; where there is none (headless, no Secret Service on D-Bus) storage() says so and
// notice() explains it for the UI, and secrets then live in memory for this session only,
// or, if the user allowed it, in an obscured but not encrypted file.
#pragma once

#include "secretbackend.h"

#include <QObject>
#include <QPointer>
#include <memory>

namespace drover::ui {

class MemorySecretBackend;
class SettingsSecretBackend;

class SecretStore : public QObject
{
    Q_OBJECT
public:
    enum class Storage {
        Unknown,        // nothing asked the keychain yet (see probe())
        SystemKeychain, // the keychain answered
        InsecureFile,   // no keychain; the user allowed the file
        SessionOnly,    // no keychain; secrets are forgotten when the console quits
    };
    Q_ENUM(Storage)
    using Done = SecretBackend::Done;
    using Result = SecretBackend::Result;

    // keychain: normally a KeychainSecretBackend; tests pass a MemorySecretBackend.
    // fallbackFile: the file of the opt-in fallback (created only once allowed).
    SecretStore(std::unique_ptr<SecretBackend> keychain, const QString &fallbackFile,
                QObject *parent = nullptr);
    ~SecretStore() override;

    // The system keychain (service "drover"), and the fallback file next to the application's
    // settings (QStandardPaths::AppConfigLocation/insecure-secrets.ini).
    static std::unique_ptr<SecretStore> createDefault(QObject *parent = nullptr);

    // Each calls done exactly once from the event loop (done may be empty). A read of a key
    // that was never written answers Status::NotFound.
    void read(const QString &key, Done done = {});
    void write(const QString &key, const QString &secret, Done done = {});
    void remove(const QString &key, Done done = {});

    // Asks the keychain now (a read of a probe key), so that the UI can show notice() before
    // any secret is needed; again after a failure, to check whether it came back.
    void probe(Done done = {});

    Storage storage() const { return m_storage; }
    // Why the keychain can't be used (empty while it can), e.g. "no Secret Service on D-Bus".
    QString keychainProblem() const { return m_keychainProblem; }
    // What the user should know, one paragraph; empty while the keychain works.
    QString notice() const;

    // The opt-in to the file fallback. Allowing it moves this session's secrets into the file
    // (when there is no keychain); withdrawing it moves the file's secrets into memory and
    // deletes the file.
    bool isFileFallbackAllowed() const;
    void setFileFallbackAllowed(bool allowed);
    QString fallbackFileName() const;

Q_SIGNALS:
    void storageChanged(drover::ui::SecretStore::Storage storage);

private:
    enum class Op {
        Read,
        Write,
        Remove,
    };
    void run(Op op, const QString &key, const QString &secret, Done done);
    void runOn(SecretBackend *backend, Op op, const QString &key, const QString &secret, Done done);
    SecretBackend *fallback() const;
    void keychainUnavailable(const QString &reason);
    void moveFallbackSecretsToKeychain();
    void setStorage(Storage storage);

    std::unique_ptr<SecretBackend> m_keychain;
    std::unique_ptr<SettingsSecretBackend> m_file;
    std::unique_ptr<MemorySecretBackend> m_session;
    Storage m_storage = Storage::Unknown;
    QString m_keychainProblem;
};

} // namespace drover::ui
