// Checks API keys against the state directory's api-keys.json (see ApiKeyStore).
//
// The file is read at construction, on reload() (SIGHUP), and whenever a check finds it
// changed: each check stat()s the file (inode, size, times; `droverd keys` replaces it by
// rename, so every write changes the inode) and reads it again if it differs: a revoke or a
// new key counts from the next CONNECT on, whatever else happens; the stat costs
// microseconds beside the hash check. Beyond that, a QFileSystemWatcher on the file's folder
// reads a changed file at once, and keys that were valid before and are revoked or gone now
// are announced by revoked(), so that the connections they opened end too. A file that
// doesn't read keeps the keys read before (the log says why, once per change of the file).
//
// Each check is one Argon2id verification on the registry's verification pool, never on
// the event loop: a key id that doesn't exist (or text that is no key at all) is checked
// against a dummy hash of the same cost, so timing doesn't tell which ids exist. Whether a
// key is revoked or expired, and whose it is, is looked at only once its secret matched.
#pragma once

#include "apikeystore.h"
#include "apikeyverifier.h"

#include <QFileSystemWatcher>

#include <memory>

namespace drover::auth {

class StoredApiKeyVerifier : public ApiKeyVerifier
{
    Q_OBJECT
public:
    // path: the api-keys.json to read (it need not exist yet).
    explicit StoredApiKeyVerifier(const QString &path, QObject *parent = nullptr);

    QString path() const { return m_path; }
    // Reads the file again. False with error (never quoting a hash or key) if it can't be
    // read; the keys read before stay. A missing file means no keys.
    bool reload(QString *error = nullptr);
    // Whether the file has been read successfully at least once (else keys are refused
    // with Unavailable: the gateway can't tell good keys from bad ones).
    bool isLoaded() const { return m_loaded; }
    std::shared_ptr<const ApiKeyStore> store() const { return m_store; }

    // Accepted: Identity::named(user) with Identity::expires = the key's expiry.
    void verify(const QString &user, const QByteArray &key, QObject *context,
                std::function<void(const AuthVerdict &)> done) override;

    // Made with PasswordHasher::hashSecret like every key's hash, so it costs the same.
    static QByteArray dummyHash();
    // The Identity::credential of a session opened with key `id`.
    static QString credentialOf(const QString &id) { return QStringLiteral("API key ") + id; }

private:
    // What stat() says about the file; equal stamps mean "not changed since read".
    struct Stamp {
        bool exists = false;
        quint64 device = 0;
        quint64 inode = 0;
        qint64 size = 0;
        qint64 modifiedNs = 0;
        qint64 changedNs = 0;
        bool operator==(const Stamp &o) const
        {
            return exists == o.exists && device == o.device && inode == o.inode && size == o.size &&
                   modifiedNs == o.modifiedNs && changedNs == o.changedNs;
        }
        bool operator!=(const Stamp &o) const { return !(*this == o); }
    };
    Stamp stampNow() const;
    void reloadIfChanged();
    void watchFolder();

    QString m_path;
    std::shared_ptr<const ApiKeyStore> m_store;
    Stamp m_stamp; // of the file last read (or tried)
    bool m_loaded = false;
    QFileSystemWatcher m_watcher; // the file's folder: `droverd keys` renames a new file in
};

} // namespace drover::auth
