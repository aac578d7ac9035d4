// The integration API's TokenVerifier: OAuth2 access tokens of the configured issuers
// ([[token-issuer]]). A JWT is checked locally against its issuer's published keys:
//  - size (at most MaxTokenBytes, before any parsing), form (three base64url parts of JSON);
//  - the header's alg: never "none" or HMAC (an HS256 token "signed" with the issuer's public
//    key is the classic forgery), and one of the issuer's allowed algorithms;
//  - the issuer, picked by the token's iss (read before verification only to choose whose
//    keys to use, then verified with them), equal to a configured issuer URL exactly;
//  - the signature, by libjose, with the key the header's kid names (or the only key that
//    fits, when there is no kid); a kid the cached key set lacks refetches it once
//    (rate-limited per issuer), so key rotations are picked up and forgeries are not;
//  - exp (required) and nbf/iat within the leeway; aud naming a configured audience (or azp,
//    where the issuer is configured so).
// Opaque tokens (not a JWT) go to RFC 7662 introspection when an issuer offers it.
// Accepted: Identity::named(the username claim), Identity::expires = exp.
// Refusal reasons name claims (iss, aud, kid, exp, ...) but never contain the token.
#pragma once

#include "tokenverifier.h"

#include "config/config.h"

#include <vector>

class QNetworkAccessManager;

namespace drover::auth {

class JwtToken;
class OidcIssuer;
class TokenIntrospector;

class JwtVerifier : public TokenVerifier
{
    Q_OBJECT
public:
    explicit JwtVerifier(const QList<config::TokenIssuerConfig> &issuers, QObject *parent = nullptr);
    ~JwtVerifier() override;

    // Why this verifier can't work as configured (an unreadable introspection secret), or empty.
    QString configurationError() const { return m_configurationError; }
    // Starts fetching every issuer's discovery document and keys. Tokens that arrive before
    // the keys wait for them (bounded); verify() starts the fetch itself if need be.
    void start();

    void verify(const QByteArray &token, QObject *context,
                std::function<void(const AuthVerdict &)> done) override;

    // The issuer configured with this URL, or null (tests watch its key fetches).
    OidcIssuer *issuer(const QString &url) const;

    static constexpr qsizetype MaxTokenBytes = 16 * 1024;

private:
    struct Issuer {
        config::TokenIssuerConfig config;
        OidcIssuer *keys = nullptr; // a child of this object
    };
    using Finish = std::function<void(const AuthVerdict &)>;

    void checkSignature(const JwtToken &token, size_t issuerIndex, bool refetched, const Finish &finish);
    void introspect(const QByteArray &token, const Finish &finish);
    // exp/nbf/iat, audience and the user of verified claims (a JWT's, or an introspection answer).
    AuthVerdict checkClaims(const QJsonObject &claims, const config::TokenIssuerConfig &issuer,
                            bool jwt) const;

    QNetworkAccessManager *m_network;
    std::vector<Issuer> m_issuers;
    TokenIntrospector *m_introspector = nullptr;
    size_t m_introspectingIssuer = 0;
    QString m_configurationError;
};

} // namespace drover::auth
