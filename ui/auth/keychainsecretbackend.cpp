#include "keychainsecretbackend.h"

#include <QFileInfo>
#include <qt6keychain/keychain.h>

namespace drover::ui {

namespace {

// Why no keychain answered, in words a user can act on. QtKeychain often says only "Unknown
// error" on Linux (its last-resort backend is a GNOME Keyring library that isn't there).
QString unavailableReason(const QString &keychainError)
{
    QString reason;
#if defined(Q_OS_LINUX) || defined(Q_OS_FREEBSD)
    const QString runtimeDir = qEnvironmentVariable("XDG_RUNTIME_DIR");
    const bool hasSessionBus =
        !qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS") ||
        (!runtimeDir.isEmpty() && QFileInfo::exists(runtimeDir + QStringLiteral("/bus")));
    reason = hasSessionBus ? QStringLiteral("no Secret Service or KWallet answered on D-Bus")
                           : QStringLiteral("no Secret Service on D-Bus: there is no D-Bus session bus");
#else
    reason = QStringLiteral("the system keychain did not answer");
#endif
    if (!keychainError.isEmpty() && keychainError != QLatin1String("Unknown error"))
        reason += QStringLiteral("; the keychain said: ") + keychainError;
    return reason;
}

} // namespace

KeychainSecretBackend::KeychainSecretBackend(const QString &service, QObject *parent)
    : SecretBackend(parent)
    , m_service(service)
{}

void KeychainSecretBackend::read(const QString &key, Done done)
{
    auto *job = new QKeychain::ReadPasswordJob(m_service, this);
    job->setKey(key);
    start(job, true, false, std::move(done));
}

void KeychainSecretBackend::write(const QString &key, const QString &secret, Done done)
{
    auto *job = new QKeychain::WritePasswordJob(m_service, this);
    job->setKey(key);
    job->setTextData(secret);
    start(job, false, false, std::move(done));
}

void KeychainSecretBackend::remove(const QString &key, Done done)
{
    auto *job = new QKeychain::DeletePasswordJob(m_service, this);
    job->setKey(key);
    start(job, false, true, std::move(done));
}

QString KeychainSecretBackend::description() const
{
    return QStringLiteral("the system keychain");
}

void KeychainSecretBackend::start(QKeychain::Job *job, bool isRead, bool isRemove, Done done)
{
    job->setAutoDelete(true);
    job->setInsecureFallback(false);
    connect(
        job, &QKeychain::Job::finished, this, [isRead, isRemove, done = std::move(done)](QKeychain::Job *j) {
            Result result;
            switch (j->error()) {
            case QKeychain::NoError:
                if (isRead)
                    result.secret = static_cast<QKeychain::ReadPasswordJob *>(j)->textData();
                break;
            case QKeychain::EntryNotFound:
                result.status = isRemove ? Status::Ok : Status::NotFound;
                break;
            case QKeychain::AccessDeniedByUser:
            case QKeychain::AccessDenied:
                result = {Status::Failed,
                          {},
                          QStringLiteral("The system keychain refused access (%1).").arg(j->errorString())};
                break;
            case QKeychain::CouldNotDeleteEntry:
                result = {Status::Failed,
                          {},
                          QStringLiteral("The system keychain could not delete the entry (%1).")
                              .arg(j->errorString())};
                break;
            case QKeychain::NoBackendAvailable:
            case QKeychain::NotImplemented:
            case QKeychain::OtherError:
                // On Linux a missing or unreachable keychain daemon shows up as OtherError.
                result = {Status::Unavailable, {}, unavailableReason(j->errorString())};
                break;
            }
            if (done)
                done(result);
        });
    // QtKeychain starts the job from the event loop and reports through finished().
    job->start();
}

} // namespace drover::ui
