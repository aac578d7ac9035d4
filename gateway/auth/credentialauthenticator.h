// The authenticator of the integration API: it decides what the presented credentials
// are and hands them to the verifier for that kind, the way Drogue's MQTT integration reads
// them:
//  - none: anonymous (what anonymous may do is up to the AccessPolicy);
//  - a user name alone: an OAuth2 access token (MQTT 3.1.1 and 5);
//  - a password alone (MQTT 5 only): an OAuth2 access token;
//  - user name and password: a user and their API key; the same token in both is refused.
// A kind with no verifier configured is refused — credentials are never downgraded to
// anonymous.
#pragma once

#include "authenticator.h"

namespace drover::auth {

class ApiKeyVerifier;
class TokenVerifier;

class CredentialAuthenticator : public Authenticator
{
    Q_OBJECT
public:
    using Authenticator::Authenticator;

    // Not owned; either may be null (that kind of credential is then refused).
    void setTokenVerifier(TokenVerifier *verifier) { m_tokens = verifier; }
    void setApiKeyVerifier(ApiKeyVerifier *verifier) { m_keys = verifier; }

    void authenticate(const Credentials &credentials, QObject *context,
                      std::function<void(const AuthVerdict &)> done) override;

    // Whether text has the shape of a JWT (three base64url parts): how a token in both
    // fields, or an API key without its user, is told apart in the refusals.
    static bool looksLikeJwt(const QByteArray &text);

private:
    TokenVerifier *m_tokens = nullptr;
    ApiKeyVerifier *m_keys = nullptr;
};

} // namespace drover::auth
