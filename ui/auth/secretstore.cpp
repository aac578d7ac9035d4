#include "secretstore.h"

#include "keychainsecretbackend.h"
#include "memorysecretbackend.h"
#include "settingssecretbackend.h"

#include <QLoggingCategory>
#include <QPointer>
#include <QStandardPaths>

Q_LOGGING_CATEGORY(lcSecrets, "drover.ui.secrets")

namespace drover::ui {

namespace {
const QString ProbeKey = QStringLiteral("drover/keychain-probe");
}

SecretStore::SecretStore(std::unique_ptr<SecretBackend> keychain, const QString &fallbackFile,
                         QObject *parent)
    : QObject(parent)
    , m_keychain(std::move(keychain))
    , m_file(std::make_unique<SettingsSecretBackend>(fallbackFile))
    , m_session(std::make_unique<MemorySecretBackend>())
{
    Q_ASSERT(m_keychain);
}

SecretStore::~SecretStore() = default;

std::unique_ptr<SecretStore> SecretStore::createDefault(QObject *parent)
{
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation);
    return std::make_unique<SecretStore>(std::make_unique<KeychainSecretBackend>(),
                                         dir + QStringLiteral("/insecure-secrets.ini"), parent);
}

void SecretStore::read(const QString &key, Done done)
{
    run(Op::Read, key, {}, std::move(done));
}

void SecretStore::write(const QString &key, const QString &secret, Done done)
{
    run(Op::Write, key, secret, std::move(done));
}

void SecretStore::remove(const QString &key, Done done)
{
    run(Op::Remove, key, {}, std::move(done));
}

void SecretStore::probe(Done done)
{
    QPointer<SecretStore> self(this);
    m_keychain->read(ProbeKey, [self, done = std::move(done)](const Result &result) {
        if (!self)
            return;
        if (result.status == SecretBackend::Status::Unavailable) {
            self->keychainUnavailable(result.error);
        } else if (self->m_storage != Storage::SystemKeychain) {
            // It answered (NotFound is an answer): from now on secrets go there, and those
            // kept meanwhile move in.
            const Storage before = self->m_storage;
            self->m_keychainProblem.clear();
            self->setStorage(Storage::SystemKeychain);
            if (before == Storage::SessionOnly || before == Storage::InsecureFile)
                self->moveFallbackSecretsToKeychain();
        }
        if (done)
            done(result);
    });
}

QString SecretStore::notice() const
{
    switch (m_storage) {
    case Storage::Unknown:
    case Storage::SystemKeychain:
        return {};
    case Storage::SessionOnly:
        return QStringLiteral(
                   "No system keychain is available (%1): secrets are not saved, and you will have "
                   "to enter them, or log in, again after restarting the console. You can allow "
                   "storing them in the settings file, readable by anyone with access to your "
                   "account.")
            .arg(m_keychainProblem);
    case Storage::InsecureFile:
        return QStringLiteral(
                   "No system keychain is available (%1): as you allowed, secrets are saved in %2, "
                   "obscured but not encrypted: anyone with access to your account can read them.")
            .arg(m_keychainProblem, m_file->fileName());
    }
    return {};
}

bool SecretStore::isFileFallbackAllowed() const
{
    return m_file->isAllowed();
}

QString SecretStore::fallbackFileName() const
{
    return m_file->fileName();
}

void SecretStore::setFileFallbackAllowed(bool allowed)
{
    if (allowed == isFileFallbackAllowed())
        return;
    if (allowed) {
        m_file->setAllowed(true);
        if (m_storage == Storage::SessionOnly) {
            const QHash<QString, QString> secrets = m_session->entries();
            for (auto it = secrets.cbegin(); it != secrets.cend(); ++it) {
                QString error;
                if (!m_file->writeNow(it.key(), it.value(), &error))
                    qCWarning(lcSecrets) << "could not move a secret into the fallback file:" << error;
            }
            m_session->clear();
            setStorage(Storage::InsecureFile);
        }
        return;
    }
    if (m_storage == Storage::InsecureFile) {
        const QHash<QString, QString> secrets = m_file->entries();
        for (auto it = secrets.cbegin(); it != secrets.cend(); ++it)
            m_session->write(it.key(), it.value(), {});
    }
    m_file->setAllowed(false);
    if (m_storage == Storage::InsecureFile)
        setStorage(Storage::SessionOnly);
}

SecretBackend *SecretStore::fallback() const
{
    if (m_file->isAllowed())
        return m_file.get();
    return m_session.get();
}

void SecretStore::run(Op op, const QString &key, const QString &secret, Done done)
{
    if (m_storage == Storage::InsecureFile || m_storage == Storage::SessionOnly) {
        runOn(fallback(), op, key, secret, std::move(done));
        return;
    }
    QPointer<SecretStore> self(this);
    auto afterKeychain = [self, op, key, secret, done = std::move(done)](const Result &result) mutable {
        if (!self)
            return;
        if (result.status != SecretBackend::Status::Unavailable) {
            if (self->m_storage == Storage::Unknown)
                self->setStorage(Storage::SystemKeychain);
            if (done)
                done(result);
            return;
        }
        // No keychain: this operation, and the following ones, go to the fallback.
        self->keychainUnavailable(result.error);
        self->runOn(self->fallback(), op, key, secret, std::move(done));
    };
    runOn(m_keychain.get(), op, key, secret, std::move(afterKeychain));
}

void SecretStore::runOn(SecretBackend *backend, Op op, const QString &key, const QString &secret, Done done)
{
    switch (op) {
    case Op::Read:
        backend->read(key, std::move(done));
        break;
    case Op::Write:
        backend->write(key, secret, std::move(done));
        break;
    case Op::Remove:
        backend->remove(key, std::move(done));
        break;
    }
}

void SecretStore::moveFallbackSecretsToKeychain()
{
    const QHash<QString, QString> secrets = m_session->entries();
    m_session->clear();
    const QHash<QString, QString> fileSecrets = m_file->entries();
    for (auto it = secrets.cbegin(); it != secrets.cend(); ++it)
        m_keychain->write(it.key(), it.value(), {});
    QPointer<SettingsSecretBackend> file(m_file.get());
    for (auto it = fileSecrets.cbegin(); it != fileSecrets.cend(); ++it) {
        const QString key = it.key();
        // The file's copy goes only once the keychain holds it.
        m_keychain->write(key, it.value(), [file, key](const Result &result) {
            if (file && result.ok())
                file->remove(key, {});
        });
    }
}

void SecretStore::keychainUnavailable(const QString &reason)
{
    m_keychainProblem = reason.isEmpty() ? QStringLiteral("the keychain did not answer") : reason;
    const Storage next = m_file->isAllowed() ? Storage::InsecureFile : Storage::SessionOnly;
    if (next != m_storage)
        qCWarning(lcSecrets).noquote() << QStringLiteral("no system keychain (%1): secrets go to %2")
                                              .arg(m_keychainProblem, fallback()->description());
    setStorage(next);
}

void SecretStore::setStorage(Storage storage)
{
    if (storage == m_storage)
        return;
    m_storage = storage;
    Q_EMIT storageChanged(storage);
}

} // namespace drover::ui
