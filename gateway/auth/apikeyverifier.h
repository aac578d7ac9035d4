// Checks a user's API key presented at CONNECT as user name + password (Drogue's form).
// Keys are stored only as hashes, checked off the event loop.
#pragma once

#include "authenticator.h"

namespace drover::auth {

class ApiKeyVerifier : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;

    // `done` runs once on the event loop, not at all if `context` is destroyed first.
    // Accepted: Identity::named(user). Refused: BadCredentials with why for the log (unknown
    // user or key, revoked, expired; the client is told only "bad user name or password").
    virtual void verify(const QString &user, const QByteArray &key, QObject *context,
                        std::function<void(const AuthVerdict &)> done) = 0;

Q_SIGNALS:
    // Keys that were valid were revoked or removed: Identity::credential values.
    void revoked(const QStringList &credentials);
};

} // namespace drover::auth
