#include "jwttoken.h"

#include <QJsonDocument>
#include <QJsonParseError>

namespace drover::auth {

namespace {

bool isBase64Url(const QByteArray &part)
{
    for (const char c : part) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                        c == '-' || c == '_';
        if (!ok)
            return false;
    }
    return part.size() % 4 != 1; // no base64 text has that length
}

std::optional<QJsonObject> decodeObject(const QByteArray &part, const char *what, QString *error)
{
    const auto decoded =
        QByteArray::fromBase64Encoding(part, QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals |
                                                 QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded) {
        *error = QStringLiteral("malformed token: its %1 is not base64url").arg(QLatin1String(what));
        return std::nullopt;
    }
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(*decoded, &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject()) {
        *error = QStringLiteral("malformed token: its %1 is not a JSON object").arg(QLatin1String(what));
        return std::nullopt;
    }
    return document.object();
}

} // namespace

std::optional<JwtToken> JwtToken::parse(const QByteArray &compact, QString *error)
{
    QString ignored;
    if (!error)
        error = &ignored;
    const QList<QByteArray> parts = compact.split('.');
    if (parts.size() == 5) {
        *error = QStringLiteral("encrypted tokens (JWE) are not supported");
        return std::nullopt;
    }
    if (parts.size() != 3) {
        *error = QStringLiteral("malformed token: a JWT has 3 parts separated by dots, this has %1")
                     .arg(parts.size());
        return std::nullopt;
    }
    if (parts[0].isEmpty() || parts[1].isEmpty()) {
        *error = QStringLiteral("malformed token: empty header or payload");
        return std::nullopt;
    }
    for (const QByteArray &part : parts) {
        if (!isBase64Url(part)) {
            *error = QStringLiteral("malformed token: not base64url");
            return std::nullopt;
        }
    }
    JwtToken token;
    const auto header = decodeObject(parts[0], "header", error);
    if (!header)
        return std::nullopt;
    const auto claims = decodeObject(parts[1], "payload", error);
    if (!claims)
        return std::nullopt;
    if (!header->value(QLatin1String("alg")).isString()) {
        *error = QStringLiteral("malformed token: its header names no algorithm (alg)");
        return std::nullopt;
    }
    token.m_header = *header;
    token.m_claims = *claims;
    token.m_protected = parts[0];
    token.m_payload = parts[1];
    token.m_signature = parts[2];
    return token;
}

} // namespace drover::auth
