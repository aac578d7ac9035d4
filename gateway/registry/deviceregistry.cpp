#include "deviceregistry.h"

#include "passwordhasher.h"

#include <QFutureWatcher>
#include <QMetaObject>
#include <QObject>
#include <QPointer>
#include <QThread>
#include <QThreadPool>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>

namespace drover::registry {

namespace {

// crypto_pwhash_str of 32 random bytes, long forgotten, with OPSLIMIT_INTERACTIVE and
// MEMLIMIT_INTERACTIVE: the parameters `droverd hash-password` uses, so checking it
// costs what checking a real device's hash costs. No password matches it in practice.
constexpr char DummyHash[] =
    "$argon2id$v=19$m=65536,t=2,p=1$4mM1DZUC+npm8FS5JDLh+A$Eq1D1HIN15tGR7OpP4tLEr6wNwuqVWrrzhqRdeWc0x4";

// What a worker does: verify password against hash, then report one of two results.
struct Check {
    QByteArray hash;
    VerifyResult ifMatch = VerifyResult::BadPassword;
    VerifyResult ifMismatch = VerifyResult::BadPassword;
};

// Runs check on the pool and delivers its result through a watcher that is a child of
// context, so destroying context destroys the watcher and with it the delivery. Must run
// on context's thread (a QObject's children live in its thread).
void startCheck(const Check &check, const QByteArray &password, QObject *context,
                std::function<void(VerifyResult)> done)
{
    auto *watcher = new QFutureWatcher<VerifyResult>(context);
    QObject::connect(watcher, &QFutureWatcherBase::finished, watcher, [watcher, done = std::move(done)] {
        // No result only if the job threw (out of memory): that is no proof of the password.
        const VerifyResult result =
            watcher->future().resultCount() > 0 ? watcher->result() : VerifyResult::BadPassword;
        watcher->deleteLater();
        done(result);
    });
    QFuture<VerifyResult> future = QtConcurrent::run(
        DeviceRegistry::verificationPool(),
        // The arguments are moved into the call, so the job can wipe its copy of the
        // password; best effort, it clears the bytes only if it holds the last reference.
        [](const Check &job, QByteArray secret) {
            const bool match = PasswordHasher::verify(job.hash, secret);
            PasswordHasher::wipe(secret);
            return match ? job.ifMatch : job.ifMismatch;
        },
        check, password);
    // A check whose requester is gone (the client disconnected) need not run at all:
    // cancelling a QtConcurrent::run job that has not started yet skips it.
    QObject::connect(watcher, &QObject::destroyed, [future]() mutable {
        if (!future.isFinished()) {
            future.cancel();
        }
    });
    watcher->setFuture(future);
}

} // namespace

DeviceRegistry::DeviceRegistry(const config::Config &config)
{
    for (const config::ApplicationConfig &app : config.applications) {
        QHash<QString, Device> &devices = m_applications[app.name];
        for (const config::DeviceConfig &deviceConfig : app.devices) {
            Device device;
            device.application = app.name;
            device.name = deviceConfig.name;
            device.passwordHash = deviceConfig.passwordHash;
            device.enabled = deviceConfig.enabled;
            for (const QString &other : deviceConfig.gatewayFor) {
                if (other != deviceConfig.name) {
                    device.gatewayFor.insert(other);
                }
            }
            devices.insert(device.name, device);
        }
    }
    for (const QHash<QString, Device> &devices : std::as_const(m_applications)) {
        m_deviceCount += int(devices.size());
    }
}

std::shared_ptr<const DeviceRegistry> DeviceRegistry::create(const config::Config &config)
{
    return std::make_shared<const DeviceRegistry>(config);
}

bool DeviceRegistry::hasApplication(const QString &application) const
{
    return m_applications.contains(application);
}

QStringList DeviceRegistry::revokedBy(const DeviceRegistry &newer) const
{
    QStringList revoked;
    for (const QHash<QString, Device> &devices : m_applications) {
        for (const Device &before : devices) {
            if (!before.enabled || !before.hasPassword())
                continue; // it could not log in anyway
            const Device *after = newer.lookup(before.application, before.name);
            if (!after || !after->enabled || after->passwordHash != before.passwordHash)
                revoked.append(before.name + QLatin1Char('@') + before.application);
        }
    }
    revoked.sort();
    return revoked;
}

const Device *DeviceRegistry::lookup(const QString &application, const QString &device) const
{
    const auto app = m_applications.constFind(application);
    if (app == m_applications.cend()) {
        return nullptr;
    }
    const auto entry = app->constFind(device);
    return entry == app->cend() ? nullptr : &*entry;
}

bool DeviceRegistry::isGatewayFor(const QString &application, const QString &gateway,
                                  const QString &device) const
{
    const Device *gatewayDevice = lookup(application, gateway);
    const Device *target = lookup(application, device);
    return gatewayDevice && target && gatewayDevice != target && gatewayDevice->enabled && target->enabled &&
           gatewayDevice->gatewayFor.contains(device);
}

void DeviceRegistry::verifyPassword(const QString &application, const QString &device,
                                    const QByteArray &password, QObject *context,
                                    std::function<void(VerifyResult)> done) const
{
    if (!context || !done) {
        return;
    }
    Check check;
    if (!hasApplication(application)) {
        check = {dummyHash(), VerifyResult::UnknownApplication, VerifyResult::UnknownApplication};
    } else if (const Device *entry = lookup(application, device); !entry) {
        check = {dummyHash(), VerifyResult::UnknownDevice, VerifyResult::UnknownDevice};
    } else if (!entry->hasPassword()) {
        check = {dummyHash(), VerifyResult::NoPasswordSet, VerifyResult::NoPasswordSet};
    } else if (!entry->enabled) {
        check = {entry->passwordHash, VerifyResult::Disabled, VerifyResult::BadPassword};
    } else {
        check = {entry->passwordHash, VerifyResult::Ok, VerifyResult::BadPassword};
    }

    if (context->thread() == QThread::currentThread()) {
        startCheck(check, password, context, std::move(done));
        return;
    }
    // Called from another thread: start the check on context's thread, where its watcher
    // must live. Posting is safe while context exists (the caller vouches for that now); if
    // context dies before the posted call runs, Qt drops the call with it.
    QPointer<QObject> guard(context);
    QMetaObject::invokeMethod(
        context,
        [check, password, guard, done = std::move(done)]() mutable {
            if (guard) {
                startCheck(check, password, guard.data(), std::move(done));
            }
        },
        Qt::QueuedConnection);
}

QThreadPool *DeviceRegistry::verificationPool()
{
    // Argon2 with MEMLIMIT_INTERACTIVE holds 64 MiB per running check: a few threads keep
    // a burst of logins from taking the machine's memory, and leave cores to the loop.
    static QThreadPool pool;
    static const bool configured = [] {
        pool.setMaxThreadCount(std::clamp(QThread::idealThreadCount(), 2, 4));
        pool.setObjectName(QStringLiteral("drover-password-checks"));
        return true;
    }();
    Q_UNUSED(configured);
    return &pool;
}

QByteArray DeviceRegistry::dummyHash()
{
    return QByteArray(DummyHash);
}

} // namespace drover::registry
