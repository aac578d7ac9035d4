// A JSON Web Token in compact form (RFC 7519), split and decoded but NOT verified: what its
// header and claims say is only a claim until JwsSignature has checked the signature. The raw
// base64url parts are kept, because the signature covers them, not the decoded JSON.
#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <optional>

namespace drover::auth {

class JwtToken
{
public:
    // Three base64url parts, each JSON object where it must be; nullopt with *error (never
    // quoting the text) for anything else: a JWE (five parts), bad base64, bad JSON, a
    // header without a string "alg".
    static std::optional<JwtToken> parse(const QByteArray &compact, QString *error);

    const QJsonObject &header() const { return m_header; }
    const QJsonObject &claims() const { return m_claims; }
    QString algorithm() const { return m_header.value(QLatin1String("alg")).toString(); }
    QString keyId() const { return m_header.value(QLatin1String("kid")).toString(); }
    bool hasKeyId() const { return m_header.contains(QLatin1String("kid")); }
    QString issuer() const { return m_claims.value(QLatin1String("iss")).toString(); }

    // The three parts as they were sent (base64url, no padding).
    const QByteArray &protectedPart() const { return m_protected; }
    const QByteArray &payloadPart() const { return m_payload; }
    const QByteArray &signaturePart() const { return m_signature; }

private:
    QJsonObject m_header;
    QJsonObject m_claims;
    QByteArray m_protected;
    QByteArray m_payload;
    QByteArray m_signature;
};

} // namespace drover::auth
