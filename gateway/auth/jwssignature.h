// Checks a JWT's signature with one public JWK, through libjose (OpenSSL): no cryptography
// of our own. The caller has already decided that the token's algorithm is allowed and that
// the key is of the matching type (keyMatchesAlgorithm); verify() pins the algorithm into a
// copy of the key, because libjose would otherwise take it from the attacker's header (and
// its own "alg" comparison of header and key is not a plain equality check).
#pragma once

#include <QJsonObject>
#include <QString>

namespace drover::auth {

class JwtToken;

class JwsSignature
{
public:
    // Whether a public key `jwk` can check signatures of `algorithm` (RS*/PS*: an RSA key;
    // ES256/384/512: an EC key on P-256/P-384/P-521); its own "alg" and "use", where given,
    // must agree. Sets *reason when not.
    static bool keyMatchesAlgorithm(const QJsonObject &jwk, const QString &algorithm, QString *reason);

    // True when the token's signature is valid for `jwk` under `algorithm` (the token's own,
    // already checked). HMAC and "none" are never passed here.
    static bool verify(const JwtToken &token, const QJsonObject &jwk, const QString &algorithm);
};

} // namespace drover::auth
