#include "storedapikeyverifier.h"

#include "registry/deviceregistry.h"
#include "registry/passwordhasher.h"

#include <QFile>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QtConcurrent/QtConcurrentRun>

#include <sys/stat.h>

Q_LOGGING_CATEGORY(lcApiKeys, "drover.auth.apikeys")

namespace drover::auth {

namespace {

// What the client is told when the key doesn't prove the user: the same for an unknown
// key, a wrong secret and another user's key, so the answer reveals nothing.
const QString BadKey = QStringLiteral("bad user name or API key");

int activeCount(const ApiKeyStore &store, const QDateTime &now)
{
    int active = 0;
    for (const ApiKey &key : store.keys())
        active += key.state(now) == ApiKey::State::Active ? 1 : 0;
    return active;
}

} // namespace

StoredApiKeyVerifier::StoredApiKeyVerifier(const QString &path, QObject *parent)
    : ApiKeyVerifier(parent)
    , m_path(path)
    , m_store(std::make_shared<const ApiKeyStore>())
{
    connect(&m_watcher, &QFileSystemWatcher::directoryChanged, this, &StoredApiKeyVerifier::reloadIfChanged);
    reload();
}

void StoredApiKeyVerifier::watchFolder()
{
    // The folder may appear only when the first key is made; watched from then on.
    const QString folder = QFileInfo(m_path).absolutePath();
    if (m_watcher.directories().isEmpty() && QFileInfo(folder).isDir())
        m_watcher.addPath(folder);
}

StoredApiKeyVerifier::Stamp StoredApiKeyVerifier::stampNow() const
{
    struct stat info;
    Stamp stamp;
    if (::stat(QFile::encodeName(m_path).constData(), &info) != 0)
        return stamp;
    stamp.exists = true;
    stamp.device = quint64(info.st_dev);
    stamp.inode = quint64(info.st_ino);
    stamp.size = qint64(info.st_size);
    stamp.modifiedNs = qint64(info.st_mtim.tv_sec) * 1000000000 + info.st_mtim.tv_nsec;
    stamp.changedNs = qint64(info.st_ctim.tv_sec) * 1000000000 + info.st_ctim.tv_nsec;
    return stamp;
}

bool StoredApiKeyVerifier::reload(QString *error)
{
    m_stamp = stampNow();
    QString reason;
    std::optional<ApiKeyStore> loaded = ApiKeyStore::load(m_path, &reason);
    if (!loaded) {
        if (m_loaded)
            qCWarning(lcApiKeys).noquote() << "API keys not reloaded, the" << m_store->keys().size()
                                           << "keys read before stay:" << reason;
        else
            qCWarning(lcApiKeys).noquote()
                << "API keys cannot be read, every API key is refused until the file is fixed:" << reason;
        if (error)
            *error = reason;
        return false;
    }
    // Keys that proved sessions until now and are revoked or gone from the new file.
    QStringList revoked;
    if (m_loaded) {
        for (const ApiKey &before : m_store->keys()) {
            const ApiKey *now = loaded->find(before.id);
            if (!before.revoked.isValid() && (!now || now->revoked.isValid()))
                revoked.append(credentialOf(before.id));
        }
    }
    m_store = std::make_shared<const ApiKeyStore>(std::move(*loaded));
    m_loaded = true;
    watchFolder();
    if (!revoked.isEmpty()) {
        qCInfo(lcApiKeys).noquote() << "API keys revoked or removed:" << revoked.join(QLatin1String(", "))
                                    << "- connections they opened are ended";
        Q_EMIT this->revoked(revoked);
    }
    if (!m_stamp.exists) {
        qCInfo(lcApiKeys).noquote() << "API keys: none yet (no" << m_path
                                    << "- droverd keys create --user NAME makes one)";
        return true;
    }
    qCInfo(lcApiKeys).noquote() << QStringLiteral("API keys: %1 keys (%2 active) in %3")
                                       .arg(m_store->keys().size())
                                       .arg(activeCount(*m_store, QDateTime::currentDateTimeUtc()))
                                       .arg(m_path);
    const QFile::Permissions others =
        QFile::ReadGroup | QFile::WriteGroup | QFile::ReadOther | QFile::WriteOther;
    if (QFile::permissions(m_path) & others)
        qCWarning(lcApiKeys).noquote()
            << m_path
            << "is readable by other users than droverd's: chmod 600 it (its hashes "
               "allow guessing offline)";
    return true;
}

void StoredApiKeyVerifier::reloadIfChanged()
{
    if (stampNow() != m_stamp)
        reload();
}

QByteArray StoredApiKeyVerifier::dummyHash()
{
    // Made once, of a secret nobody keeps; thread-safe function-local static.
    static const QByteArray hash = [] {
        QByteArray secret(32, Qt::Uninitialized);
        QRandomGenerator::system()->generate(secret.begin(), secret.end());
        const QByteArray made = registry::PasswordHasher::hashSecret(secret);
        registry::PasswordHasher::wipe(secret);
        return made;
    }();
    return hash;
}

void StoredApiKeyVerifier::verify(const QString &user, const QByteArray &key, QObject *context,
                                  std::function<void(const AuthVerdict &)> done)
{
    if (!context || !done)
        return;
    reloadIfChanged();
    if (!m_loaded) {
        qCWarning(lcApiKeys).noquote() << "API key of" << user << "not checked:" << m_path << "can't be read";
        done(AuthVerdict::refuse(AuthVerdict::Status::Unavailable,
                                 QStringLiteral("API keys can't be checked right now")));
        return;
    }
    const std::optional<QString> id = ApiKeyStore::idOf(key);
    const ApiKey *found = id ? m_store->find(*id) : nullptr;
    // The record is copied: the check may finish after a reload replaced the store.
    const std::optional<ApiKey> record = found ? std::optional<ApiKey>(*found) : std::nullopt;
    const QByteArray hash = record ? record->hash : dummyHash();

    auto *watcher = new QFutureWatcher<bool>(context);
    QObject::connect(watcher, &QFutureWatcherBase::finished, watcher, [=, done = std::move(done)] {
        // No result only if the job threw or was cancelled: that proves nothing.
        const bool match = watcher->future().resultCount() > 0 && watcher->result();
        watcher->deleteLater();
        const auto refuse = [&](const QString &why, const QString &toClient) {
            qCInfo(lcApiKeys).noquote() << "API key refused for user" << user + QLatin1Char(':') << why;
            done(AuthVerdict::refuse(AuthVerdict::Status::BadCredentials, toClient));
        };
        if (!id)
            return refuse(QStringLiteral("the password is not an API key (drv_<id>_<secret>)"), BadKey);
        if (!record)
            return refuse(QStringLiteral("no key %1").arg(*id), BadKey);
        if (!match)
            return refuse(QStringLiteral("wrong secret for key %1").arg(*id), BadKey);
        if (record->user != user)
            return refuse(QStringLiteral("key %1 belongs to another user").arg(*id), BadKey);
        const QDateTime now = QDateTime::currentDateTimeUtc();
        switch (record->state(now)) {
        case ApiKey::State::Revoked:
            return refuse(
                QStringLiteral("key %1 was revoked at %2").arg(*id, record->revoked.toString(Qt::ISODate)),
                QStringLiteral("API key revoked"));
        case ApiKey::State::Expired:
            return refuse(
                QStringLiteral("key %1 expired at %2").arg(*id, record->expires.toString(Qt::ISODate)),
                QStringLiteral("API key expired"));
        case ApiKey::State::Active:
            break;
        }
        qCDebug(lcApiKeys).noquote() << "API key" << *id << "accepted for user" << user;
        Identity identity = Identity::named(user);
        identity.expires = record->expires;      // a session must not outlive its key
        identity.credential = credentialOf(*id); // nor its revocation
        done(AuthVerdict::accept(identity));
    });
    QFuture<bool> future = QtConcurrent::run(
        registry::DeviceRegistry::verificationPool(),
        // The job holds its own copy of the key text and wipes it (best effort: it clears
        // the bytes only where it holds the last reference).
        [](const QByteArray &checked, QByteArray text) {
            const bool match = registry::PasswordHasher::verify(checked, text);
            registry::PasswordHasher::wipe(text);
            return match;
        },
        hash, key);
    // A check whose client went away need not run at all.
    QObject::connect(watcher, &QObject::destroyed, [future]() mutable {
        if (!future.isFinished())
            future.cancel();
    });
    watcher->setFuture(future);
}

} // namespace drover::auth
