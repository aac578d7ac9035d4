// Where secrets are kept: the system keychain (KeychainSecretBackend), memory for this session
// (MemorySecretBackend) or the opt-in settings file (SettingsSecretBackend). Asynchronous,
// because keychains answer over D-Bus or after asking the user. SecretStore chooses between
// them; tests inject their own.
#pragma once

#include <QObject>
#include <QString>
#include <functional>

namespace drover::ui {

class SecretBackend : public QObject
{
    Q_OBJECT
public:
    enum class Status {
        Ok,
        NotFound,    // read: no secret under that key (remove: treated as Ok)
        Unavailable, // the backend can't be used at all (no keychain service): try elsewhere
        Failed,      // this operation failed (access denied, I/O error)
    };
    struct Result {
        Status status = Status::Ok;
        QString secret; // read only
        QString error;  // plain language, for the user; never contains the secret
        bool ok() const { return status == Status::Ok; }
    };
    using Done = std::function<void(const Result &)>;

    explicit SecretBackend(QObject *parent = nullptr);
    ~SecretBackend() override;

    // Each calls done exactly once, from the event loop (never from inside the call), unless
    // the backend is destroyed first. done may be empty.
    virtual void read(const QString &key, Done done) = 0;
    virtual void write(const QString &key, const QString &secret, Done done) = 0;
    virtual void remove(const QString &key, Done done) = 0;

    // Where the secrets are, for messages: "the system keychain", "memory (this session only)".
    virtual QString description() const = 0;

protected:
    // Calls done with result from the event loop, unless this backend is gone by then.
    void finishLater(Done done, Result result);
};

} // namespace drover::ui
