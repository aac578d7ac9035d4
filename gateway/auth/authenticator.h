// Checks the credentials a client presents at CONNECT. Asynchronous, because token and
// API key checks may need the network; the event loop never blocks on them.
#pragma once

#include "identity.h"

#include <QByteArray>
#include <QByteArrayList>
#include <QObject>
#include <functional>
#include <optional>

namespace drover::auth {

struct Credentials {
    std::optional<QByteArray> username;
    std::optional<QByteArray> password;
    QByteArray clientId;
    bool passwordOnlyAllowed = false; // MQTT 5 may send a password without a user name
    // MQTT 5 enhanced authentication (CONNECT, or AUTH to re-authenticate): the method, one
    // of Authenticator::authenticationMethods(), and its data; empty when not used.
    QByteArray authenticationMethod;
    QByteArray authenticationData;
};

struct AuthVerdict {
    enum class Status {
        Accepted,
        BadCredentials, // wrong or unverifiable credentials (v5 0x86, 3.1.1 code 4)
        NotAuthorized,  // who you are is known, but you may not connect (v5 0x87, 3.1.1 code 5)
        Unavailable,    // the verifier can't be reached (v5 0x88, 3.1.1 code 3)
    };
    Status status = Status::Accepted;
    Identity identity;
    QString message; // why, for the log and the v5 reason string; never contains a secret

    static AuthVerdict accept(Identity identity) { return {Status::Accepted, std::move(identity), {}}; }
    static AuthVerdict refuse(Status status, QString message) { return {status, {}, std::move(message)}; }
};

class Authenticator : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;

    // `done` runs on the event loop (possibly before authenticate returns); not at all if
    // `context` is destroyed first.
    virtual void authenticate(const Credentials &credentials, QObject *context,
                              std::function<void(const AuthVerdict &)> done) = 0;

    // The MQTT 5 Authentication Methods this authenticator understands (single-step: the
    // Authentication Data alone proves who the client is, at CONNECT and again in AUTH
    // re-authentication). None by default.
    virtual QByteArrayList authenticationMethods() const { return {}; }

Q_SIGNALS:
    // These credentials (Identity::credential values) no longer prove who the client is:
    // the sessions they proved end. `why` completes "<credential> ...", e.g. "was revoked".
    void credentialsRevoked(const QStringList &credentials, const QString &why);
};

} // namespace drover::auth
