// Checks an OAuth2 access token presented at CONNECT (as the user name, or as the password
// of an MQTT 5 client that sends no user name). Asynchronous: key sets and introspection
// endpoints are on the network, and the event loop never waits for them.
#pragma once

#include "authenticator.h"

namespace drover::auth {

class TokenVerifier : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;

    // `done` runs once on the event loop (possibly before verify returns), not at all if
    // `context` is destroyed first. Accepted: the identity of the token's subject (named by
    // the configured claim) with Identity::expires set to the token's expiry. Refused:
    // BadCredentials with why (never the token) for a token that is invalid, expired, not
    // yet valid, or not for us; Unavailable when the issuer's keys can't be fetched.
    virtual void verify(const QByteArray &token, QObject *context,
                        std::function<void(const AuthVerdict &)> done) = 0;
};

} // namespace drover::auth
