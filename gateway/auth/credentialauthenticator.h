// The authenticator of the integration API: it decides what the presented credentials
// are and hands them to the verifier for that kind, the way Drogue's MQTT integration reads
// them:
//  - none: anonymous (what anonymous may do is up to the AccessPolicy);
//  - a user name alone: an OAuth2 access token (MQTT 3.1.1 and 5);
//  - a password alone (MQTT 5 only): an OAuth2 access token;
//  - user name and password: a user and their API key; the same token in both is refused.
//  - MQTT 5 Authentication Method "oauth2-jwt" with the access token as Authentication
//    Data (and neither user name nor password): an OAuth2 access token, which the client
//    may replace later by AUTH re-authentication before it expires.
// A kind with no verifier configured is refused — credentials are never downgraded to
// anonymous.
#pragma once

#include "authenticator.h"

namespace drover::auth {

class AccessPolicy;
class ApiKeyVerifier;
class TokenVerifier;

class CredentialAuthenticator : public Authenticator
{
    Q_OBJECT
public:
    using Authenticator::Authenticator;

    // Not owned; either may be null (that kind of credential is then refused).
    void setTokenVerifier(TokenVerifier *verifier) { m_tokens = verifier; }
    // Its revocations are relayed as credentialsRevoked().
    void setApiKeyVerifier(ApiKeyVerifier *verifier);
    // Not owned; may be null. With a policy, a named user it lets use no application at all
    // is refused with NotAuthorized (v5 0x87, 3.1.1 code 5) instead of being accepted.
    void setAccessPolicy(const AccessPolicy *policy) { m_policy = policy; }

    void authenticate(const Credentials &credentials, QObject *context,
                      std::function<void(const AuthVerdict &)> done) override;
    // "oauth2-jwt" when a token verifier is set.
    QByteArrayList authenticationMethods() const override;
    static constexpr char OAuth2JwtMethod[] = "oauth2-jwt";

    // Whether text has the shape of a JWT (three base64url parts): how a token in both
    // fields, or an API key without its user, is told apart in the refusals.
    static bool looksLikeJwt(const QByteArray &text);

private:
    TokenVerifier *m_tokens = nullptr;
    ApiKeyVerifier *m_keys = nullptr;
    const AccessPolicy *m_policy = nullptr;
};

} // namespace drover::auth
